"""Orders for billing tests, built with the ORM (not the orders services, which have their own
tests): an order that entered the sales department, its payment and its refunds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from orders.models import Order
from partners.models import Partner, Product
from sales_queue.models import QueueItem
from tests.partners.factories import PartnerFactory


def _product(order: Any) -> Product:
    return Product.objects.create(partner=order.partner, name="Курс рисования", price=order.amount)


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    class Meta:
        model = Order

    partner = factory.SubFactory(PartnerFactory)
    product = factory.LazyAttribute(_product)
    external_id = factory.Sequence(lambda n: f"ord-{n}")
    amount = Decimal("1000.00")
    customer_name = "Покупатель"
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=3))
    due_at = factory.LazyAttribute(lambda o: o.created_at + dt.timedelta(hours=1))


def enter_sales_department(order: Order) -> QueueItem:
    return QueueItem.objects.create(
        order=order, partner=order.partner, product=order.product, state="done"
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
    """An order that entered the sales department and was then paid after its due time."""
    order = OrderFactory.create(
        partner=partner or PartnerFactory.create(), amount=Decimal(amount), **kwargs
    )
    enter_sales_department(order)
    return mark_paid(order, paid_at=paid_at, amount=paid_amount)
