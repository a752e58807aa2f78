"""The head's daily digest (issue 13): after closing time (working hours 09:00-21:00, so at
21:15 Moscow) the day's figures, its response-time alerts and the tasks overdue now, once per
head and day. The figures are worked by hand below; time moves through ``now=``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command

from crm.models import Deal
from notifications.models import Notification
from orders.models import Order
from sales_queue.models import QueueEvent, ResponseBreachAlert
from stats.digest import digest_context, head_digest_send
from stats.models import HeadDigest
from tests.accounts.factories import UserFactory
from tests.concurrency import run_concurrently, unwrap
from tests.crm.factories import DealFactory, TaskFactory
from tests.orders.factories import OrderFactory
from tests.sales_queue.factories import MSK, QueueItemFactory

pytestmark = pytest.mark.django_db

# The digest of Thursday 19 November 2026, sent at 21:15 Moscow.
NOW = dt.datetime(2026, 11, 19, 21, 15, tzinfo=MSK)
THURSDAY = dt.datetime(2026, 11, 19, 12, 0, tzinfo=MSK)
H = dt.timedelta(hours=1)


@pytest.fixture
def heads() -> list[Any]:
    return [
        UserFactory.create(role="head", email="rop@desk.example"),
        UserFactory.create(role="head", email="rop2@desk.example"),
    ]


@pytest.fixture
def floor() -> dict[str, Any]:
    """Thursday: Vera took two orders and won a deal whose order paid 14 900.00; Ivan lost a
    deal. Wednesday: Vera won another (not yesterday). Now: Vera has two overdue tasks and
    one due tomorrow, Ivan one overdue and one done."""
    vera = UserFactory.create(role="manager", full_name="Вера Сидорова")
    ivan = UserFactory.create(role="manager", full_name="Иван Петров")
    UserFactory.create(role="manager", full_name="Глеб Орлов")  # nothing at all
    for hour in (0, 1):
        item = QueueItemFactory.create()
        QueueEvent.objects.create(
            item=item, kind=QueueEvent.Kind.TAKEN, manager=vera, created_at=THURSDAY + hour * H
        )
    won = DealFactory.create(responsible=vera, status=Deal.Status.WON, closed_at=THURSDAY + 3 * H)
    OrderFactory.create(
        product=won.product,
        status=Order.Status.PAID,
        amount=Decimal("14900.00"),
        paid_at=THURSDAY + 3 * H,
        paid_amount=Decimal("14900.00"),
        deal=won,
    )
    DealFactory.create(
        responsible=ivan,
        status=Deal.Status.LOST,
        lost_reason="too_expensive",
        closed_at=THURSDAY + 4 * H,
    )
    DealFactory.create(responsible=vera, status=Deal.Status.WON, closed_at=THURSDAY - 24 * H)
    TaskFactory.create(assignee=vera, due_at=NOW - H)
    TaskFactory.create(assignee=vera, due_at=NOW - 25 * H)
    TaskFactory.create(assignee=vera, due_at=NOW + 24 * H)
    TaskFactory.create(assignee=ivan, due_at=NOW - H)
    TaskFactory.create(assignee=ivan, due_at=NOW - H, done_at=NOW - 2 * H)
    return {"vera": vera, "ivan": ivan}


def test_the_figures_are_the_closed_days_and_the_overdue_tasks_nows(
    floor: dict[str, Any],
) -> None:
    context = digest_context(now=NOW)

    assert context["day"] == dt.date(2026, 11, 19)
    total = context["totals"]
    assert (total.taken, total.won, total.lost) == (2, 1, 1)
    assert total.revenue == Decimal("14900.00")
    assert context["conversion_percent"] == Decimal("50")
    assert [row.name for row in context["managers"]] == ["Вера Сидорова", "Иван Петров"]
    assert [(row.name, row.overdue_tasks) for row in context["overdue"]] == [
        ("Вера Сидорова", 2),
        ("Иван Петров", 1),
    ]


def test_each_active_head_gets_it_once_a_day(heads: list[Any], floor: dict[str, Any]) -> None:
    UserFactory.create(role="head", is_active=False)

    assert head_digest_send(now=NOW) == 2
    assert head_digest_send(now=NOW + H) == 0

    rows = list(
        Notification.objects.filter(channel="email", kind="head_digest").order_by("recipient")
    )
    assert [n.recipient for n in rows] == ["rop2@desk.example", "rop@desk.example"]
    assert rows[0].key == f"digest:2026-11-19:email:{heads[1].pk}"
    assert rows[0].subject == "Отдел продаж за 19 ноября: итоги дня"
    text = rows[0].text
    assert "Итоги дня, 19 ноября 2026:" in text
    assert "Ни один заказ не ждал дольше 60 минут." in text
    assert "Взято заказов: 2" in text
    assert "Выиграно: 1" in text
    assert "Проиграно: 1" in text
    assert "Конверсия: 50 %" in text
    assert "Выручка: 14\xa0900,00\xa0₽" in text
    assert "— Вера Сидорова: 2 / 1 / 14\xa0900,00\xa0₽" in text
    assert "— Вера Сидорова: 2\n— Иван Петров: 1" in text
    assert "Глеб" not in text
    assert (
        "http://localhost:8000/head/stats/?period=range&date_from=2026-11-19&date_to=2026-11-19"
        in text
    )
    assert "14\xa0900,00\xa0₽" in rows[0].html

    # the next evening is another digest
    assert head_digest_send(now=NOW + 24 * H) == 2
    assert HeadDigest.objects.count() == 4


def test_the_days_response_alerts_are_counted(heads: list[Any]) -> None:
    # given: three quarters of an hour on Thursday with orders waiting too long (at most 7),
    # and one on Wednesday evening
    for bucket, waiting in [((10, 0), 3), ((10, 15), 7), ((16, 45), 1), ((-4, 0), 9)]:
        hour, minute = bucket
        ResponseBreachAlert.objects.create(
            bucket=THURSDAY.replace(hour=0) + dt.timedelta(hours=hour, minutes=minute),
            waiting=waiting,
            oldest_since=THURSDAY,
        )

    context = digest_context(now=NOW)
    head_digest_send(now=NOW)

    assert (context["breach_periods"], context["breach_most_waiting"]) == (3, 7)
    text = Notification.objects.filter(channel="email", kind="head_digest").first().text  # type: ignore[union-attr]
    assert "Заказы ждали дольше 60 минут в течение 3 четвертей часа (до 7 одновременно)." in text


def test_a_run_before_closing_reports_the_day_before() -> None:
    # a worker that was down at 21:15 sends Wednesday's digest on Thursday morning
    assert digest_context(now=THURSDAY.replace(hour=8))["day"] == dt.date(2026, 11, 18)
    assert digest_context(now=THURSDAY.replace(hour=21, minute=14))["day"] == dt.date(2026, 11, 18)
    assert digest_context(now=NOW)["day"] == dt.date(2026, 11, 19)


def test_beat_sends_it_fifteen_minutes_after_closing() -> None:
    schedule: Any = settings.CELERY_BEAT_SCHEDULE["stats-head-digest"]["schedule"]
    assert (schedule.hour, schedule.minute) == ({21}, {15})


def test_a_quiet_day_says_so(heads: list[Any]) -> None:
    head_digest_send(now=NOW)
    text = Notification.objects.filter(channel="email", kind="head_digest").first().text  # type: ignore[union-attr]
    assert "Взято заказов: 0" in text
    assert "Конверсия: —" in text
    assert "Просроченных задач нет." in text


def test_the_command_prints_how_many_heads(heads: list[Any]) -> None:
    out = StringIO()
    call_command("send_head_digest", stdout=out)
    call_command("send_head_digest", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().strip().splitlines()]
    assert lines == [{"sent": 2}, {"sent": 0}]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_runs_at_once_send_each_head_one_digest(heads: list[Any]) -> None:
    with mock.patch("notifications.services.enqueue"):
        results = unwrap(run_concurrently(*[lambda: head_digest_send(now=NOW)] * 4))

    assert sum(results) == 2
    assert Notification.objects.filter(channel="email", kind="head_digest").count() == 2
