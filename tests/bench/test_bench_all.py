"""The benchmark harness end to end at tiny sizes: ``python -m bench all --quick`` runs every
benchmark (the HTTP one through a real gunicorn) and ends with one JSON line of ratios. No
timing is asserted; only that every figure is there and the checks held."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.postgres

EXPECTED_RATIOS = {
    "sweep",
    "take_next",
    "http_intake",
    "http_pay",
    "http_take",
    "stats",
    "deals_my_deals",
    "deals_monitor",
    "deals_board",
    "leads_import",
}


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"


def test_bench_all_quick_runs_every_benchmark_and_ends_with_one_json_line_of_ratios() -> None:
    # A scratch database named after this run's test database: parallel runs do not collide.
    scratch = f"{settings.DATABASES['default']['NAME']}_bench"
    env = os.environ | {"DATABASE_URL": _database_url(), "BENCH_SCRATCH_DB": scratch}
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench", "all", "--quick"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["ok"] is True
    assert set(figures["ratios"]) == EXPECTED_RATIOS
    assert all(isinstance(r, float | int) and r > 0 for r in figures["ratios"].values())
    http = figures["benchmarks"]["http"]
    assert http["take_http"]["double_assignments"] == 0
    assert all(http[k]["errors"] == 0 for k in ("intake", "pay", "bare", "take_http"))
    assert set(http["round_trips"]) == {"intake", "pay", "bare", "take", "touch"}
    assert figures["benchmarks"]["take_next"]["double_assignments"] == 0
