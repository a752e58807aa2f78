"""One format for moments on the pages: ``{% load dates %}``.

* ``{{ moment|moscow_dt }}`` — «28 ноября 2026, 20:13», within the current year «28 ноября,
  20:13» (:func:`salesdesk.timezones.moscow_datetime`);
* ``{{ moment|moscow_at }}`` — inside a sentence: «28 ноября в 20:13» (never «в 28 ноября,
  20:13»; :func:`salesdesk.timezones.moscow_date_at`).
"""

from __future__ import annotations

import datetime as dt

from django import template

from salesdesk.timezones import moscow_date_at, moscow_datetime, moscow_day

register = template.Library()


@register.filter
def moscow_dt(value: dt.datetime | None) -> str:
    return "—" if value is None else moscow_datetime(value)


@register.filter
def moscow_at(value: dt.datetime | None) -> str:
    return "—" if value is None else moscow_date_at(value)


@register.filter
def moscow_date(value: dt.date | None) -> str:
    return "—" if value is None else moscow_day(value)
