"""The period a statistics page or endpoint covers: a half-open range of instants
``[start, end)`` between two Moscow midnights.

Presets: ``today``, ``7d`` (the last seven days, today included), ``month`` (the current
calendar month so far) and ``range`` with ``date_from`` and ``date_to`` (both days included).
The API takes ``date_from`` / ``date_to`` alone. A bad value is a 400 naming the field, never
a 500; a range is at most :data:`MAX_DAYS` long.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from salesdesk.errors import ApplicationError
from salesdesk.timezones import MOSCOW

PRESETS = ("today", "7d", "month", "range")
DEFAULT_PRESET = "7d"
MAX_DAYS = 366 * 2


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` (Moscow), both included; ``start``/``end`` the instants."""

    preset: str
    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=MOSCOW)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=MOSCOW)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range(self.days)]


def today_moscow(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(MOSCOW).date()


def _date(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ApplicationError(
            _("Dates are written as YYYY-MM-DD."),
            code="validation_error",
            details={field: [_("A date as YYYY-MM-DD, e.g. 2026-11-01.")]},
        ) from None


def period_from(
    params: Mapping[str, Any], *, now: dt.datetime | None = None, default: str = DEFAULT_PRESET
) -> Period:
    """The period the query parameters ask for (``period``, ``date_from``, ``date_to``).
    Either date alone makes a range (the other end: today, or the same day a year back)."""
    today = today_moscow(now)
    preset = str(params.get("period") or "").strip()
    date_from, date_to = params.get("date_from"), params.get("date_to")
    if not preset:
        preset = "range" if (date_from or date_to) else default
    if preset not in PRESETS:
        raise ApplicationError(
            _("Unknown period."),
            code="validation_error",
            details={"period": [_("One of: today, 7 days, month, or dates from and to.")]},
        )
    if preset == "today":
        return Period(preset, today, today)
    if preset == "7d":
        return Period(preset, today - dt.timedelta(days=6), today)
    if preset == "month":
        return Period(preset, today.replace(day=1), today)
    last = _date(date_to, "date_to") if date_to else today
    first = _date(date_from, "date_from") if date_from else last - dt.timedelta(days=364)
    if first > last:
        raise ApplicationError(
            _("The period ends before it starts."),
            code="validation_error",
            details={"date_to": [_("Not earlier than the start date.")]},
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise ApplicationError(
            _("The period is too long."),
            code="validation_error",
            details={"date_from": [_("At most two years.")]},
        )
    return Period("range", first, last)
