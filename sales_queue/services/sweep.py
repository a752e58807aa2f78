"""The grace-period sweep: unpaid orders past their ``due_at`` enter the queue."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from orders.models import Order
from partners.models import Partner, Product, SalesStatus
from sales_queue.models import QueueItem

logger = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 5000
# pg_advisory_xact_lock(int, int) keys serialising the batches that give fair keys.
ENQUEUE_LOCK = (0x7A4E, 0)


def sweep_sql(vendor: str) -> tuple[str, str]:
    """The sweep as ``(select, insert)``: the SELECT alone is what ``EXPLAIN`` is shown for.

    Identifiers come from the models' metadata; every value is a query parameter. The rule is
    ``created_at >= oldest``; since ``due_at >= created_at`` (a check constraint),
    ``due_at >= oldest`` follows from it and is stated too, so the scan of the partial index
    ``order_due_pending_idx`` (``due_at, id``) is a range over the last
    ``SALES_MAX_ORDER_AGE_DAYS`` instead of every pending order ever received.

    Linear in the backlog: each batch continues along that index after the previous batch's
    last order (a keyset: ``(due_at, id) > (after_due, after_id)``), so a run reads each due
    order once; and "not queued yet" is a probe of the unique index on the item's ``order_id``
    per order — the ``OFFSET 0`` keeps PostgreSQL from turning it into a hash anti-join, which
    would read the whole queue table once per batch. An item becomes available when its order
    fell due (``available_at = due_at``), so take-next serves a batch in due order.
    """
    item, order = QueueItem._meta, Order._meta
    product, partner = Product._meta, Partner._meta
    if vendor == "postgresql":
        new_id = "gen_random_uuid()"
        after_id = "%(after_id)s::uuid"
        # Orders being paid or cancelled right now are skipped (their row is locked), and a
        # second sweep running at the same time skips this one's batch instead of waiting.
        lock = "FOR UPDATE OF o SKIP LOCKED"
    else:
        # Django keeps UUIDs on SQLite as 32 hex digits without dashes.
        new_id = "lower(hex(randomblob(16)))"
        after_id = "%(after_id)s"
        lock = ""
    greatest = "greatest" if vendor == "postgresql" else "max"
    materialized = "MATERIALIZED" if vendor == "postgresql" else ""
    select = f"""
        SELECT o.partner_id, o.product_id, o.id, o.due_at
          FROM {order.db_table} o
          JOIN {product.db_table} p ON p.id = o.product_id
          JOIN {partner.db_table} pa ON pa.id = o.partner_id
         WHERE o.status = %(pending)s
           AND o.sales_active_at_intake
           AND o.due_at <= %(now)s
           AND o.due_at >= %(oldest)s
           AND (o.due_at, o.id) > (%(after_due)s, {after_id})
           AND o.created_at >= %(oldest)s
           AND (o.customer_phone <> '' OR o.customer_email <> ''
                OR o.customer_telegram <> '' OR o.customer_whatsapp <> '')
           AND p.sales_enabled
           AND p.sales_status = %(approved)s
           AND pa.status = %(active)s
           AND NOT EXISTS (
               SELECT 1 FROM {item.db_table} q WHERE q.order_id = o.id LIMIT 1 OFFSET 0
           )
         ORDER BY o.due_at, o.id
         LIMIT %(batch)s
         {lock}
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    # Fair sharing (sales_queue.fairness): a partner's items of this batch get consecutive keys
    # in due order, starting at max(V, its last key in line + 1), V the head of the line.
    # The leading comment names the statement in pg_stat_activity, whose text is cut at 1 KB:
    # the INSERT itself comes after the long CTEs.
    insert = f"""/* salesdesk: queue sweep batch */
        WITH due AS {materialized} ({select}),
             head AS {materialized} (
                 SELECT coalesce(min(h.fair_key), 0) AS v FROM {item.db_table} h
                  WHERE h.state = %(state)s AND h.workable
             ),
             -- Each partner's last key in line: one probe of queue_partner_key_idx per
             -- partner of the batch (materialised: inlined, PostgreSQL probes per order).
             line_end AS {materialized} (
                 SELECT batch.partner_id,
                        (SELECT max(l.fair_key) FROM {item.db_table} l
                          WHERE l.partner_id = batch.partner_id AND l.state = %(state)s) AS k
                   FROM (SELECT DISTINCT partner_id FROM due) AS batch
             )
        INSERT INTO {item.db_table}
            (id, source, partner_id, product_id, order_id, state,
             entered_at, available_at, attempts, outcome, outcome_reason, updated_at,
             workable, fair_key)
        SELECT {new_id}, %(source)s, due.partner_id, due.product_id, due.id, %(state)s,
               %(now)s, due.due_at, 0, '', '', %(now)s, %(true)s,
               {greatest}(head.v, coalesce(line_end.k + 1, head.v)) - 1
               + row_number() OVER (PARTITION BY due.partner_id ORDER BY due.due_at, due.id)
          FROM due
          CROSS JOIN head
          JOIN line_end ON line_end.partner_id = due.partner_id
         WHERE true
        ON CONFLICT (order_id) DO NOTHING
        RETURNING available_at, order_id
    """  # noqa: S608 - identifiers from model metadata, values are parameters
    return select, insert


def sweep_params(*, now: dt.datetime, batch_size: int) -> dict[str, Any]:
    oldest = now - dt.timedelta(days=settings.SALES_MAX_ORDER_AGE_DAYS)
    return {
        "source": QueueItem.Source.ORDER,
        "state": QueueItem.State.QUEUED,
        "now": connection.ops.adapt_datetimefield_value(now),
        "oldest": connection.ops.adapt_datetimefield_value(oldest),
        "pending": Order.Status.PENDING,
        "approved": SalesStatus.APPROVED,
        "active": Partner.Status.ACTIVE,
        "batch": batch_size,
        "true": True,
        # The keyset: the first batch starts before the oldest order that may be queued.
        "after_due": connection.ops.adapt_datetimefield_value(oldest - dt.timedelta(seconds=1)),
        "after_id": _uuid_param(uuid.UUID(int=0)),
    }


def _uuid_param(value: uuid.UUID) -> str:
    # PostgreSQL compares it as ::uuid; SQLite stores 32 hex digits.
    return str(value) if connection.vendor == "postgresql" else value.hex


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    # SQLite returns the text Django stored (UTC).
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=dt.UTC)


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def queue_sweep_due_orders(
    *, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE
) -> int:
    """Move every order past its grace period into the queue; returns how many entered.

    Due means ``due_at <= now``, still pending, of an enabled and approved product of an
    active partner, with a way to reach the buyer (a phone, email, Telegram or WhatsApp), and
    not yet in the queue. Two limits keep a backlog from flooding the
    managers: an order received while its product did not feed the queue
    (``sales_active_at_intake`` false) is never queued, and neither is one created more than
    ``SALES_MAX_ORDER_AGE_DAYS`` before ``now``. Set-based: one ``INSERT … SELECT`` per batch,
    oldest due first along the partial index ``order_due_pending_idx``, each batch its own
    transaction. Idempotent and safe beside a second sweep: the unique ``order_id`` makes a
    duplicate insert a no-op (``ON CONFLICT DO NOTHING``).
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    now = now or timezone.now()
    _select, insert = sweep_sql(connection.vendor)
    params = sweep_params(now=now, batch_size=batch_size)
    total = 0
    batches = 0
    analyzed = False
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Batches of two sweeps at once give keys one after the other, each seeing
                # the other's line (SQLite has one writer at a time anyway).
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", ENQUEUE_LOCK)
            cursor.execute(insert, params)
            queued = cursor.fetchall()
        inserted = len(queued)
        total += inserted
        batches += 1
        if inserted == batch_size and not analyzed and connection.vendor == "postgresql":
            # A backlog on a queue the statistics still think empty makes PostgreSQL probe
            # "already queued" with a sequential scan of the queue per order — quadratic.
            # Fresh statistics after the first full batch make it use the unique index.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {QueueItem._meta.db_table}")
            analyzed = True
        if inserted:
            logger.info("sweep: batch %d queued %d orders (%d so far)", batches, inserted, total)
            last_due, last_id = max(
                (_as_datetime(due), _as_uuid(order_id)) for due, order_id in queued
            )
            params["after_due"] = connection.ops.adapt_datetimefield_value(last_due)
            params["after_id"] = _uuid_param(last_id)
        # Stop only on an empty batch: a short one may just have lost rows to a concurrent
        # sweep (skipped or conflicting), and due orders beyond it must not wait 30 s more.
        if inserted == 0:
            break
    if total:
        logger.info("sweep: %d orders entered the queue in %d batches", total, batches)
    return total
