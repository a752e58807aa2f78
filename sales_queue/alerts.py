"""Alerts of the sales queue (issue 13), each a periodic producer run once a minute:

* **A due callback** → the manager holding it: when a scheduled callback's time
  (``available_at``) has come. Items are chosen under ``SKIP LOCKED`` and marked
  (``callback_alerted_for`` = the callback's time) in the transaction that writes the alert;
  the key ``callback:<item>:<time>`` is the last guard. A callback moved to another time is a
  new callback and is announced again.
* **Orders waiting too long** → every active head: orders in the queue (``queued``, takeable
  now) that have waited longer than ``SALES_RESPONSE_SLA_MINUTES`` of working time since they
  last became takeable (``available_at``). Only during working hours, and at most one alert per
  15-minute bucket (Moscow clock: :00, :15, :30, :45) for the whole floor: the bucket's
  :class:`~sales_queue.models.ResponseBreachAlert` row is the claim — a second run in the same
  bucket, even at the same moment, finds it taken — and the key ``response_breach:<bucket>``
  the last guard.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from crm.reminders import unchanged_for
from notifications.models import Notification
from notifications.services import notify_user
from partners.services.alerts import heads_notify
from sales_queue.hours import is_working_time, waited_longer_since, working_time_between
from sales_queue.models import QueueItem, ResponseBreachAlert, takeable

BATCH_SIZE = 200
BUCKET_MINUTES = 15
State = QueueItem.State


# --- due callbacks ----------------------------------------------------------------------------


def callbacks_due(*, now: dt.datetime) -> QuerySet[QueueItem]:
    """Scheduled callbacks whose time has come and whose manager has not been told of it."""
    return (
        QueueItem.objects.filter(state=State.SCHEDULED, available_at__lte=now)
        .filter(Q(callback_alerted_for__isnull=True) | ~Q(callback_alerted_for=F("available_at")))
        .order_by("available_at", "pk")
    )


def _callback_alert(item: QueueItem) -> None:
    manager = item.holder
    if manager is None or not manager.is_active:
        return
    order = item.order
    deal = getattr(item, "deal", None)
    notify_user(
        key=f"callback:{item.pk}:{item.available_at.isoformat()}",
        kind=Notification.Kind.CALLBACK_DUE,
        user=manager,
        template="callback_due",
        context={
            "item": item,
            "product": item.product,
            "buyer": (order.customer_name if order else "") or (deal.contact_name if deal else ""),
            "phone": (order.customer_phone if order else "")
            or (deal.contact_phone if deal else ""),
            "at": item.available_at,
            "workspace_url": settings.SITE_URL + reverse("queue:workspace"),
        },
    )


def callbacks_due_send(*, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Tell managers of the callbacks due now, batch by batch (each its own transaction);
    returns how many callbacks were announced."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            items = list(
                callbacks_due(now=now)
                .select_related("holder", "order", "product", "deal")
                .select_for_update(skip_locked=True, of=("self",))[:batch_size]
            )
            for item in items:
                _callback_alert(item)
                QueueItem.objects.filter(pk=item.pk).update(callback_alerted_for=item.available_at)
            sent += len(items)
        if len(items) < batch_size:
            return sent


# --- orders waiting too long ------------------------------------------------------------------


def bucket_of(now: dt.datetime) -> dt.datetime:
    """The start of the 15-minute bucket ``now`` falls in (aware, UTC)."""
    moment = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
    return moment - dt.timedelta(minutes=moment.minute % BUCKET_MINUTES)


def waiting_too_long(*, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """How many takeable orders have waited longer than the response SLA (working time), and
    since when the oldest of them waits (``None`` when none)."""
    sla = dt.timedelta(minutes=settings.SALES_RESPONSE_SLA_MINUTES)
    since = waited_longer_since(now, sla)
    # Only what take-next could hand out: an order of a product switched off meanwhile is not
    # waiting for a manager.
    row = QueueItem.objects.filter(takeable(since)).aggregate(
        oldest=Min("available_at"), count=Count("pk")
    )
    return row["count"], row["oldest"]


def response_breaches_send(*, now: dt.datetime | None = None) -> int:
    """Alert the heads when orders wait longer than the SLA; returns how many heads were told
    (0 outside working hours, with nothing waiting too long, or when this bucket's alert has
    gone already)."""
    now = now or timezone.now()
    if not is_working_time(now):
        return 0
    waiting, oldest = waiting_too_long(now=now)
    if not waiting or oldest is None:
        return 0
    bucket = bucket_of(now)
    with translation.override(settings.LANGUAGE_CODE):
        waited = unchanged_for(working_time_between(oldest, now))
    with transaction.atomic():
        try:
            with transaction.atomic():
                ResponseBreachAlert.objects.create(
                    bucket=bucket, waiting=waiting, oldest_since=oldest, created_at=now
                )
        except IntegrityError:
            return 0  # this bucket's alert is written (or being written) by another run
        return heads_notify(
            key=f"response_breach:{bucket.isoformat()}",
            kind=Notification.Kind.RESPONSE_BREACH,
            template="response_breach",
            context={
                "waiting": waiting,
                "oldest_since": oldest,
                "oldest_waited": waited,
                "sla_minutes": settings.SALES_RESPONSE_SLA_MINUTES,
                "queue_url": settings.SITE_URL + reverse("queue_head:queue"),
            },
        )
