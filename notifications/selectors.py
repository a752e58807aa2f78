"""Reads of the outbox, the in-app list and the preferences."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from notifications.kinds import kinds_for_role
from notifications.models import Notification, NotificationPreference
from notifications.telegram import telegram_chat_of, telegram_enabled

C = Notification.Channel
# With no preference row a kind comes on every channel the user has: the bell and email always,
# Telegram once they link a chat (linking it is asking for it).
DEFAULT_ENABLED: dict[str, bool] = {C.EMAIL: True, C.IN_APP: True, C.TELEGRAM: True}
# The settings table's column headings: short, so three columns fit a phone.
COLUMN_LABELS: dict[str, str | Promise] = {
    C.EMAIL: _("Mail"),
    C.IN_APP: _("On the site"),
    C.TELEGRAM: _("Telegram"),
}


def outbox_status(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """What operations watch: rows waiting to be sent (and how long the oldest has waited),
    rows a worker is sending, and rows that failed for good."""
    now = now or timezone.now()
    S = Notification.Status
    row = Notification.objects.filter(status__in=[S.PENDING, S.SENDING, S.FAILED]).aggregate(
        pending=Count("pk", filter=Q(status=S.PENDING)),
        sending=Count("pk", filter=Q(status=S.SENDING)),
        failed=Count("pk", filter=Q(status=S.FAILED)),
        oldest=Min("created_at", filter=Q(status=S.PENDING)),
    )
    oldest = row.pop("oldest")
    return row | {"oldest_pending_seconds": int((now - oldest).total_seconds()) if oldest else None}


def notifications_unsent() -> QuerySet[Notification]:
    """What the head looks after: the failed notifications and those still waiting, newest
    first."""
    return Notification.objects.filter(
        status__in=[Notification.Status.FAILED, Notification.Status.PENDING]
    ).order_by("-created_at", "-pk")


def inbox_for(user: User) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first (index ``notification_inbox_idx``)."""
    return Notification.objects.filter(user=user, channel=C.IN_APP).order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    """The bell's number: one count over the partial index ``notification_unread_idx``."""
    return Notification.objects.filter(user=user, channel=C.IN_APP, read_at__isnull=True).count()


def channels_available(user: User, *, telegram_chat: int | None = None) -> list[str]:
    """The channels ``user`` can be reached on now, in the settings page's order."""
    channels: list[str] = []
    if user.email:
        channels.append(C.EMAIL)
    channels.append(C.IN_APP)
    if telegram_enabled() and telegram_chat is not None:
        channels.append(C.TELEGRAM)
    return channels


def preferences_of(user: User) -> dict[tuple[str, str], bool]:
    return {
        (kind, channel): enabled
        for kind, channel, enabled in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "channel", "enabled"
        )
    }


def channels_for(*, user: User, kind: str) -> list[tuple[str, str]]:
    """(channel, recipient) for each channel ``user`` gets ``kind`` on: email to their
    address, the bell to them, Telegram to their linked chat."""
    chat = telegram_chat_of(user) if telegram_enabled() else None
    chosen = preferences_of(user)
    recipients: dict[str, str] = {C.EMAIL: user.email, C.IN_APP: user.email, C.TELEGRAM: str(chat)}
    return [
        (channel, recipients[channel])
        for channel in channels_available(user, telegram_chat=chat)
        if chosen.get((kind, channel), DEFAULT_ENABLED[channel])
    ]


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    cells: list[tuple[str, bool]]  # (channel, enabled), in ``channels``' order


@dataclass(frozen=True)
class PreferenceTable:
    channels: list[tuple[str, str]]  # (value, label)
    rows: list[PreferenceRow]


def preference_table(user: User) -> PreferenceTable:
    """The settings page: the kinds for the user's role × the channels they have."""
    chat = telegram_chat_of(user) if telegram_enabled() else None
    channels = channels_available(user, telegram_chat=chat)
    chosen = preferences_of(user)
    rows = [
        PreferenceRow(
            kind=kind,
            label=str(label),
            cells=[
                (channel, chosen.get((kind, channel), DEFAULT_ENABLED[channel]))
                for channel in channels
            ],
        )
        for kind, label in kinds_for_role(user.role)
    ]
    return PreferenceTable(channels=[(c, str(COLUMN_LABELS[c])) for c in channels], rows=rows)
