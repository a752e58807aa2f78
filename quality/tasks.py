"""Periodic jobs of quality assurance. Each is safe to run twice, even at the same time."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from quality.services import qa_sample_day, qa_sample_yesterday


@shared_task(ignore_result=True, acks_late=True)
def qa_sample_task(day: str | None = None) -> int:
    """QA's daily sample (beat, after midnight): the touches of ``day`` (YYYY-MM-DD), by
    default the Moscow day just over. How many reviews were created."""
    if day is None:
        return qa_sample_yesterday()
    return len(qa_sample_day(day=dt.date.fromisoformat(day)))
