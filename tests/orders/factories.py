"""Products and orders for the orders and sweep tests, built with the ORM.

``OrderFactory`` fixes ``due_at`` from the product's grace period the way intake does;
pass ``created_at`` (and ``product``) to place an order exactly on a grace boundary.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from orders.models import Order
from partners.models import Product
from sales_queue.models import QueueItem
from tests.partners.factories import PartnerFactory


class SalesProductFactory(factory.django.DjangoModelFactory[Product]):
    """A product whose sales department is on and approved: its due orders feed the queue."""

    class Meta:
        model = Product

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Курс {n}")
    price = Decimal("1000.00")
    sales_enabled = True
    sales_status = "approved"
    grace_period_minutes = 60


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    class Meta:
        model = Order

    product = factory.SubFactory(SalesProductFactory)
    partner = factory.LazyAttribute(lambda o: o.product.partner)
    external_id = factory.Sequence(lambda n: f"shop-{n}")
    amount = Decimal("1000.00")
    customer_name = "Анна Смирнова"
    customer_email = "anna@example.com"
    customer_phone = "+79123456789"
    created_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(
        lambda o: o.created_at + dt.timedelta(minutes=o.product.grace_period_minutes)
    )


def due_order(*, now: dt.datetime | None = None, **fields: Any) -> Order:
    """An order whose grace period ended exactly at ``now``."""
    now = now or timezone.now()
    product = fields.pop("product", None) or SalesProductFactory.create()
    return OrderFactory.create(
        product=product,
        created_at=now - dt.timedelta(minutes=product.grace_period_minutes),
        **fields,
    )


def queue_item_for(order: Order, **fields: Any) -> QueueItem:
    return QueueItem.objects.create(
        order=order, partner=order.partner, product=order.product, **fields
    )
