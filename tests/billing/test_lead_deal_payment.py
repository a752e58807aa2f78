"""A lead's buyer paying an order later: the paid order links to the lead's deal
(:func:`sales_queue.services.leads.lead_deal_link_payment`), and no fee comes of the lead.

Hand-worked world: a lead arrives at 11:50 (Moscow), a manager takes it at 12:00 — the deal
opens then. The buyer's order (same phone, so the same contact) is on another product of the
partner, 1000.00 ₽, created 12:30 with an hour's grace (due 13:30), in no queue. The fee
policy's attribution window is the default 30 days.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from billing.models import LedgerEntry
from billing.services import order_pay
from crm.models import Deal, Task
from orders.models import Order
from sales_queue.models import QueueItem
from sales_queue.services import queue_take_next, queue_touch, supply
from tests.accounts.factories import UserFactory
from tests.crm.factories import ContactFactory
from tests.crm.lead_factories import lead, lead_list
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db

WINDOW = dt.timedelta(days=30)


class Clock:
    def __init__(self, monkeypatch: Any) -> None:
        self.now = NOON
        monkeypatch.setattr(timezone, "now", lambda: self.now.astimezone(dt.UTC))

    def at(self, moment: dt.datetime) -> None:
        self.now = moment


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def lead_deal(clock: Clock) -> Deal:
    """The lead taken at 12:00: its deal, open."""
    clock.at(NOON - dt.timedelta(minutes=10))
    got = lead(of=lead_list(name="Вебинар"), phone="+79123456789", now=clock.now)
    clock.at(NOON)
    seller = manager()
    item = queue_take_next(manager=seller, now=NOON)
    assert item is not None and item.lead_id == got.pk
    return Deal.objects.get(queue_item=item)


def buyers_order(deal: Deal, **fields: Any) -> Order:
    product = fields.pop("product", None) or ProductFactory.create(
        partner=deal.partner, on_sale=True
    )
    fields.setdefault("created_at", NOON + dt.timedelta(minutes=30))
    fields.setdefault("contact", deal.contact)
    return OrderFactory.create(product=product, amount=Decimal("1000.00"), **fields)


def pay(order: Order, clock: Clock, paid_at: dt.datetime) -> Order:
    clock.at(max(paid_at, clock.now))
    return order_pay(order=order, paid_at=paid_at)


def test_an_order_paid_while_the_lead_deal_is_open_links_to_it_and_owes_nothing(
    clock: Clock, lead_deal: Deal
) -> None:
    # given
    order = buyers_order(lead_deal)

    # when: paid at 12:45, within its grace period
    pay(order, clock, NOON + dt.timedelta(minutes=45))

    # then
    order.refresh_from_db()
    assert order.deal_id == lead_deal.pk
    assert not LedgerEntry.objects.filter(order=order).exists()
    lead_deal.refresh_from_db()
    assert lead_deal.status == Deal.Status.OPEN  # the link alone: the manager closes the deal
    assert QueueItem.objects.get(deal=lead_deal).state == "active"
    task = Task.objects.get(deal=lead_deal, kind=Task.Kind.ORDER_LINKED)
    assert task.assignee_id == lead_deal.responsible_id
    assert order.external_id in task.text


def test_an_overdue_order_in_no_queue_paid_later_links_and_still_owes_nothing(
    clock: Clock, lead_deal: Deal
) -> None:
    # given: paid at 15:00, after its due time (13:30), never queued
    order = buyers_order(lead_deal)

    # when
    pay(order, clock, NOON + dt.timedelta(hours=3))

    # then
    order.refresh_from_db()
    assert order.deal_id == lead_deal.pk
    assert not LedgerEntry.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    ("after_close", "linked"),
    [
        (dt.timedelta(days=1), True),
        (WINDOW, True),  # exactly at the window's end
        (WINDOW + dt.timedelta(seconds=1), False),
    ],
)
def test_a_lost_lead_deal_takes_an_order_paid_within_the_window_after_it_closed(
    clock: Clock, lead_deal: Deal, after_close: dt.timedelta, linked: bool
) -> None:
    # given: the buyer refused at 12:05
    clock.at(NOON + dt.timedelta(minutes=5))
    queue_touch(
        manager=lead_deal.responsible,
        item_id=lead_deal.queue_item_id,
        channel="phone",
        outcome="refused",
        reason="no_time",
        now=clock.now,
    )
    lead_deal.refresh_from_db()
    assert lead_deal.status == Deal.Status.LOST and lead_deal.closed_at is not None
    order = buyers_order(lead_deal, created_at=lead_deal.closed_at + after_close)

    # when
    pay(order, clock, lead_deal.closed_at + after_close)

    # then
    order.refresh_from_db()
    assert (order.deal_id == lead_deal.pk) is linked
    lead_deal.refresh_from_db()
    assert lead_deal.status == Deal.Status.LOST  # no late win from a lead
    assert not LedgerEntry.objects.filter(order=order).exists()


def test_a_lead_taken_only_after_the_payment_does_not_take_the_order(clock: Clock) -> None:
    # given: the buyer paid at 11:55 (reported late), the lead was taken at 12:00
    clock.at(NOON - dt.timedelta(minutes=20))
    got = lead(phone="+79123456789", now=clock.now)
    order = OrderFactory.create(
        product=ProductFactory.create(partner=got.partner, on_sale=True),
        contact=got.contact,
        created_at=NOON - dt.timedelta(minutes=15),
    )
    clock.at(NOON)
    queue_take_next(manager=manager(), now=NOON)

    # when
    order_pay(order=order, paid_at=NOON - dt.timedelta(minutes=5))

    # then
    order.refresh_from_db()
    assert order.deal_id is None


def test_an_order_with_a_deal_of_its_own_keeps_it_and_its_fee_follows_its_own_item(
    clock: Clock, lead_deal: Deal
) -> None:
    # given: the buyer's overdue order, in the queue and taken by another manager at 12:10
    product = ProductFactory.create(partner=lead_deal.partner, on_sale=True)
    item = queued_item(product=product)
    assert item.order is not None
    order = item.order
    Order.objects.filter(pk=order.pk).update(contact=lead_deal.contact)
    clock.at(NOON + dt.timedelta(minutes=10))
    taken = queue_take_next(manager=manager(), now=clock.now)
    assert taken is not None and taken.pk == item.pk
    own = Deal.objects.get(queue_item=item)

    # when
    pay(order, clock, NOON + dt.timedelta(minutes=20))

    # then: linked to its own deal; the fee as for any worked order (6.9% of 1000.00)
    order.refresh_from_db()
    assert order.deal_id == own.pk
    fees = list(LedgerEntry.objects.filter(order=order).values_list("kind", "amount"))
    assert fees == [("fee", Decimal("69.00"))]
    assert not Task.objects.filter(deal=lead_deal, kind=Task.Kind.ORDER_LINKED).exists()


def test_another_buyers_or_a_withdrawn_lead_deal_takes_nothing(
    clock: Clock, lead_deal: Deal
) -> None:
    # given: an order of another buyer of the partner
    stranger = buyers_order(lead_deal, contact=ContactFactory.create(partner=lead_deal.partner))

    # when
    pay(stranger, clock, NOON + dt.timedelta(minutes=45))

    # then
    stranger.refresh_from_db()
    assert stranger.deal_id is None

    # given: the lead deal withdrawn (its item finished by a block is still held; force it)
    Deal.objects.filter(pk=lead_deal.pk).update(
        status=Deal.Status.WITHDRAWN, closed_at=NOON + dt.timedelta(minutes=50)
    )
    order = buyers_order(lead_deal)

    # when
    pay(order, clock, NOON + dt.timedelta(hours=1))

    # then
    order.refresh_from_db()
    assert order.deal_id is None


def test_the_newest_of_two_open_lead_deals_of_the_buyer_takes_the_order(
    clock: Clock, lead_deal: Deal
) -> None:
    # given: a second lead of the same buyer, taken at 12:20 by another manager
    clock.at(NOON + dt.timedelta(minutes=15))
    lead(of=lead_list(product=lead_deal.product, name="Второй"), now=clock.now)
    clock.at(NOON + dt.timedelta(minutes=20))
    second = queue_take_next(manager=manager(), now=clock.now)
    assert second is not None
    newer = Deal.objects.get(queue_item=second)
    assert newer.contact_id == lead_deal.contact_id
    order = buyers_order(lead_deal)

    # when
    pay(order, clock, NOON + dt.timedelta(minutes=45))

    # then
    order.refresh_from_db()
    assert order.deal_id == newer.pk


def test_a_block_of_the_product_does_not_stop_the_link(clock: Clock, lead_deal: Deal) -> None:
    # the held lead stays with its manager when its product is blocked; the buyer pays
    assert lead_deal.product is not None
    supply.product_block(product=lead_deal.product, actor=UserFactory.create(role="head"))
    order = buyers_order(lead_deal)

    pay(order, clock, NOON + dt.timedelta(minutes=45))

    order.refresh_from_db()
    assert order.deal_id == lead_deal.pk
