"""Alignment calls: the head publishes slots, the partner books one for its products."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import (
    AlignmentSlot,
    CallBooking,
    Partner,
    Product,
    Questionnaire,
    SalesStatus,
)
from partners.services.alerts import call_booked_alert
from partners.services.status import (
    actor_fields,
    audit_write,
    product_lock,
    transition,
    transition_check,
)
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError

SLOT_MIN_MINUTES, SLOT_MAX_MINUTES = 5, 240  # the database checks the same range
CALL_NOTES_MAX = 5000  # the notes of a held call, and the ad-hoc call's notes of an approval

logger = logging.getLogger(__name__)

# --- alignment calls ---
#
# Lock order, everywhere: slot, then booking, then products (by pk). call_book takes the
# slot first so a head withdrawing the slot and a partner booking it cannot interleave.


@transaction.atomic
def slot_publish(*, head: Any, starts_at: dt.datetime, duration_minutes: int = 30) -> AlignmentSlot:
    if timezone.is_naive(starts_at):
        raise ApplicationError(
            _("Give the time with its time zone."),
            code="validation_error",
            details={"starts_at": [_("Give the time with its time zone.")]},
        )
    if starts_at <= timezone.now():
        raise ApplicationError(
            _("A slot must be in the future."),
            code="validation_error",
            details={"starts_at": [_("Must be in the future.")]},
        )
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not SLOT_MIN_MINUTES <= duration_minutes <= SLOT_MAX_MINUTES
    ):
        raise ApplicationError(
            _("A call lasts from 5 to 240 minutes."),
            code="validation_error",
            details={"duration_minutes": [_("Out of range.")]},
        )
    try:
        with transaction.atomic():
            return AlignmentSlot.objects.create(
                head=head, starts_at=starts_at, duration_minutes=duration_minutes
            )
    except IntegrityError:
        raise ConflictError(
            _("You already have a slot at this time."), code="slot_exists"
        ) from None


@transaction.atomic
def slot_cancel(*, slot: AlignmentSlot, actor: Any) -> AlignmentSlot:
    """Withdraw a published slot; a booking on it is cancelled and its products wait again.

    Withdrawing twice is harmless; a slot whose time has come is history and stays.
    """
    locked = AlignmentSlot.objects.select_for_update().get(pk=slot.pk)
    if locked.cancelled_at is not None:
        return locked
    if locked.starts_at <= timezone.now():
        raise ConflictError(
            _("This call has already started; it cannot be withdrawn."), code="slot_in_past"
        )
    for booking in CallBooking.objects.filter(slot=locked, cancelled_at__isnull=True):
        call_cancel(booking=booking, actor=actor)
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["cancelled_at"])
    return locked


@transaction.atomic
def call_book(
    *, partner: Partner, actor: Any, slot: AlignmentSlot, products: Iterable[Product]
) -> CallBooking:
    """Book one slot for one or more of the partner's submitted products.

    Every check runs before the booking row is written, and the whole booking is one
    transaction, so a refused booking leaves nothing behind. Partners racing for one slot
    queue on the slot's row lock (taken so a withdrawal cannot interleave); what refuses the
    second booking with ``slot_taken`` is the partial unique index, not the lock.
    """
    unique = {p.pk: p for p in products}
    product_list = [unique[pk] for pk in sorted(unique, key=str)]  # lock order: by pk
    if not product_list:
        raise ApplicationError(
            _("Choose at least one product for the call."),
            code="validation_error",
            details={"products": [_("Required.")]},
        )
    if any(p.partner_id != partner.pk for p in product_list):
        raise NotFoundError(_("Product not found."))
    locked_slot = AlignmentSlot.objects.select_for_update().get(pk=slot.pk)
    if locked_slot.cancelled_at is not None or locked_slot.starts_at <= timezone.now():
        raise ConflictError(_("This slot is no longer available."), code="slot_unavailable")
    for product in product_list:
        transition_check(
            product_lock(product),
            allowed_from=[SalesStatus.SUBMITTED],
            to=SalesStatus.CALL_BOOKED,
            require_enabled=True,
        )
    try:
        with transaction.atomic():
            booking = CallBooking.objects.create(
                slot=locked_slot, partner=partner, booked_by=actor_fields(actor)["actor"]
            )
    except IntegrityError:
        raise ConflictError(
            _("Someone has just booked this slot. Choose another one."), code="slot_taken"
        ) from None
    when = timezone.localtime(locked_slot.starts_at)
    for product in product_list:
        transition(
            product=product,
            actor=actor,
            allowed_from=[SalesStatus.SUBMITTED],
            to=SalesStatus.CALL_BOOKED,
            require_enabled=True,
            comment=f"{when:%Y-%m-%d %H:%M}",
        )
    booking.products.set(product_list)
    call_booked_alert(booking=booking, products=product_list)
    return booking


@transaction.atomic
def call_cancel(*, booking: CallBooking, actor: Any) -> CallBooking:
    """Cancel a booking before its call: the slot opens again and its products wait for
    another call (``submitted``). Cancelling twice is harmless."""
    locked = CallBooking.objects.select_for_update().select_related("slot").get(pk=booking.pk)
    if locked.cancelled_at is not None:
        return locked
    if locked.slot.starts_at <= timezone.now():
        raise ConflictError(
            _("This call has already started; it cannot be cancelled."),
            code="call_already_started",
        )
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["cancelled_at"])
    for product in locked.products.order_by("pk"):
        current = product_lock(product)
        if current.sales_status == SalesStatus.CALL_BOOKED:
            # Also for a partner blocked meanwhile: the head withdrawing the slot must
            # not be refused because of the partner's block.
            transition(
                product=current,
                actor=actor,
                allowed_from=[SalesStatus.CALL_BOOKED],
                to=SalesStatus.SUBMITTED,
                reason="call_cancelled",
                allow_blocked_partner=True,
            )
        elif (
            current.sales_status == SalesStatus.BLOCKED
            and current.status_before_block == SalesStatus.CALL_BOOKED
        ):
            # Unblocking must not bring back a call that no longer exists.
            current.status_before_block = SalesStatus.SUBMITTED
            current.save(update_fields=["status_before_block", "updated_at"])
    return locked


def call_notes_clean(notes: Any, *, field: str) -> str:
    """The notes of an alignment call: a non-empty text of at most ``CALL_NOTES_MAX``."""
    text = notes.strip() if isinstance(notes, str) else ""
    if not text:
        raise ApplicationError(
            _("Write down what was agreed on the call."),
            code="validation_error",
            details={field: [_("Required.")]},
        )
    if len(text) > CALL_NOTES_MAX:
        raise ApplicationError(
            _("The call notes are too long."),
            code="validation_error",
            details={field: [_("At most 5000 characters.")]},
        )
    return text


@transaction.atomic
def call_mark_held(*, booking: CallBooking, actor: Any, notes: str) -> CallBooking:
    """The head records a booked call as held, with its notes: the oral agreement that
    approving the booking's products requires.

    Each product on the booking gets a history row (reason ``call_held``, the notes as its
    comment; its status does not change). Marking again with the same notes changes nothing
    (a retry is harmless); with other notes it is a 409 ``already_held`` — the record of a
    call is not rewritten. A cancelled booking (409 ``call_cancelled``) or a call whose time
    has not come (409 ``call_not_started``) cannot be held.
    """
    text = call_notes_clean(notes, field="notes")
    locked = CallBooking.objects.select_for_update().select_related("slot").get(pk=booking.pk)
    if locked.held_at is not None:
        if locked.notes == text:
            return locked
        raise ConflictError(
            _("This call is already recorded as held; its notes are not rewritten."),
            code="already_held",
            details={"held_at": locked.held_at.isoformat()},
        )
    if locked.cancelled_at is not None:
        raise ConflictError(
            _("This booking was cancelled: there was no call to record."), code="call_cancelled"
        )
    if locked.slot.starts_at > timezone.now():
        raise ConflictError(
            _("This call has not started yet; record it once it is held."),
            code="call_not_started",
            details={"starts_at": locked.slot.starts_at.isoformat()},
        )
    locked.held_at = timezone.now()
    locked.held_by = actor_fields(actor)["actor"]
    locked.notes = text
    locked.save(update_fields=["held_at", "held_by", "notes"])
    for product in locked.products.order_by("pk"):
        current = product_lock(product)
        audit_write(
            partner=current.partner,
            product=current,
            actor=actor,
            from_status=current.sales_status,
            to_status=current.sales_status,
            reason="call_held",
            comment=text,
        )
    return locked


def held_call_for(product: Product) -> CallBooking | None:
    """The latest held call covering the product since its questionnaire was last submitted
    (a call about an earlier, refused application does not count), or ``None``."""
    calls = CallBooking.objects.filter(
        products=product, held_at__isnull=False, cancelled_at__isnull=True
    )
    submitted_at = (
        Questionnaire.objects.filter(product=product).values_list("submitted_at", flat=True).first()
    )
    if submitted_at is not None:
        calls = calls.filter(held_at__gte=submitted_at)
    return calls.select_related("slot").order_by("-held_at").first()
