"""Two sweeps at once, and a sweep racing payments, on PostgreSQL with real threads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from billing.services import order_pay
from orders.models import Order
from sales_queue.models import QueueItem
from sales_queue.services import queue_sweep_due_orders
from tests.concurrency import run_concurrently
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def due_orders(count: int, now: dt.datetime) -> list[Order]:
    product = ProductFactory.create(on_sale=True, grace_period_minutes=10)
    created = now - dt.timedelta(minutes=20)
    return OrderFactory.create_batch(count, product=product, created_at=created)


@pytest.mark.parametrize("sweeps", [2, 4])
def test_concurrent_sweeps_queue_each_order_once_and_their_counts_add_up(sweeps: int) -> None:
    now = timezone.now()
    orders = due_orders(120, now)

    counts = run_concurrently(*[lambda: queue_sweep_due_orders(now=now, batch_size=7)] * sweeps)

    assert all(isinstance(c, int) for c in counts), counts
    assert sum(counts) == len(orders)
    per_order = QueueItem.objects.values("order").annotate(n=Count("id"))
    assert {row["n"] for row in per_order} == {1}
    assert per_order.count() == len(orders)


def test_a_payment_racing_the_sweep_never_leaves_a_paid_order_waiting_in_the_queue() -> None:
    now = timezone.now()
    orders = due_orders(40, now)
    paid_at = orders[0].due_at - dt.timedelta(minutes=1)  # paid within grace, reported late

    def pay_all() -> int:
        for order in orders[::2]:
            order_pay(order=order, paid_at=paid_at)
        return 0

    run_concurrently(lambda: queue_sweep_due_orders(now=now, batch_size=5), pay_all)

    paid_waiting = QueueItem.objects.filter(order__status="paid", state="queued")
    assert not paid_waiting.exists()
    assert Order.objects.filter(status="paid").count() == 20
