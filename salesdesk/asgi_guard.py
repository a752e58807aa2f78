"""An ASGI wrapper that reads each request body completely, within limits, before Django sees
it. Under the shipped gunicorn setup (uvicorn workers, ``gunicorn.conf.py``) a slow or idle
client then costs a socket on the event loop, never a worker: Django runs a view only once its
request has fully arrived.

* A body announced (``Content-Length``) or found larger than ``REQUEST_MAX_BODY_BYTES`` is
  answered 413 at once, without reading it (Django's ASGI handler would spool any size to disk).
* A body still incomplete ``REQUEST_BODY_TIMEOUT_SECONDS`` after the headers is answered 408.

Both answers are JSON in the API's error shape under ``/api/``, short text elsewhere.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]


class BodyGuard:
    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)  # Django has nothing to start or stop
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        announced = _content_length(scope)
        if announced is not None and announced > self.max_bytes:
            await _refuse(scope, send, 413, "payload_too_large", "The request body is too large.")
            return
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.timeout_seconds):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # the client left; nothing to answer
                    body = message.get("body", b"")
                    size += len(body)
                    if size > self.max_bytes:
                        await _refuse(
                            scope, send, 413, "payload_too_large", "The request body is too large."
                        )
                        return
                    chunks.append(body)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            await _refuse(
                scope, send, 408, "request_timeout", "The request body arrived too slowly."
            )
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # later: the disconnect, when it comes

        await self.app(scope, replay, send)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    if str(scope.get("path", "")).startswith("/api/"):
        body = json.dumps({"code": code, "message": message, "details": {}}).encode()
        content_type = b"application/json"
    else:
        body = message.encode()
        content_type = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
