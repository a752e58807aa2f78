"""Servers and workers of our own for the fault and scale tests: a ``redis-server`` on a free
loopback port (stopped and started again by the test; the machine's shared Redis is never
touched), Celery workers and web processes on the test database. Loopback only."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    condition: Callable[[], Any],
    *,
    timeout: float = START_TIMEOUT_SECONDS,
    what: str = "",
    interval: float = 0.05,
) -> Any:
    """Poll ``condition`` every ``interval`` seconds until it returns something true; fail
    after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(interval)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class RedisServer:
    """One ``redis-server`` of the test's own: no persistence, loopback, a free port that stays
    the same across :meth:`stop` and :meth:`start`."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own server, loopback only
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: _accepts(self.port), what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        wait_for(lambda: not _accepts(self.port), what="redis-server to stop")


@contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def shared_database_url() -> str:
    """``DATABASE_URL`` of the database this test runs on (pytest-django's ``test_…`` one), for
    a subprocess to share it. PostgreSQL only; the test must not hold it in a transaction."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def subprocess_env(*, redis_url: str | None, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a web process or worker on the test database and our own Redis (or,
    with ``redis_url=None``, the file-system broker under ``var_dir``), as in production:
    ``DEBUG`` off."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "CELERY_")) and k != "REDIS_URL"
    }
    env |= {
        "DATABASE_URL": shared_database_url(),
        "SALESDESK_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "salesdesk.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PYTHONUNBUFFERED": "1",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env | extra


def web_server(
    env: dict[str, str], log: Path, *, workers: int = 1, wait: bool = True
) -> tuple[subprocess.Popen[bytes], int]:
    """The shipped web setup (``gunicorn -c gunicorn.conf.py salesdesk.asgi:application``) on a
    free loopback port; returns the process and its port once ``/healthz`` answers (or at once
    with ``wait=False``: then call :func:`wait_until_serving`)."""
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 - our own server, loopback only
        [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "salesdesk.asgi:application"],
        cwd=settings.BASE_DIR,
        env=env | {"WEB_CONCURRENCY": str(workers)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    if wait:
        wait_until_serving(process, port, log)
    return process, port


def wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError("gunicorn exited: " + log.read_text(errors="replace")[-3000:])
        try:
            return http_request(port, "GET", "/healthz")[0] in (200, 503)
        except OSError:
            return False

    wait_for(up, what=f"gunicorn on port {port}")


def http_request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, Any]:
    """One request on a fresh loopback connection: the status and the body (parsed JSON when
    the answer is JSON, else text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json"} if payload is not None else {}
        conn.request(method, path, body=payload, headers=sent | (headers or {}))
        response = conn.getresponse()
        raw = response.read()
        if (response.getheader("Content-Type") or "").startswith("application/json"):
            return response.status, json.loads(raw) if raw else None
        return response.status, raw.decode("utf-8", "replace")
    finally:
        conn.close()


def celery_worker(
    env: dict[str, str], log: Path, *, concurrency: int = 1, queues: str = "celery"
) -> subprocess.Popen[bytes]:
    """``celery -A salesdesk worker`` (prefork) as a subprocess in its own process group,
    consuming ``queues`` (comma-separated; the default queue only unless told)."""
    celery = Path(sys.executable).with_name("celery")
    return subprocess.Popen(  # noqa: S603 - our own worker, loopback only
        [str(celery), "-A", "salesdesk", "worker", "--loglevel=INFO", "--pool=prefork",
         f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-O", "fair", "-Q", queues],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Kill a subprocess started in its own session, with everything it forked."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def children_of(pid: int) -> list[int]:
    """The ids of the live processes whose parent is ``pid`` (Linux /proc); a killed child not
    yet reaped (a zombie) is left out."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid …"; comm may hold spaces and brackets, so split after the last ")"
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found
