"""Claiming, sending and recording one notification; finding the ones that are due.

A row moves pending → sending (claimed with a compare-and-swap, ``attempts`` counted) → sent,
or back to pending with a backoff, or to failed after ``NOTIFICATIONS_MAX_ATTEMPTS`` (at once
when the backend's error says retrying cannot help: ``permanent``). Nothing here waits between
attempts: the next one is a time in the row, and the periodic job (``deliver_pending_task``)
acts on it."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from notifications.channels import CHANNELS
from notifications.models import Notification

logger = logging.getLogger(__name__)

ERROR_MAX_CHARS = 2000
DUE_BATCH_SIZE = 500
S = Notification.Status


def retry_delay(attempts: int) -> dt.timedelta:
    """After the n-th failed attempt: base, 2×base, 4×base… (1, 2, 4, 8… minutes by default),
    capped at ``NOTIFICATIONS_RETRY_MAX_SECONDS``."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATIONS_RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=seconds)


def notification_deliver(*, notification_id: uuid.UUID, now: dt.datetime | None = None) -> bool:
    """Send the row if it is pending and due; True if it went out. Two workers given the same
    id: one claims it, the other finds nothing to do."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, status=S.PENDING, next_attempt_at__lte=now
    ).update(
        status=S.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + dt.timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS),
    )
    if not claimed:
        return False
    notification = Notification.objects.get(pk=notification_id)
    mine = Notification.objects.filter(
        pk=notification_id, status=S.SENDING, attempts=notification.attempts
    )
    try:
        CHANNELS[notification.channel].send(notification)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
        permanent = bool(getattr(exc, "permanent", False))
        if permanent or notification.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            mine.update(status=S.FAILED, last_error=error)
            logger.error(
                "notification %s to %s failed after %d attempts: %s",
                notification.pk,
                notification.recipient,
                notification.attempts,
                error,
            )
        else:
            mine.update(
                status=S.PENDING,
                last_error=error,
                next_attempt_at=now + retry_delay(notification.attempts),
            )
            logger.warning(
                "notification %s to %s: attempt %d failed: %s",
                notification.pk,
                notification.recipient,
                notification.attempts,
                error,
            )
        return False
    mine.update(status=S.SENT, sent_at=now)
    logger.info("sent notification %s to %s", notification.pk, notification.recipient)
    return True


def notifications_due(
    *, now: dt.datetime | None = None, limit: int = DUE_BATCH_SIZE
) -> list[uuid.UUID]:
    """The ids to hand to workers now, oldest due first. Rows left ``sending`` past their
    claim's deadline (the worker died) go back to pending first, or to failed when that was
    their last attempt; such a message may have gone out before the worker died, so it can
    arrive twice — the only case where it can."""
    now = now or timezone.now()
    stale = Notification.objects.filter(status=S.SENDING, next_attempt_at__lte=now)
    stale.filter(attempts__gte=settings.NOTIFICATIONS_MAX_ATTEMPTS).update(
        status=S.FAILED, last_error="The worker stopped while sending."
    )
    stale.filter(attempts__lt=settings.NOTIFICATIONS_MAX_ATTEMPTS).update(status=S.PENDING)
    return list(
        Notification.objects.filter(status=S.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
