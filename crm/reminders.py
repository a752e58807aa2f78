"""Stale-deal reminders (DESIGN.md, "Notifications"): each open deal unchanged for longer than
its partner's interval gets one reminder per stale period, to the partner's reminder addresses
and to the responsible manager, through the outbox.

A period is named by the deal's ``updated_at``: every change moves it on, and so starts a new
period. The deals are chosen by one query per batch (the partner's settings joined in), locked
with SKIP LOCKED so a second run at the same time takes other deals, and marked
(``Deal.stale_reminded_for``) in the same transaction as their reminders. The outbox's unique
key (``stale:<deal>:<updated_at>:<address>``) is the last guard: the same period is never
written twice, whatever runs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from crm.models import Deal
from crm.services import deals_stale_reminded
from notifications.models import Notification
from notifications.services import (
    notification_render,
    notification_write,
    notify_user_written,
)

BATCH_SIZE = 200


def stale_deals(*, now: dt.datetime) -> QuerySet[Deal]:
    """Open deals of partners with reminders on, unchanged for longer than the partner's
    interval, whose current period has not been reminded of; the longest unchanged first."""
    # (an IntegerField to SQLite's duration arithmetic, which refuses a PositiveIntegerField)
    minutes = ExpressionWrapper(
        F("partner__deal_settings__stale_after_minutes"), output_field=IntegerField()
    )
    stale_after = ExpressionWrapper(
        minutes * Value(dt.timedelta(minutes=1)), output_field=DurationField()
    )
    return (
        Deal.objects.filter(
            status=Deal.Status.OPEN, partner__deal_settings__stale_reminder_enabled=True
        )
        .filter(Q(stale_reminded_for__isnull=True) | ~Q(stale_reminded_for=F("updated_at")))
        .alias(stale_at=F("updated_at") + stale_after)
        .filter(stale_at__lte=now)
        .order_by("updated_at", "pk")
    )


def unchanged_for(delta: dt.timedelta) -> str:
    """«3 дня 5 часов», «1 час 5 минут», «40 минут»: the two largest units."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = [
        (days, ngettext("%(n)d day", "%(n)d days", days)),
        (hours, ngettext("%(n)d hour", "%(n)d hours", hours)),
        (minutes, ngettext("%(n)d minute", "%(n)d minutes", minutes)),
    ]
    while len(units) > 1 and units[0][0] == 0:
        units.pop(0)
    return " ".join(text % {"n": n} for n, text in units[:2] if n or len(units) == 1)


def _addresses(deal: Deal) -> list[str]:
    """The partner's reminder addresses, each once, without the responsible manager's (the
    manager is told as a user, on the channels they chose)."""
    seen: dict[str, str] = {}
    manager_email = deal.responsible.email.lower() if deal.responsible.is_active else ""
    for address in deal.partner.deal_settings.reminder_emails:
        if address.lower() != manager_email:
            seen.setdefault(address.lower(), address)
    return list(seen.values())


def _remind(deal: Deal, *, now: dt.datetime) -> int:
    """Remind the partner's addresses (email) and the responsible manager (``notify_user``:
    email, the bell, Telegram, as they chose) of one stale period; returns how many of them
    were reminded now."""
    period = deal.updated_at.isoformat()
    with translation.override(settings.LANGUAGE_CODE):
        how_long = unchanged_for(now - deal.updated_at)
    context = {
        "deal": deal,
        "buyer": deal.contact_name or (deal.contact.name if deal.contact else ""),
        "unchanged_for": how_long,
    }
    written = 0
    # The partner's people open their deal list; the manager, the deal itself.
    cabinet = {**context, "deal_url": settings.SITE_URL + reverse("deals_cabinet:list")}
    subject, text, html = notification_render("stale_deal", cabinet)
    for address in _addresses(deal):
        _notification, created = notification_write(
            key=f"stale:{deal.pk}:{period}:{address.lower()}",
            kind=Notification.Kind.STALE_DEAL,
            recipient=address,
            subject=subject,
            text=text,
            html=html,
        )
        written += created
    manager = deal.responsible
    if manager.is_active:
        rows = notify_user_written(
            key=f"stale:{deal.pk}:{period}",
            kind=Notification.Kind.STALE_DEAL,
            user=manager,
            template="stale_deal",
            context={
                **context,
                "deal_url": settings.SITE_URL + reverse("deals:deal", kwargs={"deal_id": deal.pk}),
            },
        )
        written += any(created for _row, created in rows)
    return written


def stale_deal_reminders_send(
    *, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> int:
    """Write the reminders due now, batch by batch (each its own transaction); returns how
    many were written (one per address and deal). Sent after each batch commits."""
    now = now or timezone.now()
    written = 0
    while True:
        with transaction.atomic():
            deals = list(
                stale_deals(now=now)
                .select_related("partner__deal_settings", "responsible", "contact", "stage")
                .select_for_update(skip_locked=True, of=("self",))[:batch_size]
            )
            for deal in deals:
                written += _remind(deal, now=now)
            deals_stale_reminded(deal_ids=[deal.pk for deal in deals])
        if len(deals) < batch_size:
            return written
