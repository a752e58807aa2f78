"""Items leave the queue without a manager's outcome: the order was paid or cancelled, the
product was switched off or blocked — and come back when it is switched on or unblocked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import Deal
from crm.services import deal_win_late, deals_close
from orders import services as order_services
from orders.models import Order
from partners.models import Partner, Product, SalesStatus
from sales_queue.fairness import requeue_fields
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.services.common import record_closed

logger = logging.getLogger(__name__)


@transaction.atomic
def queue_withdraw_waiting(*, partner: Partner, product: Product | None = None, reason: str) -> int:
    """Withdraw the waiting (``queued``) items of a product, or of all the partner's products.

    Items a manager holds (``active``) or has a callback on (``scheduled``) stay with that
    manager to be finished. Set-based and idempotent: a second call finds nothing to do.
    """
    items = QueueItem.objects.for_partner(partner).filter(state=QueueItem.State.QUEUED)
    if product is not None:
        items = items.filter(product=product)
    now = timezone.now()
    # Lock what we withdraw (a take in flight finishes first; later takes skip the locked
    # rows); the update re-checks the state (compare-and-swap) all the same.
    ids = list(items.select_for_update().order_by("pk").values_list("pk", flat=True))
    withdrawn = QueueItem.objects.filter(pk__in=ids, state=QueueItem.State.QUEUED)
    count = withdrawn.update(
        state=QueueItem.State.WITHDRAWN,
        outcome=QueueItem.Outcome.WITHDRAWN,
        outcome_reason=reason[:32],
        closed_at=now,
        updated_at=now,
    )
    if count:
        record_closed(ids, note=f"{QueueItem.Outcome.WITHDRAWN}:{reason}", now=now)
        deals_close(queue_item_ids=ids, status=Deal.Status.WITHDRAWN, now=now)
        logger.info(
            "withdrew %d queued items (partner=%s product=%s reason=%s)",
            count,
            partner.pk,
            product.pk if product else "*",
            reason,
        )
    return count


# Withdrawals that a later switch-on or unblock undoes (an order the partner cancelled, or paid
# within its grace period, stays closed).
RESTORABLE_REASONS = ("product_disabled", "product_blocked", "partner_blocked")


@transaction.atomic
def queue_restore_withdrawn(*, partner: Partner, product: Product | None = None) -> int:
    """Put back into the queue the items withdrawn when the product was switched off or it or
    its partner was blocked — once it feeds the queue again, for orders still unpaid and for
    leads (a lead is never paid nor cancelled).

    Set-based and idempotent; their deals (if a manager had taken them before) reopen when
    they are next taken.
    """
    items = QueueItem.objects.filter(
        Q(order__status=Order.Status.PENDING) | Q(lead__isnull=False),
        partner=partner,
        state=QueueItem.State.WITHDRAWN,
        outcome_reason__in=RESTORABLE_REASONS,
        product__sales_enabled=True,
        product__sales_status=SalesStatus.APPROVED,
        partner__status=Partner.Status.ACTIVE,
    )
    if product is not None:
        items = items.filter(product=product)
    now = timezone.now()
    ids = list(items.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
    count = QueueItem.objects.filter(pk__in=ids, state=QueueItem.State.WITHDRAWN).update(
        state=QueueItem.State.QUEUED,
        holder=None,
        outcome="",
        outcome_reason="",
        closed_at=None,
        available_at=now,
        updated_at=now,
        **requeue_fields(),
    )
    if count:
        QueueEvent.objects.bulk_create(
            QueueEvent(item_id=pk, kind=QueueEvent.Kind.ENTERED, note="restored", created_at=now)
            for pk in ids
        )
        logger.info(
            "restored %d withdrawn items (partner=%s product=%s)",
            count,
            partner.pk,
            product.pk if product else "*",
        )
    return count


def _close_open_item(*, order: Any, state: str, outcome: str, reason: str, deal_status: str) -> int:
    """Close the order's open item, whoever holds it (the holder stays, for statistics), log
    it and close its deal.

    A compare-and-swap on the open states: run twice, or beside another closer, it closes once
    (and only the one that closed it writes the event).
    """
    now = timezone.now()
    ids = list(
        QueueItem.objects.filter(order=order, state__in=QueueItem.OPEN_STATES).values_list(
            "pk", flat=True
        )
    )
    closed = QueueItem.objects.filter(pk__in=ids, state__in=QueueItem.OPEN_STATES).update(
        state=state, outcome=outcome, outcome_reason=reason, closed_at=now, updated_at=now
    )
    if closed:
        record_closed(ids, note=f"{outcome}:{reason}", now=now)
        deals_close(queue_item_ids=ids, status=deal_status, now=now)
    return closed


class PaymentVerdict(StrEnum):
    """Whether a payment is the sales department's work (billing charges the first two)."""

    WORKED = "worked"
    LATE_WIN = "late_win"
    NOT_IN_SALES = "not_in_sales"
    WITHIN_GRACE = "paid_within_grace"
    BEFORE_WORK = "paid_before_work"
    OUTSIDE_WINDOW = "outside_window"


OWED_VERDICTS = frozenset({PaymentVerdict.WORKED, PaymentVerdict.LATE_WIN})


@dataclasses.dataclass(frozen=True)
class PaymentAttribution:
    """The verdict on a payment and the item as the payment found it."""

    verdict: PaymentVerdict
    taken_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    @property
    def owed(self) -> bool:
        return self.verdict in OWED_VERDICTS


def payment_attribution(
    *, order: Order, window: dt.timedelta, item: QueueItem | None = None
) -> PaymentAttribution:
    """The rule of when a fee is owed, decided by the payment's own ``paid_at``:

    (1) paid after ``due_at``; (2) a manager had taken the order at or before ``paid_at``;
    (3) the item was still open, or ``paid_at`` is within ``window`` after it closed.
    """
    if item is None:
        item = QueueItem.objects.filter(order=order).first()
    if item is None:
        return PaymentAttribution(PaymentVerdict.NOT_IN_SALES)
    taken_at = item.taken_at
    is_open = item.state in QueueItem.OPEN_STATES
    closed_at = None if is_open else item.closed_at
    paid_at = order.paid_at
    if paid_at is None or paid_at <= order.due_at:
        verdict = PaymentVerdict.WITHIN_GRACE
    elif taken_at is None or taken_at > paid_at:
        verdict = PaymentVerdict.BEFORE_WORK
    elif is_open:
        verdict = PaymentVerdict.WORKED
    elif item.outcome == QueueItem.Outcome.WON:
        # Closed as won by this very payment (a repeated evaluation).
        verdict = PaymentVerdict.WORKED
    elif closed_at is not None and paid_at <= closed_at + window:
        verdict = PaymentVerdict.LATE_WIN
    else:
        verdict = PaymentVerdict.OUTSIDE_WINDOW
    return PaymentAttribution(verdict, taken_at=taken_at, closed_at=closed_at)


_CLOSED_STATES = (QueueItem.State.DONE, QueueItem.State.WITHDRAWN)


def _win_late(*, item: QueueItem, now: dt.datetime) -> int:
    """A lost (or withdrawn-after-a-take) item whose buyer paid within the window: it becomes
    won, and so does its deal. Its ``closed_at`` stays the close that started the window."""
    won = (
        QueueItem.objects.filter(
            pk=item.pk, state__in=(QueueItem.State.DONE, QueueItem.State.WITHDRAWN)
        )
        .exclude(outcome=QueueItem.Outcome.WON)
        .update(
            state=QueueItem.State.DONE,
            outcome=QueueItem.Outcome.WON,
            outcome_reason=PaymentVerdict.LATE_WIN,
            updated_at=now,
        )
    )
    if won:
        record_closed([item.pk], note=f"{QueueItem.Outcome.WON}:{PaymentVerdict.LATE_WIN}", now=now)
        deal_win_late(queue_item_id=item.pk, now=now)
    return won


@transaction.atomic(savepoint=False)  # a step of billing's order_pay, which owns the transaction
def queue_close_for_payment(*, order: Order, window: dt.timedelta) -> PaymentAttribution:
    """The order was paid: decide whether it was the sales department's work and close its item.

    Open item: taken at or before ``paid_at`` → done and won; paid within the grace period
    but reported late → withdrawn ``paid_within_grace``; paid while still waiting untaken (or
    taken only after the payment) → withdrawn ``paid_before_work``. Closed item: lost (or
    withdrawn after a take) and paid within ``window`` after it closed → a late win. Returns
    the verdict, evaluated on the item as the payment found it (locked).
    """
    item = QueueItem.objects.select_for_update(of=("self",)).filter(order=order).first()
    if item is None:
        return PaymentAttribution(PaymentVerdict.NOT_IN_SALES)
    attribution = payment_attribution(order=order, window=window, item=item)
    now = timezone.now()
    if item.state in QueueItem.OPEN_STATES:
        if attribution.verdict == PaymentVerdict.WORKED:
            state, outcome, reason = QueueItem.State.DONE, QueueItem.Outcome.WON, "paid"
            deal_status = Deal.Status.WON
        else:
            state, outcome = QueueItem.State.WITHDRAWN, QueueItem.Outcome.WITHDRAWN
            reason, deal_status = str(attribution.verdict), Deal.Status.WITHDRAWN
        closed = _close_open_item(
            order=order, state=state, outcome=outcome, reason=reason, deal_status=deal_status
        )
        if closed:
            logger.info(
                "order %s paid: its queue item closed as %s (%s)", order.pk, outcome, reason
            )
    elif attribution.verdict == PaymentVerdict.LATE_WIN and _win_late(item=item, now=now):
        logger.info("order %s paid within the window after its item closed: a late win", order.pk)
    return attribution


@transaction.atomic(savepoint=False)  # a step of order_cancel below, which owns the transaction
def queue_close_for_cancel(*, order: Order) -> int:
    """The order was cancelled: its open item is withdrawn."""
    return _close_open_item(
        order=order,
        state=QueueItem.State.WITHDRAWN,
        outcome=QueueItem.Outcome.WITHDRAWN,
        reason="order_cancelled",
        deal_status=Deal.Status.WITHDRAWN,
    )


@transaction.atomic
def order_cancel(*, order: Order, now: dt.datetime | None = None) -> Order:
    """Cancel an unpaid order (idempotent) and withdraw its open queue item."""
    recorded = order_services.order_cancel_record(order=order, now=now)
    if recorded.changed:
        queue_close_for_cancel(order=recorded.order)
    return recorded.order
