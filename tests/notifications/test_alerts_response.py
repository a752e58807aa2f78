"""The response-time alert (issue 13): orders waiting in the queue longer than
``SALES_RESPONSE_SLA_MINUTES`` of working time (09:00–21:00 Moscow here) → every active head,
at most once per 15-minute bucket. Time moves through ``now=``."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from notifications.models import Notification
from partners.models import Partner, Product
from sales_queue.alerts import bucket_of, response_breaches_send, waiting_too_long
from sales_queue.hours import waited_longer_since
from sales_queue.models import QueueItem, ResponseBreachAlert
from sales_queue.services.supply import queue_items_sync_workable
from salesdesk.config import parse_working_hours
from tests.accounts.factories import UserFactory
from tests.concurrency import run_concurrently, unwrap
from tests.sales_queue.factories import MSK, NOON, manager, queued_item

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)
THURSDAY_EVENING = dt.datetime(2026, 11, 19, 20, 30, tzinfo=MSK)


@pytest.fixture
def heads() -> list[Any]:
    return [
        UserFactory.create(role="head", email="rop@desk.example"),
        UserFactory.create(role="head", email="rop2@desk.example"),
    ]


def floor() -> None:
    """Four orders on Friday's noon clock: 3 h 30 min of working time (since Thursday 20:30),
    61 minutes, exactly 60 minutes and 30 minutes; and one held by a manager."""
    queued_item(available_at=THURSDAY_EVENING)
    queued_item(available_at=NOON - 61 * MINUTE)
    queued_item(available_at=NOON - 60 * MINUTE)
    queued_item(available_at=NOON - 30 * MINUTE)
    queued_item(state=QueueItem.State.ACTIVE, holder=manager(), available_at=THURSDAY_EVENING)


def test_the_wait_counts_working_time_only(settings: Any) -> None:
    settings.SALES_RESPONSE_SLA_MINUTES = 60
    hour = dt.timedelta(hours=1)
    # 09:30 Friday: half an hour of Friday and the last half hour of Thursday
    assert waited_longer_since(dt.datetime(2026, 11, 20, 9, 30, tzinfo=MSK), hour) == (
        dt.datetime(2026, 11, 19, 20, 29, 59, tzinfo=MSK)
    )
    assert waited_longer_since(NOON, hour) == NOON - hour - dt.timedelta(seconds=1)
    floor()
    assert waiting_too_long(now=NOON) == (2, THURSDAY_EVENING)


def test_orders_nobody_may_take_do_not_count(settings: Any) -> None:
    # given: the floor, plus long-waiting orders of a product switched off meanwhile and of a
    # blocked partner — take-next would not hand them out, so no manager is late on them
    settings.SALES_RESPONSE_SLA_MINUTES = 60
    floor()
    off = queued_item(available_at=THURSDAY_EVENING - 60 * MINUTE)
    Product.objects.filter(pk=off.product_id).update(sales_enabled=False)
    blocked = queued_item(available_at=THURSDAY_EVENING - 60 * MINUTE)
    Partner.objects.filter(pk=blocked.partner_id).update(status=Partner.Status.BLOCKED)
    # What the services switching off and blocking do in their transaction (supply.py).
    queue_items_sync_workable(partner=off.partner, product=off.product)
    queue_items_sync_workable(partner=blocked.partner)

    assert waiting_too_long(now=NOON) == (2, THURSDAY_EVENING)


def test_the_heads_get_how_many_wait_and_the_oldest(heads: list[Any], settings: Any) -> None:
    settings.SALES_RESPONSE_SLA_MINUTES = 60
    floor()

    assert response_breaches_send(now=NOON + 7 * MINUTE) == 2

    rows = list(
        Notification.objects.filter(channel="email", kind="response_breach").order_by("recipient")
    )
    assert [n.recipient for n in rows] == ["rop2@desk.example", "rop@desk.example"]
    # at 12:07 the 11:00 and 11:30 orders have waited 67 and 37 minutes: three wait too long
    assert rows[0].subject == "3 заказа слишком долго ждут в очереди"
    assert "3 заказа ждут в очереди дольше 60 рабочих минут, и их никто не взял." in rows[0].text
    assert (
        "Самый старый ждёт с 19 ноября, 20:30 (3 часа 37 минут рабочего времени)." in rows[0].text
    )
    assert "http://localhost:8000/head/queue/" in rows[0].text
    bucket = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # 12:00 Moscow
    assert rows[0].key == f"response_breach:{bucket.isoformat()}:email:{heads[1].pk}"


def test_at_most_one_alert_per_15_minutes(heads: list[Any], settings: Any) -> None:
    settings.SALES_RESPONSE_SLA_MINUTES = 60
    floor()

    assert response_breaches_send(now=NOON) == 2
    assert response_breaches_send(now=NOON + 14 * MINUTE) == 0
    assert response_breaches_send(now=NOON + 15 * MINUTE) == 2
    assert bucket_of(NOON + 29 * MINUTE) == bucket_of(NOON + 15 * MINUTE)
    assert ResponseBreachAlert.objects.count() == 2
    assert Notification.objects.filter(channel="email", kind="response_breach").count() == 4


def test_no_alert_outside_working_hours_or_with_nothing_late(
    heads: list[Any], settings: Any
) -> None:
    settings.SALES_RESPONSE_SLA_MINUTES = 60
    queued_item(available_at=NOON - 30 * MINUTE)
    assert response_breaches_send(now=NOON) == 0  # nobody waits too long yet

    queued_item(available_at=THURSDAY_EVENING)
    assert response_breaches_send(now=dt.datetime(2026, 11, 20, 21, 30, tzinfo=MSK)) == 0
    assert not Notification.objects.exists()
    assert not ResponseBreachAlert.objects.exists()


def test_the_sla_is_a_setting(heads: list[Any], settings: Any) -> None:
    settings.SALES_RESPONSE_SLA_MINUTES = 240
    floor()
    assert response_breaches_send(now=NOON) == 0
    settings.SALES_RESPONSE_SLA_MINUTES = 30
    assert waiting_too_long(now=NOON)[0] == 3


def test_the_command_prints_how_many_heads_were_told(heads: list[Any], settings: Any) -> None:
    settings.SALES_WORKING_HOURS = parse_working_hours("00:00-24:00")  # the real clock
    queued_item(available_at=THURSDAY_EVENING)
    out = StringIO()
    call_command("send_response_alerts", stdout=out)
    call_command("send_response_alerts", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().strip().splitlines()]
    assert lines[0] == {"sent": 2}
    assert lines[1] in ({"sent": 0}, {"sent": 2})  # 2 only if a bucket ended in between


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_runs_at_once_alert_once(heads: list[Any], settings: Any) -> None:
    settings.SALES_RESPONSE_SLA_MINUTES = 60
    floor()

    with mock.patch("notifications.services.enqueue"):
        results = unwrap(run_concurrently(*[lambda: response_breaches_send(now=NOON)] * 4))

    assert sorted(results) == [0, 0, 0, 2]
    assert ResponseBreachAlert.objects.count() == 1
    assert Notification.objects.filter(channel="email", kind="response_breach").count() == 2
