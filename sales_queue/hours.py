"""Working hours of the sales department (``SALES_WORKING_HOURS``, Moscow time).

The window is half-open: with 09:00-21:00, 09:00:00 and 20:59:59 are inside, 21:00:00 is not.
An end of 24:00 runs to midnight; ``00:00-24:00`` is round the clock, every moment inside.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from salesdesk.timezones import MOSCOW


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("working hours need an aware datetime")
    return moment.astimezone(MOSCOW)


def is_working_time(moment: dt.datetime) -> bool:
    hours = settings.SALES_WORKING_HOURS
    return bool(hours.contains(_local(moment).time()))


def next_working_time(moment: dt.datetime) -> dt.datetime:
    """``moment`` itself if it is within working hours, else the next opening (aware, UTC-free:
    returned in Moscow time)."""
    hours = settings.SALES_WORKING_HOURS
    local = _local(moment)
    if is_working_time(local):
        return local
    day = local.date()
    if hours.end is not None and local.time() >= hours.end:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, hours.start, tzinfo=MOSCOW)
