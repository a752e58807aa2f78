"""Periodic jobs of the sales queue. Each is safe to run twice, even at the same time."""

from __future__ import annotations

from celery import shared_task

from sales_queue.alerts import callbacks_due_send, response_breaches_send
from sales_queue.services import queue_auto_release, queue_sweep_due_orders


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
