"""The service's time zone. Working hours, statement months and the pages are Moscow time."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _

MOSCOW = ZoneInfo("Europe/Moscow")


def moscow_datetime(moment: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """The one way pages, e-mails and messages show a moment: Moscow time, the day and the
    month in words, «28 ноября 2026, 20:13»; the year is left out within the current Moscow
    year (``now``, by default the present): «28 ноября, 20:13». For a table column of many
    moments the pages may still use the compact ``d.m.Y H:i``."""
    local = timezone.localtime(moment, MOSCOW)
    this_year = timezone.localtime(now or timezone.now(), MOSCOW).year
    return formats.date_format(local, "j E, H:i" if local.year == this_year else "j E Y, H:i")


def moscow_date_at(moment: dt.datetime, *, now: dt.datetime | None = None) -> str:
    """A moment inside a sentence, where Russian needs «28 ноября в 20:13» and never
    «в 28 ноября, 20:13»: «Заказ вернётся в очередь 28 ноября в 20:13», «перезвон 29 ноября в
    10:30». The year as in :func:`moscow_datetime`."""
    local = timezone.localtime(moment, MOSCOW)
    this_year = timezone.localtime(now or timezone.now(), MOSCOW).year
    day = formats.date_format(local, "j E" if local.year == this_year else "j E Y")
    return _("%(date)s at %(time)s") % {"date": day, "time": formats.time_format(local, "H:i")}


def moscow_day(day: dt.date | dt.datetime, *, now: dt.datetime | None = None) -> str:
    """A calendar day the same way: «28 ноября 2026», within the current Moscow year «28
    ноября». A moment is first turned into its Moscow day."""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day, MOSCOW).date()
    this_year = timezone.localtime(now or timezone.now(), MOSCOW).year
    return formats.date_format(day, "j E" if day.year == this_year else "j E Y")
