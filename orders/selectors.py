"""Reads for orders. Every selector takes the partner first.

An order as the partner sees it also carries its fee and the queue's story: those reads live
with billing, the app above both (:func:`billing.selectors.order_list_with_fee`,
:func:`billing.selectors.order_timeline`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from orders.models import Order, Refund
from partners.models import Partner, Product
from salesdesk.tenancy import get_object_or_404


class SalesStatus:
    """Where the order stands with the sales department (derived from its queue item)."""

    NONE = "none"
    QUEUED = "queued"
    ACTIVE = "active"
    CLOSED = "closed"

    values = (NONE, QUEUED, ACTIVE, CLOSED)


def _sales_status() -> Case:
    return Case(
        When(queue_item__isnull=True, then=Value(SalesStatus.NONE)),
        When(queue_item__state="queued", then=Value(SalesStatus.QUEUED)),
        When(queue_item__state__in=["active", "scheduled"], then=Value(SalesStatus.ACTIVE)),
        default=Value(SalesStatus.CLOSED),
        output_field=CharField(),
    )


def order_list(*, partner: Partner, search: str = "") -> QuerySet[Order]:
    """The partner's orders with ``sales_status`` annotated."""
    orders = (
        Order.objects.for_partner(partner)
        .select_related("product", "queue_item")
        .annotate(sales_status=_sales_status())
    )
    search = search.strip()
    if search:
        digits = "".join(ch for ch in search if ch.isdigit())
        match = (
            Q(external_id__icontains=search)
            | Q(customer_name__icontains=search)
            | Q(customer_email__icontains=search)
        )
        if len(digits) >= 3:
            match |= Q(customer_phone__contains=digits)
            if digits.startswith("8"):  # the Russian trunk prefix: 8 912… is +7 912…
                match |= Q(customer_phone__startswith="+7" + digits[1:])
        orders = orders.filter(match)
    return orders


def order_get(*, partner: Partner, order_id: Any) -> Order:
    """One of the partner's orders; another partner's or a malformed id is a 404."""
    orders = order_list(partner=partner).select_related("queue_item__holder")
    return get_object_or_404(orders, pk=order_id)


def product_for_order(*, partner: Partner, ref: str) -> Product | None:
    """The partner's product named by its UUID or, failing that, by its external id."""
    products = Product.objects.for_partner(partner).select_related("partner")
    try:
        product_id = uuid.UUID(ref)
    except ValueError:
        pass
    else:
        found = products.filter(pk=product_id).first()
        if found is not None:
            return found
    return products.filter(external_id=ref).exclude(external_id="").first()


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    label: str
    detail: str = ""
    amount: Decimal | None = None


def order_events(*, order: Order) -> list[TimelineEntry]:
    """The order's own events for its timeline: created, due, paid, cancelled, refunded."""
    entries = [
        TimelineEntry(order.created_at, "created", _("Order created")),
        TimelineEntry(order.due_at, "due", _("Payment due (end of the grace period)")),
    ]
    if order.paid_at is not None:
        entries.append(TimelineEntry(order.paid_at, "paid", _("Paid"), amount=order.paid_amount))
    if order.cancelled_at is not None:
        entries.append(TimelineEntry(order.cancelled_at, "cancelled", _("Cancelled")))
    for refund in order.refunds.all():
        entries.append(
            TimelineEntry(
                refund.created_at,
                "refunded",
                _("Refunded") if refund.kind == Refund.Kind.REST else _("Partly refunded"),
                refund.refund_id,
                amount=refund.amount,
            )
        )
    return entries
