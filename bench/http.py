"""The API over HTTP, through the shipped server, against yardsticks on the same server and data.

PostgreSQL only, in the scratch database (created, migrated and dropped here). Starts gunicorn
as production does (``gunicorn.conf.py``: uvicorn workers serving ``salesdesk.asgi``, several
processes) with ``DEBUG=False``, the settings module :mod:`bench.server_settings` (the project's
settings plus the bare endpoint of :mod:`bench.server_urls`), ``API_RATE_LIMIT`` raised out of
the way and round-the-clock working hours. The load comes from :mod:`bench.loadgen`, a separate
process with N keep-alive connections. In each of R rounds, the contenders run one after the
other for the same duration (their order alternates between rounds):

* **intake** — ``POST /api/v1/orders/`` with a partner key, a new ``external_id`` each time;
* **pay** — ``POST /api/v1/orders/{id}/pay/`` on orders created beforehand, each paid once;
* **bare** — ``POST /bench/bare/``: DRF, no auth, one ``INSERT`` (the yardstick of both);
* **take (HTTP)** — one staff token per connection: ``POST /api/v1/queue/take/``, then the item
  closed with a ``refused`` / ``not_interested`` touch, from the same queued items as
* **take (raw)** — the raw claim loop: N psycopg2 connections in threads, the bare
  ``SELECT … FOR UPDATE SKIP LOCKED`` and ``UPDATE``, as in ``bench take-next``.

Besides requests/s, p50/p95 and errors: CPU per request of the gunicorn processes and of the
PostgreSQL backends serving them (``/proc/<pid>/stat``, utime + stime, before and after each
run) and round trips per request, counted in-process (one request of each kind through Django's
test client on a warm connection: every statement, BEGIN and COMMIT, and the health check's
``SELECT 1`` that ``CONN_HEALTH_CHECKS`` sends at a request's first query).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.scratch import SCRATCH_DB, run_in_scratch_database
from bench.take_next import RAW_CLAIM_SQL

BASE_DIR = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ORDER_BODY = {
    "product": "",
    "amount": "1000.00",
    "currency": "RUB",
    "customer": {"name": "Анна Смирнова", "phone": "+79123456789", "email": "anna@example.com"},
    "source": "vk_ads",
}


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "http", help="intake, payments and take-next over HTTP (gunicorn) vs a bare endpoint"
    )
    parser.add_argument("--connections", type=int, default=16, help="client connections (16)")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (gunicorn.conf.py's: cores + 1)"
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run (5)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--take-items", type=int, default=3000, help="queued items (3000)")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="the server's CONN_MAX_AGE (60, the shipped default; 0: a connection per request)",
    )
    parser.add_argument("--port", type=int, default=0, help="the server's port (a free one)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {SCRATCH_DB} database")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.rounds < 1 or args.duration <= 0 or not 1 <= args.connections <= 64:
        print("--rounds and --duration must be positive, --connections 1–64.", file=sys.stderr)
        return 2
    return run_in_scratch_database(args, name="http", bench=_bench)


# --- measuring ------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS if fields else 0.0  # utime, stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == pid:
                found.append(int(entry))
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Contender:
    """One contender over all rounds: per-round rates, latencies, errors, CPU."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.done = 0  # successful requests (claims, for the takes)
        self.seconds = 0.0
        self.rates: list[float] = []
        self.latencies: list[float] = []
        self.errors = 0
        self.error_samples: list[str] = []
        self.statuses: Counter[str] = Counter()
        self.server_cpu = 0.0
        self.pg_cpu = 0.0
        self.requests = 0
        self.double_assignments = 0
        self.extra: dict[str, Any] = {}

    def add(self, done: int, seconds: float, latencies: list[float], errors: int = 0) -> None:
        self.done += done
        self.seconds += seconds
        self.rates.append(done / seconds if seconds else 0.0)
        self.latencies += latencies
        self.errors += errors

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def figures(self) -> dict[str, Any]:
        figures: dict[str, Any] = {
            "per_second": round(self.rate, 1),
            "per_second_by_round": [round(r, 1) for r in self.rates],
            "p50_ms": round(percentile(self.latencies, 0.5), 2),
            "p95_ms": round(percentile(self.latencies, 0.95), 2),
            "errors": self.errors,
        }
        if self.requests:
            figures["requests"] = self.requests
            figures["server_cpu_ms_per_request"] = round(self.server_cpu / self.requests * 1000, 2)
            figures["pg_cpu_ms_per_request"] = round(self.pg_cpu / self.requests * 1000, 2)
        return figures | self.extra


class Server:
    """gunicorn as shipped, on the scratch database; its processes' CPU on demand."""

    def __init__(self, args: argparse.Namespace, var: Path) -> None:
        self.port = args.port or _free_port()
        env = dict(os.environ)
        env |= {
            "DJANGO_SETTINGS_MODULE": "bench.server_settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SALESDESK_VAR_DIR": str(var),
            "API_RATE_LIMIT": "1000000/second",
            "SALES_WORKING_HOURS": "00:00-24:00",
            # As shipped, 60: each worker process keeps its one connection (salesdesk.asgi).
            "CONN_MAX_AGE": str(args.conn_max_age),
            "PYTHONPATH": str(BASE_DIR),
        }
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        self.log = var / "gunicorn.log"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(  # noqa: S603 - our own server, loopback only
            [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}",
             "salesdesk.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=(var / "access.log").open("w"),
            stderr=self.log.open("w"),
        )  # fmt: skip

    def wait_ready(self, workers: int) -> None:
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start:\n" + self.log.read_text()[-3000:])
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=5
                ) as answer:
                    if answer.status == 200 and len(self.workers()) >= workers:
                        return
            except OSError:
                pass
            time.sleep(0.3)

    def workers(self) -> list[int]:
        return _children(self.process.pid)

    def cpu(self) -> float:
        return sum(_cpu_seconds(pid) for pid in [self.process.pid, *self.workers()])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _backends_cpu(cursor: Any) -> dict[int, float]:
    """CPU seconds of the scratch database's live backends other than this connection's, and
    (key 0) of every backend that has exited: the postmaster's cutime + cstime. With
    ``CONN_MAX_AGE=0`` each request's backend exits when the request ends."""
    cursor.execute("SELECT pg_backend_pid()")
    (own,) = cursor.fetchone()
    cpu = {0: _exited_children_cpu(_parent(own))}
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [SCRATCH_DB],
    )
    return cpu | {pid: _cpu_seconds(pid) for (pid,) in cursor.fetchall()}


def _stat_fields(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _parent(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else 0


def _exited_children_cpu(pid: int) -> float:
    fields = _stat_fields(pid)
    return (int(fields[13]) + int(fields[14])) / CLOCK_TICKS if fields else 0.0  # cutime, cstime


def _loadgen(spec: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=BASE_DIR,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"the load generator failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout))


# --- round trips ----------------------------------------------------------------------------


@contextmanager
def _round_trips() -> Iterator[Counter[str]]:
    """Count what goes to PostgreSQL: statements (savepoints included), the BEGIN psycopg2
    sends before a transaction's first statement, COMMIT / ROLLBACK, and the health check."""
    from django.db import connection as django_connection

    connection: Any = django_connection  # its private _commit and _rollback are wrapped
    counts: Counter[str] = Counter()

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        raw = connection.connection
        if (
            raw is not None
            and not connection.get_autocommit()
            and raw.info.transaction_status == 0  # TRANSACTION_STATUS_IDLE: BEGIN goes first
        ):
            counts["begin"] += 1
        counts["statements"] += 1
        return execute(sql, params, many, ctx)

    originals = connection._commit, connection._rollback, connection.is_usable, connection.connect

    def commit() -> Any:
        counts["commit"] += 1
        return originals[0]()

    def rollback() -> Any:
        counts["rollback"] += 1
        return originals[1]()

    def is_usable() -> bool:
        counts["health_check"] += 1
        return bool(originals[2]())

    def connect() -> Any:
        counts["connect"] += 1
        return originals[3]()

    (connection._commit, connection._rollback, connection.is_usable, connection.connect) = (
        commit,
        rollback,
        is_usable,
        connect,
    )
    try:
        with connection.execute_wrapper(wrapper):
            yield counts
    finally:
        (connection._commit, connection._rollback, connection.is_usable, connection.connect) = (
            originals
        )


def _measure_round_trips(
    *, key: str, token: str, product_id: str, pay_ids: list[str], conn_max_age: int
) -> dict[str, dict[str, int]]:
    """One request of each kind through the test client, after a first one of its kind (warm
    caches), with the server's ``CONN_MAX_AGE``; ``close_old_connections`` first, as a real
    request starts. ``connect`` counts new connections (several round trips each, and a
    backend process started): with ``CONN_MAX_AGE=0`` one per request."""
    from django.db import close_old_connections, connection
    from django.test import Client, override_settings

    from salesdesk.config import parse_working_hours

    partner = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    staff = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    touch = {"channel": "phone", "outcome": "refused", "reason": "not_interested"}
    results: dict[str, dict[str, int]] = {}

    def count(name: str, request: Callable[[], Any], expect: int) -> Any:
        close_old_connections()
        with _round_trips() as counts:
            response = request()
        assert response.status_code == expect, (name, response.status_code, response.content)
        results[name] = dict(counts) | {"total": sum(counts.values())}
        return response

    def order(n: int) -> Any:
        body = ORDER_BODY | {"product": product_id, "external_id": f"trips-{n}"}
        return partner.post("/api/v1/orders/", body, content_type="application/json")

    round_the_clock = parse_working_hours("00:00-24:00")
    kept_max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = conn_max_age
    connection.close()  # the next connection's lifetime follows conn_max_age
    with override_settings(ROOT_URLCONF="bench.server_urls", SALES_WORKING_HOURS=round_the_clock):
        order(0)
        count("intake", lambda: order(1), 201)
        partner.post(f"/api/v1/orders/{pay_ids[0]}/pay/", {}, content_type="application/json")
        count(
            "pay",
            lambda: partner.post(
                f"/api/v1/orders/{pay_ids[1]}/pay/", {}, content_type="application/json"
            ),
            200,
        )
        body = {"external_id": "trips"}
        Client().post("/bench/bare/", body, content_type="application/json")
        count(
            "bare",
            lambda: Client().post("/bench/bare/", body, content_type="application/json"),
            201,
        )
        for _first_then_counted in range(2):
            taken = count("take", lambda: staff.post("/api/v1/queue/take/"), 200)
            item: str = taken.json()["item"]["id"]
            count(
                "touch",
                lambda item=item: staff.post(  # type: ignore[misc]
                    f"/api/v1/queue/items/{item}/touches/", touch, content_type="application/json"
                ),
                201,
            )
    connection.settings_dict["CONN_MAX_AGE"] = kept_max_age
    return results


# --- the benchmark --------------------------------------------------------------------------


def _bench(args: argparse.Namespace, config: dict[str, Any]) -> int:
    import psycopg2
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Role, User
    from accounts.services import api_key_create, personal_token_create
    from bench.server_urls import BENCH_TABLE_SQL
    from partners.models import Partner, Product

    workers = args.workers or (os.cpu_count() or 1) + 1
    for app in ("orders", "billing", "sales_queue", "crm", "notifications"):
        logging.getLogger(app).setLevel(logging.WARNING)
    print(f"migrating the scratch database {SCRATCH_DB} …", flush=True)
    call_command("migrate", verbosity=0)
    now = timezone.now()
    partner = Partner.objects.create(name="Bench school")
    product = Product.objects.create(
        partner=partner,
        name="Bench course",
        price=1000,
        sales_enabled=True,
        sales_status="approved",
        grace_period_minutes=60,
    )
    _key, key = api_key_create(partner=partner, name="bench")
    managers = []
    tokens = []
    for n in range(args.connections + 1):  # one more for the round-trip count
        manager = User.objects.create(
            email=f"bench{n}@bench.local", role=Role.MANAGER, full_name=f"M{n}"
        )
        managers.append(manager)
        tokens.append(personal_token_create(user=manager, name="bench")[1])

    # Orders to pay: enough for every run at a generous rate; taken in slices, each paid once.
    pay_pool = max(2000, int(args.duration * 600)) * (args.rounds + 1) + 10
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(BENCH_TABLE_SQL)
        insert_orders = """
            INSERT INTO orders_order
                (id, partner_id, product_id, external_id, amount, currency, customer_name,
                 customer_email, customer_phone, customer_telegram, customer_whatsapp,
                 created_at, received_at, due_at, status, refunded_amount, intake_payload)
            SELECT gen_random_uuid(), %(partner)s, %(product)s, %(prefix)s || g, 1000.00, 'RUB',
                   'Buyer ' || g, '', '+7912' || lpad(g::text, 7, '0'), '', '',
                   %(now)s - interval '3 hours', %(now)s,
                   %(now)s - interval '2 hours' + g * interval '1 millisecond',
                   'pending', 0, '{}'::jsonb
              FROM generate_series(1, %(count)s) AS g
            RETURNING id
        """
        params: dict[str, Any] = {"partner": partner.pk, "product": product.pk, "now": now}
        cursor.execute(insert_orders, params | {"prefix": "pay-", "count": pay_pool})
        pay_ids = [str(row[0]) for row in cursor.fetchall()]
        cursor.execute(insert_orders, params | {"prefix": "take-", "count": args.take_items})
        cursor.execute(
            """
            INSERT INTO queue_queueitem
                (id, source, partner_id, product_id, order_id, state, entered_at,
                 available_at, attempts, outcome, outcome_reason, updated_at, workable, fair_key)
            SELECT gen_random_uuid(), 'order', partner_id, product_id, id, 'queued', due_at,
                   due_at, 0, '', '', %(now)s, true, row_number() OVER (ORDER BY due_at, id)
              FROM orders_order WHERE external_id LIKE 'take-%%'
            """,
            {"now": now},
        )
        cursor.execute("ANALYZE")
    print(
        f"created {len(pay_ids)} orders to pay and {args.take_items} queued items in"
        f" {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    def reset_queue() -> None:
        with connection.cursor() as cursor:
            # What takes and touches wrote goes between runs; the items are queued again.
            for table in ("crm_task", "crm_stagechange", "queue_touch", "crm_deal"):
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("DELETE FROM queue_queueevent")
            cursor.execute(
                "UPDATE queue_queueitem SET state = 'queued', holder_id = NULL, taken_at = NULL,"
                " closed_at = NULL, last_touch_at = NULL, attempts = 0, outcome = '',"
                " outcome_reason = ''"
            )
            cursor.execute("VACUUM ANALYZE queue_queueitem")

    # Round trips first, in-process (the last manager's token; two items taken and closed).
    trips = _measure_round_trips(
        key=key,
        token=tokens[-1],
        product_id=str(product.pk),
        pay_ids=pay_ids[-2:],
        conn_max_age=args.conn_max_age,
    )
    pay_ids = pay_ids[:-2]
    reset_queue()

    def connect() -> Any:
        return psycopg2.connect(
            dbname=SCRATCH_DB,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
        )

    var = Path(tempfile.mkdtemp(prefix="bench-http-"))
    server = Server(args, var)
    contenders = {
        name: Contender(name) for name in ("intake", "pay", "bare", "take_http", "take_raw")
    }
    pay_cursor = 0
    try:
        server.wait_ready(workers)
        print(
            f"gunicorn up: {len(server.workers())} uvicorn workers on port {server.port};"
            f" {args.connections} connections, {args.rounds} rounds of {args.duration:g} s",
            flush=True,
        )
        base = {"host": "127.0.0.1", "port": server.port, "connections": args.connections}
        body = ORDER_BODY | {"product": str(product.pk)}

        def spec(name: str, duration: float, tag: str) -> dict[str, Any]:
            nonlocal pay_cursor
            if name == "intake":
                return base | {
                    "kind": "post",
                    "path": "/api/v1/orders/",
                    "body": body,
                    "tokens": [key],
                    "tag": tag,
                    "duration": duration,
                }
            if name == "bare":
                return base | {
                    "kind": "post",
                    "path": "/bench/bare/",
                    "body": body,
                    "tag": tag,
                    "duration": duration,
                }
            if name == "pay":
                share = max(2000, int(duration * 600))
                ids = pay_ids[pay_cursor : pay_cursor + share]
                pay_cursor += share
                return base | {
                    "kind": "pay",
                    "order_ids": ids,
                    "tokens": [key],
                    "duration": duration,
                }
            return (
                base
                | {"kind": "take", "tokens": tokens[: args.connections]}
                | {"duration": duration}
            )

        def http_run(name: str, duration: float, tag: str, contender: Contender | None) -> Any:
            with connection.cursor() as cursor:
                pg_before = _backends_cpu(cursor)
                cpu_before = server.cpu()
                result = _loadgen(spec(name, duration, tag))
                cpu_after = server.cpu()
                pg_after = _backends_cpu(cursor)
            if contender is None:
                return result
            ok = result["requests"] - result["errors"]
            contender.requests += result["requests"]
            contender.server_cpu += cpu_after - cpu_before
            contender.pg_cpu += sum(cpu - pg_before.get(pid, 0.0) for pid, cpu in pg_after.items())
            contender.statuses.update(result["statuses"])
            contender.error_samples += result["error_samples"][:2]
            if name == "take":
                claims = result["claims"]
                contender.add(len(claims), result["elapsed"], result["latencies"], result["errors"])
                counts = Counter(item for item, _conn in claims)
                contender.double_assignments += sum(c - 1 for c in counts.values() if c > 1)
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM (SELECT item_id FROM queue_queueevent"
                        " WHERE kind = 'taken' GROUP BY item_id HAVING count(*) > 1) twice"
                    )
                    contender.double_assignments += cursor.fetchone()[0]
                contender.extra.setdefault("touch_latencies", []).extend(result["touch_latencies"])
            else:
                contender.add(ok, result["elapsed"], result["latencies"], result["errors"])
            return result

        def raw_run(duration: float, contender: Contender) -> None:
            _raw_claims(connect, managers[: args.connections], duration, contender)

        # Warm-up: every worker imports, connects and fills its caches once.
        warm = min(1.0, args.duration / 2)
        for name in ("bare", "intake", "pay"):
            http_run(name, warm, f"warm-{name}", None)
        http_run("take", warm, "warm-take", None)
        reset_queue()

        for round_no in range(args.rounds):
            order = ["bare", "intake", "pay"]
            if round_no % 2:
                order.reverse()
            for name in order:
                http_run(name, args.duration, f"r{round_no}-{name}", contenders[name])
            take_pair = ["http", "raw"] if round_no % 2 == 0 else ["raw", "http"]
            for side in take_pair:
                reset_queue()
                if side == "http":
                    http_run("take", args.duration, "take", contenders["take_http"])
                else:
                    raw_run(args.duration, contenders["take_raw"])
            print(
                f"  round {round_no + 1}: "
                + "  ".join(f"{c.name} {c.rates[-1]:,.0f}/s" for c in contenders.values()),
                flush=True,
            )
    finally:
        server.stop()

    intake, pay, bare = contenders["intake"], contenders["pay"], contenders["bare"]
    take_http, take_raw = contenders["take_http"], contenders["take_raw"]
    touch_latencies = take_http.extra.pop("touch_latencies", [])
    take_http.extra["touch_p95_ms"] = round(percentile(touch_latencies, 0.95), 2)
    take_http.extra["double_assignments"] = take_http.double_assignments
    take_raw.extra["double_assignments"] = take_raw.double_assignments

    def ratio(a: Contender, b: Contender) -> float:
        return round(a.rate / b.rate, 3) if b.rate else 0.0

    def round_ratios(a: Contender, b: Contender) -> list[float]:
        return [round(x / y, 3) if y else 0.0 for x, y in zip(a.rates, b.rates, strict=True)]

    results: dict[str, Any] = {
        "server": "gunicorn -c gunicorn.conf.py salesdesk.asgi:application (uvicorn workers)",
        "workers": len(server.workers()) or workers,
        "connections": args.connections,
        "rounds": args.rounds,
        "duration_s": args.duration,
        "intake": intake.figures()
        | {"ratio": ratio(intake, bare), "ratio_by_round": round_ratios(intake, bare)},
        "pay": pay.figures()
        | {"ratio": ratio(pay, bare), "ratio_by_round": round_ratios(pay, bare)},
        "bare": bare.figures(),
        "take_http": take_http.figures()
        | {
            "ratio": ratio(take_http, take_raw),
            "ratio_by_round": round_ratios(take_http, take_raw),
        },
        "take_raw": take_raw.figures(),
        "round_trips": {name: counts["total"] for name, counts in trips.items()},
        "round_trips_detail": trips,
    }

    print()
    print(
        f"server: gunicorn.conf.py (uvicorn workers) x {results['workers']}, DEBUG=False;"
        f" load: {args.connections} keep-alive connections from a separate process;"
        f" {args.rounds} rounds of {args.duration:g} s"
    )
    header = (
        f"{'':<12}{'per s':>9}{'ratio':>7}{'rounds':>20}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'errors':>7}{'cpu ms/req':>11}{'pg ms/req':>10}{'trips':>6}"
    )
    print(header)
    rows = [
        ("intake", intake, results["intake"], trips.get("intake")),
        ("pay", pay, results["pay"], trips.get("pay")),
        ("bare", bare, results["bare"], trips.get("bare")),
        ("take HTTP", take_http, results["take_http"], trips.get("take")),
        ("take raw", take_raw, results["take_raw"], None),
    ]
    for label, contender, figures, trip in rows:
        ratio_text = f"{figures['ratio']:.2f}" if "ratio" in figures else ""
        by_round = ",".join(f"{r:.2f}" for r in figures.get("ratio_by_round", []))
        print(
            f"{label:<12}{contender.rate:9,.1f}{ratio_text:>7}{by_round:>20}"
            f"{figures['p50_ms']:9.1f}{figures['p95_ms']:9.1f}{contender.errors:7d}"
            f"{figures.get('server_cpu_ms_per_request', 0):11.2f}"
            f"{figures.get('pg_cpu_ms_per_request', 0):10.2f}"
            f"{trip['total'] if trip else '':>6}"
        )
    print(
        f"take HTTP: double assignments {take_http.double_assignments} (raw:"
        f" {take_raw.double_assignments}); touch p95 {take_http.extra['touch_p95_ms']:.1f} ms;"
        f" a touch costs {trips['touch']['total']} round trips"
    )
    print(
        "ratios: intake and pay against bare (requests/s), take HTTP against take raw"
        " (claims/s); per s counts successful requests (claims for the takes)"
    )
    for contender in contenders.values():
        if contender.errors:
            print(f"{contender.name} errors: {dict(contender.statuses)} {contender.error_samples}")
    print(json.dumps(results))
    failed = any(c.errors for c in contenders.values()) or take_http.double_assignments
    if failed or take_raw.double_assignments:
        print(f"the server's logs: {var}")
        return 1
    shutil.rmtree(var, ignore_errors=True)
    return 0


def _raw_claims(
    connect: Callable[[], Any], managers: list[Any], duration: float, contender: Contender
) -> None:
    """The raw claim loop of ``bench take-next``: per manager one psycopg2 connection, the
    bare claim and close, until the queue is empty or ``duration`` has passed."""
    close_sql = (
        "UPDATE queue_queueitem SET state = 'done', outcome = 'lost',"
        " outcome_reason = 'not_interested', closed_at = %s, updated_at = %s"
        " WHERE id = %s AND state = 'active'"
    )
    claims: list[str] = []
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    clock = [0.0, 0.0]  # started, deadline: set when every manager has connected

    def go() -> None:
        clock[0] = time.perf_counter()
        clock[1] = time.monotonic() + duration

    start = threading.Barrier(len(managers), action=go)

    def one(manager: Any) -> None:
        conn = connect()
        try:
            start.wait()
            with conn.cursor() as cursor:
                while time.monotonic() < clock[1]:
                    now = dt.datetime.now(dt.UTC)
                    t0 = time.perf_counter()
                    cursor.execute(RAW_CLAIM_SQL, [manager.pk, now, now, now])
                    row = cursor.fetchone()
                    conn.commit()
                    if row is None:
                        return
                    latency = (time.perf_counter() - t0) * 1000
                    with lock:
                        claims.append(str(row[0]))
                        latencies.append(latency)
                    cursor.execute(close_sql, [now, now, row[0]])
                    conn.commit()
        except BaseException as exc:  # reported with the figures
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=(m,)) for m in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - clock[0]
    counts = Counter(claims)
    contender.double_assignments += sum(c - 1 for c in counts.values() if c > 1)
    contender.add(len(claims), elapsed, latencies, len(errors))
    contender.error_samples += [repr(e) for e in errors[:2]]
