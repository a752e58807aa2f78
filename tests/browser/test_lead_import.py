"""Real Chromium: a partner imports a cold list from a CSV file through the cabinet — upload,
columns, preview, import, report — at a desktop's 1366 px and a phone's 390 px without
sideways scroll, and the progress bar follows a running import until its report shows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from crm.lead_import import lead_import_create, lead_import_map
from crm.models import Lead, LeadImport
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.crm.lead_factories import lead_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
FILE = (
    "ФИО;Телефон;Электронная почта;Комментарий;Город проживания покупателя\r\n"
    "Анна Иванова;+7 912 000-00-01;anna@example.com;хочет рассрочку;Москва\r\n"
    "Борис;12345;;;Тверь\r\n"
    "Вера;;;;Омск\r\n"
    "Анна снова;8 912 000 00 01;;;Москва\r\n"
    "Галина Сергеевна Очень-Длинная-Фамилия;+7 912 000-00-09;galina@example.com;;Казань\r\n"
).encode("cp1251")


def shoot(page: Page, name: str) -> None:
    """Screenshots for a person to look at, when SCREENSHOT_DIR is set."""
    where = os.environ.get("SCREENSHOT_DIR")
    if where:
        page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=True)


def width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "1366"), (PHONE, "390")])
def test_a_partner_imports_a_cold_list_from_csv(
    page: Page, live_server: Any, tmp_path: Path, size: ViewportSize, name: str
) -> None:
    # given a partner's lead list and its CSV file
    of = lead_list(name="Холодная база с выставки")
    owner = UserFactory.create(role="partner_owner", partner=of.partner)
    csv_file = tmp_path / "база.csv"
    csv_file.write_bytes(FILE)
    page.set_viewport_size(size)
    log_in(page, live_server.url, owner.email)

    # when the file is uploaded
    page.goto(f"{live_server.url}/cabinet/lead-lists/{of.pk}/import/")
    assert width(page) <= size["width"]
    shoot(page, f"lead-import-upload-{name}")
    page.get_by_label("CSV-файл").set_input_files(str(csv_file))
    page.get_by_role("button", name="Загрузить файл").click()

    # then the columns are guessed and the first rows shown
    expect(page.get_by_test_id("mapping-form")).to_be_visible()
    expect(page.locator("#column_0")).to_have_value("name")
    expect(page.locator("#column_1")).to_have_value("phone")
    expect(page.locator("#column_2")).to_have_value("email")
    expect(page.locator("#column_4")).to_have_value("")
    assert width(page) <= size["width"]
    shoot(page, f"lead-import-mapping-{name}")

    # when the columns are confirmed
    page.get_by_role("button", name="Проверить первые строки").click()

    # then the preview says what will be refused
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("Нет ни телефона, ни email, ни Telegram, ни WhatsApp.")
    expect(page.get_by_test_id("preview-duplicate")).to_have_count(1)
    assert width(page) <= size["width"]
    shoot(page, f"lead-import-preview-{name}")

    # when «Import» is pressed
    page.get_by_role("button", name="Загрузить 5 строк").click()

    # then the report counts each kind
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    expect(page.get_by_test_id("count-merged")).to_have_text("0")
    expect(page.get_by_test_id("count-duplicates")).to_have_text("1")
    expect(page.get_by_test_id("count-rejected")).to_have_text("2")
    expect(page.get_by_test_id("report-rejected")).to_have_count(2)
    assert width(page) <= size["width"]
    shoot(page, f"lead-import-report-{name}")
    assert Lead.objects.filter(lead_list=of, cold=True).count() == 2


def test_the_progress_bar_follows_a_running_import_to_its_report(
    page: Page, live_server: Any
) -> None:
    # given an import running (its worker elsewhere), two rows of five done
    of = lead_list()
    owner = UserFactory.create(role="partner_owner", partner=of.partner)
    lead_import = lead_import_create(lead_list=of, created_by=None, file_name="a.csv", data=FILE)
    lead_import_map(lead_import=lead_import, mapping={"name": 0, "phone": 1})
    LeadImport.objects.filter(pk=lead_import.pk).update(status="running", processed_rows=2)
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, owner.email)

    # when the page is open
    page.goto(f"{live_server.url}/cabinet/lead-lists/{of.pk}/import/{lead_import.pk}/")
    expect(page.get_by_test_id("progress-text")).to_have_text("2 из 5 строк (40%).")
    assert width(page) <= 390
    shoot(page, "lead-import-progress-390")

    # then the bar moves with the import, and the report replaces it at the end
    LeadImport.objects.filter(pk=lead_import.pk).update(processed_rows=4, created_count=3)
    expect(page.get_by_test_id("progress-text")).to_have_text("4 из 5 строк (80%).")
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status="done", processed_rows=5, created_count=4, rejected_count=1
    )
    expect(page.get_by_test_id("count-created")).to_have_text("4")
    expect(page.get_by_role("heading", name="Загрузка завершена")).to_be_visible()
