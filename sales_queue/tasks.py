"""Periodic jobs of the sales queue. Each is safe to run twice, even at the same time."""

from __future__ import annotations

from celery import shared_task

from sales_queue.services import queue_sweep_due_orders


@shared_task(ignore_result=True, acks_late=True)
def sweep_queue_task() -> int:
    """The grace-period sweep (Celery beat, every ``SWEEP_INTERVAL_SECONDS``)."""
    return queue_sweep_due_orders()
