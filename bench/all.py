"""``python -m bench all``: every benchmark, one after the other, each in a process of its own
(``python -m bench <name> …``, its output passed through), then a table and, last, one JSON
line with every figure.

PostgreSQL and Redis come from ``DATABASE_URL`` and ``REDIS_URL``; when one is unset, the local
default (``postgres://postgres@127.0.0.1:5432/postgres``, ``redis://127.0.0.1:6379/0``) is used
if it answers. The scratch database is migrated once, as a template each benchmark's scratch
database is copied from. Sizes keep the whole run to a few minutes on a 2-core machine;
``--quick`` shrinks them to seconds (the harness's test), the size options make them bigger.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.scratch import SCRATCH_DB, _admin_connection, _database_config, _scratch_url

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"

# name: (normal arguments, --quick arguments); the size options below replace some of them.
PLAN: dict[str, tuple[list[str], list[str]]] = {
    "sweep": (["--orders", "100000"], ["--orders", "300", "--rounds", "1"]),
    "take-next": (
        ["--items", "5000"],
        ["--items", "60", "--managers", "4", "--closed", "20000"],
    ),
    "stats": (
        ["--orders", "200000", "--managers", "50", "--rounds", "2"],
        ["--orders", "500", "--managers", "3", "--months", "1", "--rounds", "1", "--skip-before"],
    ),
    "deals": (["--deals", "50000", "--rounds", "3"], ["--deals", "300", "--rounds", "1"]),
    "leads-import": (["--rows", "10000"], ["--rows", "200"]),
    "http": (
        ["--duration", "8", "--rounds", "3"],
        ["--duration", "1", "--rounds", "1", "--connections", "4", "--take-items", "100"],
    ),
}
SIZE_OPTIONS = {
    "sweep": ("--sweep-orders", "--orders"),
    "take-next": ("--take-items", "--items"),
    "stats": ("--stats-orders", "--orders"),
    "deals": ("--deals", "--deals"),
    "leads-import": ("--import-rows", "--rows"),
    "http": ("--http-duration", "--duration"),
}


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "all", help="every benchmark; a table and, last, one JSON line of ratios"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument(
        "--only", default="", help=f"a comma-separated subset of: {', '.join(PLAN)}"
    )
    parser.add_argument("--sweep-orders", help="bench sweep --orders (100000)")
    parser.add_argument("--take-items", help="bench take-next --items (5000)")
    parser.add_argument("--stats-orders", help="bench stats --orders (200000)")
    parser.add_argument("--deals", help="bench deals --deals (50000)")
    parser.add_argument("--import-rows", help="bench leads-import --rows (10000)")
    parser.add_argument("--http-duration", help="bench http --duration, seconds per run (8)")
    parser.add_argument("--http-rounds", help="bench http --rounds (3)")
    parser.add_argument("--http-workers", help="bench http --workers (gunicorn.conf.py's)")
    parser.set_defaults(run=run)


def _answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DATABASE_URL") and _answers(LOCAL_DATABASE_URL, 5432):
        env["DATABASE_URL"] = LOCAL_DATABASE_URL
    if not env.get("REDIS_URL") and _answers(LOCAL_REDIS_URL, 6379):
        env["REDIS_URL"] = LOCAL_REDIS_URL
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _arguments(name: str, args: argparse.Namespace) -> list[str]:
    normal, quick = PLAN[name]
    arguments = list(quick if args.quick else normal)
    own, option = SIZE_OPTIONS[name]
    value = getattr(args, own.lstrip("-").replace("-", "_"))
    if value:
        arguments += [option, str(value)]  # argparse keeps the last
    if name == "http":
        if args.http_rounds:
            arguments += ["--rounds", str(args.http_rounds)]
        if args.http_workers:
            arguments += ["--workers", str(args.http_workers)]
        elif args.quick:
            arguments += ["--workers", "2"]
    return arguments


def _run_one(name: str, arguments: list[str], env: dict[str, str]) -> tuple[int, Any, float]:
    """Run ``python -m bench name …``, passing its output through; its exit code, the JSON of
    its last line (None if that is not JSON) and its seconds."""
    command = [sys.executable, "-m", "bench", name, *arguments]
    print(f"\n===== python -m bench {name} {' '.join(arguments)}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own module
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        sys.stdout.write("  " + line)
        sys.stdout.flush()
        if line.strip():
            last = line.strip()
    code = process.wait()
    try:
        figures = json.loads(last)
    except ValueError:
        figures = None
    return code, figures, time.perf_counter() - started


def _speed(baseline: float | None, measured: float | None) -> float | None:
    """How fast the code path runs next to its baseline: baseline time / measured time."""
    if not baseline or not measured:
        return None
    return round(baseline / measured, 3)


def _summary(results: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any, str]]]:
    """The ratios (speed against the baseline: 1 = as fast, 0.5 = half as fast) and the table's
    rows: (figure, ratio, detail)."""
    ratios: dict[str, Any] = {}
    rows: list[tuple[str, Any, str]] = []
    parts: list[Callable[[], None]] = []

    def sweep_row() -> None:
        sweep = results.get("sweep")
        if isinstance(sweep, dict) and "raw_seconds" in sweep:
            ratios["sweep"] = _speed(sweep["raw_seconds"], sweep["service_seconds"])
            rows.append(
                (
                    "sweep vs raw INSERT … SELECT",
                    ratios["sweep"],
                    f"{sweep['queued']} orders: {sweep['service_seconds']:.2f} s vs"
                    f" {sweep['raw_seconds']:.2f} s",
                )
            )

    parts.append(sweep_row)

    def take_next_row() -> None:
        take = results.get("take-next")
        if isinstance(take, dict) and "ratio" in take:
            ratios["take_next"] = take["ratio"]
            rows.append(
                (
                    f"take-next in-process, {take.get('managers')} managers vs raw claim loop",
                    take["ratio"],
                    f"{take['service_claims_per_second']:.0f} vs"
                    f" {take['raw_claims_per_second']:.0f}"
                    f" claims/s; p50 {take['service_p50_ms']:.0f} ms p95"
                    f" {take['service_p95_ms']:.0f} ms; double assignments"
                    f" {take['double_assignments']}",
                )
            )

    parts.append(take_next_row)

    def http_rows() -> None:
        http = results.get("http")
        if isinstance(http, dict) and "intake" in http:
            trips = http.get("round_trips", {})
            for key, label, against in (
                ("intake", "order intake over HTTP vs bare endpoint", "bare"),
                ("pay", "payment events over HTTP vs bare endpoint", "bare"),
                ("take_http", "take-next over HTTP vs raw claim loop", "take_raw"),
            ):
                figures = http[key]
                ratios[f"http_{key.removesuffix('_http')}"] = figures["ratio"]
                trip = trips.get("take" if key == "take_http" else key)
                detail = (
                    f"{figures['per_second']:.0f} vs {http[against]['per_second']:.0f}/s;"
                    f" p95 {figures['p95_ms']:.0f} ms; errors {figures['errors']};"
                    f" {figures.get('server_cpu_ms_per_request', 0):.1f} ms CPU/request;"
                    f" {trip} round trips"
                )
                if key == "take_http":
                    detail += f"; double assignments {figures['double_assignments']}"
                rows.append((label, figures["ratio"], detail))

    parts.append(http_rows)

    def stats_row() -> None:
        stats = results.get("stats")
        if isinstance(stats, dict) and stats.get("periods"):
            label, figures = list(stats["periods"].items())[-1]
            ratios["stats"] = _speed(figures["raw_ms"], figures["selector_ms"])
            rows.append(
                (
                    f"head's statistics over {label} vs one raw aggregate",
                    ratios["stats"],
                    f"{stats['orders']} orders: selector {figures['selector_ms']:.0f} ms, raw"
                    f" {figures['raw_ms']:.0f} ms; page {figures['page_ms']:.0f} ms in"
                    f" {figures['page_queries']} queries",
                )
            )

    parts.append(stats_row)

    def deals_rows() -> None:
        deals = results.get("deals")
        if isinstance(deals, dict):
            for name in ("my_deals", "monitor", "board"):
                figures = deals.get(name)
                if isinstance(figures, dict):
                    ratios[f"deals_{name}"] = _speed(figures["raw_ms"], figures["selector_ms"])
                    rows.append(
                        (
                            f"CRM {name} vs raw SQL",
                            ratios[f"deals_{name}"],
                            f"{deals['deals']} deals: {figures['selector_ms']:.1f} ms vs"
                            f" {figures['raw_ms']:.1f} ms in {figures['queries']} queries",
                        )
                    )

    parts.append(deals_rows)

    def leads_import_row() -> None:
        imported = results.get("leads-import")
        if isinstance(imported, dict) and "raw_seconds" in imported:
            ratios["leads_import"] = _speed(imported["raw_seconds"], imported["service_seconds"])
            rows.append(
                (
                    "CSV import of leads vs raw INSERTs of the same rows",
                    ratios["leads_import"],
                    f"{imported['rows']} rows: {imported['service_rows_per_second']:.0f} vs"
                    f" {imported['raw_rows_per_second']:.0f} rows/s",
                )
            )

    parts.append(leads_import_row)

    for part in parts:
        try:
            part()
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            # A benchmark's JSON changed shape: its figures stay in `benchmarks`.
            rows.append((f"(figures not summarised: {exc!r})", None, ""))
    return ratios, rows


def _config(env: dict[str, str]) -> dict[str, Any] | None:
    """The server's connection settings from ``env``'s DATABASE_URL (None: not PostgreSQL)."""
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = env.get("DATABASE_URL", "")
    try:
        return _database_config()
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved


def _template(env: dict[str, str]) -> str:
    """Migrate ``<scratch>_template`` once; '' without PostgreSQL."""
    config = _config(env)
    if config is None:
        return ""
    name = f"{SCRATCH_DB}_template"
    admin = _admin_connection(config)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()
    print(f"migrating the template database {name} …", flush=True)
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env | {"DATABASE_URL": _scratch_url(config, name)},
        check=True,
    )
    return name


def _drop(env: dict[str, str], name: str) -> None:
    config = _config(env)
    if config is None:
        return
    admin = _admin_connection(config)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        admin.close()


def run(args: argparse.Namespace) -> int:
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(PLAN)
    unknown = [n for n in names if n not in PLAN]
    if unknown:
        print(
            f"unknown benchmarks: {', '.join(unknown)}; known: {', '.join(PLAN)}", file=sys.stderr
        )
        return 2
    started = time.perf_counter()
    env = _environment()
    if _config(env) is None:
        print(
            "bench all needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/db (a user"
            " allowed to create databases), or run one on 127.0.0.1:5432.",
            file=sys.stderr,
        )
        return 2
    template = _template(env)
    env["BENCH_TEMPLATE_DB"] = template
    results: dict[str, Any] = {}
    codes: dict[str, int] = {}
    seconds: dict[str, float] = {}
    try:
        for name in names:
            code, figures, took = _run_one(name, _arguments(name, args), env)
            codes[name], seconds[name] = code, round(took, 1)
            results[name] = figures if figures is not None else {"error": f"exit code {code}"}
    finally:
        if template:
            _drop(env, template)

    ratios, rows = _summary(results)
    total = time.perf_counter() - started
    print("\n===== summary: speed against the baseline measured in the same run (1 = as fast)")
    width = max((len(label) for label, _r, _d in rows), default=10)
    for label, ratio, detail in rows:
        shown = f"{ratio:6.2f}" if isinstance(ratio, float | int) else "     -"
        print(f"{label:<{width}}  {shown}   {detail}")
    for name in names:
        state = "ok" if codes[name] == 0 else f"FAILED (exit code {codes[name]})"
        print(f"bench {name}: {state} in {seconds[name]:.0f} s")
    print(f"total {total:.0f} s{' (--quick sizes)' if args.quick else ''}")
    ok = all(code == 0 for code in codes.values())
    print(
        json.dumps(
            {
                "ok": ok,
                "quick": args.quick,
                "seconds": round(total, 1),
                "ratios": ratios,
                "exit_codes": codes,
                "benchmarks": {name.replace("-", "_"): results[name] for name in names},
            },
            ensure_ascii=False,
        )
    )
    return 0 if ok else 1
