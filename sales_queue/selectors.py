"""Reads for the queue, for the API and the pages alike: what a manager holds and has
scheduled, the channel to try next, the health numbers the head watches.

The workspace is open all day, so each read it makes is one bounded query; the test suite holds
the workspace to a query budget."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SELLER_ROLES, User
from crm.models import Contact
from orders.models import Order
from orders.selectors import TimelineEntry
from partners.models import Channel, Partner, Product, Questionnaire
from sales_queue.models import Outcome, QueueEvent, QueueItem, Touch, takeable

State = QueueItem.State
CALLBACKS_SHOWN = 50


def queue_current(*, manager: User) -> QueueItem | None:
    """The item the manager holds now, if any."""
    return (
        QueueItem.objects.select_related("order", "lead__lead_list", "product", "partner", "deal")
        .filter(holder=manager, state=State.ACTIVE)
        .first()
    )


def offered_channels(*, product: Product) -> list[str]:
    """The product's allowed channels as the workspace offers them: the partner's priority
    channel first, then the rest in the partner's order."""
    channels = [str(c) for c in product.channels]
    priority = product.priority_channel
    if priority in channels:
        return [priority, *(c for c in channels if c != priority)]
    return channels


def exhausted_channel(*, item: QueueItem) -> str | None:
    """The channel on which the item's last ``SALES_CHANNEL_SWITCH_AFTER`` touches were all
    unanswered, if they were all on one channel."""
    limit = settings.SALES_CHANNEL_SWITCH_AFTER
    recent = list(
        item.touches.order_by("-created_at", "-id").values_list("channel", "outcome")[:limit]
    )
    if len(recent) < limit:
        return None
    channels = {c for c, _o in recent}
    if len(channels) != 1 or any(o != Outcome.NO_ANSWER for _c, o in recent):
        return None
    return str(channels.pop())


def suggested_channel(*, item: QueueItem) -> str | None:
    """After N unanswered touches in a row on one channel, the allowed channel to use next:
    the priority channel, else the first other one in the partner's order (none when the
    exhausted channel is the only one)."""
    tried = exhausted_channel(item=item)
    if tried is None:
        return None
    for channel in offered_channels(product=item.product):
        if channel != tried:
            return channel
    return None


def queue_health(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The head's numbers. ``length`` and each partner's ``queued`` count the same set — what a
    manager could take now — so the rows add up to the headline; ``deferred`` counts queued
    items that are not takeable yet (a retry delay not over, a product switched off or not
    approved, a blocked partner)."""
    now = now or timezone.now()
    can_take = takeable(now)
    deferred = Q(state=State.QUEUED) & ~can_take
    waiting = QueueItem.objects.filter(can_take)
    totals = QueueItem.objects.aggregate(
        active=Count("pk", filter=Q(state=State.ACTIVE)),
        scheduled=Count("pk", filter=Q(state=State.SCHEDULED)),
        deferred=Count("pk", filter=deferred),
        intake=Count("pk", filter=Q(entered_at__gte=now - dt.timedelta(hours=1))),
    )
    oldest = waiting.aggregate(oldest=Min("entered_at"))["oldest"]
    per_partner = list(
        QueueItem.objects.filter(state__in=QueueItem.OPEN_STATES)
        .values("partner_id", "partner__name")
        .annotate(
            queued=Count("pk", filter=can_take),
            deferred=Count("pk", filter=deferred),
            active=Count("pk", filter=Q(state=State.ACTIVE)),
            scheduled=Count("pk", filter=Q(state=State.SCHEDULED)),
            oldest=Min("entered_at", filter=can_take),
        )
        .order_by("-queued", "partner__name", "partner_id")
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
        "deferred": totals["deferred"],
        "per_partner": [
            {
                "partner": row["partner__name"],
                "queued": row["queued"],
                "deferred": row["deferred"],
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


def item_events(*, item: QueueItem) -> list[TimelineEntry]:
    """The queue's part of an order's timeline: entered, taken, each touch, closed."""
    entries = [TimelineEntry(item.entered_at, "queued", _("Entered the sales department's queue"))]
    if item.taken_at is not None:
        holder = item.holder.get_full_name() if item.holder else ""
        entries.append(TimelineEntry(item.taken_at, "taken", _("Taken by a manager"), holder))
    channels = dict(Channel.choices)
    touches = Touch.objects.filter(item=item).select_related("manager").order_by("created_at")
    for touch in touches:
        detail = " · ".join(
            part
            for part in (
                str(touch.get_outcome_display()),
                str(channels.get(touch.channel, touch.channel)),
                touch.manager.get_full_name(),
                touch.comment,
            )
            if part
        )
        entries.append(TimelineEntry(touch.created_at, "touch", _("Contacted the buyer"), detail))
    if item.closed_at is not None:
        entries.append(
            TimelineEntry(
                item.closed_at,
                "closed",
                _("Closed in the sales department"),
                str(item.get_outcome_display()),
            )
        )
    return entries


def item_questionnaire(*, item: QueueItem) -> Questionnaire | None:
    """The questionnaire of the item's product, if the partner filled one."""
    return Questionnaire.objects.filter(product_id=item.product_id).first()


def item_touches(*, item: QueueItem) -> QuerySet[Touch]:
    """The item's touches, newest first, with their managers."""
    return item.touches.select_related("manager").order_by("-created_at", "-id")


def item_handoff(*, item: QueueItem) -> Touch | None:
    """The caller's handoff of the item to the closers (its last ``qualified`` touch, with the
    caller), or ``None``: what the closer reads before calling the warm buyer."""
    return (
        item.touches.filter(outcome=Outcome.QUALIFIED)
        .select_related("manager")
        .order_by("-created_at", "-id")
        .first()
    )


class HeldNews:
    """What became of an item the workspace shows as held (:func:`held_item_news`)."""

    HELD = "held"  # still the manager's active item: nothing to show
    OWN_ACTION = "own_action"  # the manager moved it on (another tab): that answer shows it
    PAID = "paid"  # the buyer paid: closed as won
    PAID_UNWORKED = "paid_unworked"  # paid, but not the sales department's work (withdrawn)
    CANCELLED = "cancelled"  # the storefront cancelled the order
    WITHDRAWN = "withdrawn"  # the product or partner stopped feeding the queue
    TAKEN_AWAY = "taken_away"  # released by the head, reassigned, or returned untouched


@dataclass(frozen=True)
class ItemNews:
    kind: str
    order_external_id: str = ""
    is_lead: bool = False


_OWN_EVENTS = (QueueEvent.Kind.RETRY, QueueEvent.Kind.CALLBACK, QueueEvent.Kind.HANDED_OVER)


def held_item_news(*, manager: User, item_id: Any) -> ItemNews | None:
    """Whether the item the manager's workspace shows is still theirs, and if not, why — for
    the workspace's poll every few seconds, so one query while it is held, two once it is not.

    ``None``: the manager never had the item (or a malformed id): nothing to tell them.
    The reason is the last event naming the manager: a close by a payment or cancellation
    (``record_closed`` names the holder), a release by someone else, an automatic release, or
    their own take (when the head reassigned it, the event names the new manager).
    """
    row = (
        QueueItem.objects.filter(pk=item_id)
        .values("state", "holder_id", "order__external_id", "lead_id")
        .first()
    )
    if row is None:
        return None
    external_id = row["order__external_id"] or ""
    is_lead = row["lead_id"] is not None
    if row["state"] == State.ACTIVE and row["holder_id"] == manager.pk:
        return ItemNews(HeldNews.HELD, external_id, is_lead)
    event = (
        QueueEvent.objects.filter(item_id=item_id, manager=manager)
        .order_by("-created_at", "-id")
        .values("kind", "actor_id", "note")
        .first()
    )
    if event is None:
        return None
    kind, note = event["kind"], event["note"]
    if kind == QueueEvent.Kind.CLOSED:
        outcome, _sep, reason = note.partition(":")
        if outcome == QueueItem.Outcome.WON:
            news = HeldNews.PAID
        elif reason.startswith("paid_"):
            news = HeldNews.PAID_UNWORKED
        elif reason == "order_cancelled":
            news = HeldNews.CANCELLED
        elif outcome == QueueItem.Outcome.WITHDRAWN:
            news = HeldNews.WITHDRAWN
        else:
            news = HeldNews.OWN_ACTION  # lost: the manager's refusal or last unanswered call
    elif kind in _OWN_EVENTS or (
        kind == QueueEvent.Kind.RELEASED and event["actor_id"] == manager.pk
    ):
        news = HeldNews.OWN_ACTION
    else:
        news = HeldNews.TAKEN_AWAY
    return ItemNews(news, external_id, is_lead)


@dataclass(frozen=True)
class Callback:
    item: QueueItem
    due: bool


def my_callbacks(*, manager: User, now: dt.datetime) -> list[Callback]:
    """The manager's scheduled callbacks, soonest first; those already due are flagged."""
    items = (
        QueueItem.objects.filter(holder=manager, state=State.SCHEDULED)
        .select_related("order", "product", "deal")
        .order_by("available_at", "id")[:CALLBACKS_SHOWN]
    )
    return [Callback(item=item, due=item.available_at <= now) for item in items]


def head_holders() -> list[QueueItem]:
    """Items held by managers: active ones, longest held first, then scheduled callbacks."""
    items = list(
        QueueItem.objects.filter(state__in=[State.ACTIVE, State.SCHEDULED])
        .select_related("holder", "partner", "product", "order", "lead")
        .order_by("taken_at", "id")
    )
    return sorted(items, key=lambda i: i.state != State.ACTIVE)


def sellers() -> QuerySet[User]:
    """Who the head may hand an item to."""
    return User.objects.filter(role__in=SELLER_ROLES, is_active=True).order_by("full_name", "email")


def deal_touches(*, deals: Any) -> dict[Any, list[Touch]]:
    """Each deal's chronology, newest first: the touches on its queue item and those logged on
    the deal itself (each carries the deal), in one query for a page of deals (crm cannot read
    the queue's touches: it sits below it)."""
    by_deal: dict[Any, list[Touch]] = {d.pk: [] for d in deals}
    if not by_deal:
        return by_deal
    for t in (
        Touch.objects.filter(deal_id__in=list(by_deal))
        .select_related("manager")
        .order_by("-created_at", "-id")
    ):
        by_deal[t.deal_id].append(t)
    return by_deal


def deal_item_held(*, deal: Any, user: Any) -> bool:
    """Whether ``user`` holds the deal's queue item now (a touch on the deal is then the
    queue's, and may be a refusal). No query for a deal without an item."""
    if not deal.queue_item_id:
        return False
    return QueueItem.objects.filter(
        pk=deal.queue_item_id, state=State.ACTIVE, holder_id=user.pk
    ).exists()


# --- a contact's orders, touches and purchased products --------------------------------------
# They join orders and the queue, above crm, so they live here (the highest app involved).


def contact_orders(*, partner: Partner, contact: Contact) -> QuerySet[Order]:
    """The contact's orders, newest first, with their product."""
    return (
        Order.objects.for_partner(partner)
        .filter(contact=contact)
        .select_related("product")
        .order_by("-created_at", "-id")
    )


def contact_touches(*, partner: Partner, contact: Contact) -> QuerySet[Touch]:
    """The touches on the queue items of the contact's orders and leads and on the contact's
    deals, newest first."""
    return (
        Touch.objects.filter(
            Q(item__partner=partner, item__order__contact=contact)
            | Q(item__partner=partner, item__lead__contact=contact)
            | Q(deal__partner=partner, deal__contact=contact)
        )
        .select_related("manager", "item__order", "deal__order")
        .order_by("-created_at", "-id")
    )


def contact_purchased_products(*, partner: Partner, contact: Contact) -> QuerySet[Product]:
    """The products of the contact's paid orders (a fully refunded order is no purchase), each
    once, with how many paid orders and the last payment; most recent purchase first."""
    paid = Q(orders__contact=contact, orders__status=Order.Status.PAID)
    return (
        Product.objects.for_partner(partner)
        .annotate(
            paid_orders=Count("orders", filter=paid),
            last_paid_at=Max("orders__paid_at", filter=paid),
        )
        .filter(paid_orders__gt=0)
        .order_by("-last_paid_at", "name")
    )
