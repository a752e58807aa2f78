"""Periodic jobs of the sales queue. Each is safe to run twice, even at the same time."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import shared_task
from kombu.exceptions import OperationalError

from sales_queue.alerts import callbacks_due_send, response_breaches_send
from sales_queue.services import queue_auto_release, queue_sweep_due_orders
from sales_queue.services.lead_import_run import lead_import_run

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def sweep_queue_task(batch_size: int | None = None) -> int:
    """The grace-period sweep (Celery beat, every ``SWEEP_INTERVAL_SECONDS``; ``batch_size``:
    the service's default unless given)."""
    if batch_size is None:
        return queue_sweep_due_orders()
    return queue_sweep_due_orders(batch_size=batch_size)


@shared_task(ignore_result=True, acks_late=True)
def auto_release_task() -> int:
    """Active items untouched for ``SALES_AUTO_RELEASE_MINUTES`` go back to the queue (beat,
    every minute)."""
    return queue_auto_release()


@shared_task(ignore_result=True, acks_late=True)
def callbacks_due_task() -> int:
    """Tell managers their callbacks are due (beat, every minute)."""
    return callbacks_due_send()


@shared_task(ignore_result=True, acks_late=True)
def response_breaches_task() -> int:
    """Alert the heads of orders waiting longer than the response SLA (beat, every minute; at
    most one alert per 15 minutes)."""
    return response_breaches_send()


@shared_task(ignore_result=True, acks_late=True)
def lead_import_task(import_id: str) -> None:
    """Import a CSV file's rows not done yet; what one run's time leaves goes to the next run.
    Safe to run twice: batches are claimed under a lock on the import's row."""
    if lead_import_run(import_id=uuid.UUID(str(import_id))):
        lead_import_enqueue(import_id)


def lead_import_enqueue(import_id: Any) -> None:
    """Hand the import to a worker; a broker that is down is logged, not raised (the import's
    page offers «Continue» once its progress has stood still)."""
    try:
        lead_import_task.apply_async((str(import_id),), retry=False)
    except OperationalError:
        logger.warning("could not enqueue lead import %s", import_id, exc_info=True)
