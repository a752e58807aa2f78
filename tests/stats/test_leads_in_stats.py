"""Leads in the head's manager statistics: a taken lead counts as taken and its deal as won or
lost like any; revenue and fees come only from paid orders (a lead has no amount and makes no
fee), an order of the lead's buyer linked to the lead deal counting for its manager.

Hand-worked day, 20 November 2026 (Moscow), one manager, Anna:
12:00 takes a lead (arrived 11:50), 12:05 the buyer refuses → lost.
12:10 takes an unpaid order of 1000.00 ₽ (overdue), 12:20 it is paid → won, fee 69.00.
12:30 the lead's buyer pays an order of 1500.00 ₽ that was never queued → linked to the lead
deal (lost, within the window): revenue, no fee.
Taken 2, touches 1, won 1, lost 1 (no_time), revenue 2500.00, fees 69.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from billing.services import order_pay
from crm.models import Deal
from orders.models import Order
from sales_queue.services import queue_take_next, queue_touch
from stats.managers import manager_stats
from stats.periods import Period
from tests.crm.lead_factories import lead, lead_list
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db

DAY = Period("range", dt.date(2026, 11, 20), dt.date(2026, 11, 20))


def test_a_lead_counts_as_taken_and_lost_and_brings_revenue_only_through_a_paid_order(
    monkeypatch: Any,
) -> None:
    clock = {"now": NOON - dt.timedelta(minutes=10)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"].astimezone(dt.UTC))
    product = ProductFactory.create(on_sale=True)
    anna = manager(full_name="Анна")

    # a lead, taken and refused
    got = lead(of=lead_list(product=product), phone="+79123456789", now=clock["now"])
    clock["now"] = NOON
    first = queue_take_next(manager=anna, now=NOON)
    assert first is not None and first.lead_id == got.pk
    clock["now"] = NOON + dt.timedelta(minutes=5)
    queue_touch(
        manager=anna,
        item_id=first.pk,
        channel="phone",
        outcome="refused",
        reason="no_time",
        now=clock["now"],
    )

    # an unpaid order, taken and paid
    item = queued_item(product=product, entered_at=NOON - dt.timedelta(hours=1))
    assert item.order is not None
    clock["now"] = NOON + dt.timedelta(minutes=10)
    second = queue_take_next(manager=anna, now=clock["now"])
    assert second is not None and second.pk == item.pk
    clock["now"] = NOON + dt.timedelta(minutes=20)
    order_pay(order=item.order, paid_at=clock["now"])

    # the lead's buyer pays another order, never queued
    other = OrderFactory.create(
        product=ProductFactory.create(partner=product.partner, on_sale=True),
        contact=got.contact,
        amount=Decimal("1500.00"),
        created_at=NOON + dt.timedelta(minutes=25),
    )
    clock["now"] = NOON + dt.timedelta(minutes=30)
    order_pay(order=other, paid_at=clock["now"])
    assert Order.objects.get(pk=other.pk).deal == Deal.objects.get(queue_item=first)

    # when
    clock["now"] = NOON + dt.timedelta(hours=1)
    rows = {row.manager_id: row for row in manager_stats(period=DAY)}

    # then
    anna_row = rows[anna.pk]
    assert (anna_row.taken, anna_row.touches) == (2, 1)
    assert (anna_row.won, anna_row.lost) == (1, 1)
    assert anna_row.lost_reasons == {"no_time": 1}
    assert anna_row.revenue == Decimal("2500.00")
    assert anna_row.fees == Decimal("69.00")
