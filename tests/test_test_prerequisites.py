"""`make test`'s first step: Chromium found, installed or one line saying how; the database
chosen (the local PostgreSQL and Redis when they answer, else SQLite with one line)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from scripts.test_prerequisites import decide_chromium, decide_database

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "test_prerequisites.py"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_present_chromium_is_used(tmp_path: Path) -> None:
    binary = tmp_path / "chromium"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    decision = decide_chromium({}, euid=1000, apt_get=None, default=str(binary))
    assert decision.action == "ok"


def test_a_missing_chromium_is_installed_by_root_with_apt_get(tmp_path: Path) -> None:
    missing = str(tmp_path / "chromium")
    decision = decide_chromium({}, euid=0, apt_get="/usr/bin/apt-get", default=missing)
    assert decision.action == "install"


def test_without_root_it_stops_with_the_command_to_run(tmp_path: Path) -> None:
    missing = str(tmp_path / "chromium")
    decision = decide_chromium({}, euid=1000, apt_get="/usr/bin/apt-get", default=missing)
    assert decision.action == "stop"
    assert "`sudo apt-get install chromium`" in decision.message
    assert "\n" not in decision.message


def test_without_apt_get_it_asks_for_chromium_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "chromium")
    decision = decide_chromium({}, euid=0, apt_get=None, default=missing)
    assert decision.action == "stop"
    assert "CHROMIUM_PATH=/path/to/chromium" in decision.message


def test_a_wrong_chromium_path_is_not_replaced_by_an_install(tmp_path: Path) -> None:
    wrong = str(tmp_path / "nope")
    decision = decide_chromium({"CHROMIUM_PATH": wrong}, euid=0, apt_get="/usr/bin/apt-get")
    assert decision.action == "stop"
    assert f"CHROMIUM_PATH={wrong} is not an executable" in decision.message


def test_the_script_stops_within_seconds_with_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(SCRIPT), "chromium"],
        env={"PATH": "/nonexistent", "CHROMIUM_PATH": str(tmp_path / "nope")},
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert time.monotonic() - started < 5
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("make test: CHROMIUM_PATH=")


def test_set_database_urls_are_used_as_they_are() -> None:
    decision = decide_database(
        {"DATABASE_URL": "postgres://x@db/y"},
        pg_address=("127.0.0.1", closed_port()),
        redis_address=("127.0.0.1", closed_port()),
    )
    assert decision.env == {}
    assert decision.message == ""


def test_nothing_answering_means_sqlite_and_one_line() -> None:
    pg, redis = closed_port(), closed_port()
    started = time.monotonic()
    decision = decide_database({}, pg_address=("127.0.0.1", pg), redis_address=("127.0.0.1", redis))
    assert time.monotonic() - started < 5
    assert decision.env == {}
    assert decision.message == (
        f"make test: no PostgreSQL at 127.0.0.1:{pg} and Redis at 127.0.0.1:{redis}, so the "
        "suite runs on SQLite without the PostgreSQL-only tests (`-m postgres`); to include "
        "them start both, or set DATABASE_URL and REDIS_URL."
    )


def test_a_port_that_does_not_speak_redis_is_not_redis() -> None:
    """Something listening that is not Redis (here: silent) does not count as Redis."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = int(server.getsockname()[1])
        decision = decide_database(
            {}, pg_address=("127.0.0.1", closed_port()), redis_address=("127.0.0.1", port)
        )
    assert "Redis at 127.0.0.1:" in decision.message
    assert decision.env == {}
