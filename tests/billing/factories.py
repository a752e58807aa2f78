"""Billing scenarios built on the shared factories with the ORM (not the orders services, which
have their own tests): an order that entered the sales department, its payment and its
refunds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from orders.models import Order
from partners.models import Partner
from sales_queue.models import QueueItem
from tests.orders.factories import OrderFactory
from tests.partners.factories import PartnerFactory
from tests.sales_queue.factories import QueueItemFactory, manager


def enter_sales_department(order: Order) -> QueueItem:
    """The order's item, taken by a manager a minute after ``due_at`` (before any payment the
    helpers below make by default) and closed as won — the sales department's work."""
    taken_at = order.due_at + dt.timedelta(minutes=1)
    return QueueItemFactory.create(
        order=order,
        state=QueueItem.State.DONE,
        outcome=QueueItem.Outcome.WON,
        holder=manager(),
        taken_at=taken_at,
        closed_at=taken_at + dt.timedelta(minutes=29),
    )


def mark_paid(
    order: Order, *, paid_at: dt.datetime | None = None, amount: Decimal | str | None = None
) -> Order:
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.PAID,
        paid_at=paid_at or order.due_at + dt.timedelta(minutes=30),
        paid_amount=Decimal(amount) if amount is not None else order.amount,
    )
    order.refresh_from_db()
    return order


def mark_refunded(order: Order, amount: Decimal | str) -> Order:
    """Add a refund of ``amount`` the way the orders app records one."""
    assert order.paid_amount is not None
    refunded = order.refunded_amount + Decimal(amount)
    Order.objects.filter(pk=order.pk).update(
        refunded_amount=refunded,
        refunded_at=timezone.now(),
        status=Order.Status.REFUNDED if refunded == order.paid_amount else Order.Status.PAID,
    )
    order.refresh_from_db()
    return order


def handled_paid_order(
    *,
    partner: Partner | None = None,
    amount: Decimal | str = "1000.00",
    paid_amount: Decimal | str | None = None,
    paid_at: dt.datetime | None = None,
    **kwargs: Any,
) -> Order:
    """An order a manager took after its due time, then paid (30 minutes after ``due_at``
    unless ``paid_at`` says otherwise)."""
    order = OrderFactory.create(
        overdue=True,
        partner=partner or PartnerFactory.create(),
        amount=Decimal(amount),
        **kwargs,
    )
    enter_sales_department(order)
    return mark_paid(order, paid_at=paid_at, amount=paid_amount)
