"""Reads for orders. Every selector takes the partner first (the deal's linked orders: the deals
the caller may see, which carry their partner).

An order as the partner sees it also carries its fee and the queue's story: those reads live
with billing, the app above both (:func:`billing.selectors.order_list_with_fee`,
:func:`billing.selectors.order_timeline`)."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from crm.models import Deal
from crm.selectors import (
    GLOBAL_SEARCH_LIMIT,
    SEARCH_MAX,
    buyer_search_filter,
    deals_visible,
    sales_status,
)
from orders.models import Order, Refund
from partners.models import Partner, Product
from salesdesk.lean import columns, instances, param
from salesdesk.tenancy import get_object_or_404


def order_list(*, partner: Partner, search: str = "") -> QuerySet[Order]:
    """The partner's orders with ``sales_status`` annotated."""
    orders = (
        Order.objects.for_partner(partner)
        .select_related("product", "queue_item")
        .annotate(sales_status=sales_status())
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


def order_search(*, user: Any, q: str, limit: int = GLOBAL_SEARCH_LIMIT) -> list[Order]:
    """The staff's global search over orders: ``q`` in the external id, the buyer's name, email
    or phone. The head finds every order, a seller the orders of the deals they are responsible
    for. Each carries ``newest_deal_id``, the newest such deal the user may open (staff have no
    order page; ``None``: an order without a deal, which only the head finds). At most
    ``limit + 1`` (the extra one says the list was cut); one query."""
    newest = (
        deals_visible(user=user)
        .filter(order=OuterRef("pk"))
        .order_by("-updated_at", "-id")
        .values("pk")[:1]
    )
    match = buyer_search_filter(
        q, name="customer_name", email="customer_email", phone="customer_phone"
    ) | Q(external_id__icontains=q.strip()[:SEARCH_MAX])
    orders = Order.objects.filter(match)
    if getattr(user, "role", None) != Role.HEAD:
        orders = orders.filter(pk__in=deals_visible(user=user).values("order_id"))
    found = orders.select_related("partner", "product").annotate(newest_deal_id=Subquery(newest))
    return list(found.order_by("-created_at", "-id")[: limit + 1])


def order_get(*, partner: Partner, order_id: Any) -> Order:
    """One of the partner's orders; another partner's or a malformed id is a 404."""
    orders = order_list(partner=partner).select_related("queue_item__holder")
    return get_object_or_404(orders, pk=order_id)


def product_for_order(*, partner: Partner, ref: str) -> Product | None:
    """The partner's product named by its UUID or, failing that, by its external id."""
    try:
        product_id = uuid.UUID(ref)
    except ValueError:
        pass
    else:
        found = _product_by_id(partner, product_id)
        if found is not None:
            return found
    products = Product.objects.for_partner(partner).select_related("partner")
    return products.filter(external_id=ref).exclude(external_id="").first()


@functools.cache
def _product_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return (
        # Identifiers from the model's metadata; the ids are parameters.
        f"SELECT {columns(Product, 'p')} FROM {quote(Product._meta.db_table)} p"  # noqa: S608
        f" WHERE p.{quote('partner_id')} = %s AND p.{quote('id')} = %s"
    )


def _product_by_id(partner: Partner, product_id: uuid.UUID) -> Product | None:
    """The partner's product by its id, in a statement built once (every intake names its
    product; compiling the queryset cost more than running it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _product_sql(connection.vendor),
            [param(Product, "partner", partner.pk), param(Product, "id", product_id)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    (product,) = instances(row, Product)
    product.partner = partner  # type: ignore[attr-defined]
    return product  # type: ignore[return-value]


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    label: str
    detail: str = ""
    amount: Decimal | None = None


def order_reachable(order: Order) -> bool:
    """Whether the sales department has a way to reach the buyer (the sweep's rule too)."""
    return any(
        (order.customer_phone, order.customer_email, order.customer_telegram,
         order.customer_whatsapp)
    )  # fmt: skip


def _why_not_queued(order: Order, now: dt.datetime) -> TimelineEntry | None:
    """Why an order never went to the sales department: no way to reach the buyer, or one of
    the two backlog limits (DESIGN.md, "Grace period"); ``None`` when it did go, or may
    still."""
    if getattr(order, "queue_item", None) is not None:
        return None
    settled = [t for t in (order.paid_at, order.cancelled_at) if t is not None]
    if not order_reachable(order) and not any(t <= order.due_at for t in settled):
        return TimelineEntry(
            order.received_at,
            "not_queued_unreachable",
            _(
                "Not sent to the sales department: the order has no phone, email, Telegram or "
                "WhatsApp of the buyer"
            ),
        )
    if not order.sales_active_at_intake:
        return TimelineEntry(
            order.received_at,
            "not_queued_inactive",
            _("Not sent to the sales department: received while the sales department was off"),
        )
    too_old_at = order.created_at + dt.timedelta(days=settings.SALES_MAX_ORDER_AGE_DAYS)
    settled = [t for t in (order.paid_at, order.cancelled_at) if t is not None]
    if (
        too_old_at <= now
        and order.due_at < too_old_at
        and not any(t <= too_old_at for t in settled)
    ):
        return TimelineEntry(
            too_old_at,
            "not_queued_too_old",
            _("Not sent to the sales department: too old to be worked (older than %(days)d days)")
            % {"days": settings.SALES_MAX_ORDER_AGE_DAYS},
        )
    return None


def order_events(*, order: Order, now: dt.datetime | None = None) -> list[TimelineEntry]:
    """The order's own events for its timeline: created, due, paid, cancelled, refunded, and
    why it did not go to the sales department if a backlog limit kept it out."""
    entries = [
        TimelineEntry(order.created_at, "created", _("Order created")),
        TimelineEntry(order.due_at, "due", _("Payment due (end of the grace period)")),
    ]
    why_not = _why_not_queued(order, now or timezone.now())
    if why_not is not None:
        entries.append(why_not)
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


# --- paid orders linked to deals -------------------------------------------------------------


def deal_linked_orders(*, deals: Any) -> dict[Any, list[Order]]:
    """The orders linked to each deal (``Order.deal``), first paid first, in one query for a
    page of deals; ``deals`` are the ones the caller may see (``crm.selectors.deals_visible``),
    so nothing of another partner is read."""
    deals = list(deals)
    by_deal: dict[Any, list[Order]] = {d.pk: [] for d in deals}
    if not deals:
        return by_deal
    for order in Order.objects.filter(deal_id__in=list(by_deal)).order_by("paid_at", "id"):
        by_deal[order.deal_id].append(order)
    return by_deal


def deal_linkable_orders(*, deal: Deal) -> QuerySet[Order]:
    """The paid orders of the deal's buyer (of its partner) that no deal holds yet: what the
    manager may link to it. None when the deal has no contact."""
    if deal.contact_id is None:
        return Order.objects.none()
    return (
        Order.objects.filter(
            partner_id=deal.partner_id,
            contact_id=deal.contact_id,
            status=Order.Status.PAID,
            deal__isnull=True,
        )
        .select_related("product")
        .order_by("-paid_at", "-id")
    )
