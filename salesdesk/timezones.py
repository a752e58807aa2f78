"""The service's time zone. Working hours, statement months and the pages are Moscow time."""

from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")
