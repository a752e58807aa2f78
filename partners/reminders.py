"""Alignment-call reminders to the partner (issue 13): the day before (24 hours) and an hour
before a booked call, to the partner's active people (owner and staff, as the decision email),
through :func:`notifications.services.notify_user`.

A reminder is due from its moment (the call's start minus 24 hours or minus one hour) until the
call starts, and only for a booking made before that moment (a call booked three hours ahead
gets the hour's reminder only; one booked 30 minutes ahead, none). Once the hour's reminder is
due the day's is no longer sent. A cancelled booking, or one whose slot was withdrawn, is never
reminded of; a moved call is a new booking, with its own reminders.

The bookings are chosen under ``SKIP LOCKED`` and marked (``day_reminder_at`` /
``hour_reminder_at``) in the transaction that writes their reminders; the key
``call_reminder:<booking>:<day|hour>:<slot start>`` is the last guard."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet, Value
from django.urls import reverse
from django.utils import timezone

from accounts.models import PARTNER_ROLES, User
from notifications.models import Notification
from notifications.services import notify_user
from partners.models import CallBooking

BATCH_SIZE = 200
DAY, HOUR = "day", "hour"
LEADS = {DAY: dt.timedelta(hours=24), HOUR: dt.timedelta(hours=1)}
MARKS = {DAY: "day_reminder_at", HOUR: "hour_reminder_at"}


def reminders_due(*, which: str, now: dt.datetime) -> QuerySet[CallBooking]:
    """Live bookings whose ``which`` reminder is due at ``now`` and not yet written."""
    lead = LEADS[which]
    moment = ExpressionWrapper(F("slot__starts_at") - Value(lead), output_field=DateTimeField())
    bookings = CallBooking.objects.filter(
        cancelled_at__isnull=True,
        held_at__isnull=True,
        slot__cancelled_at__isnull=True,
        slot__starts_at__gt=now,
        slot__starts_at__lte=now + lead,
        **{f"{MARKS[which]}__isnull": True},
    ).alias(moment=moment)
    if which == DAY:
        # Within the last hour the hour's reminder speaks for both.
        bookings = bookings.filter(slot__starts_at__gt=now + LEADS[HOUR])
    return bookings.filter(created_at__lt=F("moment")).order_by("slot__starts_at", "pk")


def _remind(booking: CallBooking, *, which: str) -> int:
    people = User.objects.filter(
        partner_id=booking.partner_id, role__in=sorted(PARTNER_ROLES), is_active=True
    ).order_by("email")
    starts_at = booking.slot.starts_at
    context = {
        "booking": booking,
        "partner": booking.partner,
        "products": list(booking.products.order_by("name")),
        "starts_at": starts_at,
        "duration_minutes": booking.slot.duration_minutes,
        "which": which,
        "cabinet_url": settings.SITE_URL + reverse("partners:cabinet"),
    }
    told = 0
    for person in people:
        notify_user(
            key=f"call_reminder:{booking.pk}:{which}:{starts_at.isoformat()}",
            kind=Notification.Kind.CALL_REMINDER,
            user=person,
            template="call_reminder",
            context=context,
        )
        told += 1
    return told


def call_reminders_send(*, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Write the reminders due now, batch by batch (each its own transaction); returns how many
    bookings were reminded of (each to all of the partner's people)."""
    now = now or timezone.now()
    sent = 0
    for which in (HOUR, DAY):
        while True:
            with transaction.atomic():
                bookings = list(
                    reminders_due(which=which, now=now)
                    .select_related("slot", "partner")
                    .select_for_update(skip_locked=True, of=("self",))[:batch_size]
                )
                for booking in bookings:
                    _remind(booking, which=which)
                CallBooking.objects.filter(pk__in=[b.pk for b in bookings]).update(
                    **{MARKS[which]: now}
                )
                sent += len(bookings)
            if len(bookings) < batch_size:
                break
    return sent
