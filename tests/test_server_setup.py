"""The shipped server setup (gunicorn.conf.py: uvicorn workers, salesdesk.asgi's BodyGuard)
under slow and oversized clients: a real gunicorn on a free loopback port, with one worker."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

TRICKLERS = 50
CSRF = b"k" * 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = _free_port()
    var = tmp_path_factory.mktemp("server-var")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",  # one worker: the slow clients must not be able to hold it
        "SALESDESK_VAR_DIR": str(var),
        "REQUEST_BODY_TIMEOUT_SECONDS": "4",
        "DJANGO_SETTINGS_MODULE": "salesdesk.settings",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 - our own server, loopback only
        [str(gunicorn), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "salesdesk.asgi:application"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(var / "gunicorn.log").open("w"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(port, "/healthz")[0] in (200, 503):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("gunicorn did not start: " + (var / "gunicorn.log").read_text())
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(port: int, path: str, timeout: float = 5) -> tuple[int, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        status = conn.getresponse().status
    finally:
        conn.close()
    return status, time.monotonic() - started


def _trickle(port: int, stop: threading.Event, answers: list[bytes]) -> None:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        # A login form with a valid CSRF pair, so that a server reading bodies lazily (Django
        # under a sync worker) must wait for the whole body before it can answer.
        sock.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Cookie: csrftoken=" + CSRF + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
            b"csrfmiddlewaretoken=" + CSRF + b"&username=x&password="
        )
        while not stop.is_set():
            try:
                sock.sendall(b"a")
            except OSError:
                break  # the server closed it (408)
            stop.wait(0.25)
        try:
            answers.append(sock.recv(200))
        except OSError:
            answers.append(b"")
    finally:
        sock.close()


def test_health_answers_within_a_second_while_fifty_clients_trickle_bodies(server: int) -> None:
    stop = threading.Event()
    answers: list[bytes] = []
    threads = [
        threading.Thread(target=_trickle, args=(server, stop, answers)) for _ in range(TRICKLERS)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)  # every trickler has connected and sent its headers
        checks = []
        for _ in range(5):
            checks.append(_get(server, "/healthz"))
            time.sleep(0.3)
    finally:
        time.sleep(4)  # past REQUEST_BODY_TIMEOUT_SECONDS: the server gives up on them
        stop.set()
        for thread in threads:
            thread.join(timeout=15)

    assert all(status == 200 for status, _ in checks), checks
    assert max(seconds for _, seconds in checks) < 1.0, checks
    # the bodies never completed: each trickler got a 408, none reached a view
    assert len(answers) == TRICKLERS
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), set(answers)


def test_an_announced_oversized_body_is_refused_unread(server: int) -> None:
    sock = socket.create_connection(("127.0.0.1", server), timeout=5)
    try:
        sock.sendall(
            b"POST /api/v1/orders/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"
        )
        answer = b""
        while chunk := sock.recv(1000):  # the server closes after answering
            answer += chunk
    finally:
        sock.close()

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert b'"code": "payload_too_large"' in body
