"""Order intake and payment events, in-process: statements (round trips) and CPU per request,
and a pyinstrument profile of the intakes.

Runs on PostgreSQL only, in a scratch database it creates, migrates and drops itself. Requests
go through the whole Django stack (middleware, DRF authentication, throttling, the view, the
JSON renderer) with DRF's test client, with ``DEBUG`` off as in production. Before each request
the bench does what the WSGI handler's ``request_started`` signal does (``close_old_connections``),
so the per-request connection health check (``CONN_HEALTH_CHECKS``) is counted and paid for as
over HTTP; the test client alone skips it.

Round trips are counted as the statements Django sends (``CaptureQueriesContext``: BEGIN,
COMMIT and savepoints included) plus the health check's ``SELECT 1``, which Django's query log
does not see.

The HTTP throughput against a bare endpoint is another benchmark's business; this one says
where the time of one request goes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.scratch import SCRATCH_DB, run_in_scratch_database

URL = "/api/v1/orders/"


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "intake-profile",
        help="statements and CPU ms per order intake and payment (in-process), and a profile",
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="timed requests of each kind (default 500)"
    )
    parser.add_argument(
        "--profile-requests",
        type=int,
        default=200,
        help="intakes under pyinstrument (default 200; 0: no profile)",
    )
    parser.add_argument(
        "--profile-html", default="", help="also write the profile as HTML to this file"
    )
    parser.add_argument("--show-sql", action="store_true", help="print each counted statement")
    parser.add_argument("--keep", action="store_true", help=f"keep the {SCRATCH_DB} database")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.requests < 1 or args.profile_requests < 0:
        print("--requests must be positive, --profile-requests not negative.", file=sys.stderr)
        return 2
    # As in production: no query log kept per request, no browsable API.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    # The bench sends more than a storefront may per minute; the throttle still runs.
    os.environ["API_RATE_LIMIT"] = "1000000/minute"
    return run_in_scratch_database(
        args, name="intake-profile", bench=lambda args, _config: _bench(args)
    )


@dataclass
class Counted:
    statements: int
    health_checks: int
    sql: list[str]

    @property
    def round_trips(self) -> int:
        return self.statements + self.health_checks


@contextmanager
def _counting() -> Iterator[Counted]:
    """Count what one request sends to the database (see the module's docstring)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counted = Counted(0, 0, [])
    is_usable = connection.is_usable

    def usable() -> bool:
        counted.health_checks += 1
        return bool(is_usable())

    connection.is_usable = usable  # type: ignore[method-assign]
    try:
        with CaptureQueriesContext(connection) as queries:
            yield counted
    finally:
        del connection.is_usable
    counted.statements = len(queries.captured_queries)
    counted.sql = [query["sql"] for query in queries.captured_queries]


def _bench(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from django.db import close_old_connections, connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.models import Role, User
    from accounts.services import api_key_create
    from orders.models import Order
    from partners.models import Partner, Product
    from sales_queue.models import QueueItem

    logging.disable(logging.INFO)
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
    manager = User.objects.create(email="bench@bench.local", role=Role.MANAGER, full_name="M")
    _key, raw_key = api_key_create(partner=partner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    numbers = iter(range(1, 10**9))

    def body(*, created_at: dt.datetime | None = None) -> dict[str, Any]:
        n = next(numbers)
        data: dict[str, Any] = {
            "external_id": f"bench-{n}",
            "product": str(product.pk),
            "amount": "1000.00",
            "customer": {
                "name": f"Buyer {n}",
                "phone": f"+7912{n:07d}",
                "email": f"buyer{n}@example.com",
            },
            "payment_url": f"https://shop.example.com/pay/{n}",
            "source": "vk_ads",
        }
        if created_at is not None:
            data["created_at"] = created_at.isoformat()
        return data

    def post(url: str, data: dict[str, Any], expected: int) -> Any:
        close_old_connections()  # what request_started does over HTTP
        response = client.post(url, data, format="json")
        if response.status_code != expected:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:300]!r}")
        return response

    def intake() -> str:
        return str(post(URL, body(), 201).json()["id"])

    def pay(order_id: str) -> None:
        post(f"{URL}{order_id}/pay/", {}, 200)

    def worked_orders(count: int) -> list[str]:
        """Orders past their grace period, each taken by the manager (a callback scheduled: a
        manager holds one active item at most): paying one closes its item as won and charges
        the fee (the long path)."""
        earlier = timezone.now() - dt.timedelta(hours=3)
        ids = [str(post(URL, body(created_at=earlier), 201).json()["id"]) for _ in range(count)]
        taken = timezone.now() - dt.timedelta(minutes=30)
        QueueItem.objects.bulk_create(
            QueueItem(
                partner=partner,
                product=product,
                order=order,
                state=QueueItem.State.SCHEDULED,
                holder=manager,
                entered_at=order.due_at,
                available_at=order.due_at,
                taken_at=taken,
            )
            for order in Order.objects.filter(pk__in=ids)
        )
        return ids

    # Warm up: imports, caches, plans.
    for _ in range(20):
        pay(intake())

    # --- statements per request -------------------------------------------------------------
    cases: dict[str, Counted] = {}
    with _counting() as cases["intake (first time, 201)"]:
        first = post(URL, (retry := body()), 201).json()["id"]
    with _counting() as cases["intake retry (same body, 200)"]:
        post(URL, retry, 200)
    with _counting() as cases["intake conflict (other body, 409)"]:
        post(URL, {**retry, "amount": "999.00"}, 409)
    with _counting() as cases["pay (pending, not queued)"]:
        pay(first)
    with _counting() as cases["pay again (200, no change)"]:
        pay(first)
    (worked,) = worked_orders(1)
    with _counting() as cases["pay (held by a manager: won, fee)"]:
        pay(worked)
    cancellable = intake()
    with _counting() as cases["cancel (pending)"]:
        post(f"{URL}{cancellable}/cancel/", {}, 200)
    with _counting() as cases["refund (full, of a paid order)"]:
        post(f"{URL}{first}/refund/", {}, 200)

    print()
    print(f"{'request':<36} {'statements':>10} {'+health check':>14} {'round trips':>12}")
    for name, counted in cases.items():
        print(
            f"{name:<36} {counted.statements:>10} {counted.health_checks:>14}"
            f" {counted.round_trips:>12}"
        )
        if args.show_sql:
            for sql in counted.sql:
                print(f"    {sql[:160]}")

    # --- CPU per request --------------------------------------------------------------------
    def cpu_ms(work: Callable[[], Any], count: int) -> tuple[float, float]:
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(count):
            work()
        return (
            (time.process_time() - cpu) * 1000 / count,
            (time.perf_counter() - wall) * 1000 / count,
        )

    n = args.requests
    ids: list[str] = []
    intake_cpu, intake_wall = cpu_ms(lambda: ids.append(intake()), n)
    pending = iter(ids)
    pay_cpu, pay_wall = cpu_ms(lambda: pay(next(pending)), n)
    worked_ids = iter(worked_orders(n))
    worked_cpu, worked_wall = cpu_ms(lambda: pay(next(worked_ids)), n)

    print()
    print(f"{n} requests each, CPU of this process (the database's own CPU not included):")
    print(f"{'intake (first time)':<36} {intake_cpu:7.2f} ms CPU  {intake_wall:7.2f} ms wall")
    print(f"{'pay (pending, not queued)':<36} {pay_cpu:7.2f} ms CPU  {pay_wall:7.2f} ms wall")
    print(f"{'pay (held: won, fee)':<36} {worked_cpu:7.2f} ms CPU  {worked_wall:7.2f} ms wall")

    # --- profile ------------------------------------------------------------------------------
    if args.profile_requests:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.profile_requests):
            intake()
        profiler.stop()
        print()
        print(f"pyinstrument, {args.profile_requests} intakes:")
        print(profiler.output_text(unicode=True, color=False, short_mode=True))
        if args.profile_html:
            with open(args.profile_html, "w", encoding="utf-8") as out:
                out.write(profiler.output_html())
            print(f"(HTML profile written to {args.profile_html})")

    connection.close()
    print(
        json.dumps(
            {
                "database": "postgresql",
                "cache": "redis" if os.environ.get("REDIS_URL") else "locmem",
                "requests": n,
                **{f"round_trips {name}": counted.round_trips for name, counted in cases.items()},
                "intake_cpu_ms": round(intake_cpu, 3),
                "pay_cpu_ms": round(pay_cpu, 3),
                "pay_worked_cpu_ms": round(worked_cpu, 3),
            },
            ensure_ascii=False,
        )
    )
    return 0
