"""A take remembers its taker's first touch (``QueueEvent.first_touch_at``, the statistics'
first-touch delay): kept by the touch service, and filled in for past takes by the migration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sales_queue.models import QueueEvent, QueueItem
from sales_queue.services import queue_release, queue_take_next, queue_touch
from tests.migrations import latest, migrate
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

MINUTE = dt.timedelta(minutes=1)


def touch(who: Any, item: Any, at: dt.datetime, outcome: str = "reached") -> None:
    queue_touch(manager=who, item_id=item.pk, channel="phone", outcome=outcome, now=at)


def dated(item: Any, manager: Any, at: dt.datetime) -> None:
    """The take's event at the take's own time (the services stamp events with the clock)."""
    QueueEvent.objects.filter(item=item, kind=QueueEvent.Kind.TAKEN, manager=manager).update(
        created_at=at
    )


def takes(item: Any) -> list[tuple[Any, dt.datetime | None]]:
    return list(
        QueueEvent.objects.filter(item=item, kind=QueueEvent.Kind.TAKEN)
        .order_by("created_at")
        .values_list("manager_id", "first_touch_at")
    )


@pytest.mark.django_db
def test_the_first_touch_after_each_take_is_kept_and_later_ones_change_nothing() -> None:
    # given Вера takes an order at 12:00, touches it at 12:07 and 12:30, then releases it;
    # Олег takes it at 12:40 and touches it at 12:45
    vera, oleg = manager(), manager()
    queued_item(product=ProductFactory.create(on_sale=True))
    item = queue_take_next(manager=vera, now=NOON)
    assert item is not None
    dated(item, vera, NOON)
    touch(vera, item, NOON + 7 * MINUTE)
    touch(vera, item, NOON + 30 * MINUTE)
    queue_release(manager=vera, item_id=item.pk)
    QueueItem.objects.filter(pk=item.pk).update(available_at=NOON + 35 * MINUTE)
    again = queue_take_next(manager=oleg, now=NOON + 40 * MINUTE)
    assert again is not None and again.pk == item.pk
    dated(item, oleg, NOON + 40 * MINUTE)
    touch(oleg, item, NOON + 45 * MINUTE)

    # then each take has its own taker's first touch: 7 and 5 minutes
    assert takes(item) == [(vera.pk, NOON + 7 * MINUTE), (oleg.pk, NOON + 45 * MINUTE)]


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_past_takes() -> None:
    # given a take touched at 12:07 and 12:30, and one never touched
    vera, oleg = manager(), manager()
    product = ProductFactory.create(on_sale=True)
    queued_item(product=product)
    queued_item(product=product)
    touched = queue_take_next(manager=vera, now=NOON)
    untouched = queue_take_next(manager=oleg, now=NOON)
    assert touched is not None and untouched is not None
    dated(touched, vera, NOON)
    dated(untouched, oleg, NOON)
    touch(vera, touched, NOON + 7 * MINUTE)
    touch(vera, touched, NOON + 30 * MINUTE)
    QueueEvent.objects.update(first_touch_at=None)  # as before the migration kept it

    try:
        migrate([("queue", "0004_stats_indexes")])
        migrate(latest())
    finally:
        migrate(latest())

    assert takes(touched) == [(vera.pk, NOON + 7 * MINUTE)]
    assert takes(untouched) == [(oleg.pk, None)]
