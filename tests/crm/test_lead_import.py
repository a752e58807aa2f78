"""CSV import of a cold list: the file read in either encoding, the columns guessed, each row
created, merged into a known buyer, counted as a duplicate or rejected with its reason — and a
run that is repeated or cut short never records a lead twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from crm.lead_import import guess_mapping, lead_import_create, lead_import_map
from crm.leads import lead_list_archive
from crm.models import Contact, Lead, LeadImport, LeadImportRow, LeadList
from sales_queue.models import QueueItem
from sales_queue.services.lead_import import lead_import_resume, lead_import_start
from sales_queue.services.lead_import_run import lead_import_run
from sales_queue.tasks import lead_import_task
from salesdesk.errors import ApplicationError, ConflictError
from tests.crm.factories import ContactFactory
from tests.crm.lead_factories import lead_list

pytestmark = pytest.mark.django_db


def upload(of: LeadList, text: str, encoding: str = "utf-8") -> LeadImport:
    return lead_import_create(
        lead_list=of, created_by=None, file_name="list.csv", data=text.encode(encoding)
    )


def imported(of: LeadList, text: str, capture: Any, **mapping: int) -> LeadImport:
    """Upload, map (guessed unless given), start and run to the end."""
    lead_import = upload(of, text)
    lead_import_map(lead_import=lead_import, mapping=mapping or lead_import.mapping)
    with capture(execute=True):
        lead_import_start(lead_import=lead_import)
    lead_import.refresh_from_db()
    return lead_import


def counts(lead_import: LeadImport) -> dict[str, Any]:
    lead_import.refresh_from_db()
    return {
        "status": lead_import.status,
        "total": lead_import.total_rows,
        "processed": lead_import.processed_rows,
        "created": lead_import.created_count,
        "merged": lead_import.merged_count,
        "duplicates": lead_import.duplicate_count,
        "rejected": lead_import.rejected_count,
    }


# --- reading the file -----------------------------------------------------------------------


def test_the_columns_are_guessed_from_russian_and_english_headers() -> None:
    headers = ["ФИО", "Телефон", "E-mail", "Почта", "Telegram", "Комментарий", "Источник", "Город"]

    assert guess_mapping(headers) == {
        "name": 0,
        "phone": 1,
        "email": 2,
        "telegram": 4,
        "comment": 5,
        "source": 6,
    }
    assert guess_mapping(["Имя", "Email", "WhatsApp", "Мобильный телефон"]) == {
        "name": 0,
        "email": 1,
        "whatsapp": 2,
        "phone": 3,
    }
    assert guess_mapping(["Контактный телефон", "Имя клиента", "tg"]) == {
        "phone": 0,
        "name": 1,
        "telegram": 2,
    }
    assert guess_mapping(["a", "b"]) == {}


def test_a_cp1251_file_separated_by_semicolons_is_read() -> None:
    # given what a Russian Excel saves as CSV
    text = "Имя;Телефон;Комментарий\r\nИван Петров;8 (912) 345-67-89;перезвонить, вечером\r\n"

    # when
    lead_import = upload(lead_list(), text, encoding="cp1251")

    # then
    assert (lead_import.encoding, lead_import.delimiter) == ("cp1251", ";")
    assert lead_import.headers == ["Имя", "Телефон", "Комментарий"]
    assert lead_import.mapping == {"name": 0, "phone": 1, "comment": 2}
    assert lead_import.total_rows == 1


def test_a_utf8_file_with_a_byte_order_mark_separated_by_commas_is_read() -> None:
    text = (
        '\ufeffФИО,E-mail,Телефон\nАнна,anna@example.com,"+7 912 000-00-01"\n'
        "\n,,\nБорис,b@example.com,\n"
    )

    lead_import = upload(lead_list(), text)

    assert (lead_import.encoding, lead_import.delimiter) == ("utf-8-sig", ",")
    assert lead_import.headers == ["ФИО", "E-mail", "Телефон"]
    assert lead_import.mapping == {"name": 0, "email": 1, "phone": 2}
    assert lead_import.total_rows == 2  # empty rows are not rows


def test_a_file_too_large_or_empty_or_for_an_archived_list_is_refused(settings: Any) -> None:
    settings.LEAD_IMPORT_MAX_BYTES = 1024
    of = lead_list()

    with pytest.raises(ApplicationError, match="Файл слишком большой: не больше 1 КБ"):
        upload(of, "Имя;Телефон\n" + "Иван;+79120000001\n" * 100)
    with pytest.raises(ApplicationError, match="нет строк"):
        upload(of, "Имя;Телефон\n")
    with pytest.raises(ApplicationError, match="В файле 101 столбцов, а можно не больше 100"):
        upload(of, ";" * 100 + "\n" + "x;" * 100 + "x\n")
    with pytest.raises(ApplicationError, match="Не удалось распознать кодировку"):
        lead_import_create(lead_list=of, created_by=None, file_name="x", data=b"\xff\x98\x00")
    lead_list_archive(lead_list=of)
    with pytest.raises(ConflictError) as refused:
        upload(of, "Имя;Телефон\nИван;+79120000001\n")
    assert refused.value.code == "lead_list_archived"
    assert not LeadImport.objects.exists()


def test_a_mapping_needs_a_name_and_a_contact_and_one_field_a_column() -> None:
    lead_import = upload(lead_list(), "Имя;Телефон;Почта\nИван;+79120000001;i@example.com\n")

    with pytest.raises(ApplicationError) as no_contact:
        lead_import_map(lead_import=lead_import, mapping={"name": 0})
    with pytest.raises(ApplicationError) as twice:
        lead_import_map(lead_import=lead_import, mapping={"name": 0, "phone": 0})

    assert set(no_contact.value.details) == {"phone"}
    assert set(twice.value.details) == {"mapping"}
    lead_import.refresh_from_db()
    assert lead_import.status == LeadImport.Status.UPLOADED


# --- the run --------------------------------------------------------------------------------

MIXED = (
    "Имя;Телефон;Email;Комментарий\n"
    "Анна;+7 912 000-00-01;;первая\n"  # 2 created
    "Борис;12345;;\n"  # 3 rejected: bad phone
    "Вера;;;без контактов\n"  # 4 rejected: no contact
    ";+7 912 000-00-02;;\n"  # 5 rejected: no name
    "Анна снова;8 912 000 00 01;;\n"  # 6 duplicate of row 2
    "Галина;+7 912 000-00-09;;\n"  # 7 merged: a known buyer
    ";;;\n"  # empty: skipped
    "Дмитрий;;D@Example.com;\n"  # 9 created
    "Дима;;d@example.com;\n"  # 10 duplicate of row 9 (the same email)
)


def test_each_row_is_created_merged_counted_as_a_duplicate_or_rejected(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a known buyer of the partner and one of another partner with the same phone
    of = lead_list()
    known = ContactFactory.create(partner=of.partner, name="Галина", phone="+79120000009")
    ContactFactory.create(phone="+79120000001")

    # when
    lead_import = imported(of, MIXED, django_capture_on_commit_callbacks)

    # then
    assert counts(lead_import) == {
        "status": "done",
        "total": 8,
        "processed": 8,
        "created": 2,
        "merged": 1,
        "duplicates": 2,
        "rejected": 3,
    }
    leads = Lead.objects.filter(lead_list=of).order_by("external_id")
    assert [(x.name, x.phone, x.email) for x in leads] == [
        ("Анна", "+79120000001", ""),
        ("Галина", "+79120000009", ""),
        ("Дмитрий", "", "d@example.com"),
    ]
    assert {(x.origin, x.cold) for x in leads} == {("import", True)}
    assert [x.external_id for x in leads] == [
        f"import:{lead_import.pk}:2",
        f"import:{lead_import.pk}:7",
        f"import:{lead_import.pk}:9",
    ]
    assert leads.get(name="Галина").contact_id == known.pk
    assert leads.get(name="Анна").comment == "первая"
    assert Contact.objects.filter(partner=of.partner).count() == 3
    # in line in the file's order, one key after the other, each with its «entered» event
    items = QueueItem.objects.filter(lead__in=leads, state="queued").order_by("fair_key")
    assert [i.lead_id for i in items] == [x.pk for x in leads]
    keys = [i.fair_key for i in items]
    assert keys == list(range(keys[0], keys[0] + 3))
    assert all(i.events.filter(kind="entered").count() == 1 for i in items)
    report = list(lead_import.rows.order_by("row_number").values_list("row_number", "status"))
    assert report == [
        (3, "rejected"),
        (4, "rejected"),
        (5, "rejected"),
        (6, "duplicate"),
        (7, "merged"),
        (10, "duplicate"),
    ]
    reasons = dict(lead_import.rows.values_list("row_number", "reason"))
    assert "12345" in reasons[3] and "Телефон" in reasons[3]
    assert reasons[4] == "Нет ни телефона, ни email, ни Telegram, ни WhatsApp."
    assert reasons[5] == "Нет имени."
    assert reasons[6] == "Повторяет одну из строк выше."
    assert lead_import.rows.get(row_number=3).values == "Борис; 12345"


def test_a_run_cut_short_goes_on_where_it_stopped_and_a_second_run_changes_nothing(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # given an import whose first run did one batch of two rows and then its worker died
    settings.LEAD_IMPORT_BATCH_SIZE = 2
    of = lead_list()
    ContactFactory.create(partner=of.partner, phone="+79120000009")
    lead_import = upload(of, MIXED)
    lead_import_map(lead_import=lead_import, mapping=lead_import.mapping)
    with django_capture_on_commit_callbacks(execute=False):
        lead_import_start(lead_import=lead_import)
    assert lead_import_run(import_id=lead_import.pk, budget_seconds=0) is True
    assert counts(lead_import)["processed"] == 2

    # when the task runs, and then again (a redelivery)
    lead_import_task.delay(str(lead_import.pk))
    lead_import_task.delay(str(lead_import.pk))

    # then
    assert counts(lead_import) == {
        "status": "done",
        "total": 8,
        "processed": 8,
        "created": 2,
        "merged": 1,
        "duplicates": 2,
        "rejected": 3,
    }
    assert Lead.objects.filter(lead_list=of).count() == 3
    assert LeadImportRow.objects.filter(lead_import=lead_import).count() == 6


def test_a_replay_of_rows_already_recorded_makes_no_second_lead(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given an import done, whose progress is then lost (as if its batch replayed)
    of = lead_list()
    lead_import = imported(of, MIXED, django_capture_on_commit_callbacks)
    LeadImport.objects.filter(pk=lead_import.pk).update(
        status="running", processed_rows=0, created_count=0, merged_count=0
    )
    LeadImportRow.objects.filter(lead_import=lead_import).delete()

    # when
    lead_import_task.delay(str(lead_import.pk))

    # then the deterministic external ids found the leads recorded before
    assert Lead.objects.filter(lead_list=of).count() == 3
    assert QueueItem.objects.filter(lead__lead_list=of).count() == 3
    assert counts(lead_import)["status"] == "done"


def test_a_list_archived_during_the_import_fails_it_with_the_reason(
    django_capture_on_commit_callbacks: Any,
) -> None:
    of = lead_list()
    lead_import = upload(of, MIXED)
    lead_import_map(lead_import=lead_import, mapping=lead_import.mapping)
    with django_capture_on_commit_callbacks(execute=False):
        lead_import_start(lead_import=lead_import)
    lead_list_archive(lead_list=of)

    lead_import_task.delay(str(lead_import.pk))

    lead_import.refresh_from_db()
    assert lead_import.status == "failed"
    assert "архив" in lead_import.error
    assert not Lead.objects.filter(lead_list=of).exists()
    with pytest.raises(ConflictError):
        lead_import_start(lead_import=upload(lead_list(), MIXED))  # not mapped: refused


def test_a_stalled_import_is_resumed_and_a_moving_one_is_not(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given an import started whose task never ran
    of = lead_list()
    lead_import = upload(of, MIXED)
    lead_import_map(lead_import=lead_import, mapping=lead_import.mapping)
    with django_capture_on_commit_callbacks(execute=False):
        lead_import_start(lead_import=lead_import)

    # then it cannot be resumed while fresh
    with pytest.raises(ConflictError) as moving:
        lead_import_resume(lead_import=lead_import)
    assert moving.value.code == "lead_import_moving"
    assert not lead_import.is_stalled

    # when its progress stood still past the limit
    later = timezone.now() + dt.timedelta(minutes=6)
    with django_capture_on_commit_callbacks(execute=True):
        lead_import_resume(lead_import=lead_import, now=later)

    # then it ran to the end
    assert counts(lead_import)["status"] == "done"
    assert Lead.objects.filter(lead_list=of).count() == 3


def test_ten_thousand_rows_import_with_the_right_counts(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given 10 000 rows: every 10th a bad phone, every 7th (not a 10th) repeats the row before
    lines = ["ФИО;Телефон"]
    expected = {"created": 0, "duplicates": 0, "rejected": 0}
    for i in range(10_000):
        if i % 10 == 9:
            lines.append(f"Плохой {i};123")
            expected["rejected"] += 1
        elif i % 7 == 6 and (i - 1) % 10 != 9:
            lines.append(f"Повтор {i};+7 900 {i - 1:07d}")
            expected["duplicates"] += 1
        else:
            lines.append(f"Покупатель {i};+7 900 {i:07d}")
            expected["created"] += 1
    of = lead_list()

    lead_import = imported(of, "\n".join(lines) + "\n", django_capture_on_commit_callbacks)

    assert counts(lead_import) == {
        "status": "done",
        "total": 10_000,
        "processed": 10_000,
        "merged": 0,
        **expected,
    }
    assert Lead.objects.filter(lead_list=of).count() == expected["created"]
