"""Writing notifications (in the caller's transaction) and sending one again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User
from notifications.models import Notification, NotificationPreference
from notifications.selectors import channels_for, preference_table
from notifications.tasks import enqueue

SUBJECT_MAX = 255
URL_MAX = 500


def notification_write(
    *,
    key: str,
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    html: str = "",
    channel: str = Notification.Channel.EMAIL,
    user: User | None = None,
    url: str = "",
) -> tuple[Notification, bool]:
    """The row for ``key`` and whether this call created it. It is written in the caller's
    transaction and handed to a worker when that commits; a key written before (also by a
    concurrent transaction: the unique constraint decides) is left as it is."""
    notification, created = Notification.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "channel": channel,
            "recipient": recipient,
            "user": user,
            # A header: one line.
            "subject": " ".join(subject.split())[:SUBJECT_MAX],
            "text": text,
            "html": html,
            "url": url,
        },
    )
    if created:
        transaction.on_commit(lambda: enqueue(notification.pk))
    return notification, created


def notify(
    *,
    key: str,
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    html: str = "",
    channel: str = Notification.Channel.EMAIL,
    user: User | None = None,
) -> Notification:
    """Write a notification in the caller's transaction; deliver it after commit. Nothing
    here waits on the broker or the mail server. A duplicate key returns the existing row."""
    notification, _created = notification_write(
        key=key,
        kind=kind,
        recipient=recipient,
        subject=subject,
        text=text,
        html=html,
        channel=channel,
        user=user,
    )
    return notification


def notify_user(
    *,
    key: str,
    kind: str,
    user: User,
    template: str,
    context: Mapping[str, Any],
) -> list[Notification]:
    """Tell one person (an employee or a partner's user) about an event, through each channel
    they receive this kind of message on (notifications.selectors.channels_for: their
    preferences, or the defaults), in the caller's transaction. ``key`` names the logical
    message (``<event>:<id>``); each channel's row gets its own key from it
    (``<key>:<channel>:<user id>``), so writing the same event again sends nothing twice. The
    message is ``template`` rendered once with ``context`` (plus ``user``); the context's
    ``url`` (or else its first ``*_url``) is kept as the in-app list's link."""
    return [
        row
        for row, _created in notify_user_written(
            key=key, kind=kind, user=user, template=template, context=context
        )
    ]


def notify_user_written(
    *,
    key: str,
    kind: str,
    user: User,
    template: str,
    context: Mapping[str, Any],
) -> list[tuple[Notification, bool]]:
    """:func:`notify_user`, with whether each row was written by this call (False: the key
    was written before)."""
    subject, text, html = notification_render(template, {**context, "user": user})
    url = context_url(context)
    rows = []
    for channel, recipient in channels_for(user=user, kind=kind):
        rows.append(
            notification_write(
                key=f"{key}:{channel}:{user.pk}",
                kind=kind,
                recipient=recipient,
                subject=subject,
                text=text,
                html=html if channel == Notification.Channel.EMAIL else "",
                channel=channel,
                user=user,
                url=url,
            )
        )
    return rows


def context_url(context: Mapping[str, Any]) -> str:
    candidates = [context.get("url")] + [
        value for name, value in context.items() if name.endswith("_url")
    ]
    for value in candidates:
        if isinstance(value, str) and value.startswith(("http://", "https://", "/")):
            return value[:URL_MAX]
    return ""


def notification_mark_read(
    *, user: User, notification_id: Any, now: dt.datetime | None = None
) -> bool:
    """Mark one of the user's in-app notifications read; False if it already was (or is not
    theirs: the view looks it up among the user's own first)."""
    now = now or timezone.now()
    return bool(
        Notification.objects.filter(
            pk=notification_id,
            user=user,
            channel=Notification.Channel.IN_APP,
            read_at__isnull=True,
        ).update(read_at=now)
    )


def notifications_mark_all_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark all the user's unread in-app notifications read: how many."""
    now = now or timezone.now()
    return Notification.objects.filter(
        user=user, channel=Notification.Channel.IN_APP, read_at__isnull=True
    ).update(read_at=now)


def notification_preferences_save(*, user: User, enabled: set[tuple[str, str]]) -> None:
    """Store the settings page: every (kind, channel) cell the page showed the user is on if
    it is in ``enabled``, off otherwise. Cells not shown (Telegram before linking it) keep
    their value."""
    table = preference_table(user)
    with transaction.atomic():
        for row in table.rows:
            for channel, _was in row.cells:
                NotificationPreference.objects.update_or_create(
                    user=user,
                    kind=row.kind,
                    channel=channel,
                    defaults={"enabled": (row.kind, channel) in enabled},
                )


def notification_render(
    template: str, context: Mapping[str, Any], *, language: str | None = None
) -> tuple[str, str, str]:
    """Subject, text and HTML of ``templates/notifications/<template>{_subject.txt,.txt,.html}``
    in ``language`` (the site's, Russian, by default)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"notifications/{template}_subject.txt", context).strip()
        context = {**context, "subject": subject}
        text = render_to_string(f"notifications/{template}.txt", context)
        html = render_to_string(f"notifications/{template}.html", context)
    return subject, text, html


def notification_resend(*, notification: Notification, now: dt.datetime | None = None) -> bool:
    """Send a failed (or still pending) notification again: attempts start over and a worker
    gets it after commit. False if it was sent or is being sent meanwhile."""
    now = now or timezone.now()
    changed = Notification.objects.filter(
        pk=notification.pk, status__in=[Notification.Status.FAILED, Notification.Status.PENDING]
    ).update(status=Notification.Status.PENDING, attempts=0, next_attempt_at=now, last_error="")
    if changed:
        transaction.on_commit(lambda: enqueue(notification.pk))
    return bool(changed)
