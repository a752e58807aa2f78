"""A fake Bot API on 127.0.0.1 (a random port) for the tests: it records every call and
answers from a script. ``TELEGRAM_API_BASE`` points at it for the test's duration."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456:TEST-TOKEN"


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    base: str = ""
    calls: list[Call] = field(default_factory=list)
    # Answers queued per method, (HTTP status, JSON body); when none is queued: 200 ok.
    answers: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    # What getUpdates returns (and then forgets) when nothing is queued for it.
    updates: list[dict[str, Any]] = field(default_factory=list)
    # Seconds getUpdates takes to answer (to make two polls overlap).
    updates_delay: float = 0.0

    def answer(self, method: str, status: int, body: Any) -> None:
        self.answers.setdefault(method, []).append((status, body))

    def sent(self) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == "sendMessage"]

    def respond(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        self.calls.append(Call(method, params))
        queued = self.answers.get(method)
        if queued:
            return queued.pop(0)
        if method == "getUpdates":
            time.sleep(self.updates_delay)
            offset = params.get("offset", 0)
            result = [u for u in self.updates if u["update_id"] >= offset]
            return 200, {"ok": True, "result": result}
        return 200, {"ok": True, "result": {"message_id": len(self.calls)}}


@contextmanager
def fake_telegram(settings: Any) -> Iterator[FakeTelegram]:
    fake = FakeTelegram()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            prefix = f"/bot{TOKEN}/"
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not self.path.startswith(prefix):
                status, body = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            else:
                status, body = fake.respond(self.path[len(prefix) :], json.loads(raw or b"{}"))
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TELEGRAM_API_BASE = fake.base
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_BOT_NAME = "salesdesk_test_bot"
    settings.TELEGRAM_TIMEOUT_SECONDS = 5
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def start_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1790000000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Ольга"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ольга"},
            "text": text,
        },
    }
