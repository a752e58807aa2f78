"""Writes for billing: the payment and refund use cases, the fee charged once per order and
reversed on refund, and closing monthly statements.

A storefront's payment touches four apps; :func:`order_pay` is the one place that calls them,
in one transaction and in this order: the order records the payment (and stays locked), the
queue item closes (which wins or withdraws its deal), the fee is charged. :func:`order_refund`
records the refund, then recomputes the fee.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import FeePolicy, LedgerEntry, MonthlyStatement, PaymentRecord
from billing.months import (
    current_month,
    format_month,
    month_bounds,
    month_of,
    next_month,
    previous_month,
)
from billing.selectors import (
    StatementTotals,
    order_shown,
    policy_in_effect,
    statement_totals_by_partner,
)
from crm.selectors import SalesStatus
from orders import services as order_services
from orders.models import Order
from partners.models import Partner
from sales_queue.services.closing import (
    PaymentAttribution,
    PaymentVerdict,
    payment_attribution,
    queue_close_for_payment,
)
from sales_queue.services.leads import lead_deal_link_payment
from salesdesk.errors import ApplicationError
from salesdesk.inserts import insert_unless_conflict
from salesdesk.money import ZERO, as_money, quantize

logger = logging.getLogger(__name__)

# Closing waits this long after midnight so that a payment transaction still in flight at
# 23:59:59 commits its row before the month's totals are frozen.
CLOSE_GRACE = dt.timedelta(minutes=5)
_CLOSE_BATCH = 500


@transaction.atomic
def order_pay(
    *,
    order: Order,
    paid_at: dt.datetime | None = None,
    amount: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Order:
    """Record the payment the storefront reports; idempotent.

    A fee is owed only for the sales department's work: paid after ``due_at``, taken by a
    manager at or before ``paid_at``, and paid while the item was open or within the policy's
    ``attribution_days`` after it closed (the rule:
    :func:`sales_queue.services.closing.payment_attribution`). The payment's own ``paid_at``
    decides, however late the event arrives. The verdict is kept in a :class:`PaymentRecord`,
    written with the payment.
    """
    recorded = order_services.order_payment_record(
        order=order, paid_at=paid_at, amount=amount, now=now
    )
    if recorded.changed:
        paid = recorded.order
        assert paid.paid_at is not None  # noqa: S101 - a recorded payment has its time
        policy = policy_in_effect(paid.paid_at)
        attribution = queue_close_for_payment(order=paid, window=policy.attribution_window)
        # The buyer's lead deal gets the order when it has none of its own (no fee from it).
        lead_deal_link_payment(order=paid, window=policy.attribution_window, now=now)
        payment_record_create(order=paid, attribution=attribution, recorded_at=now)
        fee = fee_record_payment(order=paid, policy=policy, owed=attribution.owed)
        # Known without reading them back: the order was pending, so it had no ledger rows
        # before this fee; its item, if it had one, is closed now.
        order_shown(
            paid,
            sales_status=SalesStatus.NONE
            if attribution.verdict == PaymentVerdict.NOT_IN_SALES
            else SalesStatus.CLOSED,
            net_fee=None if fee is None else fee.amount,
        )
    return recorded.order


def payment_record_create(
    *, order: Order, attribution: PaymentAttribution, recorded_at: dt.datetime | None = None
) -> PaymentRecord:
    """Keep what the payment found: times, amounts, the item's state and the verdict. Written
    once per order (the payment that changed the order writes it, under the order's lock);
    ``recorded_at`` is when the storefront's event arrived (now unless the caller says)."""
    assert order.paid_at is not None and order.paid_amount is not None  # noqa: S101
    record = PaymentRecord(
        order=order,
        partner_id=order.partner_id,
        paid_at=order.paid_at,
        recorded_at=recorded_at or timezone.now(),
        order_amount=order.amount,
        paid_amount=order.paid_amount,
        item_taken_at=attribution.taken_at,
        item_closed_at=attribution.closed_at,
        verdict=str(attribution.verdict),
    )
    if insert_unless_conflict(record) is None:  # written before: the first one stays
        return PaymentRecord.objects.get(order=order)
    return record


@transaction.atomic
def order_refund(
    *,
    order: Order,
    amount: Decimal | None = None,
    refund_id: str = "",
    now: dt.datetime | None = None,
) -> Order:
    """Refund all that is left (no amount) or part of it, and recompute the fee; idempotent
    (see :func:`orders.services.order_refund_record` for what counts as the same refund)."""
    recorded = order_services.order_refund_record(
        order=order, amount=amount, refund_id=refund_id, now=now
    )
    if recorded.changed:
        fee_record_refund(order=recorded.order)
    return recorded.order


def _locked(order: Order) -> Order:
    # Re-reads the row the caller has locked and updated in this transaction (the caller may
    # have written with .update() and kept a stale instance); taking the lock again is a no-op.
    return Order.objects.select_for_update().get(pk=order.pk)


def _net(order: Order) -> Decimal:
    total = LedgerEntry.objects.filter(order=order).aggregate(total=Sum("amount"))["total"]
    return as_money(total)


def _fee_is_owed(order: Order, policy: FeePolicy) -> bool:
    """The verdict kept when the payment was recorded decides (a later change of the rule or
    of the item does not reach back); without one, the rule is evaluated now."""
    if order.status != Order.Status.PAID or order.paid_at is None:
        return False
    record = PaymentRecord.objects.filter(order=order).first()
    if record is not None:
        return record.fee_owed
    return payment_attribution(order=order, window=policy.attribution_window).owed


def fee_base(order: Order) -> Decimal:
    """What the fee is computed on: the order's amount (its cost), whatever lower amount the
    storefront reported as paid, less what was refunded; nothing after a full refund."""
    if order.status == Order.Status.REFUNDED:
        return ZERO
    return max(quantize(order.amount - order.refunded_amount), ZERO)


@transaction.atomic(savepoint=False)  # a step of order_pay, or a transaction of its own
def fee_record_payment(
    *, order: Order, policy: FeePolicy | None = None, owed: bool | None = None
) -> LedgerEntry | None:
    """Charge the order's fee, once; returns the new row, or ``None`` when nothing was charged.

    Idempotent: a second call (a duplicate or concurrent payment event) finds the fee already
    there — the partial unique index on ``order`` where ``kind='fee'`` decides races, the
    insert doing nothing when it holds a fee already.

    :func:`order_pay` passes what it has just read and decided under the order's lock: the
    locked order, the ``policy`` in effect at its payment and whether a fee is ``owed``; any
    other caller passes the order alone, and it is read afresh (and locked).
    """
    if policy is None or owed is None:
        order = _locked(order)
        if order.paid_at is None:
            return None
        policy = policy_in_effect(order.paid_at)
        owed = _fee_is_owed(order, policy)
    if not owed or order.status != Order.Status.PAID or order.paid_at is None:
        return None
    base = fee_base(order)
    amount = policy.fee_for(base)
    if amount <= 0:
        return None
    entry = LedgerEntry(
        partner_id=order.partner_id,
        order=order,
        kind=LedgerEntry.Kind.FEE,
        amount=amount,
        base_amount=base,
        policy=policy,
        created_at=timezone.now(),
    )
    if insert_unless_conflict(entry) is None:  # charged already, or by a concurrent event
        return None
    logger.info("fee %s charged on order %s (on %s)", amount, order.pk, base)
    return entry


def _check_refund(order: Order) -> None:
    paid = order.paid_amount if order.paid_amount is not None else ZERO
    refunded = order.refunded_amount
    if refunded < 0:
        raise ApplicationError(
            _("The refunded amount cannot be negative."),
            code="invalid_amount",
            details={"refunded_amount": str(refunded)},
        )
    if refunded > paid:
        raise ApplicationError(
            _("The refunded amount exceeds the amount paid."),
            code="refund_exceeds_payment",
            details={"paid_amount": str(paid), "refunded_amount": str(refunded)},
        )


@transaction.atomic
def fee_record_refund(*, order: Order) -> LedgerEntry | None:
    """Bring the order's net fee to the fee on the amount kept; returns the new row or ``None``.

    The target uses the policy of the original charge, with the same bounds; nothing kept
    (a full refund) owes nothing. The row written is ``target - current net``, so calling again
    for the same refund state adds nothing.
    """
    # The database refuses to store a refund above the payment; an instance the caller
    # built with one is refused too, before anything is written.
    _check_refund(order)
    order = _locked(order)
    _check_refund(order)
    fee = (
        LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.FEE)
        .select_related("policy")
        .first()
    )
    if fee is None:
        return None
    kept = fee_base(order)
    target = fee.policy.fee_for(kept)
    delta = quantize(target - _net(order))
    if delta == 0:
        return None
    entry = LedgerEntry.objects.create(
        partner_id=order.partner_id,
        order=order,
        kind=LedgerEntry.Kind.REVERSAL if delta < 0 else LedgerEntry.Kind.ADJUSTMENT,
        amount=delta,
        base_amount=kept,
        policy=fee.policy,
        # The row's own time decides its statement month: a reversal for an order of a closed
        # month lands in the open one, and the frozen statement stays as it was.
        created_at=timezone.now(),
    )
    logger.info("fee on order %s brought to %s (kept %s): %s", order.pk, target, kept, delta)
    return entry


def _closable(month: dt.date) -> None:
    _start, end = month_bounds(month)
    if month >= current_month() or timezone.now() < end + CLOSE_GRACE:
        raise ApplicationError(
            _("%(month)s is not over yet; it can be closed from %(when)s.")
            % {"month": format_month(month), "when": (end + CLOSE_GRACE).isoformat()},
            code="month_not_over",
            details={"month": format_month(month)},
        )


@transaction.atomic
def statements_close_month(*, month: dt.date) -> int:
    """Freeze the month's statement of every partner that existed in it; returns how many
    statements this call closed.

    Idempotent and safe to run twice at once: a statement already closed is never rewritten
    (the unique constraint plus ``ignore_conflicts`` keep the first one).
    """
    _closable(month)
    _start, end = month_bounds(month)
    totals = statement_totals_by_partner(month=month)
    already = set(MonthlyStatement.objects.filter(month=month).values_list("partner_id", flat=True))
    partner_ids = Partner.objects.filter(
        Q(created_at__lt=end) | Q(pk__in=list(totals))
    ).values_list("pk", flat=True)
    now = timezone.now()
    new: list[MonthlyStatement] = []
    for partner_id in partner_ids.iterator(chunk_size=_CLOSE_BATCH):
        if partner_id in already:
            continue
        t = totals.get(partner_id) or StatementTotals.empty(month)
        new.append(
            MonthlyStatement(
                partner_id=partner_id,
                month=month,
                orders_handled=t.orders_handled,
                paid=t.paid,
                fees=t.fees,
                reversals=t.reversals,
                adjustments=t.adjustments,
                total=t.total,
                closed_at=now,
            )
        )
    MonthlyStatement.objects.bulk_create(new, batch_size=_CLOSE_BATCH, ignore_conflicts=True)
    closed = MonthlyStatement.objects.filter(month=month).count() - len(already)
    logger.info("closed %d statements for %s", closed, format_month(month))
    return closed


def statements_close_due() -> dict[str, int]:
    """Close every month that is over and still open (the beat job); returns ``{month: closed}``.

    Starts after the latest month already closed, so a job missed for a month or two catches
    up on its next run; a fresh installation starts with the last month.
    """
    target = previous_month(month_of(timezone.now() - CLOSE_GRACE))
    latest = MonthlyStatement.objects.order_by("-month").values_list("month", flat=True).first()
    month = next_month(latest) if latest is not None and latest < target else target
    result: dict[str, int] = {}
    while month <= target:
        result[format_month(month)] = statements_close_month(month=month)
        month = next_month(month)
    return result
