"""Real threads against PostgreSQL: no item is ever given to two managers, no manager ever
holds two items."""

import datetime as dt
import threading
from collections import Counter
from functools import partial

import pytest
from django.db import connections

from orders.models import Order
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.services import queue_take_next, queue_touch
from salesdesk.errors import ConflictError
from tests.concurrency import failures, run_concurrently, unwrap
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, QueueItemFactory, manager

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ITEMS = 2000
MANAGERS = 32


def bulk_items(count: int) -> list[QueueItem]:
    """``count`` queued items of one product, built by the factories and saved in bulk."""
    product = ProductFactory.create(on_sale=True)
    created = NOON - dt.timedelta(hours=3)
    orders = Order.objects.bulk_create(
        OrderFactory.build_batch(count, product=product, created_at=created)
    )
    return QueueItem.objects.bulk_create(
        QueueItemFactory.build(
            order=order,
            entered_at=created + dt.timedelta(hours=1, microseconds=i),
            available_at=created + dt.timedelta(hours=1),
        )
        for i, order in enumerate(orders)
    )


def doubles_in_sql() -> list[tuple]:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT holder_id, count(*) FROM queue_queueitem WHERE state = 'active' "
            "GROUP BY holder_id HAVING count(*) > 1"
        )
        return cursor.fetchall()


def test_32_managers_drain_the_queue_and_every_item_is_taken_exactly_once() -> None:
    # given
    bulk_items(ITEMS)
    managers = [manager() for _ in range(MANAGERS)]
    taken: Counter = Counter()
    violations: list = []
    lock = threading.Lock()

    def work(user) -> None:
        while True:
            item = queue_take_next(manager=user, now=NOON)
            if item is None:
                return
            with lock:
                taken[item.pk] += 1
            queue_touch(
                manager=user,
                item_id=item.pk,
                channel="phone",
                outcome="refused",
                reason="no_time",
                now=NOON,
            )

    # when: every manager at once, while another connection looks for doubles all along
    errors = failures(
        run_concurrently(
            *[partial(work, m) for m in managers],
            watch=lambda: violations.extend(doubles_in_sql()),
        )
    )

    # then
    assert errors == []
    assert violations == []
    assert len(taken) == ITEMS and set(taken.values()) == {1}
    assert QueueItem.objects.filter(state="done").count() == ITEMS
    per_item = Counter(QueueEvent.objects.filter(kind="taken").values_list("item_id", flat=True))
    assert len(per_item) == ITEMS and set(per_item.values()) == {1}
    assert doubles_in_sql() == []
    # The work was shared, not done by one lucky thread.
    workers = set(QueueItem.objects.values_list("holder_id", flat=True))
    assert len(workers) > 1


def test_one_manager_firing_take_eight_times_at_once_gets_exactly_one_item() -> None:
    bulk_items(20)
    ivan = manager()

    def fire() -> tuple[str, object]:
        try:
            item = queue_take_next(manager=ivan, now=NOON)
            return ("item", item.pk if item else None)
        except ConflictError as exc:
            return ("conflict", exc.code)

    results = unwrap(run_concurrently(*[fire] * 8))

    items = [r for r in results if r[0] == "item"]
    assert len(results) == 8
    assert len(items) == 1 and items[0][1] is not None
    assert all(r == ("conflict", "already_holding") for r in results if r[0] == "conflict")
    assert QueueItem.objects.filter(holder=ivan, state="active").count() == 1
    assert QueueItem.objects.filter(state="queued").count() == 19
