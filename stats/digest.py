"""The head's daily digest (issue 13), at 09:00 Moscow (beat): yesterday's figures of the
sales floor (taken, touches, won, lost, conversion, revenue, fees; per manager for those with
any) and the open tasks overdue now, per manager. One message per active head and day: the
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
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from notifications.models import Notification
from notifications.services import notify_user
from partners.services.alerts import heads
from stats.managers import manager_stats, totals
from stats.models import HeadDigest
from stats.periods import Period, today_moscow


def _percent(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else (ratio * 100).quantize(Decimal("1"))


def digest_context(*, now: dt.datetime) -> dict[str, Any]:
    """What the digest says at ``now``: yesterday (Moscow) and the tasks overdue now."""
    today = today_moscow(now)
    yesterday = today - dt.timedelta(days=1)
    rows = manager_stats(period=Period("range", yesterday, yesterday), now=now)
    total = totals(rows)
    day = yesterday.isoformat()
    query = urlencode({"period": "range", "date_from": day, "date_to": day})
    return {
        "day": yesterday,
        "today": today,
        "totals": total,
        "conversion_percent": _percent(total.conversion),
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
    """Write today's digest for each active head who has not had it; returns how many."""
    now = now or timezone.now()
    context = digest_context(now=now)
    today = context["today"]
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
