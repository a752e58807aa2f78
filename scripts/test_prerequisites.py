"""What `make test` checks before it spends minutes on lint, types and the suite.

``python scripts/test_prerequisites.py chromium``
    Finds the Chromium the browser tests drive (``CHROMIUM_PATH``, else ``/usr/bin/chromium``).
    When it is missing and this is root with ``apt-get`` (as in CI), installs Debian's
    ``chromium``; otherwise prints one line with the command to run and exits 1 — in a second,
    before the virtual environment is even built. Standard library only.

``python scripts/test_prerequisites.py pytest [pytest args]``
    Chooses the database, then runs pytest. ``DATABASE_URL``/``REDIS_URL`` set: used as they are.
    Else, when PostgreSQL (user ``postgres`` or the current user, no password) and Redis answer at
    their default local addresses, the suite runs on them (pytest-django creates
    ``test_salesdesk``), PostgreSQL-only tests included. Else it runs on SQLite and says in one
    line what it leaves out and how to include it.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

try:  # in the project's virtual environment; the chromium step runs without it
    import psycopg2
except ImportError:  # pragma: no cover - depends on the interpreter
    psycopg2 = None

DEFAULT_CHROMIUM = "/usr/bin/chromium"
PG_ADDRESS = ("127.0.0.1", 5432)
REDIS_ADDRESS = ("127.0.0.1", 6379)
TEST_DATABASE = "salesdesk"  # pytest-django prefixes it: test_salesdesk
TEST_REDIS_DB = 0


@dataclass(frozen=True)
class ChromiumDecision:
    action: str  # "ok", "install" or "stop"
    message: str = ""


def decide_chromium(
    env: Mapping[str, str], *, euid: int, apt_get: str | None, default: str = DEFAULT_CHROMIUM
) -> ChromiumDecision:
    configured = env.get("CHROMIUM_PATH")
    path = configured or default
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return ChromiumDecision("ok")
    if configured:
        return ChromiumDecision(
            "stop",
            f"make test: CHROMIUM_PATH={configured} is not an executable; point it at a Chromium "
            f"binary or unset it to use {default}.",
        )
    if apt_get and euid == 0:
        return ChromiumDecision("install")
    if apt_get:
        command = "sudo apt-get install chromium"
    else:
        command = "install Chromium and set CHROMIUM_PATH=/path/to/chromium"
    return ChromiumDecision(
        "stop",
        f"make test: the browser tests need Chromium at {default}; run `{command}`, then "
        "`make test` again.",
    )


def install_chromium(apt_get: str) -> int:
    print("make test: installing Debian's chromium for the browser tests", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (
        [apt_get, "update", "-qq"],
        [apt_get, "install", "-y", "-qq", "--no-install-recommends", "chromium"],
    ):
        done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, check=False)  # noqa: S603
        if done.returncode != 0:
            print(f"make test: `{' '.join(args)}` failed", file=sys.stderr)
            return 1
    return 0


def answers(address: tuple[str, int], timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


def redis_answers(address: tuple[str, int], timeout: float = 0.5) -> bool:
    """A PING answered with PONG (not a NOAUTH error, not some other server on the port)."""
    try:
        with socket.create_connection(address, timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def postgres_user(address: tuple[str, int]) -> str | None:
    """The first of ``postgres`` and the current user that may log in without a password."""
    if psycopg2 is None or not answers(address):
        return None
    host, port = address
    for user in dict.fromkeys(["postgres", getpass.getuser()]):
        try:
            psycopg2.connect(
                host=host, port=port, user=user, dbname="postgres", connect_timeout=2
            ).close()
        except psycopg2.Error:
            continue
        return user
    return None


@dataclass(frozen=True)
class DatabaseDecision:
    env: dict[str, str]  # variables to set for pytest
    message: str = ""


def decide_database(
    env: Mapping[str, str],
    *,
    pg_address: tuple[str, int] = PG_ADDRESS,
    redis_address: tuple[str, int] = REDIS_ADDRESS,
) -> DatabaseDecision:
    if env.get("DATABASE_URL") or env.get("REDIS_URL"):
        return DatabaseDecision(env={})
    user = postgres_user(pg_address)
    redis = redis_answers(redis_address)
    if user and redis:
        host, port = pg_address
        rhost, rport = redis_address
        return DatabaseDecision(
            env={
                "DATABASE_URL": f"postgres://{user}@{host}:{port}/{TEST_DATABASE}",
                "REDIS_URL": f"redis://{rhost}:{rport}/{TEST_REDIS_DB}",
            }
        )
    missing = " and ".join(
        name
        for name, there in (
            (f"PostgreSQL at {pg_address[0]}:{pg_address[1]}", user),
            (f"Redis at {redis_address[0]}:{redis_address[1]}", redis),
        )
        if not there
    )
    return DatabaseDecision(
        env={},
        message=(
            f"make test: no {missing}, so the suite runs on SQLite without the PostgreSQL-only "
            "tests (`-m postgres`); to include them start both, or set DATABASE_URL and REDIS_URL."
        ),
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["chromium"]:
        apt_get = shutil.which("apt-get")
        decision = decide_chromium(os.environ, euid=os.geteuid(), apt_get=apt_get)
        if decision.action == "install" and apt_get:
            if install_chromium(apt_get) != 0:
                return 1
            decision = decide_chromium(os.environ, euid=os.geteuid(), apt_get=None)
        if decision.action != "ok":
            print(decision.message, file=sys.stderr)
            return 1
        return 0
    if argv[:1] == ["pytest"]:
        database = decide_database(os.environ)
        if database.message:
            print(database.message, file=sys.stderr)
        env = {**os.environ, **database.env}
        pytest = os.path.join(os.path.dirname(sys.executable), "pytest")
        os.execve(pytest, [pytest, *argv[1:]], env)  # noqa: S606
    print("usage: test_prerequisites.py chromium | pytest [pytest args]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
