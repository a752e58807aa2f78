"""Reads for the queue: the health numbers the head watches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone

from sales_queue.models import QueueItem

State = QueueItem.State


def queue_health(*, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    waiting = QueueItem.objects.filter(state=State.QUEUED, available_at__lte=now)
    totals = QueueItem.objects.aggregate(
        active=Count("pk", filter=Q(state=State.ACTIVE)),
        scheduled=Count("pk", filter=Q(state=State.SCHEDULED)),
        intake=Count("pk", filter=Q(entered_at__gte=now - dt.timedelta(hours=1))),
    )
    oldest = waiting.aggregate(oldest=Min("entered_at"))["oldest"]
    per_partner = list(
        QueueItem.objects.filter(state__in=QueueItem.OPEN_STATES)
        .values("partner__name")
        .annotate(
            queued=Count("pk", filter=Q(state=State.QUEUED)),
            active=Count("pk", filter=Q(state=State.ACTIVE)),
            scheduled=Count("pk", filter=Q(state=State.SCHEDULED)),
            oldest=Min("entered_at", filter=Q(state=State.QUEUED)),
        )
        .order_by("-queued", "partner__name")
    )
    holders = [
        {
            "item": str(item.pk),
            "manager": item.holder.email if item.holder else None,
            "manager_name": item.holder.get_full_name() if item.holder else None,
            "partner": item.partner.name,
            "product": item.product.name,
            "taken_at": item.taken_at,
            "held_seconds": int((now - item.taken_at).total_seconds()) if item.taken_at else None,
            "last_touch_at": item.last_touch_at,
        }
        for item in QueueItem.objects.filter(state=State.ACTIVE)
        .select_related("holder", "partner", "product")
        .order_by("taken_at")
    ]
    return {
        "length": waiting.count(),
        "oldest_waiting_seconds": int((now - oldest).total_seconds()) if oldest else None,
        "intake_last_hour": totals["intake"],
        "active": totals["active"],
        "scheduled": totals["scheduled"],
        "per_partner": [
            {
                "partner": row["partner__name"],
                "queued": row["queued"],
                "active": row["active"],
                "scheduled": row["scheduled"],
                "oldest_waiting_seconds": int((now - row["oldest"]).total_seconds())
                if row["oldest"]
                else None,
            }
            for row in per_partner
        ],
        "holders": holders,
    }
