"""The migration that gives touches their deal: every touch logged before it gets its item's
deal (the chronology reads by deal); a touch whose item has no deal keeps none."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crm.models import Deal
from sales_queue.models import Touch
from sales_queue.services import queue_take_next, queue_touch
from tests.migrations import latest, migrate
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, QueueItemFactory, manager, queued_item

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("queue", "0002_touches_events_callbacks_index")]


@pytest.fixture
def restore_schema() -> Any:
    yield
    migrate(latest())


def test_existing_queue_touches_get_their_items_deal(restore_schema) -> None:
    # given two touches on a taken item (it has a deal) and one on an item without a deal
    vera = manager()
    queued_item(product=ProductFactory.create(on_sale=True))
    item = queue_take_next(manager=vera, now=NOON)
    assert item is not None
    deal = Deal.objects.get(queue_item=item)
    for minute in (1, 2):
        queue_touch(
            manager=vera,
            item_id=item.pk,
            channel="phone",
            outcome="reached",
            now=NOON + dt.timedelta(minutes=minute),
        )
    lone_item = QueueItemFactory.create(state="done")
    lone = Touch.objects.create(item=lone_item, manager=vera, channel="email", outcome="reached")
    # ...stored as before the migration: no deal column at all
    migrate(BEFORE)

    # when the migration runs
    new_apps = migrate(latest())

    # then
    NewTouch = new_apps.get_model("queue", "Touch")
    deal_of = dict(NewTouch.objects.values_list("item_id", "deal_id").distinct())
    assert deal_of == {item.pk: deal.pk, lone_item.pk: None}
    assert NewTouch.objects.filter(deal_id=deal.pk).count() == 2
    assert NewTouch.objects.get(pk=lone.pk).deal_id is None
