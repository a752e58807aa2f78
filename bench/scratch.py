"""The scratch PostgreSQL database every benchmark works in: created empty, set as the
project's ``DATABASE_URL``, Django set up inside it, dropped afterwards (unless ``--keep``)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

# BENCH_SCRATCH_DB names it otherwise, so that two benchmarks can run at once.
SCRATCH_DB = os.environ.get("BENCH_SCRATCH_DB", "salesdesk_bench")
# A database already migrated that the scratch database is copied from (``bench all`` makes
# one, so that each benchmark's migrate has nothing left to do); empty: created empty.
TEMPLATE_DB = os.environ.get("BENCH_TEMPLATE_DB", "")


def _database_config() -> dict[str, Any] | None:
    import environ

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return None
    config = environ.Env.db_url_config(url)
    return config if "postgresql" in config["ENGINE"] else None


def _admin_connection(config: dict[str, Any]) -> Any:
    """A connection to the server's maintenance database (the configured one may not exist)."""
    import psycopg2

    last_error: Exception | None = None
    for name in ("postgres", config["NAME"]):
        try:
            connection = psycopg2.connect(
                dbname=name,
                user=config.get("USER") or None,
                password=config.get("PASSWORD") or None,
                host=config.get("HOST") or None,
                port=config.get("PORT") or None,
            )
        except psycopg2.OperationalError as exc:
            last_error = exc
            continue
        connection.autocommit = True
        return connection
    raise SystemExit(f"cannot connect to PostgreSQL: {last_error}")


def _scratch_url(config: dict[str, Any], name: str = "") -> str:
    """The URL of database ``name`` (default: the scratch database) on the configured server."""
    auth = config.get("USER") or ""
    if config.get("PASSWORD"):
        auth += ":" + config["PASSWORD"]
    host = config.get("HOST") or "127.0.0.1"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{name or SCRATCH_DB}"


def run_in_scratch_database(
    args: argparse.Namespace,
    *,
    name: str,
    bench: Callable[[argparse.Namespace, dict[str, Any]], int],
) -> int:
    """Run ``bench(args, config)`` with Django set up in a fresh scratch database (``config``:
    the server's connection settings, for a bench's own raw connections); 2 without
    PostgreSQL. ``name`` is the benchmark's name, for the message."""
    config = _database_config()
    if config is None:
        print(
            f"bench {name} needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/db "
            f"(a user allowed to create databases; the bench works in its own {SCRATCH_DB}).",
            file=sys.stderr,
        )
        return 2
    admin = _admin_connection(config)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}"')
        template = f' TEMPLATE "{TEMPLATE_DB}"' if TEMPLATE_DB else ""
        cursor.execute(f'CREATE DATABASE "{SCRATCH_DB}"{template}')
    os.environ["DATABASE_URL"] = _scratch_url(config)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesdesk.settings")
    try:
        # Django is set up only now, inside the scratch database: importing it earlier would
        # configure the project against the real one.
        import django

        django.setup()
        return bench(args, config)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}"')
        admin.close()


def best_ms(rounds: int, work: Callable[[], Any]) -> float:
    """The fastest of ``rounds`` timed runs of ``work``, in milliseconds, after one warm-up
    run (caches, plans)."""
    work()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) * 1000
