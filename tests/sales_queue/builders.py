"""Building blocks for queue tests: approved products, orders and queue items with explicit
times (the working-hours rules make "now" matter)."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from decimal import Decimal
from typing import Any

from orders.models import Order
from partners.models import Partner, Product
from sales_queue.models import QueueItem
from tests.accounts.factories import UserFactory
from tests.partners.factories import PartnerFactory

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
# A Friday noon in Moscow: inside the default working hours.
NOON = dt.datetime(2026, 11, 20, 12, 0, tzinfo=MSK)
_seq = itertools.count()


def approved_product(*, partner: Partner | None = None, **fields: Any) -> Product:
    defaults: dict[str, Any] = {
        "name": f"Курс {next(_seq)}",
        "price": Decimal("1000.00"),
        "sales_enabled": True,
        "sales_status": "approved",
        "grace_period_minutes": 60,
    }
    return Product.objects.create(
        partner=partner or PartnerFactory.create(), **{**defaults, **fields}
    )


def queued_item(
    *,
    product: Product | None = None,
    entered_at: dt.datetime | None = None,
    available_at: dt.datetime | None = None,
    state: str = "queued",
    holder: Any = None,
    **order_fields: Any,
) -> QueueItem:
    product = product or approved_product()
    entered = entered_at or NOON - dt.timedelta(hours=1)
    created = entered - dt.timedelta(hours=2)
    order = Order.objects.create(
        partner=product.partner,
        product=product,
        external_id=f"ext-{next(_seq)}",
        amount=order_fields.pop("amount", Decimal("1000.00")),
        customer_name=order_fields.pop("customer_name", "Иван Покупатель"),
        customer_phone=order_fields.pop("customer_phone", "+79123456789"),
        customer_email=order_fields.pop("customer_email", "buyer@example.com"),
        created_at=created,
        due_at=created + dt.timedelta(minutes=product.grace_period_minutes),
        **order_fields,
    )
    return QueueItem.objects.create(
        partner=product.partner,
        product=product,
        order=order,
        state=state,
        holder=holder,
        entered_at=entered,
        available_at=available_at or entered,
        taken_at=NOON - dt.timedelta(minutes=5) if state == "active" else None,
    )


def manager(**fields: Any) -> Any:
    return UserFactory.create(role=fields.pop("role", "manager"), **fields)
