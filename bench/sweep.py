"""The grace-period sweep against a raw ``INSERT … SELECT`` doing the same work.

Runs on PostgreSQL only, in a scratch database it creates, migrates and drops itself, so the
numbers never depend on (or disturb) real data. Both contenders start from the same orders
with an empty queue; each round times the service first, empties the queue, then times the
baseline, and the best round of each is reported.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Any

from bench.scratch import SCRATCH_DB, run_in_scratch_database


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("sweep", help="the grace-period sweep vs a raw INSERT … SELECT")
    parser.add_argument("--orders", type=int, default=200_000, help="due orders (default 200000)")
    parser.add_argument("--batch-size", type=int, default=None, help="the sweep's batch size")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds (default 2)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {SCRATCH_DB} database")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.orders < 1 or args.rounds < 1:
        print("--orders and --rounds must be positive.", file=sys.stderr)
        return 2
    return run_in_scratch_database(args, name="sweep", bench=lambda args, _config: _bench(args))


def _bench(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from partners.models import Partner, Product
    from sales_queue.services.sweep import (
        SWEEP_BATCH_SIZE,
        queue_sweep_due_orders,
        sweep_params,
        sweep_sql,
    )

    batch_size = args.batch_size or SWEEP_BATCH_SIZE
    print(f"migrating the scratch database {SCRATCH_DB} …", flush=True)
    call_command("migrate", verbosity=0)
    partner = Partner.objects.create(name="Bench school")
    product = Product.objects.create(
        partner=partner,
        name="Bench course",
        price=1000,
        sales_enabled=True,
        sales_status="approved",
        grace_period_minutes=60,
    )
    off = Product.objects.create(partner=partner, name="Not in sales", price=1000)

    started = time.perf_counter()
    with connection.cursor() as cursor:
        # About N due pending orders among N × 1.1, the rest (1 in 10) noise the sweep must
        # pass over: paid, not yet due, of a product without a sales department.
        cursor.execute(
            """
            INSERT INTO orders_order
                (id, partner_id, product_id, external_id, amount, currency, customer_name,
                 customer_email, customer_phone, customer_telegram, customer_whatsapp,
                 created_at, received_at, due_at, status, paid_at, paid_amount,
                 refunded_amount, intake_payload, sales_active_at_intake)
            SELECT gen_random_uuid(), %(partner)s,
                   CASE WHEN g %% 30 = 2 THEN %(off)s ELSE %(product)s END,
                   'bench-' || g, 1000.00, 'RUB', 'Buyer ' || g, '',
                   '+7912' || lpad(g::text, 7, '0'), '', '',
                   now() - interval '2 hours' - g * interval '1 millisecond', now(),
                   CASE WHEN g %% 30 = 1 THEN now() + interval '1 hour'
                        ELSE now() - interval '1 hour' - g * interval '1 millisecond' END,
                   CASE WHEN g %% 30 = 0 THEN 'paid' ELSE 'pending' END,
                   CASE WHEN g %% 30 = 0 THEN now() - interval '90 minutes' END,
                   CASE WHEN g %% 30 = 0 THEN 1000.00 END,
                   0, '{}'::jsonb, true
              FROM generate_series(1, %(total)s) AS g
            """,
            {
                "partner": partner.pk,
                "product": product.pk,
                "off": off.pk,
                "total": args.orders + args.orders // 10,
            },
        )
        cursor.execute("ANALYZE")
    generated = time.perf_counter() - started
    print(f"generated {args.orders + args.orders // 10} orders in {generated:.2f} s", flush=True)

    now = timezone.now()
    select, _insert = sweep_sql("postgresql")
    params = sweep_params(now=now, batch_size=batch_size)
    # What one would write by hand for an empty queue: one statement, no batches, no locks,
    # no NOT EXISTS (the queue starts empty in every round), the unique index as the guard.
    baseline = """
        INSERT INTO queue_queueitem
            (id, source, partner_id, product_id, order_id, state,
             entered_at, available_at, attempts, outcome, outcome_reason, updated_at,
             workable, fair_key)
        SELECT gen_random_uuid(), %(source)s, o.partner_id, o.product_id, o.id, %(state)s,
               %(now)s, o.due_at, 0, '', '', %(now)s, true,
               row_number() OVER (PARTITION BY o.partner_id ORDER BY o.due_at, o.id)
          FROM orders_order o
          JOIN partners_product p ON p.id = o.product_id
          JOIN partners_partner pa ON pa.id = o.partner_id
         WHERE o.status = %(pending)s AND o.sales_active_at_intake
           AND o.due_at <= %(now)s AND o.created_at >= %(oldest)s
           AND (o.customer_phone <> '' OR o.customer_email <> ''
                OR o.customer_telegram <> '' OR o.customer_whatsapp <> '')
           AND p.sales_enabled AND p.sales_status = %(approved)s AND pa.status = %(active)s
        ON CONFLICT (order_id) DO NOTHING
    """

    def reset() -> None:
        with connection.cursor() as cursor:
            # Not TRUNCATE … CASCADE: it follows crm_deal's key to the queue item on to
            # orders_order (Order.deal) and empties the orders too. The sweep makes no deals.
            cursor.execute("DELETE FROM queue_queueevent")
            cursor.execute("DELETE FROM queue_queueitem")
            cursor.execute("VACUUM ANALYZE queue_queueitem")

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + select, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    logging.getLogger("sales_queue").setLevel(logging.WARNING)
    service_times: list[float] = []
    raw_times: list[float] = []
    for _round in range(args.rounds):
        reset()
        started = time.perf_counter()
        queued = queue_sweep_due_orders(now=now, batch_size=batch_size)
        service_times.append(time.perf_counter() - started)

        reset()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(baseline, params)
            raw_rows = cursor.rowcount
        raw_times.append(time.perf_counter() - started)
        if not queued:
            print("MISMATCH: nothing was queued; the generated orders do not fall due")
            return 1
        if queued != raw_rows:
            print(f"MISMATCH: the service queued {queued} orders, the raw SQL {raw_rows}")
            return 1

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE queue_queueitem")
        cursor.execute("EXPLAIN " + select, params)
        plan_full = "\n".join(row[0] for row in cursor.fetchall())

    service, raw = min(service_times), min(raw_times)
    print()
    print(f"orders queued: {queued}   batch size: {batch_size}   rounds: {args.rounds}")
    print(f"service queue_sweep_due_orders : {service:8.3f} s   {queued / service:12,.0f} rows/s")
    print(f"raw INSERT … SELECT (1 stmt)   : {raw:8.3f} s   {queued / raw:12,.0f} rows/s")
    print(f"ratio service / raw            : {service / raw:8.2f}")
    print()
    print("EXPLAIN of the sweep's SELECT (one batch), queue empty:")
    print(plan)
    print()
    print("EXPLAIN of the sweep's SELECT, queue full and analyzed (the steady state):")
    print(plan_full)
    print(
        json.dumps(
            {
                "queued": queued,
                "batch_size": batch_size,
                "service_seconds": round(service, 4),
                "raw_seconds": round(raw, 4),
                "ratio": round(service / raw, 3),
            }
        )
    )
    return 0
