"""The grace-period sweep: unpaid orders past their ``due_at`` enter the queue."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from orders.models import Order
from partners.models import Partner, Product, SalesStatus
from sales_queue.models import QueueItem

logger = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 5000


def sweep_sql(vendor: str) -> tuple[str, str]:
    """The sweep as ``(select, insert)``: the SELECT alone is what ``EXPLAIN`` is shown for.

    Identifiers come from the models' metadata; every value is a query parameter. The rule is
    ``created_at >= oldest``; since ``due_at >= created_at`` (a check constraint),
    ``due_at >= oldest`` follows from it and is stated too, so the scan of the partial index
    ``order_due_pending_idx`` is a range over the last ``SALES_MAX_ORDER_AGE_DAYS`` instead of
    every pending order ever received.
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
           AND o.sales_active_at_intake
           AND o.due_at <= %(now)s
           AND o.due_at >= %(oldest)s
           AND o.created_at >= %(oldest)s
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
    }


def queue_sweep_due_orders(
    *, now: dt.datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE
) -> int:
    """Move every order past its grace period into the queue; returns how many entered.

    Due means ``due_at <= now``, still pending, of an enabled and approved product of an
    active partner, and not yet in the queue. Two limits keep a backlog from flooding the
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
