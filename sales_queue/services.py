"""Writes for the sales queue.

The queue issue adds take-next, touches, callbacks and auto-release; this module starts with
withdrawal, which the partners app uses when a product is switched off or blocked.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from crm.models import Deal
from orders.models import Order
from partners.models import Partner, Product, SalesStatus
from sales_queue.models import QueueEvent, QueueItem

logger = logging.getLogger(__name__)


@transaction.atomic
def queue_withdraw_waiting(*, partner: Partner, product: Product | None = None, reason: str) -> int:
    """Withdraw the waiting (``queued``) items of a product, or of all the partner's products.

    Items a manager holds (``active``) or has a callback on (``scheduled``) stay with that
    manager to be finished. Set-based and idempotent: a second call finds nothing to do.
    """
    items = QueueItem.objects.filter(partner=partner, state=QueueItem.State.QUEUED)
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
        _record_closed(ids, note=f"{QueueItem.Outcome.WITHDRAWN}:{reason}", now=now)
        Deal.objects.filter(queue_item_id__in=ids, status=Deal.Status.OPEN).update(
            status=Deal.Status.WITHDRAWN, closed_at=now, updated_at=now
        )
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
    its partner was blocked — once it feeds the queue again, for orders still unpaid.

    Set-based and idempotent; their deals (if a manager had taken them before) reopen when
    they are next taken.
    """
    items = QueueItem.objects.filter(
        partner=partner,
        state=QueueItem.State.WITHDRAWN,
        outcome_reason__in=RESTORABLE_REASONS,
        order__status=Order.Status.PENDING,
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


# --- orders: payment and cancellation close the item -----------------------------------------


def _record_closed(item_ids: list[Any], *, note: str, now: dt.datetime) -> None:
    """A ``closed`` event per item, naming the manager who held it last (for statistics)."""
    holders = dict(QueueItem.objects.filter(pk__in=item_ids).values_list("pk", "holder_id"))
    QueueEvent.objects.bulk_create(
        QueueEvent(
            item_id=pk,
            kind=QueueEvent.Kind.CLOSED,
            manager_id=holder,
            note=note[:200],
            created_at=now,
        )
        for pk, holder in holders.items()
    )


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
        _record_closed(ids, note=f"{outcome}:{reason}", now=now)
        Deal.objects.filter(queue_item_id__in=ids, status=Deal.Status.OPEN).update(
            status=deal_status, closed_at=now, updated_at=now
        )
    return closed


@transaction.atomic
def queue_close_for_payment(*, order: Order) -> int:
    """The order was paid: its open item (queued, active or scheduled) closes.

    The payment's own time decides: paid after ``due_at`` the sales department handled it —
    done and won; paid within the grace period but reported late — withdrawn, nothing owed.
    """
    if order.paid_at is not None and order.paid_at > order.due_at:
        state, outcome, reason = QueueItem.State.DONE, QueueItem.Outcome.WON, "paid"
        deal_status = Deal.Status.WON
    else:
        state, outcome = QueueItem.State.WITHDRAWN, QueueItem.Outcome.WITHDRAWN
        reason, deal_status = "paid_within_grace", Deal.Status.WITHDRAWN
    closed = _close_open_item(
        order=order, state=state, outcome=outcome, reason=reason, deal_status=deal_status
    )
    if closed:
        logger.info("order %s paid: its queue item closed as %s", order.pk, outcome)
    return closed


@transaction.atomic
def queue_close_for_cancel(*, order: Order) -> int:
    """The order was cancelled: its open item is withdrawn."""
    return _close_open_item(
        order=order,
        state=QueueItem.State.WITHDRAWN,
        outcome=QueueItem.Outcome.WITHDRAWN,
        reason="order_cancelled",
        deal_status=Deal.Status.WITHDRAWN,
    )


# --- the grace-period sweep ---------------------------------------------------------------------

SWEEP_BATCH_SIZE = 5000


def _sweep_sql(vendor: str) -> tuple[str, str]:
    """The sweep as ``(select, insert)``: the SELECT alone is what ``EXPLAIN`` is shown for.

    Identifiers come from the models' metadata; every value is a query parameter.
    """
    item, order = QueueItem._meta, Order._meta
    product, partner = Product._meta, Partner._meta
    if vendor == "postgresql":
        new_id = "gen_random_uuid()"
        # Orders being paid or cancelled right now are skipped (their row is locked), and a
        # second sweep running at the same time skips this one's batch instead of waiting.
        lock = "FOR UPDATE OF o SKIP LOCKED"
    else:
        # Django keeps UUIDs on SQLite as 32 hex digits without dashes.
        new_id = "lower(hex(randomblob(16)))"
        lock = ""
    select = f"""
        SELECT {new_id}, %(source)s, o.partner_id, o.product_id, o.id, %(state)s,
               %(now)s, %(now)s, 0, '', '', %(now)s
          FROM {order.db_table} o
          JOIN {product.db_table} p ON p.id = o.product_id
          JOIN {partner.db_table} pa ON pa.id = o.partner_id
         WHERE o.status = %(pending)s
           AND o.due_at <= %(now)s
           AND p.sales_enabled
           AND p.sales_status = %(approved)s
           AND pa.status = %(active)s
           AND NOT EXISTS (SELECT 1 FROM {item.db_table} q WHERE q.order_id = o.id)
         ORDER BY o.due_at
         LIMIT %(batch)s
         {lock}
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    insert = f"""
        INSERT INTO {item.db_table}
            (id, source, partner_id, product_id, order_id, state,
             entered_at, available_at, attempts, outcome, outcome_reason, updated_at)
        {select}
        ON CONFLICT (order_id) DO NOTHING
    """
    return select, insert


def sweep_params(*, now: dt.datetime, batch_size: int) -> dict[str, Any]:
    return {
        "source": QueueItem.Source.ORDER,
        "state": QueueItem.State.QUEUED,
        "now": connection.ops.adapt_datetimefield_value(now),
        "pending": Order.Status.PENDING,
        "approved": SalesStatus.APPROVED,
        "active": Partner.Status.ACTIVE,
        "batch": batch_size,
    }


def queue_sweep_due_orders(
    *, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE
) -> int:
    """Move every order past its grace period into the queue; returns how many entered.

    Due means ``due_at <= now``, still pending, of an enabled and approved product of an
    active partner, and not yet in the queue. Set-based: one ``INSERT … SELECT`` per batch,
    oldest due first along the partial index ``order_due_pending_idx``, each batch its own
    transaction. Idempotent and safe beside a second sweep: the unique ``order_id`` makes a
    duplicate insert a no-op (``ON CONFLICT DO NOTHING``).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    now = now or timezone.now()
    _select, insert = _sweep_sql(connection.vendor)
    params = sweep_params(now=now, batch_size=batch_size)
    total = 0
    batches = 0
    analyzed = False
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(insert, params)
            inserted = max(cursor.rowcount, 0)
        total += inserted
        batches += 1
        if inserted == batch_size and not analyzed and connection.vendor == "postgresql":
            # A backlog on a queue the statistics still think empty makes PostgreSQL check
            # NOT EXISTS with a sequential scan per order — quadratic. Fresh statistics after
            # the first full batch let it use the unique index on order_id instead.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {QueueItem._meta.db_table}")
            analyzed = True
        if inserted:
            logger.info("sweep: batch %d queued %d orders (%d so far)", batches, inserted, total)
        # Stop only on an empty batch: a short one may just have lost rows to a concurrent
        # sweep (skipped or conflicting), and due orders beyond it must not wait 30 s more.
        if inserted == 0:
            break
    if total:
        logger.info("sweep: %d orders entered the queue in %d batches", total, batches)
    return total
