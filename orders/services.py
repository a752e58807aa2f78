"""Writes for orders: idempotent intake, recording the storefront's payment events, and
linking paid orders to deals (the order's own deal when it is paid; another deal of the same
buyer by a manager: :func:`order_link_to_deal`).

Intake is idempotent on ``(partner, external_id)`` through the database's unique constraint:
two storefront retries racing each other make one order, and the loser compares its body with
the winner's. Payment events lock the order row and move it with compare-and-swap updates, so
duplicates (sequential or concurrent) change nothing twice.

These record the event on the order only. What an event does beyond the order — closing the
queue item, winning the deal, charging or reversing the fee — is the use case of the app above:
:func:`billing.services.order_pay`, :func:`billing.services.order_refund` and
:func:`sales_queue.services.order_cancel` call these first, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from crm.models import Deal
from crm.services import contact_find_or_create, deal_order_linked
from orders.contacts import Customer
from orders.models import Order, Refund
from partners.models import Partner, Product
from partners.selectors import product_feeds_queue_sql
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from salesdesk.inserts import insert_unless_conflict
from salesdesk.money import MoneyError, parse_money
from salesdesk.tenancy import get_object_or_404

logger = logging.getLogger(__name__)

CURRENCY = "RUB"
# Storefront clocks drift; a time this far ahead of ours is still "now".
CLOCK_SKEW = dt.timedelta(minutes=5)
# Imported orders may be old, but not older than the storefronts themselves.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
PAYMENT_URL_MAX = 2000
SOURCE_MAX = 100
# Only https: the link is shown to managers and sent to buyers, so no javascript:, data: or
# plain-http links (a payment page without TLS is not one to send a buyer to).
_https_url = URLValidator(schemes=["https"])


@dataclass(frozen=True)
class Intake:
    order: Order
    created: bool


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        _("Invalid input."), code="validation_error", details={field: [message]}
    )


def check_amount(value: Any, *, field: str = "amount") -> Decimal:
    """An amount from a Python caller, by the API's rules (:func:`salesdesk.money.parse_money`)."""
    try:
        return parse_money(value)
    except MoneyError as exc:
        raise _invalid(field, exc.message) from None


def check_moment(value: dt.datetime, *, field: str, now: dt.datetime) -> dt.datetime:
    """A storefront-reported time: aware, not before 2000, not in the future beyond the skew."""
    if timezone.is_naive(value):
        raise _invalid(field, _("Give the time with its time zone."))
    if value < EARLIEST:
        raise _invalid(field, _("Must be after 2000-01-01."))
    if value > now + CLOCK_SKEW:
        raise _invalid(field, _("Must not be in the future."))
    return value


def check_payment_url(value: str, *, field: str = "payment_url") -> str:
    """The storefront's payment link: empty, or an https URL of at most 2000 characters."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > PAYMENT_URL_MAX:
        raise _invalid(field, _("At most 2000 characters."))
    try:
        _https_url(value)
    except ValidationError:
        raise _invalid(field, _("Give an https:// link to the payment page.")) from None
    return value


def check_source(value: str, *, field: str = "source") -> str:
    """The ad channel the buyer came from, stripped, at most 100 characters."""
    value = (value or "").strip()
    if len(value) > SOURCE_MAX:
        raise _invalid(field, _("At most 100 characters."))
    return value


def _intake_payload(
    *,
    product: Product,
    amount: Decimal,
    currency: str,
    customer: Customer,
    created_at: dt.datetime | None,
    payment_url: str,
    source: str,
) -> dict[str, Any]:
    """The normalised body a retry must repeat to be the same order.

    ``payment_url`` and ``source`` are in it only when given, so an order recorded before
    they existed still matches a retry that does not send them.
    """
    payload: dict[str, Any] = {
        "product": str(product.pk),
        "amount": f"{amount:.2f}",
        "currency": currency,
        "customer": customer.as_dict(),
        "created_at": created_at.astimezone(dt.UTC).isoformat() if created_at else None,
    }
    if payment_url:
        payload["payment_url"] = payment_url
    if source:
        payload["source"] = source
    return payload


def _differing_fields(stored: dict[str, Any], given: dict[str, Any]) -> list[str]:
    fields: list[str] = []
    for key in sorted(set(stored) | set(given)):
        old, new = stored.get(key), given.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            fields += [
                f"{key}.{sub}"
                for sub in sorted(set(old) | set(new))
                if old.get(sub, "") != new.get(sub, "")
            ]
        elif old != new:
            fields.append(key)
    return fields


def _same_or_conflict(existing: Order, payload: dict[str, Any]) -> Intake:
    differing = _differing_fields(existing.intake_payload, payload)
    if differing:
        raise ConflictError(
            _("An order with this external id already exists with other data."),
            code="order_conflict",
            details={"order": str(existing.pk), "fields": differing},
        )
    return Intake(order=existing, created=False)


class _Retry(Exception):
    """The external id is taken: undo what this intake wrote (its contact) and compare."""


def order_create(
    *,
    partner: Partner,
    product: Product,
    external_id: str,
    amount: Decimal,
    customer: Customer,
    currency: str = CURRENCY,
    created_at: dt.datetime | None = None,
    payment_url: str = "",
    source: str = "",
    now: dt.datetime | None = None,
) -> Intake:
    """Record an order from the storefront, or recognise a retry of one already recorded.

    The same ``external_id`` with the same (normalised) body returns the existing order;
    with another body it is a 409 ``order_conflict`` naming the differing fields. ``due_at``
    is fixed here from the product's grace period and never moves afterwards, and so is
    ``sales_active_at_intake``: whether the product fed the queue when the order arrived (an
    order received while it did not is never queued, see :mod:`sales_queue.services.sweep`).

    A first-time intake is one transaction of two statements: the buyer's contact and the
    order, each an ``INSERT … ON CONFLICT DO NOTHING``; the unique ``(partner, external_id)``
    decides between racing retries without an exception. Only an intake that finds its
    external id taken reads the order there and compares (its contact, if it made one, is
    rolled back with the transaction).
    """
    now = now or timezone.now()
    if product.partner_id != partner.pk:
        raise NotFoundError(_("Product not found."))
    external_id = external_id.strip()
    if not external_id or len(external_id) > 200:
        raise _invalid("external_id", _("From 1 to 200 characters."))
    if currency != CURRENCY:
        raise _invalid("currency", _("Only RUB is supported."))
    amount = check_amount(amount)
    if not customer.name.strip():
        raise _invalid("customer", _("The buyer's name is required."))
    if created_at is not None:
        check_moment(created_at, field="created_at", now=now)
    payment_url = check_payment_url(payment_url)
    source = check_source(source)
    payload = _intake_payload(
        product=product,
        amount=amount,
        currency=currency,
        customer=customer,
        created_at=created_at,
        payment_url=payment_url,
        source=source,
    )

    created = created_at or now
    try:
        with transaction.atomic():
            contact = contact_find_or_create(
                partner=partner,
                name=customer.name,
                phone=customer.phone,
                email=customer.email,
                telegram=customer.telegram,
                whatsapp=customer.whatsapp,
            )
            order = Order(
                partner=partner,
                contact=contact,
                product=product,
                external_id=external_id,
                amount=amount,
                currency=currency,
                customer_name=customer.name,
                customer_email=customer.email,
                customer_phone=customer.phone,
                customer_telegram=customer.telegram,
                customer_whatsapp=customer.whatsapp,
                created_at=created,
                due_at=created + dt.timedelta(minutes=product.grace_period_minutes),
                payment_url=payment_url,
                source=source,
                intake_payload=payload,
            )
            row = insert_unless_conflict(
                order,
                conflict=("partner", "external_id"),
                # Read as the row is written: the caller's product may predate a switch-off
                # or an approval.
                computed={"sales_active_at_intake": product_feeds_queue_sql(product.pk)},
                returning=("sales_active_at_intake",),
            )
            if row is None:
                raise _Retry
    except _Retry:
        existing = Order.objects.for_partner(partner).filter(external_id=external_id).first()
        if existing is None:  # the winner was rolled back after all: a bug, not a race
            raise ConflictError(
                _("The order changed meanwhile; try again."), code="order_changed"
            ) from None
        return _same_or_conflict(existing, payload)
    order.sales_active_at_intake = bool(row[0])
    logger.info("order %s received (partner=%s external_id=%s)", order.pk, partner.pk, external_id)
    return Intake(order=order, created=True)


def order_ref(*, partner: Partner, order_id: Any) -> Order:
    """One of the partner's orders by its id, unread: for the event services below, which
    read it once, locked, and answer 404 then when it is not the partner's (or no order)."""
    return Order(pk=order_id, partner=partner)


def _lock(order: Order) -> Order:
    """The order read afresh and locked, within its partner (another partner's, a missing or a
    malformed id is a 404): the one read an event makes of it."""
    return get_object_or_404(
        Order.objects.select_for_update(of=("self",)).filter(partner_id=order.partner_id),
        message=_("Order not found."),
        pk=order.pk,
    )


def _cas(order: Order, **changes: Any) -> Order:
    """Move the locked order from the state we read; zero rows means our read is stale. The
    instance takes the changes as written (nobody else can write the locked row)."""
    updated = Order.objects.filter(
        pk=order.pk, status=order.status, refunded_amount=order.refunded_amount
    ).update(**changes)
    if updated != 1:
        raise ConflictError(_("The order changed meanwhile; try again."), code="order_changed")
    for name, value in changes.items():
        setattr(order, name, value)
    return order


@dataclass(frozen=True)
class Recorded:
    """An order event as recorded: the order after it, and whether it changed anything (a
    repeated event changes nothing)."""

    order: Order
    changed: bool


# A reported payment above this many times the order's amount is refused: it is a typo or a unit
# mix-up (kopecks sent as roubles is 100×), not an overpayment. The fee does not depend on it (its
# base is the order's amount), but refunds are bounded by it and revenue figures sum it.
PAID_AMOUNT_MAX_RATIO = 10


def check_paid_amount(amount: Decimal, *, order_amount: Decimal, field: str = "amount") -> None:
    if amount > order_amount * PAID_AMOUNT_MAX_RATIO:
        raise ApplicationError(
            _("The paid amount is implausible: more than %(ratio)s times the order's amount.")
            % {"ratio": PAID_AMOUNT_MAX_RATIO},
            code="amount_implausible",
            details={
                field: [
                    _("At most %(max)s: %(ratio)s times the order's amount.")
                    % {"max": order_amount * PAID_AMOUNT_MAX_RATIO, "ratio": PAID_AMOUNT_MAX_RATIO}
                ]
            },
        )


# A step of the payment use case (billing.services.order_pay), which owns the transaction and
# rolls it back whole on any error: no savepoint of its own (it opens a transaction when called
# alone).
@transaction.atomic(savepoint=False)
def order_payment_record(
    *,
    order: Order,
    paid_at: dt.datetime | None = None,
    amount: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Recorded:
    """Record the payment the storefront reports on the order; idempotent. The order row
    stays locked until the caller's transaction ends."""
    now = now or timezone.now()
    locked = _lock(order)
    if paid_at is not None:
        check_moment(paid_at, field="paid_at", now=now)
        if paid_at < locked.created_at:
            raise _invalid("paid_at", _("Must not be before the order was created."))
    if amount is not None:
        amount = check_amount(amount)
        check_paid_amount(amount, order_amount=locked.amount)

    if locked.status in (Order.Status.PAID, Order.Status.REFUNDED):
        differing = [
            name
            for name, given, stored in (
                ("paid_at", paid_at, locked.paid_at),
                ("amount", amount, locked.paid_amount),
            )
            if given is not None and given != stored
        ]
        if differing:
            raise ConflictError(
                _("The order is already paid with another time or amount."),
                code="order_already_paid",
                details={"fields": differing},
            )
        return Recorded(locked, changed=False)
    if locked.status == Order.Status.CANCELLED:
        raise ConflictError(_("The order is cancelled."), code="order_cancelled")

    paid_at = paid_at or now
    if paid_at < locked.created_at:
        # Only reachable with a created_at a little ahead of our clock (the skew).
        paid_at = locked.created_at
    locked = _cas(
        locked,
        status=Order.Status.PAID,
        paid_at=paid_at,
        paid_amount=amount if amount is not None else locked.amount,
    )
    logger.info("order %s paid %s at %s", locked.pk, locked.paid_amount, locked.paid_at)
    _link_to_own_deal(locked)
    return Recorded(locked, changed=True)


def _link_to_own_deal(order: Order) -> None:
    """The order just paid links itself to its own deal (the most recent one whose ``order``
    it is), unless it is linked already — a compare-and-swap on ``deal IS NULL``, so a repeated
    or concurrent payment links it once. It writes no task: the payment's own (the deal won,
    or won after closing) tells the responsible. Refunds leave the link alone (see
    :func:`order_link_to_deal`)."""
    deal_id = (
        Deal.objects.filter(order_id=order.pk)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if deal_id is None:
        return
    if Order.objects.filter(pk=order.pk, deal__isnull=True).update(deal_id=deal_id):
        order.deal_id = deal_id


@transaction.atomic(savepoint=False)  # a step of sales_queue's order_cancel (see above)
def order_cancel_record(*, order: Order, now: dt.datetime | None = None) -> Recorded:
    """Cancel an unpaid order; idempotent."""
    locked = _lock(order)
    if locked.status == Order.Status.CANCELLED:
        return Recorded(locked, changed=False)
    if locked.status != Order.Status.PENDING:
        raise ConflictError(_("A paid order cannot be cancelled."), code="order_paid")
    locked = _cas(locked, status=Order.Status.CANCELLED, cancelled_at=now or timezone.now())
    return Recorded(locked, changed=True)


@dataclass(frozen=True)
class Linked:
    """An order as linked to a deal, and whether this call linked it (a repeat links nothing)."""

    order: Order
    created: bool


def _may_work_deal(actor: Any, deal: Deal) -> bool:
    return getattr(actor, "role", None) == Role.HEAD or actor.pk == deal.responsible_id


@transaction.atomic
def order_link_to_deal(
    *, deal: Deal, order_id: Any, actor: Any, now: dt.datetime | None = None
) -> Linked:
    """Link another paid order of the deal's buyer to the deal: it then counts for the deal's
    manager's statistics and commission (never for the fee, which is the payment's own rule).

    Only the deal's responsible seller or the head may (anyone else: 404, as if the deal were
    not there), and not on a withdrawn deal (409 ``deal_withdrawn``). The order must be one of
    the deal partner's (else 404: another partner's order is not confirmed to exist), paid
    (409 ``order_not_paid``; a fully refunded one is not), of the deal's contact (409
    ``other_contact``) and linked to no other deal (409 ``already_linked``). Linking it again
    to the same deal changes nothing (``created`` is false). An order is linked to one deal at
    most: the link is a compare-and-swap on ``deal IS NULL``, so two deals racing for one order
    get exactly one link. The deal's responsible gets a task per link.

    A refund later leaves the link in place: what a refunded order counts for is the
    statistics' decision, not the link's. There is no unlinking.
    """
    if not _may_work_deal(actor, deal):
        raise NotFoundError(_("Deal not found."))
    deal = Deal.objects.get(pk=deal.pk)
    if deal.status == Deal.Status.WITHDRAWN:
        raise ConflictError(
            _("The deal is closed without a result; orders cannot be linked to it."),
            code="deal_withdrawn",
        )
    order = get_object_or_404(
        Order.objects.filter(partner_id=deal.partner_id),
        message=_("Order not found."),
        pk=order_id,
    )
    if order.deal_id == deal.pk:
        return Linked(order, created=False)
    _check_linkable(order, deal)
    linked = Order.objects.filter(
        pk=order.pk, partner_id=deal.partner_id, status=Order.Status.PAID, deal__isnull=True
    ).update(deal=deal)
    order.refresh_from_db()
    if not linked:
        # Changed since we read it: linked meanwhile (to this deal by a concurrent repeat, or
        # to another one), or refunded.
        if order.deal_id == deal.pk:
            return Linked(order, created=False)
        _check_linkable(order, deal)
        raise ConflictError(_("The order changed meanwhile; try again."), code="order_changed")
    deal_order_linked(
        deal=deal, external_id=order.external_id, amount=order.amount, now=now, actor=actor
    )
    logger.info("order %s linked to deal %s by %s", order.pk, deal.pk, actor.pk)
    return Linked(order, created=True)


def _check_linkable(order: Order, deal: Deal) -> None:
    if order.status != Order.Status.PAID:
        raise ConflictError(_("The order is not paid."), code="order_not_paid")
    if deal.contact_id is None or order.contact_id != deal.contact_id:
        raise ConflictError(
            _("The order is another buyer's: link only orders of the deal's buyer."),
            code="other_contact",
        )
    if order.deal_id is not None:
        raise ConflictError(
            _("The order is already linked to another deal."), code="already_linked"
        )


REFUND_ID_MAX = 100


def _same_refund(order: Order, *, amount: Decimal | None, refund_id: str) -> Refund | None:
    """The refund this request repeats, if any; a clash on ``refund_id`` is a 409."""
    if refund_id:
        earlier = Refund.objects.filter(order=order, refund_id=refund_id).first()
        if earlier is None:
            return None
        same = (
            earlier.kind == Refund.Kind.REST
            if amount is None
            else earlier.kind == Refund.Kind.PARTIAL and earlier.amount == amount
        )
        if not same:
            raise ConflictError(
                _("A refund with this refund_id was already recorded with another amount."),
                code="refund_conflict",
                details={"refund_id": refund_id, "amount": f"{earlier.amount:.2f}"},
            )
        return earlier
    if amount is None:
        return None
    return Refund.objects.filter(
        order=order, refund_id="", kind=Refund.Kind.PARTIAL, amount=amount
    ).first()


@transaction.atomic(savepoint=False)  # a step of billing's order_refund (see above)
def order_refund_record(
    *,
    order: Order,
    amount: Decimal | None = None,
    refund_id: str = "",
    now: dt.datetime | None = None,
) -> Recorded:
    """Refund all that is left (no amount) or part of it; idempotent.

    A request is the same refund again — answered with the order as it is, nothing changed —
    when it repeats an earlier ``refund_id`` or, without one, an earlier partial refund's
    amount; refunding everything again once nothing is left changes nothing either. Two partial
    refunds of equal amounts therefore need distinct refund ids; a ``refund_id`` reused
    with another amount is a 409 ``refund_conflict``.
    """
    if amount is not None:
        amount = check_amount(amount)
    refund_id = (refund_id or "").strip()
    if len(refund_id) > REFUND_ID_MAX:
        raise _invalid("refund_id", _("At most 100 characters."))
    locked = _lock(order)
    if locked.status not in (Order.Status.PAID, Order.Status.REFUNDED):
        raise ConflictError(_("The order is not paid."), code="order_not_paid")
    if _same_refund(locked, amount=amount, refund_id=refund_id) is not None:
        return Recorded(locked, changed=False)
    if locked.status == Order.Status.REFUNDED and amount is None:
        return Recorded(locked, changed=False)
    paid = locked.paid_amount or Decimal(0)  # never null once paid (a check constraint)
    left = paid - locked.refunded_amount
    refund = left if amount is None else amount
    if refund > left:
        raise ConflictError(
            _("The refund exceeds what is left to refund."),
            code="refund_exceeds_paid",
            details={"refundable": f"{left:.2f}"},
        )
    now = now or timezone.now()
    refunded = locked.refunded_amount + refund
    locked = _cas(
        locked,
        status=Order.Status.REFUNDED if refunded == paid else Order.Status.PAID,
        refunded_amount=refunded,
        refunded_at=now,
    )
    Refund.objects.create(
        order=locked,
        refund_id=refund_id,
        kind=Refund.Kind.REST if amount is None else Refund.Kind.PARTIAL,
        amount=refund,
        created_at=now,
    )
    logger.info("order %s refunded %s in total", locked.pk, locked.refunded_amount)
    return Recorded(locked, changed=True)
