"""A local SMTP server (aiosmtpd) that refuses the first messages it is offered, then accepts:
the mail server of the delivery tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller


class FlakyHandler:
    """Answers ``451`` (try again later) to the first ``refuse`` messages, then ``250``."""

    def __init__(self, refuse: int) -> None:
        self.refuse = refuse
        self.offered = 0
        self.received: list[Any] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.offered += 1
            if self.offered <= self.refuse:
                return "451 4.3.0 Try again later"
            self.received.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server(settings: Any, *, refuse: int = 0) -> Iterator[FlakyHandler]:
    """Run the server on a free local port and point Django's SMTP backend at it."""
    handler = FlakyHandler(refuse)
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield handler
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
