"""Take-next under contention: concurrent managers through the service vs the raw claim — one
``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING`` statement — on the
same items.

PostgreSQL only, in the scratch database of ``bench sweep`` (created, migrated and dropped
here). Each contender drains the same N queued items with M threads, one manager each: take an
item, then close it (the same ``UPDATE`` for both), until the queue is empty. The table also
holds ``--closed`` closed items, loaded without fresh planner statistics, as a production table
would after months. A watcher thread checks in SQL during the run that no manager ever holds
two active items; afterwards every claim is checked: an item claimed twice is a double
assignment (must be 0).

``--fairness``: one partner's burst (50 000 waiting items) and another partner's one new order:
where that order lands among the next takes. ``--profile``: one manager's takes under
pyinstrument.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench.scratch import SCRATCH_DB, run_in_scratch_database
from salesdesk.timezones import MOSCOW

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "take-next", help="concurrent take-next: the service vs the raw SKIP LOCKED claim"
    )
    parser.add_argument("--items", type=int, default=10_000, help="queued items (default 10000)")
    parser.add_argument("--managers", type=int, default=16, help="concurrent managers (16)")
    parser.add_argument(
        "--closed",
        type=int,
        default=1_000_000,
        help="closed items in the table besides, not analysed (default 1000000)",
    )
    parser.add_argument(
        "--fairness",
        action="store_true",
        help="also: a partner's burst of --burst items vs another partner's one new order",
    )
    parser.add_argument("--burst", type=int, default=50_000, help="the burst (default 50000)")
    parser.add_argument(
        "--profile", action="store_true", help="also: one manager's takes under pyinstrument"
    )
    parser.add_argument("--keep", action="store_true", help=f"keep the {SCRATCH_DB} database")
    parser.set_defaults(run=run)


def _option(args: argparse.Namespace, name: str, default: Any) -> Any:
    # run_figures may be given another command's namespace (the ``bench all`` aggregator).
    return getattr(args, name, default)


def run(args: argparse.Namespace) -> int:
    """The CLI: prints the table, the EXPLAIN and one JSON line; 1 if a check failed."""
    if _option(args, "items", 10_000) < 1 or not 1 <= _option(args, "managers", 16) <= 64:
        print("--items must be positive and --managers between 1 and 64.", file=sys.stderr)
        return 2
    figures = run_figures(args)
    return int(figures.get("exit_code", 1))


def run_figures(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark (printing as ``run``) and return its figures: ``ratio`` (service /
    raw claims per second), ``service_p50_ms``, ``service_p95_ms``, ``double_assignments``,
    ``statements_per_take`` and the rest of the JSON line; ``exit_code`` 0 when every check
    held (2: no PostgreSQL)."""
    figures: dict[str, Any] = {}

    def bench(args: argparse.Namespace, config: dict[str, Any]) -> int:
        return _bench(args, config, figures)

    figures["exit_code"] = run_in_scratch_database(args, name="take-next", bench=bench)
    return figures


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
        # CPU seconds over the run: this process (every thread, the watcher's polls included)
        # and the PostgreSQL backends of the managers' connections.
        self.client_cpu = 0.0
        self.db_cpu = 0.0

    def add_db_cpu(self, seconds: float) -> None:
        with self.lock:
            self.db_cpu += seconds

    def record(self, item: str, manager: int, latency: float) -> None:
        with self.lock:
            self.claims.append((item, manager))
            self.latencies.append(latency)

    @property
    def double_assignments(self) -> int:
        return sum(count - 1 for count in Counter(i for i, _m in self.claims).values() if count > 1)

    def cpu_ms(self, seconds: float) -> float:
        return seconds / len(self.claims) * 1000 if self.claims else 0.0

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
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.wall = time.perf_counter() - started
    run.client_cpu = time.process_time() - cpu
    stop.set()
    watcher.join()


# The raw claim: what the service is measured against (the "raw claim").
RAW_CLAIM_SQL = """
    UPDATE queue_queueitem SET state = 'active', holder_id = %s, taken_at = %s, updated_at = %s
     WHERE id = (SELECT id FROM queue_queueitem
                  WHERE state = 'queued' AND workable AND available_at <= %s
                  ORDER BY fair_key, available_at, id
                  LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id
"""
CLOSE_SQL = (
    "UPDATE queue_queueitem SET state = 'done', outcome = 'won', outcome_reason = 'bench',"
    " closed_at = %s, updated_at = %s WHERE id = %s AND state = 'active'"
)
ORDERS_SQL = """
    INSERT INTO orders_order
        (id, partner_id, product_id, external_id, amount, currency, customer_name,
         customer_email, customer_phone, customer_telegram, customer_whatsapp,
         created_at, received_at, due_at, status, refunded_amount, intake_payload,
         sales_active_at_intake)
    SELECT gen_random_uuid(), %(partner)s, %(product)s, %(prefix)s || g, 1000.00, 'RUB',
           'Buyer ' || g, '', '+7912' || lpad(g::text, 7, '0'), '', '',
           %(due)s - interval '1 hour' + g * interval '1 millisecond', %(now)s,
           %(due)s + g * interval '1 millisecond', 'pending', 0, '{}'::jsonb, true
      FROM generate_series(1, %(count)s) AS g
"""


def _backend_cpu(pid: int) -> float:
    """CPU seconds (utime + stime) a PostgreSQL backend has used so far (the server is local)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _explain(cursor: Any, sql: str, params: Any) -> str:
    cursor.execute("EXPLAIN " + sql, params)
    return "\n".join(row[0] for row in cursor.fetchall())


def _bench(args: argparse.Namespace, config: dict[str, Any], figures: dict[str, Any]) -> int:
    import psycopg2
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import Role, User
    from crm.models import LeadList
    from partners.models import Partner, Product
    from sales_queue.services import queue_take_next
    from sales_queue.services.take import claim_params, claim_sql, take_variant

    items = _option(args, "items", 10_000)
    closed = _option(args, "closed", 1_000_000)
    managers_count = _option(args, "managers", 16)
    # As in production: no query log (DEBUG's) on every statement.
    settings.DEBUG = False
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
        for n in range(managers_count)
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            ORDERS_SQL,
            {
                "partner": partner.pk,
                "product": product.pk,
                "prefix": "bench-",
                "now": now,
                "due": now - dt.timedelta(hours=2),
                "count": items,
            },
        )
        cursor.execute(
            """
            INSERT INTO queue_queueitem
                (id, source, partner_id, product_id, order_id, state, entered_at,
                 available_at, attempts, outcome, outcome_reason, updated_at, workable, fair_key)
            SELECT gen_random_uuid(), 'order', partner_id, product_id, id, 'queued', due_at,
                   due_at, 0, '', '', %(now)s, true,
                   row_number() OVER (ORDER BY due_at, id)
              FROM orders_order
            """,
            {"now": now},
        )
        # Months of closed items (leads: a lead row is lighter than an order), and no
        # ANALYZE after: the claim must not depend on fresh statistics.
        lead_list = LeadList.objects.create(partner=partner, product=product, name="Bench")
        cursor.execute(
            """
            WITH leads AS (
                INSERT INTO crm_lead
                    (id, partner_id, lead_list_id, product_id, origin, cold, external_id,
                     name, phone, email, telegram, whatsapp, comment, source, tracking,
                     consent_text, intake_payload, created_at)
                SELECT gen_random_uuid(), %(partner)s, %(list)s, %(product)s, 'api', false, '',
                       'Bench buyer', '', '', '', '', '', '', '{}', '', '{}',
                       %(now)s - g * interval '10 seconds'
                  FROM generate_series(1, %(closed)s) AS g
                RETURNING id, created_at
            )
            INSERT INTO queue_queueitem
                (id, source, partner_id, product_id, order_id, lead_id, state, entered_at,
                 available_at, attempts, outcome, outcome_reason, updated_at, closed_at,
                 workable, fair_key)
            SELECT gen_random_uuid(), 'lead', %(partner)s, %(product)s, NULL, id, 'done',
                   created_at, created_at, 0, 'won', '', %(now)s, %(now)s, true,
                   -row_number() OVER (ORDER BY created_at DESC)
              FROM leads
            """,
            {
                "partner": partner.pk,
                "product": product.pk,
                "list": lead_list.pk,
                "now": now,
                "closed": closed,
            },
        )
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'queue_queueitem'")
        stats_rows = cursor.fetchone()[0]
    print(
        f"queued {items} items beside {closed} closed ones in"
        f" {time.perf_counter() - started:.2f} s (pg_stats rows for the table: {stats_rows})",
        flush=True,
    )

    def reset() -> None:
        with connection.cursor() as cursor:
            # A take writes a deal, its stage change and its task: all go between rounds.
            cursor.execute("DELETE FROM crm_task")
            cursor.execute("DELETE FROM crm_stagechange")
            cursor.execute("DELETE FROM crm_deal")
            cursor.execute("DELETE FROM queue_queueevent")
            cursor.execute(
                "UPDATE queue_queueitem SET state = 'queued', holder_id = NULL, taken_at = NULL,"
                " closed_at = NULL, outcome = '', outcome_reason = '' WHERE source = 'order'"
                " AND state <> 'queued'"
            )
            cursor.execute("VACUUM queue_queueitem")  # dead rows out; no ANALYZE

    def connect() -> Any:
        return psycopg2.connect(
            dbname=SCRATCH_DB,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
        )

    # --- the service: queue_take_next, then the item is closed --------------------------------
    def service_manager(manager: Any, run: Run) -> None:
        from django.db import connection as own

        own.ensure_connection()
        backend = own.connection.get_backend_pid()
        cpu = _backend_cpu(backend)
        try:
            while True:
                t0 = time.perf_counter()
                item = queue_take_next(manager=manager, now=now)
                latency = time.perf_counter() - t0
                if item is None:
                    return
                run.record(str(item.pk), manager.pk, latency)
                with own.cursor() as cursor:
                    cursor.execute(CLOSE_SQL, [now, now, item.pk])
        finally:
            run.add_db_cpu(_backend_cpu(backend) - cpu)
            own.close()

    # --- the baseline: the bare claim statement ------------------------------------------------
    def raw_manager(manager: Any, run: Run) -> None:
        conn = connect()
        backend = conn.get_backend_pid()
        cpu = _backend_cpu(backend)
        try:
            with conn.cursor() as cursor:
                while True:
                    t0 = time.perf_counter()
                    cursor.execute(RAW_CLAIM_SQL, [manager.pk, now, now, now])
                    row = cursor.fetchone()
                    conn.commit()
                    latency = time.perf_counter() - t0
                    if row is None:
                        return
                    run.record(str(row[0]), manager.pk, latency)
                    cursor.execute(CLOSE_SQL, [now, now, row[0]])
                    conn.commit()
        finally:
            run.add_db_cpu(_backend_cpu(backend) - cpu)
            conn.close()

    # The plans on a table the planner has no statistics of.
    with connection.cursor() as cursor:
        service_plan = _explain(
            cursor, claim_sql(take_variant(managers[0])), claim_params(managers[0], now)
        )
        raw_plan = _explain(cursor, RAW_CLAIM_SQL, [managers[0].pk, now, now, now])

    # One take, counted (after a first one: the partner's first deal creates its funnel).
    reset()
    for counted in (False, True):
        with CaptureQueriesContext(connection) as taken:
            first = queue_take_next(manager=managers[0], now=now)
        with connection.cursor() as cursor:
            cursor.execute(CLOSE_SQL, [now, now, first.pk if first else None])
        if counted:
            break
    statements = [q["sql"] for q in taken.captured_queries]

    if _option(args, "profile", False):
        _profile(reset, managers[0], now, min(items, 2000), queue_take_next)

    service = Run("service queue_take_next")
    reset()
    _drain(service, managers, service_manager, connect)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT item_id FROM queue_queueevent WHERE kind = 'taken'"
            " GROUP BY item_id HAVING count(*) > 1) twice"
        )
        service_sql_doubles = cursor.fetchone()[0]

    raw = Run("raw claim statement")
    reset()
    _drain(raw, managers, raw_manager, connect)

    failed = False
    print()
    print(f"items: {items}   closed items beside: {closed}   managers: {managers_count}")
    for result in (service, raw):
        rate = len(result.claims) / result.wall if result.wall else 0.0
        print(
            f"{result.name:<26}: {len(result.claims):7d} claims in {result.wall:7.2f} s"
            f"  {rate:9,.0f} claims/s   p50 {result.percentile(0.5):7.2f} ms"
            f"   p95 {result.percentile(0.95):7.2f} ms   double assignments"
            f" {result.double_assignments}   most held at once {result.max_held_seen}"
        )
        print(
            f"{'':<26}  CPU per claim: {result.cpu_ms(result.client_cpu):.2f} ms in this"
            f" process, {result.cpu_ms(result.db_cpu):.2f} ms in its PostgreSQL backends"
        )
        if result.errors:
            print(f"  errors: {result.errors[:3]!r}")
            failed = True
        if len(result.claims) != items or result.double_assignments:
            print(f"  WRONG: expected each of {items} items claimed exactly once")
            failed = True
        if result.max_held_seen > 1:
            print("  WRONG: a manager held two items at once")
            failed = True
    print(f"service 'taken' events naming an item twice (SQL): {service_sql_doubles}")
    service_rate = len(service.claims) / service.wall if service.wall else 0.0
    raw_rate = len(raw.claims) / raw.wall if raw.wall else 0.0
    ratio = service_rate / raw_rate if raw_rate else 0.0
    print(f"ratio service / raw claims/s: {ratio:.2f}")
    print()
    print(f"statements per take (one take, counted): {len(statements)}")
    for sql in statements:
        print("   ", " ".join(sql.split())[:110])
    print()
    print("EXPLAIN of the service's claim statement (no planner statistics):")
    print(service_plan)
    print()
    print("EXPLAIN of the raw claim:")
    print(raw_plan)
    figures.update(
        {
            "items": items,
            "closed_items": closed,
            "managers": managers_count,
            "service_claims_per_second": round(service_rate, 1),
            "raw_claims_per_second": round(raw_rate, 1),
            "ratio": round(ratio, 3),
            "service_p50_ms": round(service.percentile(0.5), 2),
            "service_p95_ms": round(service.percentile(0.95), 2),
            "raw_p50_ms": round(raw.percentile(0.5), 2),
            "raw_p95_ms": round(raw.percentile(0.95), 2),
            "service_client_cpu_ms_per_take": round(service.cpu_ms(service.client_cpu), 3),
            "service_db_cpu_ms_per_take": round(service.cpu_ms(service.db_cpu), 3),
            "raw_client_cpu_ms_per_take": round(raw.cpu_ms(raw.client_cpu), 3),
            "raw_db_cpu_ms_per_take": round(raw.cpu_ms(raw.db_cpu), 3),
            "double_assignments": service.double_assignments
            + raw.double_assignments
            + service_sql_doubles,
            "statements_per_take": len(statements),
            "claim_uses_take_index": "queue_take_idx" in service_plan,
        }
    )
    if _option(args, "fairness", False):
        fair = _fairness(now, managers[0], _option(args, "burst", 50_000), queue_take_next)
        figures.update(fair)
        failed = failed or fair["fairness_position"] > fair["fairness_bound"]
    print(json.dumps(figures))
    return 1 if failed or service_sql_doubles else 0


def _profile(
    reset: Callable[[], None], manager: Any, now: dt.datetime, takes: int, take: Any
) -> None:
    """One manager's ``takes`` takes (each closed) under pyinstrument, printed as text."""
    from django.db import connection
    from pyinstrument import Profiler

    reset()
    profiler = Profiler(interval=0.001)
    started, cpu = time.perf_counter(), time.process_time()
    profiler.start()
    for _n in range(takes):
        item = take(manager=manager, now=now)
        if item is None:
            break
        with connection.cursor() as cursor:
            cursor.execute(CLOSE_SQL, [now, now, item.pk])
    profiler.stop()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\nprofile: {takes} takes by one manager (each closed), {wall / takes * 1000:.2f} ms"
        f" a take, {cpu / takes * 1000:.2f} ms of this process's CPU (profiler included)"
    )
    print(profiler.output_text(unicode=False, color=False))


def _fairness(now: dt.datetime, manager: Any, burst: int, take: Any) -> dict[str, Any]:
    """Partner F's burst of ``burst`` backdated orders and partner B's 100, swept; a few takes;
    then partner A's one new order falls due and is swept: how many takes until A's item?"""
    from django.db import connection

    from partners.models import Partner, Product
    from sales_queue.models import QueueItem
    from sales_queue.services import queue_sweep_due_orders

    with connection.cursor() as cursor:
        # The throughput run's items leave the line.
        cursor.execute("UPDATE queue_queueitem SET state = 'done' WHERE state <> 'done'")

    def partner_with_orders(name: str, count: int, due: dt.datetime) -> Partner:
        partner = Partner.objects.create(name=name)
        product = Product.objects.create(
            partner=partner,
            name=f"{name} course",
            price=1000,
            sales_enabled=True,
            sales_status="approved",
            grace_period_minutes=60,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                ORDERS_SQL,
                {
                    "partner": partner.pk,
                    "product": product.pk,
                    "prefix": f"{name}-",
                    "now": now,
                    "due": due,
                    "count": count,
                },
            )
        return partner

    started = time.perf_counter()
    partner_with_orders("F", burst, now - dt.timedelta(days=2))
    partner_with_orders("B", 100, now - dt.timedelta(days=1))
    swept = queue_sweep_due_orders(now=now)
    print(f"\nfairness: swept {swept} orders of F and B in {time.perf_counter() - started:.2f} s")
    for _n in range(10):
        item = take(manager=manager, now=now)
        with connection.cursor() as cursor:
            cursor.execute(CLOSE_SQL, [now, now, item.pk])
    a = partner_with_orders("A", 1, now - dt.timedelta(minutes=1))
    queue_sweep_due_orders(now=now)
    a_item = QueueItem.objects.get(partner=a)
    waiting = QueueItem.objects.filter(state="queued", workable=True)
    bound = waiting.values("partner_id").distinct().count()
    # Where it stood under the previous rule, oldest due first.
    old_position = waiting.filter(available_at__lt=a_item.available_at).count() + 1
    position = 0
    taken_by: list[str] = []
    while True:
        item = take(manager=manager, now=now)
        if item is None:
            break
        position += 1
        taken_by.append(item.partner.name)
        with connection.cursor() as cursor:
            cursor.execute(CLOSE_SQL, [now, now, item.pk])
        if item.pk == a_item.pk:
            break
    print(
        f"fairness: F has {burst} waiting, B 100; A's one new order was take #{position} after"
        f" it was queued (bound: {bound} = partners with waiting items; oldest-due-first"
        f" would have made it #{old_position}); takes: {' '.join(taken_by)}"
    )
    return {
        "fairness_burst": burst,
        "fairness_position": position,
        "fairness_bound": bound,
        "fairness_position_oldest_first": old_position,
    }
