"""The manager's side of the queue: take next, touches, callbacks, release, reassign and
auto-release.

Invariants, enforced by the database and re-checked here:
- an item is active for at most one manager (one ``holder`` column);
- a manager holds at most one active item (partial unique index
  ``queue_one_active_item_per_manager``) — two concurrent takes by one manager make the second
  fail on the index, which we turn into ``already_holding``;
- a take claims a row with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL and then a
  compare-and-swap ``UPDATE … WHERE state = <seen>``, which is also what keeps SQLite (no row
  locks, one writer at a time) correct.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SELLER_ROLES, User
from crm.models import Deal
from partners.models import ALL_CHANNELS, Partner, SalesStatus
from sales_queue.hours import is_working_time, next_working_time
from sales_queue.models import LostReason, Outcome, QueueEvent, QueueItem, Touch
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError

logger = logging.getLogger(__name__)

State = QueueItem.State
_TAKE_RETRIES = 5  # CAS losses in a row before giving up (only ever reached on SQLite)
CALLBACK_HORIZON = dt.timedelta(days=60)
MANAGER_LOST_REASONS = [r.value for r in LostReason if r != LostReason.UNREACHABLE]


def _feeding_products() -> Q:
    """Items whose product may still be worked: switched on, approved, partner not blocked."""
    return Q(
        product__sales_enabled=True,
        product__sales_status=SalesStatus.APPROVED,
        partner__status=Partner.Status.ACTIVE,
    )


def _event(item: QueueItem, kind: str, *, manager: Any, actor: Any = None, note: str = "") -> None:
    QueueEvent.objects.create(
        item=item,
        kind=kind,
        manager=manager,
        actor=actor,
        note=note[:200],
        created_at=timezone.now(),
    )


def _open_deal(item: QueueItem, manager: User) -> Deal:
    """Taking an item opens its deal (or hands the existing one to the new manager)."""
    deal = Deal.objects.filter(queue_item=item).first()
    if deal is None:
        order = item.order
        return Deal.objects.create(
            partner_id=item.partner_id,
            responsible=manager,
            queue_item=item,
            order=order,
            product_id=item.product_id,
            title=item.product.name,
            source=_("Unpaid order"),
            contact_name=order.customer_name if order else "",
            contact_email=order.customer_email if order else "",
            contact_phone=order.customer_phone if order else "",
            contact_telegram=order.customer_telegram if order else "",
            contact_whatsapp=order.customer_whatsapp if order else "",
            lead_created_at=order.created_at if order else item.entered_at,
        )
    fields = []
    if deal.responsible_id != manager.pk:
        deal.responsible = manager
        fields.append("responsible")
    if deal.status != Deal.Status.OPEN:
        # The item came back to the queue (its product switched on or unblocked again).
        deal.status, deal.closed_at = Deal.Status.OPEN, None
        fields += ["status", "closed_at"]
    if fields:
        deal.save(update_fields=[*fields, "updated_at"])
    return deal


def _close_deal(item: QueueItem, status: str) -> None:
    Deal.objects.filter(queue_item=item, status=Deal.Status.OPEN).update(
        status=status, closed_at=timezone.now(), updated_at=timezone.now()
    )


def _require_seller(manager: Any) -> None:
    if getattr(manager, "role", None) not in SELLER_ROLES:
        raise ApplicationError(
            _("Only sales managers work the queue."), code="not_a_manager", status_code=403
        )


# --- take next -------------------------------------------------------------------------------


def queue_current(*, manager: User) -> QueueItem | None:
    """The item the manager holds now, if any."""
    return (
        QueueItem.objects.select_related("order", "product", "partner", "deal")
        .filter(holder=manager, state=State.ACTIVE)
        .first()
    )


def _held_item_id(manager: User) -> Any:
    return (
        QueueItem.objects.filter(holder=manager, state=State.ACTIVE)
        .values_list("pk", flat=True)
        .first()
    )


def _claim_candidate(manager: User, now: dt.datetime) -> QueueItem | None:
    locked = QueueItem.objects.select_for_update(skip_locked=True, of=("self",))
    callback = (
        locked.filter(holder=manager, state=State.SCHEDULED, available_at__lte=now)
        .order_by("available_at", "id")
        .first()
    )
    if callback is not None:
        return callback
    return ready_items(now).first()


def ready_items(now: dt.datetime) -> Any:
    """The queue in take order, locked rows skipped: the oldest available item first, along
    ``queue_ready_idx`` (its columns are this ORDER BY). Call inside a transaction."""
    return (
        QueueItem.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(_feeding_products(), state=State.QUEUED, available_at__lte=now)
        .order_by("available_at", "entered_at", "id")
    )


def queue_take_next(*, manager: User, now: dt.datetime | None = None) -> QueueItem | None:
    """Give the manager their next item: their own due callbacks first, then the oldest
    available one. Returns ``None`` when there is nothing to take.

    Raises ``outside_working_hours`` and ``already_holding`` (both 409).
    """
    _require_seller(manager)
    now = now or timezone.now()
    if not is_working_time(now):
        opens = next_working_time(now)
        raise ConflictError(
            _("Orders are taken only during working hours (%(hours)s Moscow time).")
            % {"hours": settings.SALES_WORKING_HOURS},
            code="outside_working_hours",
            details={"opens_at": opens.isoformat(), "hours": str(settings.SALES_WORKING_HOURS)},
        )
    for _attempt in range(_TAKE_RETRIES):
        with transaction.atomic():
            # Only the id: building the full current item (four joins) costs more than the
            # rest of the take together.
            held_id = _held_item_id(manager)
            if held_id is not None:
                raise ConflictError(
                    _("Finish your current order before taking the next one."),
                    code="already_holding",
                    details={"item": str(held_id)},
                )
            candidate = _claim_candidate(manager, now)
            if candidate is None:
                return None
            try:
                with transaction.atomic():
                    claimed = QueueItem.objects.filter(
                        pk=candidate.pk, state=candidate.state, holder=candidate.holder_id
                    ).update(state=State.ACTIVE, holder=manager, taken_at=now, updated_at=now)
            except IntegrityError:
                # The same manager won another take a moment ago (the unique index said no).
                held_id = _held_item_id(manager)
                raise ConflictError(
                    _("Finish your current order before taking the next one."),
                    code="already_holding",
                    details={"item": str(held_id) if held_id else None},
                ) from None
            if claimed != 1:
                continue  # another manager got it first (SQLite path): try the next one
            item = QueueItem.objects.select_related("order", "product", "partner").get(
                pk=candidate.pk
            )
            _event(item, QueueEvent.Kind.TAKEN, manager=manager, actor=manager)
            _open_deal(item, manager)
            return item
    return None


# --- touches -----------------------------------------------------------------------------------


def _held_item(manager: User, item_id: Any) -> QueueItem:
    try:
        item = (
            QueueItem.objects.select_for_update(of=("self",))
            .select_related("product", "order")
            .get(pk=item_id)
        )
    except (QueueItem.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFoundError(_("Queue item not found.")) from None
    if item.state != State.ACTIVE or item.holder_id != manager.pk:
        raise ConflictError(
            _("You do not hold this item."),
            code="not_holding",
            details={"state": item.state},
        )
    return item


def suggested_channel(*, item: QueueItem) -> str | None:
    """After N unanswered touches in a row on one channel, propose another allowed channel."""
    limit = settings.SALES_CHANNEL_SWITCH_AFTER
    recent = list(
        item.touches.order_by("-created_at", "-id").values_list("channel", "outcome")[:limit]
    )
    if len(recent) < limit:
        return None
    channels = {c for c, _o in recent}
    if len(channels) != 1 or any(o != Outcome.NO_ANSWER for _c, o in recent):
        return None
    tried = channels.pop()
    for channel in item.product.channels:
        if channel != tried:
            return str(channel)
    return None


@transaction.atomic
def queue_touch(
    *,
    manager: User,
    item_id: Any,
    channel: str,
    outcome: str,
    comment: str = "",
    callback_at: dt.datetime | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Touch:
    """Log a contact attempt on the item the manager holds and move the item accordingly."""
    _require_seller(manager)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if channel not in ALL_CHANNELS:
        errors["channel"] = [_("One of: %s.") % ", ".join(ALL_CHANNELS)]
    if outcome not in Outcome.values:
        errors["outcome"] = [_("One of: %s.") % ", ".join(Outcome.values)]
    if outcome == Outcome.CALLBACK:
        if callback_at is None:
            errors["callback_at"] = [_("Say when to call back.")]
        elif timezone.is_naive(callback_at):
            errors["callback_at"] = [_("Give the time with its time zone.")]
        elif callback_at <= now:
            errors["callback_at"] = [_("The callback time must be in the future.")]
        elif callback_at > now + CALLBACK_HORIZON:
            errors["callback_at"] = [_("At most 60 days ahead.")]
    if outcome == Outcome.REFUSED:
        if reason not in MANAGER_LOST_REASONS:
            errors["reason"] = [_("One of: %s.") % ", ".join(MANAGER_LOST_REASONS)]
        elif reason == LostReason.OTHER and not comment.strip():
            errors["comment"] = [_("Required when the reason is «other».")]
    if errors:
        raise ApplicationError(_("Invalid touch."), code="validation_error", details=errors)

    item = _held_item(manager, item_id)
    if channel not in item.product.channels:
        raise ApplicationError(
            _("The partner does not allow the channel «%(channel)s» for this product.")
            % {"channel": channel},
            code="channel_not_allowed",
            details={"channel": [_("Allowed: %s.") % ", ".join(item.product.channels)]},
        )
    touch = Touch.objects.create(
        item=item,
        manager=manager,
        channel=channel,
        outcome=outcome,
        comment=comment.strip(),
        callback_at=callback_at if outcome == Outcome.CALLBACK else None,
        reason=reason if outcome == Outcome.REFUSED else "",
        created_at=now,
    )
    item.last_touch_at = now
    fields = ["last_touch_at", "updated_at"]
    if outcome == Outcome.NO_ANSWER:
        item.attempts += 1
        fields.append("attempts")
        if item.attempts >= settings.SALES_MAX_ATTEMPTS:
            _close(item, outcome=QueueItem.Outcome.LOST, reason=LostReason.UNREACHABLE, now=now)
            fields += ["state", "outcome", "outcome_reason", "closed_at"]
        else:
            item.state = State.QUEUED
            item.holder = None
            item.available_at = now + dt.timedelta(minutes=settings.SALES_RETRY_DELAY_MINUTES)
            fields += ["state", "holder", "available_at"]
            _event(item, QueueEvent.Kind.RETRY, manager=manager, actor=manager)
    elif outcome == Outcome.CALLBACK:
        assert callback_at is not None  # noqa: S101 - validated above
        item.state = State.SCHEDULED
        item.available_at = next_working_time(callback_at)
        fields += ["state", "available_at"]
        _event(
            item,
            QueueEvent.Kind.CALLBACK,
            manager=manager,
            actor=manager,
            note=item.available_at.isoformat(),
        )
    elif outcome == Outcome.REFUSED:
        _close(item, outcome=QueueItem.Outcome.LOST, reason=reason, now=now)
        fields += ["state", "outcome", "outcome_reason", "closed_at"]
    item.save(update_fields=fields)
    return touch


def _close(item: QueueItem, *, outcome: str, reason: str, now: dt.datetime) -> None:
    """Mark ``item`` closed (caller saves) and close its deal."""
    manager = item.holder
    item.state = State.WITHDRAWN if outcome == QueueItem.Outcome.WITHDRAWN else State.DONE
    item.outcome = outcome
    item.outcome_reason = reason
    item.closed_at = now
    _event(item, QueueEvent.Kind.CLOSED, manager=manager, note=f"{outcome}:{reason}")
    _close_deal(item, Deal.Status.WON if outcome == QueueItem.Outcome.WON else Deal.Status.LOST)


# --- release, reassign, auto-release -------------------------------------------------------------


@transaction.atomic
def queue_release(*, manager: User, item_id: Any) -> QueueItem:
    """The manager hands their active item back to the queue."""
    item = _held_item(manager, item_id)
    now = timezone.now()
    QueueItem.objects.filter(pk=item.pk, state=State.ACTIVE, holder=manager).update(
        state=State.QUEUED, holder=None, available_at=now, updated_at=now
    )
    _event(item, QueueEvent.Kind.RELEASED, manager=manager, actor=manager)
    item.refresh_from_db()
    return item


@transaction.atomic
def queue_head_release(*, head: User, item_id: Any) -> QueueItem:
    """The head takes an item (active or a scheduled callback) away from its manager."""
    try:
        item = QueueItem.objects.select_for_update().get(pk=item_id)
    except (QueueItem.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFoundError(_("Queue item not found.")) from None
    if item.state not in (State.ACTIVE, State.SCHEDULED):
        raise ConflictError(
            _("Only an item held by a manager can be released."),
            code="not_held",
            details={"state": item.state},
        )
    previous = item.holder
    now = timezone.now()
    QueueItem.objects.filter(pk=item.pk, state=item.state).update(
        state=State.QUEUED, holder=None, available_at=now, updated_at=now
    )
    _event(item, QueueEvent.Kind.RELEASED, manager=previous, actor=head, note="by head")
    item.refresh_from_db()
    return item


@transaction.atomic
def queue_reassign(*, head: User, item_id: Any, to_manager: User) -> QueueItem:
    """Give an item to another manager. An active item stays active for the new manager (who
    must hold nothing else); a waiting or scheduled one becomes the new manager's callback,
    due now, so it comes to them first."""
    _require_seller(to_manager)
    if not to_manager.is_active:
        raise ApplicationError(_("This manager is deactivated."), code="manager_inactive")
    try:
        item = QueueItem.objects.select_for_update().get(pk=item_id)
    except (QueueItem.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFoundError(_("Queue item not found.")) from None
    if item.state not in QueueItem.OPEN_STATES:
        raise ConflictError(
            _("The item is closed."), code="item_closed", details={"state": item.state}
        )
    previous = item.holder
    now = timezone.now()
    new_state = State.ACTIVE if item.state == State.ACTIVE else State.SCHEDULED
    try:
        with transaction.atomic():
            QueueItem.objects.filter(pk=item.pk, state=item.state).update(
                state=new_state,
                holder=to_manager,
                taken_at=now if new_state == State.ACTIVE else item.taken_at,
                available_at=item.available_at if new_state == State.ACTIVE else now,
                updated_at=now,
            )
    except IntegrityError:
        raise ConflictError(
            _("This manager already holds an active item."), code="manager_busy"
        ) from None
    item.refresh_from_db()
    _event(
        item,
        QueueEvent.Kind.REASSIGNED,
        manager=to_manager,
        actor=head,
        note=f"from {previous.email if previous else '-'}",
    )
    if new_state == State.ACTIVE:
        _open_deal(item, to_manager)
    else:
        Deal.objects.filter(queue_item=item).update(responsible=to_manager, updated_at=now)
    return item


def queue_auto_release(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Return to the queue every active item untouched for ``SALES_AUTO_RELEASE_MINUTES``.

    Safe to run twice at once: rows are claimed with SKIP LOCKED and moved with a CAS update;
    each release is logged as an ``auto_released`` event naming the manager.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.SALES_AUTO_RELEASE_MINUTES)
    released = 0
    while True:
        with transaction.atomic():
            stale = list(
                QueueItem.objects.select_for_update(skip_locked=True)
                .annotate(last_activity=Coalesce("last_touch_at", "taken_at"))
                .filter(state=State.ACTIVE, last_activity__lt=cutoff)
                .values_list("pk", "holder_id")[:batch_size]
            )
            if not stale:
                break
            moved = QueueItem.objects.filter(
                pk__in=[pk for pk, _h in stale], state=State.ACTIVE
            ).update(state=State.QUEUED, holder=None, available_at=now, updated_at=now)
            QueueEvent.objects.bulk_create(
                QueueEvent(
                    item_id=pk,
                    kind=QueueEvent.Kind.AUTO_RELEASED,
                    manager_id=holder,
                    note=f"untouched for {settings.SALES_AUTO_RELEASE_MINUTES} min",
                    created_at=now,
                )
                for pk, holder in stale
            )
            released += moved
            logger.info("auto-released %d untouched items", moved)
        if len(stale) < batch_size:
            break
    return released
