"""Background jobs of billing. Safe to run twice: closing a month never rewrites a statement."""

from __future__ import annotations

import logging

from celery import shared_task

from billing.months import parse_month
from billing.services import statements_close_due, statements_close_month

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def close_statements_task(month: str | None = None) -> dict[str, int]:
    """Freeze the statements of the month just over (beat, 00:10 Moscow on the 1st), or of
    ``month`` (``YYYY-MM``) when given; returns ``{month: statements closed}``."""
    if month is not None:
        return {month: statements_close_month(month=parse_month(month))}
    return statements_close_due()
