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


def _day_end(local: dt.datetime) -> dt.datetime:
    """The end of the working day that ``local`` (inside working hours) belongs to."""
    hours = settings.SALES_WORKING_HOURS
    if hours.end is None:
        return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=MOSCOW)
    return dt.datetime.combine(local.date(), hours.end, tzinfo=MOSCOW)


def add_working_time(start: dt.datetime, span: dt.timedelta) -> dt.datetime:
    """The instant when ``span`` of working time has passed since ``start`` (the clock runs only
    within ``SALES_WORKING_HOURS``; from outside them it starts at the next opening)."""
    moment = next_working_time(start)
    left = span
    while True:
        end = _day_end(moment)
        if moment + left <= end:
            return moment + left
        left -= end - moment
        moment = next_working_time(end)


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time from ``start`` to ``end`` (zero if ``end`` is not later)."""
    total = dt.timedelta()
    moment = next_working_time(start)
    while moment < end:
        day_end = _day_end(moment)
        total += min(day_end, end) - moment
        moment = next_working_time(day_end)
    return total


def waited_longer_since(end: dt.datetime, span: dt.timedelta) -> dt.datetime:
    """The latest whole second ``start`` (counted back from ``end``) from which more than
    ``span`` of working time has passed by ``end``: whatever waits since this instant or
    earlier has waited longer than ``span`` in working hours. Found by halving: the working
    time from a start to ``end`` only grows as the start moves back."""
    end = end.replace(microsecond=0)

    def longer(seconds_back: int) -> bool:
        return working_time_between(end - dt.timedelta(seconds=seconds_back), end) > span

    low, high = 0, max(int(span.total_seconds()), 1)  # longer(low) is false
    while not longer(high):
        low, high = high, high * 2
    while high - low > 1:  # longer(high), not longer(low)
        middle = (low + high) // 2
        if longer(middle):
            high = middle
        else:
            low = middle
    return end - dt.timedelta(seconds=high)
