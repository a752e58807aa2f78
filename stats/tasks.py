"""Periodic jobs of the stats app. Each is safe to run twice, even at the same time."""

from __future__ import annotations

from celery import shared_task

from stats.digest import head_digest_send


@shared_task(ignore_result=True, acks_late=True)
def head_digest_task() -> int:
    """The heads' daily digest (beat, 09:00 Moscow)."""
    return head_digest_send()
