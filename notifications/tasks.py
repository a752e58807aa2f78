"""Delivery of the outbox. Tasks take ids and are safe to run twice: a row is claimed with a
compare-and-swap before it is sent (notifications.delivery)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import shared_task

from notifications.delivery import notification_deliver, notifications_due
from notifications.telegram import TelegramError, telegram_poll

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def deliver_notification_task(notification_id: str) -> bool:
    """Send one notification if it is due and nobody else has claimed it."""
    return notification_deliver(notification_id=uuid.UUID(str(notification_id)))


@shared_task(ignore_result=True, acks_late=True)
def deliver_pending_task() -> int:
    """Beat, every minute: rows whose enqueue was lost (the broker was down), retries whose
    backoff is over, and rows a dead worker left ``sending``."""
    ids = notifications_due()
    for notification_id in ids:
        enqueue(notification_id)
    return len(ids)


def enqueue(notification_id: Any) -> None:
    """Hand the row to a worker, or leave it for ``deliver_pending_task``: a broker that is
    down is logged, never raised (the event that wrote the row has committed)."""
    try:
        deliver_notification_task.apply_async((str(notification_id),), retry=False)
    except Exception:
        logger.warning(
            "could not enqueue notification %s; the periodic job will send it",
            notification_id,
            exc_info=True,
        )


@shared_task(ignore_result=True, acks_late=True)
def telegram_poll_task() -> int:
    """Beat, every ``TELEGRAM_POLL_SECONDS`` when the bot has a token and no webhook: the
    bot's new messages (``/start <code>`` links a chat)."""
    try:
        return telegram_poll()
    except TelegramError:
        logger.warning("could not get Telegram updates", exc_info=True)
        return 0
