"""Items change hands: the manager releases theirs, the head releases or reassigns one, and
items left untouched return to the queue by themselves."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from crm.models import Deal
from crm.services import deal_fields_set, deal_reassign, deal_responsible_set
from sales_queue.fairness import requeue_fields
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.selectors import sellers
from sales_queue.services.common import (
    record_event,
    require_lead_for_trainee,
    require_seller,
)
from sales_queue.services.deals import open_deal
from sales_queue.services.touches import held_item
from salesdesk.errors import ApplicationError, ConflictError
from salesdesk.tenancy import get_object_or_404

logger = logging.getLogger(__name__)

State = QueueItem.State


@transaction.atomic
def queue_release(*, manager: User, item_id: Any) -> QueueItem:
    """The manager hands their active item back to the queue."""
    item = held_item(manager, item_id)
    now = timezone.now()
    QueueItem.objects.filter(pk=item.pk, state=State.ACTIVE, holder=manager).update(
        state=State.QUEUED, holder=None, available_at=now, updated_at=now, **requeue_fields()
    )
    record_event(item, QueueEvent.Kind.RELEASED, manager=manager, actor=manager)
    item.refresh_from_db()
    return item


@transaction.atomic
def queue_head_release(*, head: User, item_id: Any, note: str = "by head") -> QueueItem:
    """The head takes an item (active or a scheduled callback) away from its manager (the
    event's ``note`` says why)."""
    item = get_object_or_404(
        QueueItem.objects.select_for_update(), pk=item_id, message=_("Queue item not found.")
    )
    if item.state not in (State.ACTIVE, State.SCHEDULED):
        raise ConflictError(
            _("Only an item held by a manager can be released."),
            code="not_held",
            details={"state": item.state},
        )
    previous = item.holder
    now = timezone.now()
    QueueItem.objects.filter(pk=item.pk, state=item.state).update(
        state=State.QUEUED, holder=None, available_at=now, updated_at=now, **requeue_fields()
    )
    record_event(item, QueueEvent.Kind.RELEASED, manager=previous, actor=head, note=note)
    item.refresh_from_db()
    return item


@transaction.atomic
def queue_reassign(*, head: User, item_id: Any, to_manager: User) -> QueueItem:
    """Give an item to another manager. An active item stays active for the new manager (who
    must hold nothing else); a waiting or scheduled one becomes the new manager's callback,
    due now, so it comes to them first. A warm item stays warm: back in the queue later, it
    waits in the closers' pool again. An order's item is never given to a trainee (409
    ``trainee_leads_only``)."""
    require_seller(to_manager)
    if not to_manager.is_active:
        raise ApplicationError(_("This manager is deactivated."), code="manager_inactive")
    item = get_object_or_404(
        QueueItem.objects.select_for_update(), pk=item_id, message=_("Queue item not found.")
    )
    if item.state not in QueueItem.OPEN_STATES:
        raise ConflictError(
            _("The item is closed."), code="item_closed", details={"state": item.state}
        )
    require_lead_for_trainee(to_manager, source=item.source)
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
    record_event(
        item,
        QueueEvent.Kind.REASSIGNED,
        manager=to_manager,
        actor=head,
        note=f"from {previous.email if previous else '-'}",
    )
    if new_state == State.ACTIVE:
        open_deal(item, to_manager)
    else:
        deal_reassign(queue_item_id=item.pk, responsible=to_manager, now=now)
    return item


@transaction.atomic
def deal_hand_over(*, head: User, deal: Deal, to_manager: User) -> Deal:
    """The head gives a deal to another seller. While its queue item is open (waiting, held or
    a callback) the item goes along (:func:`queue_reassign`), so the order's holder and the
    deal's responsible stay one person; otherwise only the deal changes hands."""
    open_item = (
        QueueItem.objects.filter(pk=deal.queue_item_id, state__in=QueueItem.OPEN_STATES)
        .values_list("pk", flat=True)
        .first()
        if deal.queue_item_id
        else None
    )
    if open_item is None:
        return deal_responsible_set(deal=deal, responsible=to_manager)
    if deal.responsible_id != to_manager.pk:
        queue_reassign(head=head, item_id=open_item, to_manager=to_manager)
    return Deal.objects.get(pk=deal.pk)


@transaction.atomic
def deal_edit(
    *,
    actor: User,
    deal: Deal,
    title: str | None = None,
    source: str | None = None,
    to_manager_id: Any = None,
) -> Deal:
    """Change a deal's title and ad channel (``None``: as it is) and, given ``to_manager_id``,
    hand it to that active seller (:func:`deal_hand_over`) — all or nothing: a refused
    hand-over keeps the old title too. Who may hand deals over (the head) is the caller's
    check."""
    deal = deal_fields_set(deal=deal, actor=actor, title=title, source=source)
    if to_manager_id is None:
        return deal
    to_manager = sellers().filter(pk=to_manager_id).first()
    if to_manager is None:
        raise ApplicationError(
            _("Choose an active manager."),
            code="validation_error",
            details={"responsible": [_("Choose an active manager.")]},
        )
    return deal_hand_over(head=actor, deal=deal, to_manager=to_manager)


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
            ).update(
                state=State.QUEUED,
                holder=None,
                available_at=now,
                updated_at=now,
                **requeue_fields(),
            )
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
