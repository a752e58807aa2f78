"""Periodic jobs of the crm app. Each is safe to run twice, even at the same time."""

from __future__ import annotations

from celery import shared_task

from crm.reminders import stale_deal_reminders_send


@shared_task(ignore_result=True, acks_late=True)
def stale_deal_reminders_task() -> int:
    """Stale-deal reminders (beat, every minute)."""
    return stale_deal_reminders_send()
