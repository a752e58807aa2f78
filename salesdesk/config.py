"""Reading settings from the environment, failing loudly on a value we cannot use.

django-environ parses URLs well but quietly turns an unknown boolean such as
``DEBUG=ture`` into ``False``; a misconfigured production box should refuse to
start instead, so every scalar goes through the strict helpers here.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use one of: true, false, 1, 0).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_percent(name: str, default: Decimal) -> Decimal:
    """A percentage from 0 to 100 with at most 2 decimal places (``5``, ``7.5``)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = Decimal(raw.strip().replace(",", "."))
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ImproperlyConfigured(f"{name}={raw!r} must be a percentage from 0 to 100.")
    if value != value.quantize(Decimal("0.01")):
        raise ImproperlyConfigured(f"{name}={raw!r} has more than 2 decimal places.")
    return value.quantize(Decimal("0.01"))


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class WorkingHours:
    """Daily window (local time) in which managers may take work.

    ``end`` is ``None`` for a day that ends at midnight (``24:00``); ``00:00-24:00`` is round
    the clock.
    """

    start: dt.time
    end: dt.time | None

    def __str__(self) -> str:
        end = "24:00" if self.end is None else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}-{end}"

    @property
    def round_the_clock(self) -> bool:
        return self.start == dt.time(0) and self.end is None

    def after_closing(self, minutes: int = 15, latest: dt.time = dt.time(23, 50)) -> dt.time:
        """``minutes`` after the working day ends, at the latest ``latest`` (also when the day
        runs to midnight or round the clock): when the head's digest goes out."""
        if self.end is None:
            return latest
        moment = dt.datetime.combine(dt.date(2000, 1, 1), self.end) + dt.timedelta(minutes=minutes)
        return min(moment.time(), latest) if moment.day == 1 else latest

    def contains(self, moment: dt.time) -> bool:
        """Half-open: the start is inside, the end is not."""
        return self.start <= moment and (self.end is None or moment < self.end)


_HOURS_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def parse_working_hours(raw: str) -> WorkingHours:
    """Parse ``HH:MM-HH:MM``; the end must come after the start (no overnight shifts).

    The end may be ``24:00`` (midnight at the end of the day): ``00:00-24:00`` means round the
    clock.
    """
    match = _HOURS_RE.match(raw.strip())
    if not match:
        raise ImproperlyConfigured(
            f"SALES_WORKING_HOURS={raw!r} is not in the form HH:MM-HH:MM (e.g. 09:00-21:00)."
        )
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start = dt.time(h1, m1)
        end = None if (h2, m2) == (24, 0) else dt.time(h2, m2)
    except ValueError:
        raise ImproperlyConfigured(
            f"SALES_WORKING_HOURS={raw!r} holds an impossible time."
        ) from None
    if end is not None and end <= start:
        raise ImproperlyConfigured(
            f"SALES_WORKING_HOURS={raw!r}: the end of the working day must be after its start."
        )
    return WorkingHours(start, end)


_RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(name: str, raw: str) -> tuple[int, int]:
    """``"10/hour"`` (DRF's spelling: second, minute, hour, day, or their first letter) →
    (requests, seconds)."""
    count, _slash, period = raw.strip().partition("/")
    seconds = _RATE_PERIODS.get(period.strip()[:1].lower())
    try:
        requests = int(count)
    except ValueError:
        requests = 0
    if requests < 1 or seconds is None:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate (use N/second, N/minute, N/hour or N/day)."
        )
    return requests, seconds


def redis_url_for_test_worker(url: str, worker: str) -> str:
    """The Redis URL a pytest-xdist worker (``gw0``, ``gw1``, …) uses: the next databases after
    the configured one (``/0`` or none → ``/1`` for ``gw0``, ``/2`` for ``gw1``; 16 wrap
    round), so that one worker's ``cache.clear()`` or rate-limit counters never reach
    another's. Outside such a worker the URL is returned as is."""
    if not worker.startswith("gw") or not worker[2:].isdigit():
        return url
    parts = urlsplit(url)
    database = parts.path.strip("/") or "0"
    if not database.isdigit():
        return url
    number = (int(database) + 1 + int(worker[2:])) % 16
    return urlunsplit(parts._replace(path=f"/{number}"))
