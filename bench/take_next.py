"""Take-next under contention: concurrent managers through the service vs a raw SQL
``SELECT … FOR UPDATE SKIP LOCKED`` claim loop on the same items.

PostgreSQL only, in the scratch database of ``bench sweep`` (created, migrated and dropped
here). Each contender drains the same N queued items with M threads, one manager each: take an
item, then close it (the same ``UPDATE`` for both), until the queue is empty. A watcher thread
checks in SQL during the run that no manager ever holds two active items; afterwards every
claim is checked: an item claimed twice is a double assignment (must be 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.scratch import SCRATCH_DB, run_in_scratch_database
from salesdesk.timezones import MOSCOW


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "take-next", help="concurrent take-next: the service vs a raw SKIP LOCKED claim loop"
    )
    parser.add_argument("--items", type=int, default=10_000, help="queued items (default 10000)")
    parser.add_argument("--managers", type=int, default=16, help="concurrent managers (16)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {SCRATCH_DB} database")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.items < 1 or not 1 <= args.managers <= 64:
        print("--items must be positive and --managers between 1 and 64.", file=sys.stderr)
        return 2
    return run_in_scratch_database(args, name="take-next", bench=_bench)


class Run:
    """What one contender did: claims (item, manager), per-take latencies, wall time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.claims: list[tuple[str, int]] = []
        self.latencies: list[float] = []
        self.wall = 0.0
        self.errors: list[BaseException] = []
        self.max_held_seen = 0
        self.lock = threading.Lock()

    def record(self, item: str, manager: int, latency: float) -> None:
        with self.lock:
            self.claims.append((item, manager))
            self.latencies.append(latency)

    @property
    def double_assignments(self) -> int:
        return sum(count - 1 for count in Counter(i for i, _m in self.claims).values() if count > 1)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0


def _watch(run: Run, stop: threading.Event, connect: Callable[[], Any]) -> None:
    """Poll: the most active items any one manager holds at once (the index allows 1)."""
    connection = connect()
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            while not stop.is_set():
                cursor.execute(
                    "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM queue_queueitem"
                    " WHERE state = 'active' GROUP BY holder_id) held"
                )
                run.max_held_seen = max(run.max_held_seen, cursor.fetchone()[0])
                stop.wait(0.05)
    finally:
        connection.close()


def _drain(run: Run, managers: list[Any], work: Callable[[Any, Run], None], connect: Any) -> None:
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(run, stop, connect))
    start = threading.Barrier(len(managers))

    def one(manager: Any) -> None:
        try:
            start.wait()
            work(manager, run)
        except BaseException as exc:  # reported after the run
            run.errors.append(exc)

    threads = [threading.Thread(target=one, args=(m,)) for m in managers]
    watcher.start()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.wall = time.perf_counter() - started
    stop.set()
    watcher.join()


def _bench(args: argparse.Namespace, config: dict[str, Any]) -> int:
    import psycopg2
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Role, User
    from partners.models import Partner, Product
    from sales_queue.services import queue_take_next, ready_items

    logging.getLogger("sales_queue").setLevel(logging.WARNING)
    print(f"migrating the scratch database {SCRATCH_DB} …", flush=True)
    call_command("migrate", verbosity=0)

    # A moment inside working hours, whatever the clock says: noon in Moscow today.
    now = dt.datetime.combine(timezone.localdate(), dt.time(12, 0), tzinfo=MOSCOW)
    partner = Partner.objects.create(name="Bench school")
    product = Product.objects.create(
        partner=partner,
        name="Bench course",
        price=1000,
        sales_enabled=True,
        sales_status="approved",
        grace_period_minutes=60,
    )
    managers = [
        User.objects.create(email=f"bench{n}@bench.local", role=Role.MANAGER, full_name=f"M{n}")
        for n in range(args.managers)
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_order
                (id, partner_id, product_id, external_id, amount, currency, customer_name,
                 customer_email, customer_phone, customer_telegram, customer_whatsapp,
                 created_at, received_at, due_at, status, refunded_amount, intake_payload)
            SELECT gen_random_uuid(), %(partner)s, %(product)s, 'bench-' || g, 1000.00, 'RUB',
                   'Buyer ' || g, '', '+7912' || lpad(g::text, 7, '0'), '', '',
                   %(now)s - interval '3 hours', %(now)s,
                   %(now)s - interval '2 hours' + g * interval '1 millisecond',
                   'pending', 0, '{}'::jsonb
              FROM generate_series(1, %(items)s) AS g
            """,
            {"partner": partner.pk, "product": product.pk, "now": now, "items": args.items},
        )
        cursor.execute(
            """
            INSERT INTO queue_queueitem
                (id, source, partner_id, product_id, order_id, state, entered_at,
                 available_at, attempts, outcome, outcome_reason, updated_at)
            SELECT gen_random_uuid(), 'order', partner_id, product_id, id, 'queued', due_at,
                   due_at, 0, '', '', %(now)s
              FROM orders_order
            """,
            {"now": now},
        )
        cursor.execute("ANALYZE")
    print(f"queued {args.items} items in {time.perf_counter() - started:.2f} s", flush=True)

    def reset() -> None:
        with connection.cursor() as cursor:
            # A take writes a deal, its stage change and its task: all go between rounds.
            cursor.execute("DELETE FROM crm_task")
            cursor.execute("DELETE FROM crm_stagechange")
            cursor.execute("DELETE FROM crm_deal")
            cursor.execute("DELETE FROM queue_queueevent")
            cursor.execute(
                "UPDATE queue_queueitem SET state = 'queued', holder_id = NULL, taken_at = NULL,"
                " closed_at = NULL, outcome = '', outcome_reason = ''"
            )
            cursor.execute("VACUUM ANALYZE queue_queueitem")

    def connect() -> Any:
        return psycopg2.connect(
            dbname=SCRATCH_DB,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
        )

    close_sql = (
        "UPDATE queue_queueitem SET state = 'done', outcome = 'won', outcome_reason = 'bench',"
        " closed_at = %s, updated_at = %s WHERE id = %s AND state = 'active'"
    )

    # --- the service: queue_take_next, then the item is closed --------------------------------
    def service_manager(manager: Any, run: Run) -> None:
        from django.db import connection as own

        try:
            while True:
                t0 = time.perf_counter()
                item = queue_take_next(manager=manager, now=now)
                latency = time.perf_counter() - t0
                if item is None:
                    return
                run.record(str(item.pk), manager.pk, latency)
                with own.cursor() as cursor:
                    cursor.execute(close_sql, [now, now, item.pk])
        finally:
            own.close()

    # --- the baseline: the same claim by hand ---------------------------------------------------
    claim_sql = """
        SELECT q.id FROM queue_queueitem q
          JOIN partners_product p ON p.id = q.product_id
          JOIN partners_partner pa ON pa.id = q.partner_id
         WHERE q.state = 'queued' AND q.available_at <= %s
           AND p.sales_enabled AND p.sales_status = 'approved' AND pa.status = 'active'
         ORDER BY q.available_at, q.entered_at, q.id
         LIMIT 1
           FOR UPDATE OF q SKIP LOCKED
    """

    def raw_manager(manager: Any, run: Run) -> None:
        conn = connect()
        try:
            with conn.cursor() as cursor:
                while True:
                    t0 = time.perf_counter()
                    cursor.execute(claim_sql, [now])
                    row = cursor.fetchone()
                    if row is None:
                        conn.commit()
                        return
                    cursor.execute(
                        "UPDATE queue_queueitem SET state = 'active', holder_id = %s,"
                        " taken_at = %s, updated_at = %s WHERE id = %s AND state = 'queued'",
                        [manager.pk, now, now, row[0]],
                    )
                    claimed = cursor.rowcount
                    conn.commit()
                    latency = time.perf_counter() - t0
                    if claimed != 1:
                        continue
                    run.record(str(row[0]), manager.pk, latency)
                    cursor.execute(close_sql, [now, now, row[0]])
                    conn.commit()
        finally:
            conn.close()

    # The service's own claim query, as Django builds it, for EXPLAIN.
    with transaction.atomic():
        plan = ready_items(now)[:1].explain()

    service = Run("service queue_take_next")
    reset()
    _drain(service, managers, service_manager, connect)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT item_id FROM queue_queueevent WHERE kind = 'taken'"
            " GROUP BY item_id HAVING count(*) > 1) twice"
        )
        service_sql_doubles = cursor.fetchone()[0]

    raw = Run("raw SKIP LOCKED loop")
    reset()
    _drain(raw, managers, raw_manager, connect)

    failed = False
    print()
    print(f"items: {args.items}   managers: {args.managers}")
    for result in (service, raw):
        rate = len(result.claims) / result.wall if result.wall else 0.0
        print(
            f"{result.name:<26}: {len(result.claims):7d} claims in {result.wall:7.2f} s"
            f"  {rate:9,.0f} claims/s   p50 {result.percentile(0.5):7.2f} ms"
            f"   p95 {result.percentile(0.95):7.2f} ms   double assignments"
            f" {result.double_assignments}   most held at once {result.max_held_seen}"
        )
        if result.errors:
            print(f"  errors: {result.errors[:3]!r}")
            failed = True
        if len(result.claims) != args.items or result.double_assignments:
            print(f"  WRONG: expected each of {args.items} items claimed exactly once")
            failed = True
        if result.max_held_seen > 1:
            print("  WRONG: a manager held two items at once")
            failed = True
    print(f"service 'taken' events naming an item twice (SQL): {service_sql_doubles}")
    service_rate = len(service.claims) / service.wall
    raw_rate = len(raw.claims) / raw.wall
    print(f"ratio service / raw claims/s: {service_rate / raw_rate:.2f}")
    print()
    print("EXPLAIN of the service's claim query (the oldest available item):")
    print(plan or "(not captured)")
    print(
        json.dumps(
            {
                "items": args.items,
                "managers": args.managers,
                "service_claims_per_second": round(service_rate, 1),
                "raw_claims_per_second": round(raw_rate, 1),
                "ratio": round(service_rate / raw_rate, 3),
                "service_p50_ms": round(service.percentile(0.5), 2),
                "service_p95_ms": round(service.percentile(0.95), 2),
                "raw_p50_ms": round(raw.percentile(0.5), 2),
                "raw_p95_ms": round(raw.percentile(0.95), 2),
                "double_assignments": service.double_assignments + raw.double_assignments,
            }
        )
    )
    return 1 if failed or service_sql_doubles else 0
