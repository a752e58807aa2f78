"""Issue 18 on PostgreSQL: the order that fell due first is taken first, also within one sweep
batch; a burst of takes by one manager answers one item and «already holding», never «empty»."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from orders.models import Order
from sales_queue.models import QueueItem
from sales_queue.services import queue_sweep_due_orders, queue_take_next
from salesdesk.config import parse_working_hours
from tests.clients import staff_api
from tests.concurrency import run_concurrently, unwrap
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import QueueItemFactory, manager

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def round_the_clock(settings: Any) -> None:
    settings.SALES_WORKING_HOURS = parse_working_hours("00:00-24:00")


def test_orders_swept_together_are_taken_in_the_order_they_fell_due() -> None:
    product = ProductFactory.create(on_sale=True, grace_period_minutes=60)
    sellers = [manager() for _ in range(3)]
    for _round in range(10):
        # given three unpaid orders due 2 h, 5 h and 3 h ago (created an hour before that),
        # which one sweep run queues together
        now = timezone.now()
        orders = {
            hours: OrderFactory.create(
                product=product,
                created_at=now - (hours + 1) * HOUR,
                due_at=now - hours * HOUR,
                external_id=f"due-{hours}h-{_round}",
            )
            for hours in (2, 5, 3)
        }
        assert queue_sweep_due_orders(now=now) == 3

        # when three managers take one after another
        taken = [queue_take_next(manager=seller, now=now) for seller in sellers]

        # then the order due 5 h ago comes first, then 3 h, then 2 h
        assert [item.order_id for item in taken if item] == [
            orders[5].pk,
            orders[3].pk,
            orders[2].pk,
        ]
        QueueItem.objects.all().delete()
        Order.objects.all().delete()


def test_eight_simultaneous_takes_by_one_manager_give_one_item_and_seven_409s() -> None:
    product = ProductFactory.create(on_sale=True)
    ivan = manager()
    callers = [staff_api(ivan) for _ in range(8)]
    for _round in range(20):
        # given five items waiting
        for _ in range(5):
            QueueItemFactory.create(order=OrderFactory.create(product=product))

        # when one manager's take fires eight times at once over the API
        def take(api: Any) -> tuple[int, str]:
            response = api.post("/api/v1/queue/take/")
            code = response.json().get("code", "") if response.status_code == 409 else ""
            return response.status_code, code

        results = unwrap(run_concurrently(*[lambda api=api: take(api) for api in callers]))

        # then exactly one item, seven «already holding», never «queue empty»
        assert sorted(results) == [(200, "")] + [(409, "already_holding")] * 7, results
        assert QueueItem.objects.filter(holder=ivan, state="active").count() == 1
        assert QueueItem.objects.filter(state="queued").count() == 4
        QueueItem.objects.all().delete()
