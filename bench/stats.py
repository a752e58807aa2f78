"""The head's statistics dashboard at scale: 1 000 000 orders, 100 managers, 12 months.

PostgreSQL only, in the scratch database (created, migrated and dropped here). The data is
written by ``INSERT … SELECT generate_series`` in one transaction (ids are ``md5`` of the row
number, so every table can name its neighbours without a join): N orders over the last
``--months`` months of 10 partners and 50 products — half paid within their grace period,
the other half sent to the sales department, each of those taken by one of the managers with
a ``taken`` event, two touches and a deal: won (paid after the take, linked to the deal, a fee
in the ledger), lost (a refusal with a reason and its stage change), or still open (a callback,
with an open task, half of them overdue). Every deal has one task. Then ``ANALYZE``.

The generation bypasses the statistics' triggers (``session_replication_role = replica``:
history written in bulk). Measured twice — with the daily rollup empty (every day read live),
then after ``stats.rollup.rollup_run`` has rolled up every past day (runs of 62 days, as beat
does; their time printed) — for today, 7 days, 30 days and the whole history, best of
``--rounds``:
``stats.managers.manager_stats`` (the selector: SQL plus the Python that shapes its rows), the
dashboard page itself (``GET /head/stats/`` as the head, through the Django test client: every
query and the template), and one raw SQL aggregate computing the main figures per manager
(taken, touches, won, lost, revenue, fees) for the ratio. Prints the ``EXPLAIN (ANALYZE,
BUFFERS)`` of the selector's slowest query over the whole history; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from bench.scratch import SCRATCH_DB, best_ms, run_in_scratch_database

PARTNERS = 10
PRODUCTS_PER_PARTNER = 5


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "stats", help="time the head's statistics dashboard over 1M orders and 100 managers"
    )
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders (1000000)")
    parser.add_argument("--managers", type=int, default=100, help="managers (100)")
    parser.add_argument("--months", type=int, default=12, help="months of history (12)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds, best kept (3)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {SCRATCH_DB} database")
    parser.add_argument(
        "--skip-before",
        action="store_true",
        help="measure only with the rollup filled (not first with it empty)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if min(args.orders, args.managers, args.months, args.rounds) < 1:
        print("--orders, --managers, --months and --rounds must be positive.", file=sys.stderr)
        return 2
    return run_in_scratch_database(args, name="stats", bench=lambda args, _config: _bench(args))


# The take's first touch: a minute to four hours after it, spread by the item's id (so the
# medians' histograms are not a single bucket).
FIRST_TOUCH = "interval '1 minute' * (1 + abs(hashtext(i.id::text)) %% 240)"

# One statement per table; %(…)s are the generation's parameters. Row g of the orders:
# g % 2 = 0 paid in grace; otherwise sent to the sales department, and then by g % 10:
# 1, 3, 5 won; 7 lost; 9 still open (a callback).
ORDERS_SQL = """
INSERT INTO orders_order (id, external_id, amount, currency, customer_name, customer_email,
    customer_phone, customer_telegram, customer_whatsapp, created_at, received_at, due_at,
    status, paid_at, paid_amount, refunded_amount, cancelled_at, refunded_at, intake_payload,
    partner_id, product_id, payment_url, sales_active_at_intake, source, contact_id, deal_id)
SELECT md5('o' || g)::uuid, 'bench-' || g, 1000 + (g %% 50) * 100, 'RUB',
    'Покупатель ' || g, '', '+7900' || lpad(g::text, 7, '0'), '', '',
    c.created, c.created, c.created + interval '1 hour',
    CASE WHEN g %% 2 = 0 OR g %% 10 IN (1, 3, 5) THEN 'paid' ELSE 'pending' END,
    CASE WHEN g %% 2 = 0 THEN c.created + interval '20 minutes'
         WHEN g %% 10 IN (1, 3, 5) THEN c.created + interval '5 hours' END,
    CASE WHEN g %% 2 = 0 OR g %% 10 IN (1, 3, 5) THEN 1000 + (g %% 50) * 100 END,
    0, NULL, NULL, '{}'::jsonb,
    (%(partners)s::uuid[])[1 + (g %% %(n_products)s) / %(per_partner)s],
    (%(products)s::uuid[])[1 + g %% %(n_products)s],
    '', true, 'vk_ads', NULL,
    CASE WHEN g %% 10 IN (1, 3, 5) THEN md5('d' || g)::uuid END
FROM generate_series(1, %(orders)s) AS g,
    LATERAL (SELECT %(now)s::timestamptz
        - (g::float / %(orders)s) * %(span)s * interval '1 second' AS created) AS c
"""

ITEMS_SQL = """
INSERT INTO queue_queueitem (id, source, state, entered_at, available_at, taken_at,
    last_touch_at, attempts, outcome, outcome_reason, closed_at, updated_at, holder_id,
    order_id, partner_id, product_id, workable, fair_key)
SELECT md5('i' || g)::uuid, 'order',
    CASE WHEN g %% 10 = 9 THEN 'scheduled' ELSE 'done' END,
    o.due_at, o.due_at, o.due_at + interval '1 minute' * (1 + g %% 180),
    o.due_at + interval '1 day', 0,
    CASE WHEN g %% 10 IN (1, 3, 5) THEN 'won' WHEN g %% 10 = 7 THEN 'lost' ELSE '' END,
    CASE WHEN g %% 10 = 7 THEN (ARRAY['not_interested', 'too_expensive', 'no_time',
        'bought_elsewhere'])[1 + (g / 10) %% 4] ELSE '' END,
    CASE WHEN g %% 10 IN (1, 3, 5) THEN o.paid_at
         WHEN g %% 10 = 7 THEN o.due_at + interval '1 day' END,
    o.due_at + interval '1 day',
    (%(managers)s::uuid[])[1 + (g / 10) %% %(n_managers)s],
    o.id, o.partner_id, o.product_id, true, g
FROM generate_series(1, %(orders)s) AS g
JOIN orders_order o ON o.id = md5('o' || g)::uuid
WHERE g %% 2 = 1
"""

EVENTS_SQL = (
    """
INSERT INTO queue_queueevent (kind, note, created_at, actor_id, item_id, manager_id,
    first_touch_at)
SELECT 'taken', '', i.taken_at, i.holder_id, i.id, i.holder_id, i.taken_at + """
    + FIRST_TOUCH
    + """
FROM queue_queueitem i
"""
)

TOUCHES_SQL = (
    """
INSERT INTO queue_touch (channel, outcome, comment, callback_at, reason, created_at, item_id,
    manager_id, deal_id)
SELECT 'phone', t.outcome, '', NULL, '', i.taken_at + t.after, i.id, i.holder_id, d.id
FROM queue_queueitem i
JOIN crm_deal d ON d.queue_item_id = i.id
CROSS JOIN LATERAL (VALUES ('no_answer', """
    + FIRST_TOUCH
    + """),
    ('reached', interval '1 day')) AS t(outcome, after)
"""
)

DEALS_SQL = """
INSERT INTO crm_deal (id, title, source, contact_name, contact_email, contact_phone,
    contact_telegram, contact_whatsapp, status, lead_created_at, created_at, updated_at,
    closed_at, order_id, partner_id, product_id, queue_item_id, responsible_id, stage_id,
    contact_id, last_touch_at, next_step, next_step_at, description, lost_reason)
SELECT md5('d' || g)::uuid, 'Курс', 'vk_ads', o.customer_name, '', o.customer_phone, '', '',
    CASE WHEN g %% 10 IN (1, 3, 5) THEN 'won' WHEN g %% 10 = 7 THEN 'lost' ELSE 'open' END,
    i.entered_at, i.taken_at, i.updated_at, i.closed_at, o.id, o.partner_id, o.product_id,
    i.id, i.holder_id,
    (SELECT s.id FROM crm_stage s WHERE s.partner_id = o.partner_id AND s.kind =
        CASE WHEN g %% 10 IN (1, 3, 5) THEN 'won' WHEN g %% 10 = 7 THEN 'lost' ELSE 'open' END
     ORDER BY s.position LIMIT 1),
    NULL, i.last_touch_at, 'Перезвонить', i.taken_at + interval '2 days', '', i.outcome_reason
FROM generate_series(1, %(orders)s) AS g
JOIN queue_queueitem i ON i.id = md5('i' || g)::uuid
JOIN orders_order o ON o.id = i.order_id
"""

STAGE_CHANGES_SQL = """
INSERT INTO crm_stagechange (reason, created_at, actor_id, deal_id, from_stage_id, to_stage_id)
SELECT i.outcome_reason, d.closed_at, d.responsible_id, d.id, NULL, d.stage_id
FROM crm_deal d JOIN queue_queueitem i ON i.id = d.queue_item_id
WHERE d.status IN ('won', 'lost')
"""

LEDGER_SQL = """
INSERT INTO billing_ledgerentry (id, kind, amount, base_amount, created_at, order_id,
    partner_id, policy_id)
SELECT md5('f' || o.id::text)::uuid, 'fee',
    LEAST(GREATEST(round(o.amount * 0.069, 2), 60), 2500), o.amount, o.paid_at, o.id,
    o.partner_id, %(policy)s
FROM orders_order o
WHERE o.deal_id IS NOT NULL
"""

TASKS_SQL = """
INSERT INTO crm_task (id, kind, text, due_at, done_at, created_at, assignee_id, deal_id,
    done_by_id, partner_id)
SELECT md5('t' || d.id::text)::uuid, 'next_step', 'Перезвонить покупателю',
    d.next_step_at, CASE WHEN d.status = 'open' THEN NULL ELSE d.closed_at END, d.created_at,
    d.responsible_id, d.id, NULL, d.partner_id
FROM crm_deal d
"""

# The main figures per manager over the period in one statement: the yardstick.
RAW_SQL = """
WITH taken AS (
    SELECT manager_id, count(*) AS n FROM queue_queueevent
    WHERE kind = 'taken' AND created_at >= %(start)s AND created_at < %(end)s
    GROUP BY manager_id),
touches AS (
    SELECT manager_id, count(*) AS n FROM queue_touch
    WHERE created_at >= %(start)s AND created_at < %(end)s GROUP BY manager_id),
closed AS (
    SELECT responsible_id, count(*) FILTER (WHERE status = 'won') AS won,
        count(*) FILTER (WHERE status = 'lost') AS lost
    FROM crm_deal WHERE closed_at >= %(start)s AND closed_at < %(end)s
    GROUP BY responsible_id),
revenue AS (
    SELECT d.responsible_id, sum(o.amount - o.refunded_amount) AS amount
    FROM orders_order o JOIN crm_deal d ON d.id = o.deal_id
    WHERE o.paid_at >= %(start)s AND o.paid_at < %(end)s GROUP BY d.responsible_id),
fees AS (
    SELECT d.responsible_id, sum(l.amount) AS amount
    FROM billing_ledgerentry l JOIN orders_order o ON o.id = l.order_id
    JOIN crm_deal d ON d.id = o.deal_id
    WHERE l.created_at >= %(start)s AND l.created_at < %(end)s GROUP BY d.responsible_id)
SELECT u.id, taken.n, touches.n, closed.won, closed.lost, revenue.amount, fees.amount
FROM accounts_user u
LEFT JOIN taken ON taken.manager_id = u.id
LEFT JOIN touches ON touches.manager_id = u.id
LEFT JOIN closed ON closed.responsible_id = u.id
LEFT JOIN revenue ON revenue.responsible_id = u.id
LEFT JOIN fees ON fees.responsible_id = u.id
WHERE u.role IN ('manager', 'caller', 'account_manager')
ORDER BY u.full_name
"""


def _bench(args: argparse.Namespace) -> int:
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import Role, User
    from billing.models import FeePolicy
    from crm.services import stages_ensure
    from partners.models import Partner, Product
    from stats.periods import Period, today_moscow

    print(f"migrating the scratch database {SCRATCH_DB} …", flush=True)
    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    partners = [Partner.objects.create(name=f"Школа {n}") for n in range(PARTNERS)]
    products = [
        Product.objects.create(partner=p, name=f"Курс {p.name}-{k}", price=1000)
        for p in partners
        for k in range(PRODUCTS_PER_PARTNER)
    ]
    for partner in partners:
        stages_ensure(partner_id=partner.pk)
    managers = User.objects.bulk_create(
        User(email=f"m{n}@bench.local", role=Role.MANAGER, full_name=f"Менеджер {n:03d}")
        for n in range(args.managers)
    )
    head = User.objects.create(email="head@bench.local", role=Role.HEAD, full_name="РОП")
    policy = FeePolicy.objects.order_by("effective_from").first()
    if policy is None:
        policy = FeePolicy.objects.create(
            rate="0.069", minimum=60, maximum=2500, effective_from=now - dt.timedelta(days=3650)
        )
    params = {
        "orders": args.orders,
        "now": now,
        "span": args.months * 30 * 86400,
        "partners": [str(p.pk) for p in partners],
        "products": [str(p.pk) for p in products],
        "n_products": len(products),
        "per_partner": PRODUCTS_PER_PARTNER,
        "managers": [str(m.pk) for m in managers],
        "n_managers": len(managers),
        "policy": policy.pk,
    }
    steps = [
        ("orders", ORDERS_SQL),
        ("queue items", ITEMS_SQL),
        ("taken events", EVENTS_SQL),
        ("deals", DEALS_SQL),
        ("touches", TOUCHES_SQL),
        ("stage changes", STAGE_CHANGES_SQL),
        ("ledger", LEDGER_SQL),
        ("tasks", TASKS_SQL),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        # History written in bulk: the statistics' triggers would log every past day as
        # changed (stats.0003); the rollup below rolls them all up anyway.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for label, sql in steps:
            step = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  {label}: {cursor.rowcount} rows in {time.perf_counter() - step:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)

    # The dashboard's selector (imported here: the generation above needs only the schema).
    from stats.managers import manager_stats
    from stats.rollup import rollup_run

    last = today_moscow(now)
    periods = {
        "today": Period("today", last, last),
        "7 days": Period("7d", last - dt.timedelta(days=6), last),
        "month": Period("range", last - dt.timedelta(days=29), last),
        f"{args.months} months": Period("range", last - dt.timedelta(days=args.months * 30), last),
    }
    client = Client()
    client.force_login(head)
    results: dict[str, Any] = {
        "orders": args.orders,
        "managers": args.managers,
        "months": args.months,
        "goal": "the page in at most 300 ms and 15 queries",
    }

    def measure(stage: str, explain: bool) -> dict[str, Any]:
        measured: dict[str, Any] = {}
        for label, period in periods.items():
            page_url = f"/head/stats/?period=range&date_from={period.first}&date_to={period.last}"

            def selector(period: Period = period) -> Any:
                return manager_stats(period=period)

            def page(url: str = page_url) -> Any:
                response = client.get(url)
                assert response.status_code == 200, response.status_code
                return response

            def raw(period: Period = period) -> Any:
                with connection.cursor() as cursor:
                    cursor.execute(RAW_SQL, {"start": period.start, "end": period.end})
                    return cursor.fetchall()

            with CaptureQueriesContext(connection) as selector_queries:
                rows = selector()
            with CaptureQueriesContext(connection) as page_queries:
                page()
            # Read now: the capture is a window on a bounded log that later rounds push along.
            selector_count = len(selector_queries.captured_queries)
            page_count = len(page_queries.captured_queries)
            slowest = max(selector_queries.captured_queries, key=lambda q: float(q["time"]))
            selector_ms = best_ms(args.rounds, selector)
            page_ms = best_ms(args.rounds, page)
            raw_ms = best_ms(args.rounds, raw)
            measured[label] = {
                "manager_rows": len(rows),
                "selector_ms": round(selector_ms, 1),
                "selector_queries": selector_count,
                "slowest_query_ms": round(float(slowest["time"]) * 1000, 1),
                "page_ms": round(page_ms, 1),
                "page_queries": page_count,
                "raw_ms": round(raw_ms, 1),
                "ratio_selector_to_raw": round(selector_ms / raw_ms, 2),
            }
            print(
                f"== {stage}, {label}: selector {selector_ms:.1f} ms in "
                f"{selector_count} queries (slowest "
                f"{float(slowest['time']) * 1000:.0f} ms); page {page_ms:.1f} ms in "
                f"{page_count} queries; raw SQL {raw_ms:.1f} ms; ratio "
                f"{selector_ms / raw_ms:.2f}",
                flush=True,
            )
            if explain and label == list(periods)[-1]:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                    plan = "\n".join(line for (line,) in cursor.fetchall())
                print(f"\n== the slowest query over {label}:\n{slowest['sql'][:3000]}\n{plan}\n")
        return measured

    if not args.skip_before:
        results["before_rollup"] = measure("rollup empty", explain=False)
    # The rollup as beat runs it (stats.rollup: 62 days a run), until every past day is in.
    started = time.perf_counter()
    runs = rolled = 0
    while True:
        run_started = time.perf_counter()
        done = rollup_run(now=timezone.now())
        runs += 1
        rolled += done["rolled"]
        print(f"  rollup run {runs}: {done} in {time.perf_counter() - run_started:.1f} s")
        if not done["rolled"]:
            break
    rollup_s = time.perf_counter() - started
    print(f"rolled up {rolled} days in {runs} runs, {rollup_s:.1f} s", flush=True)
    results["rollup"] = {"days": rolled, "runs": runs, "seconds": round(rollup_s, 1)}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    results["periods"] = measure("rolled up", explain=True)
    print(json.dumps(results, ensure_ascii=False))
    return 0
