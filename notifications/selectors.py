"""Reads of the outbox."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification


def notifications_unsent() -> QuerySet[Notification]:
    """What the head looks after: the failed notifications and those still waiting, newest
    first."""
    return Notification.objects.filter(
        status__in=[Notification.Status.FAILED, Notification.Status.PENDING]
    ).order_by("-created_at", "-pk")
