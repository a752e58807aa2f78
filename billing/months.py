"""Statement months: calendar months in Moscow time, written ``YYYY-MM``."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.errors import ApplicationError
from salesdesk.timezones import MOSCOW

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
# Billing starts with the first fee policy; earlier months cannot hold a row.
FIRST_YEAR = 2000


def parse_month(value: str) -> dt.date:
    """``"2026-11"`` → ``date(2026, 11, 1)``; a malformed or out-of-range month is a 400."""
    match = _MONTH_RE.match(value or "")
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ApplicationError(
            _("A month is written as YYYY-MM, e.g. 2026-11."),
            code="invalid_month",
            details={"month": value},
        )
    year, month = int(match.group(1)), int(match.group(2))
    if year < FIRST_YEAR:
        raise ApplicationError(
            _("Statements start in %(year)d.") % {"year": FIRST_YEAR},
            code="month_out_of_range",
            details={"month": value},
        )
    return dt.date(year, month, 1)


def format_month(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_of(moment: dt.datetime) -> dt.date:
    """The Moscow-time month a moment belongs to."""
    local = moment.astimezone(MOSCOW)
    return dt.date(local.year, local.month, 1)


def current_month() -> dt.date:
    return month_of(timezone.now())


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: dt.date) -> dt.date:
    return dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of the month as aware datetimes at Moscow midnight."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=MOSCOW)
    end_month = next_month(month)
    end = dt.datetime(end_month.year, end_month.month, 1, tzinfo=MOSCOW)
    return start, end


def parse_past_or_current_month(value: str) -> dt.date:
    """A statement month: well-formed and not in the future (the current month is open)."""
    month = parse_month(value)
    if month > current_month():
        raise ApplicationError(
            _("%(month)s has not started yet.") % {"month": value},
            code="future_month",
            details={"month": value},
        )
    return month
