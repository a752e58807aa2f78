"""Links into the statistics pages from other pages (the statements link to the partner's
report for their month)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from billing.months import next_month

register = template.Library()


@register.simple_tag
def sales_department_month_url(month: dt.date) -> str:
    """The partner's report «Что принёс отдел продаж» for the calendar month of ``month``."""
    first = month.replace(day=1)
    last = next_month(first) - dt.timedelta(days=1)
    query = urlencode({"date_from": first.isoformat(), "date_to": last.isoformat()})
    return f"{reverse('partner_stats:report')}?{query}"
