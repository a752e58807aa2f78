"""The one domain error type and the JSON error shape.

Every API error leaves as JSON ``{"code", "message", "details"}`` with a 4xx status.
Services raise :class:`ApplicationError` (or a subclass); views never build error
responses by hand: :mod:`web.errors` renders them.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework import status

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A failure the client can act on: a stable ``code``, a human ``message``, ``details``."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_code = "bad_request"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = str(message) if message is not None else self.code
        self.details = details or {}
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message)


class NotFoundError(ApplicationError):
    status_code: int = status.HTTP_404_NOT_FOUND
    default_code = "not_found"


class ConflictError(ApplicationError):
    status_code: int = status.HTTP_409_CONFLICT
    default_code = "conflict"


def error_payload(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "details": details or {}}
