"""Alerts about partners' steps (issue 13): a new application and a booked alignment call tell
every active head, in the step's transaction; the call reminders tell the partner's people the
day before and an hour before, once each. Time moves through ``now=``."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification
from partners import services
from partners.models import AlignmentSlot, CallBooking, SalesStatus
from partners.reminders import call_reminders_send
from tests.accounts.factories import UserFactory
from tests.concurrency import run_concurrently, unwrap
from tests.partners.factories import PartnerFactory, product_in_status, slot_create
from tests.sales_queue.factories import MSK

pytestmark = pytest.mark.django_db

# The call: 1 December 2026, 15:00 Moscow.
CALL = dt.datetime(2026, 12, 1, 15, 0, tzinfo=MSK)
DAY, HOUR, SECOND = dt.timedelta(hours=24), dt.timedelta(hours=1), dt.timedelta(seconds=1)


@pytest.fixture
def heads() -> list[Any]:
    return [
        UserFactory.create(role="head", email="rop@desk.example"),
        UserFactory.create(role="head", email="rop2@desk.example"),
    ]


def partner_people() -> tuple[Any, list[Any]]:
    partner = PartnerFactory.create(name="Школа «Код»")
    people = [
        UserFactory.create(role="partner_owner", partner=partner, email="owner@school.example"),
        UserFactory.create(role="partner_staff", partner=partner, email="staff@school.example"),
    ]
    UserFactory.create(role="partner_staff", partner=partner, is_active=False)
    return partner, people


def booked(partner: Any, *, starts_at: dt.datetime, booked_at: dt.datetime) -> CallBooking:
    """A call booked through the services, then moved to the hand-worked times."""
    product = product_in_status(SalesStatus.CALL_BOOKED, partner=partner)
    booking = CallBooking.objects.get(products=product)
    AlignmentSlot.objects.filter(pk=booking.slot_id).update(starts_at=starts_at)
    CallBooking.objects.filter(pk=booking.pk).update(created_at=booked_at)
    booking.refresh_from_db()
    return booking


def reminders() -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(channel="email", kind="call_reminder").values_list(
            "recipient", "key"
        )
    )


def test_a_submitted_application_tells_every_active_head_with_a_link(heads: list[Any]) -> None:
    UserFactory.create(role="head", is_active=False)
    UserFactory.create(role="manager")
    partner, _people = partner_people()

    product = product_in_status(SalesStatus.SUBMITTED, partner=partner)

    rows = Notification.objects.filter(channel="email", kind="new_application").order_by(
        "recipient"
    )
    assert [n.recipient for n in rows] == ["rop2@desk.example", "rop@desk.example"]
    row = rows[0]
    assert row.subject == f"Новая заявка: «{product.name}» от Школа «Код»"
    assert f"http://localhost:8000/head/sales-department/products/{product.pk}/" in row.text
    assert "отправил продукт" in row.text


def test_an_application_that_fails_tells_nobody(heads: list[Any]) -> None:
    partner, _people = partner_people()
    product = product_in_status(SalesStatus.DRAFT, partner=partner)
    # the questionnaire is empty: the submission is refused and rolls back
    with pytest.raises(Exception):  # noqa: B017
        services.questionnaire_submit(product=product, actor=None)
    assert not Notification.objects.exists()


def test_a_booked_call_tells_the_heads_when_and_what(heads: list[Any]) -> None:
    partner, _people = partner_people()
    product = product_in_status(SalesStatus.SUBMITTED, partner=partner)
    slot = slot_create(head=heads[0])

    booking = services.call_book(partner=partner, actor=None, slot=slot, products=[product])

    rows = list(
        Notification.objects.filter(channel="email", kind="call_booked").order_by("recipient")
    )
    assert len(rows) == 2
    when = timezone.localtime(slot.starts_at, MSK)
    months = {11: "ноября", 12: "декабря", 1: "января"}
    assert rows[0].subject == (
        f"Школа «Код» записался на созвон {when.day} {months[when.month]}, {when:%H:%M}"
    )
    assert product.name in rows[0].text
    assert "http://localhost:8000/head/sales-department/slots/" in rows[0].text
    assert rows[0].key == f"call_booked:{booking.pk}:email:{heads[1].pk}"


def test_the_reminders_come_the_day_before_and_an_hour_before_once_each() -> None:
    partner, people = partner_people()
    booking = booked(partner, starts_at=CALL, booked_at=CALL - 3 * DAY)

    # the day before: not a second early, then once
    assert call_reminders_send(now=CALL - DAY - SECOND) == 0
    assert call_reminders_send(now=CALL - DAY) == 1
    assert call_reminders_send(now=CALL - DAY + HOUR) == 0
    start = CALL.astimezone(dt.UTC).isoformat()  # the slot as the database gives it
    assert reminders() == [
        ("owner@school.example", f"call_reminder:{booking.pk}:day:{start}:email:{people[0].pk}"),
        ("staff@school.example", f"call_reminder:{booking.pk}:day:{start}:email:{people[1].pk}"),
    ]
    day_row = Notification.objects.get(
        channel="email", key__contains=":day:", recipient="owner@school.example"
    )
    assert day_row.subject == "Напоминаем: созвон с отделом продаж 1 декабря, 15:00"
    assert "1 декабря 2026, 15:00 (по Москве), 30 минут" in day_row.text

    # an hour before: once; after the start, nothing
    assert call_reminders_send(now=CALL - HOUR - SECOND) == 0
    assert call_reminders_send(now=CALL - HOUR) == 1
    assert call_reminders_send(now=CALL - HOUR + dt.timedelta(minutes=30)) == 0
    assert call_reminders_send(now=CALL) == 0
    hour_row = Notification.objects.get(
        channel="email", key__contains=":hour:", recipient="owner@school.example"
    )
    assert hour_row.subject == "Через час, в 15:00, — созвон с отделом продаж"
    assert len(reminders()) == 4


def test_a_call_booked_three_hours_ahead_gets_the_hours_reminder_only() -> None:
    partner, _people = partner_people()
    booked(partner, starts_at=CALL, booked_at=CALL - 3 * HOUR)

    assert call_reminders_send(now=CALL - 2 * HOUR) == 0
    assert call_reminders_send(now=CALL - HOUR) == 1
    assert {key.split(":")[2] for _r, key in reminders()} == {"hour"}


def test_a_late_run_sends_only_the_reminder_still_due() -> None:
    # the job was down from the day's moment until the last hour
    partner, _people = partner_people()
    booked(partner, starts_at=CALL, booked_at=CALL - 3 * DAY)

    assert call_reminders_send(now=CALL - dt.timedelta(minutes=40)) == 1
    assert {key.split(":")[2] for _r, key in reminders()} == {"hour"}


def test_a_cancelled_or_moved_booking_gets_no_stale_reminder() -> None:
    partner, _people = partner_people()
    old = booked(partner, starts_at=CALL, booked_at=CALL - 3 * DAY)
    other = booked(partner, starts_at=CALL + HOUR, booked_at=CALL - 3 * DAY)

    # the first call is cancelled; the second one's slot withdrawn by the head
    CallBooking.objects.filter(pk=old.pk).update(cancelled_at=CALL - 2 * DAY)
    AlignmentSlot.objects.filter(pk=other.slot_id).update(cancelled_at=CALL - 2 * DAY)
    # the partner books again, for two hours later
    new = booked(partner, starts_at=CALL + 2 * HOUR, booked_at=CALL - 2 * DAY)

    assert call_reminders_send(now=CALL + 2 * HOUR - DAY) == 1
    assert {key.split(":")[1] for _r, key in reminders()} == {str(new.pk)}
    assert call_reminders_send(now=CALL - HOUR) == 0


def test_the_command_prints_how_many_bookings_were_reminded() -> None:
    partner, _people = partner_people()
    soon = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=30)
    booked(partner, starts_at=soon, booked_at=soon - 3 * DAY)
    out = StringIO()

    call_command("send_call_reminders", stdout=out)
    call_command("send_call_reminders", stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert [json.loads(line) for line in lines] == [{"sent": 1}, {"sent": 0}]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_runs_at_once_remind_each_booking_once() -> None:
    # given: ten calls of two partners, each due its day-before reminder
    bookings = []
    for n in range(10):
        partner = PartnerFactory.create()
        UserFactory.create(role="partner_owner", partner=partner)
        bookings.append(booked(partner, starts_at=CALL + n * HOUR / 12, booked_at=CALL - 3 * DAY))
    now = CALL - DAY + dt.timedelta(hours=2)

    # when: four runs start together (delivery patched out: threads and Celery's eager flag)
    with mock.patch("notifications.services.enqueue"):
        results = unwrap(
            run_concurrently(*[lambda: call_reminders_send(now=now, batch_size=3)] * 4)
        )

    # then: each booking reminded once, in all runs together
    assert sum(results) == 10
    keys = list(
        Notification.objects.filter(channel="email", kind="call_reminder").values_list(
            "key", flat=True
        )
    )
    assert len(keys) == len(set(keys)) == 10
    assert call_reminders_send(now=now) == 0
