"""The HTTP load generator of ``bench http``: a process of its own (standard library only, no
Django), so that its CPU is not the server's and its GIL is not the orchestrator's.

``python -m bench.loadgen`` reads one JSON spec on stdin and prints one JSON result on stdout.
``connections`` keep-alive HTTP/1.1 connections (asyncio streams, one coroutine each) run the
scenario until ``duration`` seconds have passed or its work runs out:

* ``post`` — ``POST path`` with a JSON body whose ``external_id`` is unique per request;
* ``pay`` — ``POST /api/v1/orders/{id}/pay/`` with ``{}``, each id of ``order_ids`` once;
* ``take`` — one staff token per connection: ``POST /api/v1/queue/take/`` and, on a 200, the
  item closed with a ``refused`` / ``not_interested`` touch; a 204 (queue empty) ends it.

The result: requests, per-status counts, errors (anything but the expected status, or a
transport failure), latencies of the measured requests in ms, the elapsed wall time, and for
``take`` every claim ``[item id, connection]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections import Counter
from typing import Any

_CRLF = b"\r\n"


class HttpError(Exception):
    pass


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        if self.writer is None:
            await self._open()
        assert self.reader is not None and self.writer is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise HttpError("connection closed by the server")
        status = int(status_line.split(b" ", 2)[1])
        length: int | None = None
        chunked = close = False
        while True:
            line = await self.reader.readline()
            if line in (_CRLF, b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if status in (204, 304) or 100 <= status < 200:
            data = b""
        elif chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(parts)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            close = True
        if close:
            await self.close()
        return status, data


class Result:
    def __init__(self) -> None:
        self.statuses: Counter[str] = Counter()
        self.errors = 0
        self.error_samples: list[str] = []
        self.latencies: list[float] = []
        self.claims: list[tuple[str, int]] = []
        self.touch_latencies: list[float] = []

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:300])


async def _call(
    conn: Connection,
    result: Result,
    method: str,
    path: str,
    payload: Any,
    headers: dict[str, str],
    expect: tuple[int, ...],
    latencies: list[float],
) -> tuple[int, bytes] | None:
    body = json.dumps(payload).encode() if payload is not None else b""
    started = time.perf_counter()
    try:
        status, data = await conn.request(method, path, body, headers)
    except (OSError, HttpError, ValueError, asyncio.IncompleteReadError) as exc:
        await conn.close()
        result.error(f"{path}: {exc!r}")
        result.statuses["transport"] += 1
        return None
    latencies.append((time.perf_counter() - started) * 1000)
    result.statuses[str(status)] += 1
    if status not in expect:
        result.error(f"{path}: {status} {data[:200]!r}")
        return None
    return status, data


async def _worker(spec: dict[str, Any], index: int, deadline: float, result: Result) -> None:
    conn = Connection(spec["host"], spec["port"])
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    kind = spec["kind"]
    if spec.get("tokens"):
        headers["Authorization"] = f"Bearer {spec['tokens'][index % len(spec['tokens'])]}"
    try:
        if kind == "post":
            n = 0
            body = dict(spec["body"])
            while time.monotonic() < deadline:
                n += 1
                body["external_id"] = f"{spec['tag']}-{index}-{n}"
                await _call(
                    conn, result, "POST", spec["path"], body, headers, (201,), result.latencies
                )
        elif kind == "pay":
            ids = spec["order_ids"][index :: spec["connections"]]
            for order_id in ids:
                if time.monotonic() >= deadline:
                    break
                path = f"/api/v1/orders/{order_id}/pay/"
                await _call(conn, result, "POST", path, {}, headers, (200,), result.latencies)
        elif kind == "take":
            touch = {"channel": "phone", "outcome": "refused", "reason": "not_interested"}
            while time.monotonic() < deadline:
                answer = await _call(
                    conn,
                    result,
                    "POST",
                    "/api/v1/queue/take/",
                    None,
                    headers,
                    (200, 204),
                    result.latencies,
                )
                if answer is None:
                    await asyncio.sleep(0.01)  # an error: don't spin on it
                    continue
                if answer[0] == 204:
                    return  # the queue is empty
                item = json.loads(answer[1])["item"]["id"]
                result.claims.append((item, index))
                await _call(
                    conn,
                    result,
                    "POST",
                    f"/api/v1/queue/items/{item}/touches/",
                    touch,
                    headers,
                    (201,),
                    result.touch_latencies,
                )
        else:
            raise SystemExit(f"unknown scenario kind {kind!r}")
    finally:
        await conn.close()


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    result = Result()
    started = time.perf_counter()
    deadline = time.monotonic() + spec["duration"]
    await asyncio.gather(*(_worker(spec, i, deadline, result) for i in range(spec["connections"])))
    elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "requests": sum(result.statuses.values()),
        "statuses": dict(result.statuses),
        "errors": result.errors,
        "error_samples": result.error_samples,
        "latencies": [round(x, 3) for x in result.latencies],
        "touch_latencies": [round(x, 3) for x in result.touch_latencies],
        "claims": result.claims,
    }


def main() -> None:
    spec = json.load(sys.stdin)
    json.dump(asyncio.run(run(spec)), sys.stdout)


if __name__ == "__main__":
    main()
