"""Orders for every app's tests, built with the ORM (not the intake service, which has its own
tests).

``OrderFactory`` fixes ``due_at`` from the product's grace period the way intake does; pass
``created_at`` (and ``product``) to place an order exactly on a grace boundary.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from orders.models import Order
from tests.partners.factories import PartnerFactory, ProductFactory


def _hours_ago(hours: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    """A pending order, just received, on a product the sales department works
    (``ProductFactory(on_sale=True)``).

    The order's partner is always its product's: pass ``product=``, or ``partner=`` alone for a
    new product of that partner. ``overdue=True``: created three hours ago, so its grace period
    (an hour unless the product says otherwise) is over — the kind the sweep queues and billing
    charges for.
    """

    class Meta:
        model = Order

    class Params:
        # Whose new product the order is on; the order itself always takes its product's partner.
        partner = None
        overdue = factory.Trait(created_at=factory.LazyFunction(lambda: _hours_ago(3)))

    product = factory.SubFactory(
        ProductFactory,
        on_sale=True,
        partner=factory.Maybe(
            factory.SelfAttribute("..partner"),
            yes_declaration=factory.SelfAttribute("..partner"),
            no_declaration=factory.SubFactory(PartnerFactory),
        ),
    )
    external_id = factory.Sequence(lambda n: f"shop-{n}")
    amount = Decimal("1000.00")
    customer_name = "Анна Смирнова"
    customer_email = "anna@example.com"
    customer_phone = "+79123456789"
    created_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(
        lambda o: o.created_at + dt.timedelta(minutes=o.product.grace_period_minutes)
    )

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        partner = kwargs.get("partner")
        if partner is not None and partner != kwargs["product"].partner:
            raise ValueError("OrderFactory: partner= is not the partner of the product= given")
        return kwargs

    @classmethod
    def _build(cls, model_class: type[Order], *args: Any, **kwargs: Any) -> Order:
        return super()._build(model_class, *args, partner=kwargs["product"].partner, **kwargs)

    @classmethod
    def _create(cls, model_class: type[Order], *args: Any, **kwargs: Any) -> Order:
        return super()._create(model_class, *args, partner=kwargs["product"].partner, **kwargs)


def due_order(*, now: dt.datetime | None = None, **fields: Any) -> Order:
    """An order whose grace period ended exactly at ``now``."""
    now = now or timezone.now()
    product = fields.pop("product", None) or ProductFactory.create(on_sale=True)
    return OrderFactory.create(
        product=product,
        created_at=now - dt.timedelta(minutes=product.grace_period_minutes),
        **fields,
    )
