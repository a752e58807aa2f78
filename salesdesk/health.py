"""``/healthz``: is the database answering, is the broker reachable."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "unhealthy", with the reason shown
        logger.warning("healthz: database check failed: %s", exc)
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_broker() -> str:
    try:
        # The broker the workers use, from the same settings the Celery app reads.
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        logger.warning("healthz: broker check failed: %s", exc)
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_queue_length(queue: str = "celery") -> int | None:
    """Tasks waiting in the broker's default queue (None when the broker does not answer): a
    length that keeps growing means the workers do not keep up."""
    broker: Any = Connection(  # Any: the stubs do not know ``default_channel``
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=2,
    )
    try:
        with broker as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            # kombu's virtual transports (Redis, the file system) count a queue's messages
            # this way; an empty queue is 0 (a passive declare calls it missing).
            return int(conn.default_channel._size(queue))
    except Exception as exc:  # the broker is down (or a transport without a count): unknown
        logger.warning("broker queue length unknown: %s", exc)
        return None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
