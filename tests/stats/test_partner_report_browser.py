"""Real Chromium: a partner owner opens «Что принёс отдел продаж», the chart draws, another
period changes the numbers, the CSV downloads, and the page is never wider than 390 px.
Screenshots at desktop width and at 390 px go to ``$SALESDESK_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.stats import partner_report_world as world_module

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page: Page, name: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(250)  # the chart redraws to its width after a resize
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        folder = os.environ.get("SALESDESK_SCREENSHOTS")
        if folder:
            page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_partner_reads_what_the_sales_department_brought(page: Page, live_server: Any) -> None:
    # given the crafted world (September: 9 orders, 7 sent, 4 won; October: 1 won)
    world = world_module.build()
    owner = UserFactory.create(role="partner_owner", partner=world.partner)
    log_in(page, live_server.url, owner.email)

    # when the owner opens the report for August to October
    page.goto(f"{live_server.url}/cabinet/stats/?date_from=2025-08-01&date_to=2025-10-31")

    # then the totals of both months, the share in big type, and a drawn chart
    expect(page.get_by_test_id("orders")).to_have_text("10")
    expect(page.get_by_test_id("share")).to_have_text("62,5\xa0%")
    expect(page.get_by_test_id("chart").locator("canvas")).to_have_count(1)
    assert page.get_by_test_id("months").locator("tbody tr").count() == 3
    shoot(page, "partner-report")

    # when the period is September alone
    page.get_by_test_id("date-from").fill("2025-09-01")
    page.get_by_test_id("date-to").fill("2025-09-30")
    page.get_by_role("button", name="Показать").click()

    # then the numbers are September's
    expect(page.get_by_test_id("orders")).to_have_text("9")
    expect(page.get_by_test_id("share")).to_have_text("57,1\xa0%")
    expect(page.get_by_test_id("fees")).to_have_text("621,35\xa0₽")

    # and the CSV downloads for that period
    with page.expect_download() as download:
        page.get_by_test_id("csv-link").click()
    path = download.value.path()
    assert path is not None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert text.splitlines()[1].startswith(
        "Итого,1 сентября 2025 – 30 сентября 2025,9,1,1,7,5,4,1,1,9005.00"
    )

    # and the statements page leads back to the report of a month
    page.goto(f"{live_server.url}/cabinet/billing/statements/")
    page.locator('tr[data-month="2025-09"]').get_by_test_id("statement-sales-report").click()
    expect(page.get_by_test_id("orders")).to_have_text("9")
    shoot(page, "partner-report-september")
