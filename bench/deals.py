"""The three hot CRM reads at scale: a manager's «Мои сделки» first page, the head's task
monitor and the board, each through the crm selectors vs the same query as raw SQL.

PostgreSQL only, in the scratch database of ``bench sweep`` (created, migrated and dropped
here). Generates N deals (default 100 000) over a few partners, managers and stages with
``bulk_create``, one task per deal (a third of them done), ANALYZEs, then for each query prints
the ``EXPLAIN (ANALYZE, BUFFERS)`` of the SQL the selector runs and the best-of-R timings of
the selector (query plus model instances) and of the raw SQL (cursor fetch); the last line is
JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.scratch import SCRATCH_DB, best_ms, run_in_scratch_database

PARTNERS = 3
MANAGERS = 4


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "deals", help="EXPLAIN and time «Мои сделки», the task monitor and the board at scale"
    )
    parser.add_argument("--deals", type=int, default=100_000, help="deals (default 100000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds, best kept (5)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {SCRATCH_DB} database")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.deals < 1 or args.rounds < 1:
        print("--deals and --rounds must be positive.", file=sys.stderr)
        return 2
    return run_in_scratch_database(args, name="deals", bench=lambda args, _config: _bench(args))


def _bench(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import Role, User
    from crm.models import Deal, Stage, Task
    from crm.selectors import deal_board, deals_filter, deals_listed, deals_visible, task_monitor
    from crm.services import stages_ensure
    from partners.models import Partner

    print(f"migrating the scratch database {SCRATCH_DB} …", flush=True)
    call_command("migrate", verbosity=0)
    now = timezone.now()
    partners = [Partner.objects.create(name=f"Bench school {n}") for n in range(PARTNERS)]
    managers = [
        User.objects.create(email=f"bench{n}@bench.local", role=Role.MANAGER, full_name=f"M{n}")
        for n in range(MANAGERS)
    ]
    User.objects.create(email="head@bench.local", role=Role.HEAD, full_name="Head")
    funnels = {p.pk: stages_ensure(partner_id=p.pk) for p in partners}

    started = time.perf_counter()
    deals = []
    for n in range(args.deals):
        partner = partners[n % PARTNERS]
        stages = funnels[partner.pk]
        stage = stages[n % len(stages)]
        status = {
            Stage.Kind.WON: Deal.Status.WON,
            Stage.Kind.LOST: Deal.Status.LOST,
        }.get(Stage.Kind(stage.kind), Deal.Status.OPEN)
        deals.append(
            Deal(
                partner=partner,
                responsible=managers[(n // PARTNERS) % MANAGERS],
                title=f"Deal {n}",
                contact_name=f"Buyer {n}",
                contact_phone=f"+7912{n:07d}",
                status=status,
                stage=stage,
                lead_created_at=now - dt.timedelta(minutes=n),
                closed_at=None if status == Deal.Status.OPEN else now,
                next_step="Call" if status == Deal.Status.OPEN else "",
                next_step_at=(
                    now + dt.timedelta(minutes=(n * 7919) % 20_000 - 5_000)
                    if status == Deal.Status.OPEN
                    else None
                ),
            )
        )
    Deal.objects.bulk_create(deals, batch_size=5000)
    Task.objects.bulk_create(
        (
            Task(
                partner_id=deal.partner_id,
                deal_id=deal.pk,
                assignee_id=deal.responsible_id,
                kind=Task.Kind.CREATED,
                text=f"New deal «{deal.title}»",
                due_at=now - dt.timedelta(hours=1) if n % 5 == 0 else None,
                done_at=now if n % 3 == 0 else None,
                created_at=now - dt.timedelta(minutes=n),
            )
            for n, deal in enumerate(deals)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"created {args.deals} deals and tasks in {time.perf_counter() - started:.1f} s")

    manager = managers[0]
    partner = partners[0]
    page_size = 50

    def my_deals() -> list[Any]:
        # As web.crm.deals_views.DealListView reads its first page.
        qs = deals_listed(deals_filter(deals_visible(user=manager)))
        return list(qs[:page_size])

    def monitor() -> list[Any]:
        return task_monitor(now=now)

    def board() -> list[Any]:
        return deal_board(deals=deals_visible(user=manager), partner_id=partner.pk)

    raw: dict[str, tuple[str, list[Any]]] = {
        "my_deals": (
            "SELECT d.*, s.name, p.name FROM crm_deal d"
            " LEFT JOIN crm_stage s ON s.id = d.stage_id"
            " JOIN partners_partner p ON p.id = d.partner_id"
            " WHERE d.responsible_id = %s"
            " ORDER BY CASE WHEN d.status = 'open' THEN d.next_step_at END ASC NULLS LAST,"
            " d.updated_at DESC, d.id DESC LIMIT 50",
            [manager.pk],
        ),
        "monitor": (
            "SELECT u.id, u.full_name,"
            " count(t.id) FILTER (WHERE t.done_at IS NULL),"
            " count(t.id) FILTER (WHERE t.done_at IS NULL AND t.due_at < %s),"
            " max(t.created_at), max(t.done_at)"
            " FROM accounts_user u LEFT JOIN crm_task t ON t.assignee_id = u.id"
            " WHERE u.role IN ('manager', 'caller', 'account_manager') AND u.is_active"
            " GROUP BY u.id ORDER BY u.full_name, u.email",
            [now],
        ),
        "board": (
            "SELECT d.*, s.name FROM crm_deal d LEFT JOIN crm_stage s ON s.id = d.stage_id"
            " WHERE d.responsible_id = %s AND d.partner_id = %s AND d.status = 'open'"
            " ORDER BY d.next_step_at ASC NULLS LAST, d.updated_at DESC, d.id DESC LIMIT 500",
            [manager.pk, partner.pk],
        ),
    }
    selectors: dict[str, Callable[[], Any]] = {
        "my_deals": my_deals,
        "monitor": monitor,
        "board": board,
    }

    def run_raw(sql: str, params: list[Any]) -> Callable[[], Any]:
        def work() -> Any:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return work

    results: dict[str, Any] = {"deals": args.deals}
    for name, work in selectors.items():
        with CaptureQueriesContext(connection) as captured:
            work()
        # The query that reads deals or tasks (the board also reads the funnel's stages).
        sql = next(
            q["sql"]
            for q in captured.captured_queries
            if '"crm_deal"' in q["sql"].split(" WHERE ")[0]
            or '"crm_task"' in q["sql"].split(" WHERE ")[0]
        )
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        selector_ms = best_ms(args.rounds, work)
        raw_ms = best_ms(args.rounds, run_raw(*raw[name]))
        seq_scans = [line.strip() for line in plan.splitlines() if "Seq Scan on crm_" in line]
        print(f"\n== {name}: selector {selector_ms:.2f} ms, raw SQL {raw_ms:.2f} ms", flush=True)
        print(sql)
        print(plan, flush=True)
        results[name] = {
            "selector_ms": round(selector_ms, 2),
            "raw_ms": round(raw_ms, 2),
            "ratio": round(selector_ms / raw_ms, 2) if raw_ms else None,
            "queries": len(captured.captured_queries),
            "seq_scans_on_crm": seq_scans,
        }
    print(json.dumps(results))
    return 0
