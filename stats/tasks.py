"""Periodic jobs of the statistics. Each is safe to run twice, even at the same time."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from stats.digest import head_digest_send
from stats.rollup import rollup_run


@shared_task(ignore_result=True, acks_late=True)
def head_digest_task() -> int:
    """The heads' daily digest (beat, after closing time)."""
    return head_digest_send()


@shared_task(ignore_result=True, acks_late=True)
def rollup_task() -> dict[str, Any]:
    """The daily rollup of the manager statistics (beat, every five minutes)."""
    return rollup_run()
