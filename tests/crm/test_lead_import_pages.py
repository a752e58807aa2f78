"""The cabinet's CSV import pages: upload → columns → preview → import → progress → report
(and its CSV), in Russian; another partner's list or import is a 404, staff never reach them,
a file too large is refused with a clear message."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from crm.lead_import import lead_import_create, lead_import_map
from crm.leads import lead_list_archive
from crm.models import Lead, LeadImport, LeadList
from sales_queue.services.lead_import import lead_import_start
from tests.accounts.factories import UserFactory
from tests.crm.factories import ContactFactory
from tests.crm.lead_factories import lead_list
from tests.test_no_raw_codes import code_pattern, codes_shown, raw_codes

pytestmark = pytest.mark.django_db

FILE = (
    "ФИО;Телефон;E-mail;Город\r\n"
    "Анна Иванова;+7 912 000-00-01;;Москва\r\n"
    "=HYPERLINK(1);12345;;Тверь\r\n"
    "Вера;;;Омск\r\n"
    "Анна снова;8 912 000 00 01;;Москва\r\n"
    "Галина;+7 912 000-00-09;g@example.com;Казань\r\n"
).encode("cp1251")


def owner_of(of: LeadList) -> Client:
    client = Client()
    client.force_login(UserFactory.create(role="partner_owner", partner=of.partner))
    return client


def base(of: LeadList) -> str:
    return f"/cabinet/lead-lists/{of.pk}/import/"


def uploaded(of: LeadList, data: bytes = FILE) -> LeadImport:
    return lead_import_create(lead_list=of, created_by=None, file_name="база.csv", data=data)


def test_a_partner_uploads_maps_previews_imports_and_reads_the_report(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    of = lead_list(name="Холодная база")
    ContactFactory.create(partner=of.partner, name="Галина", phone="+79120000009")
    client = owner_of(of)

    # when the file is uploaded
    page = client.get(base(of))
    posted = client.post(base(of), {"file": SimpleUploadedFile("база.csv", FILE, "text/csv")})

    # then the mapping page shows the guessed columns and the first rows
    assert page.status_code == 200
    assert "Загрузка заявок из CSV" in page.content.decode()
    lead_import = LeadImport.objects.get(lead_list=of)
    assert posted.status_code == 302
    assert posted["Location"] == f"{base(of)}{lead_import.pk}/"
    mapping_page = client.get(posted["Location"]).content.decode()
    assert "Прочитан как Windows-1251, столбцы разделены точкой с запятой." in mapping_page
    assert '<option value="name" selected>' in mapping_page
    assert '<option value="phone" selected>' in mapping_page
    assert "Анна Иванова" in mapping_page

    # when the columns are confirmed (the city is left out)
    confirmed = client.post(
        posted["Location"], {"column_0": "name", "column_1": "phone", "column_2": "email"}
    )

    # then the preview tells which rows would be refused and why
    assert confirmed.status_code == 302
    preview = client.get(posted["Location"]).content.decode()
    assert "Будет загружена" in preview
    assert "Нет ни телефона, ни email, ни Telegram, ни WhatsApp." in preview
    assert "Повторяет одну из строк выше." in preview
    assert "Загрузить 5 строк" in preview

    # when «Import» is pressed
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"{posted['Location']}start/")

    # then the report counts each kind
    assert started.status_code == 302
    report = client.get(posted["Location"]).content.decode()
    assert "Загрузка завершена" in report
    for testid, number in (
        ("count-total", 5),
        ("count-created", 1),
        ("count-merged", 1),
        ("count-duplicates", 1),
        ("count-rejected", 2),
    ):
        assert f'data-testid="{testid}">{number}</dd>' in report
    assert Lead.objects.filter(lead_list=of, cold=True, origin="import").count() == 2

    # and its CSV lists the rows that were not simply created, formulas defused
    download = client.get(f"{posted['Location']}report.csv")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    text = download.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["Строка", "Результат", "Причина", "Данные строки"]
    assert [(r[0], r[1]) for r in rows[1:]] == [
        ("3", "Отклонена"),
        ("4", "Отклонена"),
        ("5", "Повтор в файле"),
        ("6", "Присоединена к существующему контакту"),
    ]
    assert rows[1][3] == "'=HYPERLINK(1); 12345"
    assert "12345" in rows[1][2]


def test_a_mapping_without_a_contact_column_is_refused_beside_the_columns() -> None:
    of = lead_list()
    lead_import = uploaded(of)

    response = owner_of(of).post(f"{base(of)}{lead_import.pk}/", {"column_0": "name"})

    assert response.status_code == 400
    assert "Выберите хотя бы один столбец с телефоном" in response.content.decode()
    lead_import.refresh_from_db()
    assert lead_import.status == "uploaded"


def test_a_file_too_large_is_refused_with_a_clear_message(settings: Any) -> None:
    settings.LEAD_IMPORT_MAX_BYTES = 100
    of = lead_list()

    response = owner_of(of).post(
        base(of), {"file": SimpleUploadedFile("big.csv", FILE, "text/csv")}
    )

    assert response.status_code == 400
    assert (
        "Файл слишком большой: не больше 0.0977 КБ. Разделите его на несколько файлов."
        in response.content.decode()
    )
    assert not LeadImport.objects.exists()


def test_an_archived_list_takes_no_file() -> None:
    of = lead_list()
    lead_list_archive(lead_list=of)
    client = owner_of(of)

    page = client.get(base(of)).content.decode()
    response = client.post(base(of), {"file": SimpleUploadedFile("a.csv", FILE, "text/csv")})

    assert "Список заявок в архиве" in page
    assert response.status_code == 409
    assert not LeadImport.objects.exists()


def test_the_progress_fragment_polls_while_running_and_reloads_the_page_when_done(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a running import whose task has not run yet
    of = lead_list()
    lead_import = uploaded(of)
    lead_import_map(lead_import=lead_import, mapping={"name": 0, "phone": 1})
    with django_capture_on_commit_callbacks(execute=False):
        lead_import_start(lead_import=lead_import)
    client = owner_of(of)
    url = f"{base(of)}{lead_import.pk}/"

    # when
    page = client.get(url).content.decode()
    fragment = client.get(f"{url}progress/")

    # then
    assert "Идёт загрузка…" in page
    assert 'hx-trigger="every 2s"' in page
    assert "0 из 5 строк (0%)." in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    assert "Продолжить" not in page  # not stalled

    # when it stood still past the limit, «Continue» brings it to the end
    LeadImport.objects.filter(pk=lead_import.pk).update(
        progress_at=timezone.now() - dt.timedelta(minutes=6)
    )
    assert "Продолжить" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        resumed = client.post(f"{url}resume/")
    done = client.get(f"{url}progress/")

    assert resumed.status_code == 302
    assert done["HX-Refresh"] == "true"
    assert "5 из 5 строк (100%)." in done.content.decode()


def test_another_partners_list_and_import_are_404() -> None:
    # given partner A's list with an import, and partner B's owner
    of = lead_list()
    lead_import = uploaded(of)
    other = owner_of(lead_list(name="Свой список"))
    mine = lead_list(name="Мой список")
    intruder = owner_of(mine)

    # then B reaches neither A's list nor A's import, even under B's own list
    for client in (other, intruder):
        assert client.get(base(of)).status_code == 404
        assert client.get(f"{base(of)}{lead_import.pk}/").status_code == 404
        assert client.get(f"{base(of)}{lead_import.pk}/report.csv").status_code == 404
    assert intruder.get(f"{base(mine)}{lead_import.pk}/").status_code == 404
    assert intruder.get(f"{base(mine)}{lead_import.pk}/progress/").status_code == 404


@pytest.mark.parametrize("role", ["manager", "head"])
def test_staff_do_not_reach_the_import_pages(role: str) -> None:
    of = lead_list()
    lead_import = uploaded(of)
    client = Client()
    client.force_login(UserFactory.create(role=role))

    assert client.get(base(of)).status_code == 404
    assert client.get(f"{base(of)}{lead_import.pk}/").status_code == 404
    response = client.post(base(of), {"file": SimpleUploadedFile("a.csv", FILE, "text/csv")})
    assert response.status_code == 404
    assert LeadImport.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in() -> None:
    of = lead_list()

    response = Client().get(base(of))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_no_import_page_shows_a_raw_code(django_capture_on_commit_callbacks: Any) -> None:
    # given one import at each step
    of = lead_list()
    client = owner_of(of)
    uploaded_only = uploaded(of)
    mapped = uploaded(of)
    lead_import_map(lead_import=mapped, mapping={"name": 0, "phone": 1})
    running = uploaded(of)
    lead_import_map(lead_import=running, mapping={"name": 0, "phone": 1})
    with django_capture_on_commit_callbacks(execute=False):
        lead_import_start(lead_import=running)
    done = uploaded(of)
    lead_import_map(lead_import=done, mapping={"name": 0, "phone": 1})
    with django_capture_on_commit_callbacks(execute=True):
        lead_import_start(lead_import=done)
    found = code_pattern(raw_codes())

    # then
    pages = [base(of)] + [f"{base(of)}{i.pk}/" for i in (uploaded_only, mapped, running, done)]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert codes_shown(response.content.decode(), found) == [], path
