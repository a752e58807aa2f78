"""Fair sharing between partners (sales_queue.fairness): one partner's burst does not starve the
others — a partner with nothing waiting has its new item taken within the next P takes, P =
partners with waiting items — while a partner alone is still served oldest due first."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from functools import partial

import pytest
from django.db import connection

from orders.models import Order
from partners.models import Product
from sales_queue.models import QueueItem
from sales_queue.services import (
    queue_release,
    queue_sweep_due_orders,
    queue_take_next,
    queue_touch,
    supply,
)
from sales_queue.services.take import claim_params, claim_sql
from tests.accounts.factories import UserFactory
from tests.concurrency import failures, run_concurrently
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager

pytestmark = pytest.mark.django_db(transaction=True)


def orders_due(product: Product, dues: list[dt.datetime]) -> list[Order]:
    """Pending orders of ``product`` falling due at ``dues`` (created an hour before), in bulk."""
    return Order.objects.bulk_create(
        OrderFactory.build(product=product, created_at=due - dt.timedelta(hours=1), due_at=due)
        for due in dues
    )


def take_and_close(taker, now: dt.datetime = NOON) -> QueueItem | None:
    item = queue_take_next(manager=taker, now=now)
    if item is not None:
        QueueItem.objects.filter(pk=item.pk).update(state=QueueItem.State.DONE)
    return item


def minutes_before_noon(count: int, start: int) -> list[dt.datetime]:
    return [NOON - dt.timedelta(minutes=start) + dt.timedelta(seconds=n) for n in range(count)]


@pytest.mark.postgres
def test_a_new_order_of_another_partner_is_taken_within_as_many_takes_as_partners_waiting() -> None:
    # given: partner F's burst of 2 000 backdated orders and partner B's 20, swept, a few taken
    burst = ProductFactory.create(on_sale=True, partner__name="F")
    small = ProductFactory.create(on_sale=True, partner__name="B")
    orders_due(burst, minutes_before_noon(2000, start=600))
    orders_due(small, minutes_before_noon(20, start=300))
    assert queue_sweep_due_orders(now=NOON) == 2020
    ivan = manager()
    for _n in range(5):
        take_and_close(ivan)
    # partner A's one new order falls due a minute before noon and is swept
    newcomer = ProductFactory.create(on_sale=True, partner__name="A")
    (order,) = orders_due(newcomer, [NOON - dt.timedelta(minutes=1)])
    assert queue_sweep_due_orders(now=NOON) == 1
    partners_waiting = (
        QueueItem.objects.filter(state="queued", workable=True)
        .values("partner_id")
        .distinct()
        .count()
    )

    # when: the managers go on taking
    takes = []
    while (item := take_and_close(ivan)) is not None and item.order_id != order.pk:
        takes.append(item.partner.name)

    # then: A's order came within the bound (3); oldest due first would have made it 2 016th
    assert item is not None and item.order_id == order.pk
    assert partners_waiting == 3
    assert len(takes) + 1 <= partners_waiting


def test_a_partner_alone_is_served_oldest_due_first_also_within_one_sweep() -> None:
    product = ProductFactory.create(on_sale=True)
    first_sweep = minutes_before_noon(30, start=120)
    random.Random(7).shuffle(first_sweep)  # created in any order; one sweep queues them all
    orders_due(product, first_sweep)
    queue_sweep_due_orders(now=NOON - dt.timedelta(minutes=60))
    orders_due(product, minutes_before_noon(10, start=30))
    queue_sweep_due_orders(now=NOON)
    ivan = manager()

    dues = []
    while (item := take_and_close(ivan)) is not None:
        assert item.order is not None
        dues.append(item.order.due_at)

    assert len(dues) == 40
    assert dues == sorted(dues)


@pytest.mark.parametrize("later_first", [False, True])
def test_two_partners_with_one_item_each_are_served_oldest_first(later_first: bool) -> None:
    early = ProductFactory.create(on_sale=True)
    late = ProductFactory.create(on_sale=True)
    (older,) = orders_due(early, [NOON - dt.timedelta(minutes=20)])
    (newer,) = orders_due(late, [NOON - dt.timedelta(minutes=10)])
    if later_first:
        # The newer one is queued by an earlier sweep: the older one had no contact then.
        Order.objects.filter(pk=older.pk).update(customer_phone="", customer_email="")
        assert queue_sweep_due_orders(now=NOON - dt.timedelta(minutes=5)) == 1
        Order.objects.filter(pk=older.pk).update(customer_phone="+79123456780")
    queue_sweep_due_orders(now=NOON)
    ivan = manager()

    taken = [take_and_close(ivan), take_and_close(ivan)]

    assert [item.order_id for item in taken if item] == [older.pk, newer.pk]


def test_an_item_handed_back_goes_to_the_end_of_its_partners_line() -> None:
    product = ProductFactory.create(on_sale=True)
    orders_due(product, minutes_before_noon(3, start=60))
    queue_sweep_due_orders(now=NOON)
    ivan = manager()
    first = queue_take_next(manager=ivan, now=NOON)
    assert first is not None

    queue_release(manager=ivan, item_id=first.pk)

    keys = dict(QueueItem.objects.values_list("pk", "fair_key"))
    assert keys[first.pk] > max(key for pk, key in keys.items() if pk != first.pk)


@pytest.mark.postgres
def test_the_take_picks_its_item_with_one_scan_of_the_take_index_and_no_join() -> None:
    product = ProductFactory.create(on_sale=True)
    orders_due(product, minutes_before_noon(3, start=60))
    queue_sweep_due_orders(now=NOON)

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + claim_sql(), claim_params(manager(), NOON))
        plan = "\n".join(row[0] for row in cursor.fetchall())

    pick = plan.split("CTE claimed")[0]
    assert "Index Scan using queue_take_idx" in pick
    assert "partners_" not in pick and "Seq Scan" not in pick


@pytest.mark.postgres
def test_sixteen_managers_over_three_partners_never_get_one_item_twice() -> None:
    for name, count in (("F", 300), ("B", 60), ("A", 5)):
        product = ProductFactory.create(on_sale=True, partner__name=name)
        orders_due(product, minutes_before_noon(count, start=400))
    queue_sweep_due_orders(now=NOON)
    managers = [manager() for _n in range(16)]

    def drain(taker) -> list[str]:
        mine = []
        while (item := take_and_close(taker)) is not None:
            mine.append(str(item.pk))
        return mine

    results = run_concurrently(*[partial(drain, m) for m in managers])

    assert failures(results) == []
    claimed = Counter(pk for taken in results for pk in taken)
    assert len(claimed) == 365
    assert max(claimed.values()) == 1


def test_an_item_back_from_a_blocked_product_waits_until_the_block_is_lifted() -> None:
    # given: a manager holds an item when the head blocks its product
    product = ProductFactory.create(on_sale=True)
    orders_due(product, minutes_before_noon(1, start=60))
    queue_sweep_due_orders(now=NOON)
    ivan, head = manager(), UserFactory.create(role="head")
    held = queue_take_next(manager=ivan, now=NOON)
    assert held is not None
    supply.product_block(product=product, actor=head)

    # when: the buyer does not answer, so the item goes back to the queue
    queue_touch(manager=ivan, item_id=held.pk, channel="phone", outcome="no_answer", now=NOON)
    later = NOON + dt.timedelta(hours=1)

    # then: nobody may take it while blocked; it is takeable once the block is lifted
    assert QueueItem.objects.get(pk=held.pk).workable is False
    assert queue_take_next(manager=manager(), now=later) is None
    supply.product_unblock(product=product, actor=head)
    assert queue_take_next(manager=manager(), now=later).pk == held.pk  # type: ignore[union-attr]
