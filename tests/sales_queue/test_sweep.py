"""The grace-period sweep: which orders enter the queue, when, and only once."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.services import order_pay
from partners.models import Partner
from sales_queue.models import QueueItem
from sales_queue.services import order_cancel, queue_sweep_due_orders
from sales_queue.tasks import sweep_queue_task
from tests.orders.factories import OrderFactory, due_order
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


def test_an_order_due_exactly_now_enters_the_queue(now) -> None:
    order = due_order(now=now)

    assert queue_sweep_due_orders(now=now) == 1

    item = QueueItem.objects.get()
    assert item.order == order and isinstance(item.pk, uuid.UUID)
    assert (item.partner, item.product) == (order.partner, order.product)
    assert (item.state, item.source, item.holder) == ("queued", "order", None)
    assert item.entered_at == item.available_at == now


def test_an_order_one_second_before_its_due_time_waits(now) -> None:
    due_order(now=now + dt.timedelta(seconds=1))

    assert queue_sweep_due_orders(now=now) == 0
    assert not QueueItem.objects.exists()


def test_a_second_sweep_finds_nothing_to_do(now) -> None:
    due_order(now=now)
    due_order(now=now - dt.timedelta(days=2))
    queue_sweep_due_orders(now=now)

    assert queue_sweep_due_orders(now=now + dt.timedelta(minutes=1)) == 0
    assert QueueItem.objects.count() == 2


def test_paid_one_second_before_due_and_reported_after_the_sweep_is_withdrawn(now) -> None:
    order = due_order(now=now - dt.timedelta(minutes=5))
    queue_sweep_due_orders(now=now)

    order_pay(order=order, paid_at=order.due_at - dt.timedelta(seconds=1), now=now)

    item = QueueItem.objects.get()
    assert (item.state, item.outcome) == ("withdrawn", "withdrawn")
    order.refresh_from_db()
    assert order.status == "paid"


def test_paid_after_due_and_after_a_take_closes_the_item_as_won(now) -> None:
    order = due_order(now=now - dt.timedelta(minutes=5))
    queue_sweep_due_orders(now=now)
    # a manager took it at due_at (the fee rule: work starts with the take)
    QueueItem.objects.update(state="active", holder=manager(), taken_at=order.due_at)

    order_pay(order=order, paid_at=order.due_at + dt.timedelta(seconds=1), now=now)

    assert QueueItem.objects.get().outcome == "won"


def test_paid_after_due_while_still_untaken_withdraws_the_item(now) -> None:
    order = due_order(now=now - dt.timedelta(minutes=5))
    queue_sweep_due_orders(now=now)

    order_pay(order=order, paid_at=order.due_at + dt.timedelta(seconds=1), now=now)

    item = QueueItem.objects.get()
    assert (item.state, item.outcome, item.outcome_reason) == (
        "withdrawn",
        "withdrawn",
        "paid_before_work",
    )


def test_an_order_paid_within_grace_never_enters(now) -> None:
    order = due_order(now=now)
    order_pay(order=order, paid_at=order.created_at + dt.timedelta(minutes=1), now=now)

    assert queue_sweep_due_orders(now=now) == 0


def test_a_cancelled_order_never_enters(now) -> None:
    order = due_order(now=now)
    order_cancel(order=order)

    assert queue_sweep_due_orders(now=now) == 0


@pytest.mark.parametrize(
    "product_fields",
    [
        {"sales_enabled": False},
        {"sales_status": "draft"},
        {"sales_status": "submitted"},
        {"sales_status": "refused"},
        {"sales_status": "blocked"},
    ],
)
def test_orders_of_a_product_not_enabled_and_approved_do_not_enter(now, product_fields) -> None:
    due_order(now=now, product=ProductFactory.create(on_sale=True, **product_fields))

    assert queue_sweep_due_orders(now=now) == 0


def test_orders_of_a_blocked_partner_do_not_enter(now) -> None:
    order = due_order(now=now)
    Partner.objects.filter(pk=order.partner_id).update(status="blocked")

    assert queue_sweep_due_orders(now=now) == 0


def test_the_sweep_works_in_batches_oldest_due_first(now, caplog) -> None:
    product = ProductFactory.create(on_sale=True)
    orders = [due_order(now=now - dt.timedelta(minutes=n), product=product) for n in range(7)]
    caplog.set_level(logging.INFO, logger="sales_queue")

    first = queue_sweep_due_orders(now=now - dt.timedelta(minutes=3), batch_size=2)

    assert first == 4
    assert set(QueueItem.objects.values_list("order_id", flat=True)) == {o.pk for o in orders[3:]}
    assert sum("sweep: batch" in r.message for r in caplog.records) == 2
    assert queue_sweep_due_orders(now=now, batch_size=2) == 3


def test_the_command_prints_the_count_as_its_last_line(now) -> None:
    due_order(now=now - dt.timedelta(seconds=1))
    due_order(now=now - dt.timedelta(hours=1))
    OrderFactory.create()  # not due yet
    out = StringIO()

    call_command("sweep_queue", stdout=out)

    assert json.loads(out.getvalue().strip().splitlines()[-1]) == {"queued": 2}


def test_the_periodic_task_runs_the_sweep(now) -> None:
    due_order(now=now - dt.timedelta(seconds=1))

    # apply() runs it inline whatever the broker settings: nothing is sent anywhere.
    assert sweep_queue_task.apply().result == 1
    assert QueueItem.objects.get().state == "queued"


def test_the_beat_schedule_runs_the_sweep_every_configured_interval(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-queue"]

    assert entry["task"] == sweep_queue_task.name
    assert entry["schedule"] == float(settings.SWEEP_INTERVAL_SECONDS) == 30.0
