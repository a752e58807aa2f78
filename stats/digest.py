"""The head's daily digest (issue 13), after closing time: fifteen minutes after the working
hours end (``SALES_WORKING_HOURS``; 23:50 when they run to midnight or round the clock), beat
sends the day's figures of the sales floor (taken, touches, won, lost, conversion, revenue,
fees; per manager for those with any), the response-time alerts of the day (how many
15-minute periods had orders waiting too long, and the most that waited) and the open tasks
overdue now, per manager. A run before that time of day (a worker that was down at closing)
sends the previous day's. One message per active head and day: the
:class:`~stats.models.HeadDigest` row (unique head and day) is the claim, written in the
transaction of the message, and the key ``digest:<day>`` (per head) the last guard.

It lives in ``stats`` because it reads the statistics, and tells the heads through
:func:`notifications.services.notify_user` below it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from notifications.models import Notification
from notifications.services import notify_user
from partners.services.alerts import heads
from sales_queue.models import ResponseBreachAlert
from salesdesk.timezones import MOSCOW
from stats.managers import manager_stats, totals
from stats.models import HeadDigest
from stats.periods import Period, today_moscow


def _percent(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else (ratio * 100).quantize(Decimal("1"))


def digest_time() -> dt.time:
    """When the digest goes out (Moscow): 15 minutes after closing, at the latest 23:50 (the
    beat schedule in settings reads the same rule)."""
    return settings.SALES_WORKING_HOURS.after_closing()


def digest_day(now: dt.datetime) -> dt.date:
    """The working day a run at ``now`` reports: today once its digest time has come, else
    the day before."""
    today = today_moscow(now)
    local = timezone.localtime(now, MOSCOW).time()
    return today if local >= digest_time() else today - dt.timedelta(days=1)


def digest_context(*, now: dt.datetime) -> dict[str, Any]:
    """What the digest says at ``now``: the day that closed, and the tasks overdue now."""
    day = digest_day(now)
    rows = manager_stats(period=Period("range", day, day), now=now)
    total = totals(rows)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=MOSCOW)
    breaches = ResponseBreachAlert.objects.filter(
        bucket__gte=start, bucket__lt=start + dt.timedelta(days=1)
    ).aggregate(periods=Count("pk"), most=Max("waiting"))
    query = urlencode({"period": "range", "date_from": day.isoformat(), "date_to": day.isoformat()})
    return {
        "day": day,
        "totals": total,
        "conversion_percent": _percent(total.conversion),
        "breach_periods": breaches["periods"] or 0,
        "breach_most_waiting": breaches["most"] or 0,
        "sla_minutes": settings.SALES_RESPONSE_SLA_MINUTES,
        "managers": [
            row for row in rows if row.taken or row.touches or row.won or row.lost or row.revenue
        ],
        "overdue": sorted(
            (row for row in rows if row.overdue_tasks),
            key=lambda row: (-row.overdue_tasks, row.name),
        ),
        "stats_url": f"{settings.SITE_URL}{reverse('stats_head:managers')}?{query}",
        "tasks_url": settings.SITE_URL + reverse("tasks_head:monitor"),
    }


def head_digest_send(*, now: dt.datetime | None = None) -> int:
    """Write the closed day's digest for each active head who has not had it; returns how
    many."""
    now = now or timezone.now()
    context = digest_context(now=now)
    today = context["day"]
    sent = 0
    for head in heads():
        with transaction.atomic():
            try:
                with transaction.atomic():
                    HeadDigest.objects.create(head=head, day=today, created_at=now)
            except IntegrityError:
                continue  # sent today already (or being sent by another run)
            notify_user(
                key=f"digest:{today.isoformat()}",
                kind=Notification.Kind.HEAD_DIGEST,
                user=head,
                template="head_digest",
                context=context,
            )
            sent += 1
    return sent
