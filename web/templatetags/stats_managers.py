"""How the manager statistics show their figures in Russian: money «1 234,50 ₽», durations
«1 ч 05 мин», conversion «66,7 %», loss reasons by name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

from crm.models import DealLostReason
from salesdesk.money import format_rub

register = template.Library()
NBSP = "\u00a0"


@register.filter
def rub(value: Any) -> str:
    """The site's one money format (:func:`salesdesk.money.format_rub`)."""
    return format_rub(value)


@register.filter
def duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = max(0, round(value.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": f"{minutes:02d}"}
    if minutes:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(seconds)s s") % {"seconds": seconds}


@register.filter
def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}".replace(".", ",")
    return f"{text}{NBSP}%"


def reason_label(code: str) -> str:
    if not code:
        return _("Reason not given")
    return str(dict(DealLostReason.choices).get(code, _("Other")))


@register.filter
def lost_reasons(reasons: dict[str, int]) -> list[tuple[str, int]]:
    """The reasons by name, most frequent first."""
    return sorted(((reason_label(k), n) for k, n in reasons.items()), key=lambda r: (-r[1], r[0]))
