"""Take next: a manager gets their own due callback or the oldest available item.

Invariants, enforced by the database and re-checked here:
- an item is active for at most one manager (one ``holder`` column);
- a manager holds at most one active item (partial unique index
  ``queue_one_active_item_per_manager``) — two concurrent takes by one manager make the second
  fail on the index, which we turn into ``already_holding``;
- two takes by one manager run one after the other (a lock on the manager's row), so the
  second of a double click answers ``already_holding``, never "queue empty";
- a take claims a row with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL and then a
  compare-and-swap ``UPDATE … WHERE state = <seen>``, which is also what keeps SQLite (no row
  locks, one writer at a time) correct.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from sales_queue.hours import is_working_time, next_working_time
from sales_queue.models import QueueEvent, QueueItem, feeding_products
from sales_queue.services.common import record_event, require_seller
from sales_queue.services.deals import open_deal
from salesdesk.errors import ConflictError, NotFoundError

State = QueueItem.State
_TAKE_RETRIES = 5
# The partial unique index that allows one active item per manager (sales_queue.models).
ONE_ACTIVE_PER_MANAGER = "queue_one_active_item_per_manager"
# The first key of the take's advisory lock (pg_advisory_xact_lock(int, int)): a namespace, so
# that other advisory locks of the app never collide with it.
_TAKE_LOCK_SPACE = 0x7A4E  # CAS losses in a row before giving up (only ever reached on SQLite)


def _held_item_id(manager: User) -> Any:
    return (
        QueueItem.objects.filter(holder=manager, state=State.ACTIVE)
        .values_list("pk", flat=True)
        .first()
    )


def _require_working_time(now: dt.datetime) -> None:
    if not is_working_time(now):
        opens = next_working_time(now)
        raise ConflictError(
            _("Orders are taken only during working hours (%(hours)s Moscow time).")
            % {"hours": settings.SALES_WORKING_HOURS},
            code="outside_working_hours",
            details={"opens_at": opens.isoformat(), "hours": str(settings.SALES_WORKING_HOURS)},
        )


def _already_holding(held_id: Any) -> ConflictError:
    return ConflictError(
        _("Finish your current order before taking the next one."),
        code="already_holding",
        details={"item": str(held_id) if held_id else None},
    )


def _serialize_takes_of(manager: User) -> None:
    """Take a lock on the manager for the rest of the transaction: two takes by one manager
    (a double click, two tabs) run one after the other, so the second sees the first's item
    and answers ``already_holding`` — instead of finding every waiting row locked by its twin
    and reporting an empty queue. Takes by different managers take different locks and stay
    concurrent. On PostgreSQL a transaction-scoped advisory lock keyed by the manager's id (in
    memory: unlike a row lock it writes nothing); SQLite's one writer at a time serializes
    anyway."""
    if connection.vendor != "postgresql":
        return
    # 31 bits of the id: two managers sharing them would only wait for each other's takes.
    key = uuid.UUID(str(manager.pk)).int % 2**31
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_TAKE_LOCK_SPACE, key])


def _is_second_active_item(exc: IntegrityError) -> bool:
    # PostgreSQL names the index; SQLite names the column of the partial unique index.
    text = str(exc)
    return ONE_ACTIVE_PER_MANAGER in text or "queue_queueitem.holder_id" in text


def _refuse_if_holding(manager: User) -> None:
    held_id = _held_item_id(manager)
    if held_id is not None:
        raise _already_holding(held_id)


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
        .filter(feeding_products(), state=State.QUEUED, available_at__lte=now)
        .order_by("available_at", "entered_at", "id")
    )


def queue_take_next(*, manager: User, now: dt.datetime | None = None) -> QueueItem | None:
    """Give the manager their next item: their own due callbacks first, then the oldest
    available one. Returns ``None`` when there is nothing to take.

    Raises ``outside_working_hours`` and ``already_holding`` (both 409).
    """
    require_seller(manager)
    now = now or timezone.now()
    _require_working_time(now)
    for _attempt in range(_TAKE_RETRIES):
        try:
            with transaction.atomic():
                _serialize_takes_of(manager)
                # Only the id: building the full current item (four joins) costs more than
                # the rest of the take together.
                _refuse_if_holding(manager)
                candidate = _claim_candidate(manager, now)
                if candidate is None:
                    return None
                claimed = QueueItem.objects.filter(
                    pk=candidate.pk, state=candidate.state, holder=candidate.holder_id
                ).update(state=State.ACTIVE, holder=manager, taken_at=now, updated_at=now)
                if claimed != 1:
                    continue  # another manager got it first (SQLite path): try the next one
                item = QueueItem.objects.select_related("order", "product", "partner").get(
                    pk=candidate.pk
                )
                record_event(item, QueueEvent.Kind.TAKEN, manager=manager, actor=manager)
                open_deal(item, manager)
                return item
        except IntegrityError as exc:
            # The manager was given an item meanwhile by another path (the head's reassign;
            # two takes of one manager wait for each other): the unique index said no and the
            # whole take rolled back. No savepoint around the claim: it would cost two round
            # trips on every take for this rare case.
            if not _is_second_active_item(exc):
                raise
            raise _already_holding(_held_item_id(manager)) from None
    return None


def queue_take_callback(
    *, manager: User, item_id: Any, now: dt.datetime | None = None
) -> QueueItem:
    """Take one of the manager's own scheduled callbacks now, due or not (the workspace's
    «Взять сейчас»): it becomes their active item, as take-next would make it when due.

    The same rules as take-next: working hours (``outside_working_hours``), one active item per
    manager (``already_holding``, also for the second of a double click: the compare-and-swap
    lets one through, the other finds the item taken). Another manager's item, an item that is
    not a scheduled callback, or a malformed id: ``not_found``.
    """
    require_seller(manager)
    now = now or timezone.now()
    _require_working_time(now)
    try:
        pk = uuid.UUID(str(item_id))
    except ValueError:
        raise NotFoundError(_("Callback not found.")) from None
    mine = QueueItem.objects.filter(
        pk=pk, holder=manager, state__in=(State.SCHEDULED, State.ACTIVE)
    )
    if not mine.exists():
        raise NotFoundError(_("Callback not found."))
    with transaction.atomic():
        _serialize_takes_of(manager)
        _refuse_if_holding(manager)
        try:
            with transaction.atomic():
                claimed = QueueItem.objects.filter(
                    pk=pk, holder=manager, state=State.SCHEDULED
                ).update(state=State.ACTIVE, taken_at=now, updated_at=now)
        except IntegrityError:
            # A take of another item by the same manager committed a moment ago.
            raise _already_holding(_held_item_id(manager)) from None
        if claimed != 1:
            # The other click of a double click took it (then the manager holds it now).
            _refuse_if_holding(manager)
            raise NotFoundError(_("Callback not found."))
        item = QueueItem.objects.select_related("order", "product", "partner").get(pk=pk)
        record_event(item, QueueEvent.Kind.TAKEN, manager=manager, actor=manager, note="callback")
        open_deal(item, manager)
        return item
