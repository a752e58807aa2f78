"""Writes for partners and products: sales-department settings, questionnaire, alignment
calls, the head's decisions and blocks.

Every status change goes through :func:`_transition`, which locks the product row, checks the
move is allowed from the current status, writes the audit row and — for the head's decisions —
queues an email to the partner after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import (
    ALL_CHANNELS,
    GRACE_MAX_MINUTES,
    WORKFLOW_STATUSES,
    AlignmentSlot,
    CallBooking,
    Partner,
    Product,
    Questionnaire,
    QuestionnaireVersion,
    RefusalReason,
    SalesStatus,
    StatusChange,
)
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError

logger = logging.getLogger(__name__)

PRICE_MAX = Decimal("100000000.00")
ANSWER_MAX = 20_000  # characters per questionnaire answer
SLOT_MIN_MINUTES, SLOT_MAX_MINUTES = 5, 240  # the database checks the same range


# --- helpers ---


def _actor_fields(actor: Any) -> dict[str, Any]:
    """The audit's "who": a user, or the label of an API key (storefront) or the system."""
    from accounts.models import User

    if isinstance(actor, User):
        return {"actor": actor, "actor_label": actor.email}
    if actor is None:
        return {"actor": None, "actor_label": "system"}
    return {"actor": None, "actor_label": str(actor)[:200]}


def _audit(
    *,
    partner: Partner,
    product: Product | None,
    actor: Any,
    from_status: str,
    to_status: str,
    reason: str = "",
    comment: str = "",
) -> StatusChange:
    return StatusChange.objects.create(
        partner=partner,
        product=product,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        comment=comment,
        **_actor_fields(actor),
    )


def _notify_partner(change: StatusChange) -> None:
    from partners.tasks import notify_partner_of_decision_task

    transaction.on_commit(lambda: notify_partner_of_decision_task.delay(change.pk))


def _lock_product(product: Product) -> Product:
    """Re-read the product under a row lock (serialises concurrent transitions)."""
    return (
        Product.objects.select_for_update(of=("self",)).select_related("partner").get(pk=product.pk)
    )


def _check_transition(
    locked: Product,
    *,
    allowed_from: Iterable[str],
    to: str,
    require_enabled: bool = False,
    allow_blocked_partner: bool = False,
) -> None:
    """Refuse a move the product's current (locked) status does not allow, with a clear code."""
    shown = locked.public_sales_status
    if require_enabled and not locked.sales_enabled:
        raise ConflictError(
            _("Switch the sales department on for this product first."),
            code="sales_department_off",
            details={"status": shown},
        )
    if locked.partner.is_blocked and not allow_blocked_partner:
        raise ConflictError(
            _("The partner is blocked."), code="partner_blocked", details={"status": shown}
        )
    allowed = sorted(set(allowed_from))
    if locked.sales_status not in allowed:
        labels = dict(SalesStatus.choices)
        raise ConflictError(
            _("Cannot move the sales department from «%(from)s» to «%(to)s».")
            % {"from": labels.get(shown, shown), "to": labels.get(to, to)},
            code="invalid_transition",
            details={"from": shown, "to": to, "allowed_from": allowed},
        )


def _transition(
    *,
    product: Product,
    actor: Any,
    allowed_from: Iterable[str],
    to: str,
    reason: str = "",
    comment: str = "",
    extra: Mapping[str, Any] | None = None,
    require_enabled: bool = False,
    allow_blocked_partner: bool = False,
) -> tuple[Product, StatusChange]:
    """Move the product's workflow status under a row lock and write the audit row.

    The audit keeps workflow statuses (not the public one, where "off" or a partner block
    would hide what was decided): approving a product that is switched off is still an
    approval.
    """
    allowed_from = list(allowed_from)
    locked = _lock_product(product)
    _check_transition(
        locked,
        allowed_from=allowed_from,
        to=to,
        require_enabled=require_enabled,
        allow_blocked_partner=allow_blocked_partner,
    )
    before = locked.sales_status
    locked.sales_status = to
    for field, value in (extra or {}).items():
        setattr(locked, field, value)
    locked.save(update_fields=["sales_status", "updated_at", *(extra or {}).keys()])
    change = _audit(
        partner=locked.partner,
        product=locked,
        actor=actor,
        from_status=before,
        to_status=to,
        reason=reason,
        comment=comment,
    )
    return locked, change


def _clean_price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value))
        if not price.is_finite():  # NaN would make every comparison below raise
            raise InvalidOperation
        price = price.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError(
            _("Price must be a number."), code="validation_error", details={"price": ["invalid"]}
        ) from None
    if price <= 0 or price > PRICE_MAX:
        raise ApplicationError(
            _("Price must be above 0 and at most %(max)s.") % {"max": PRICE_MAX},
            code="validation_error",
            details={"price": [_("out of range")]},
        )
    return price


# --- partners ---


@transaction.atomic
def partner_create(*, name: str) -> Partner:
    name = name.strip()
    if not name:
        raise ApplicationError(_("A partner needs a name."), code="invalid_name")
    partner = Partner(name=name)
    partner.full_clean()
    partner.save()
    return partner


@transaction.atomic
def partner_block(*, partner: Partner, actor: Any, comment: str = "") -> Partner:
    """Security block of a whole partner: its queued items leave the queue, none enter."""
    from sales_queue.services import queue_withdraw_waiting

    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if locked.is_blocked:
        raise ConflictError(_("The partner is already blocked."), code="already_blocked")
    comment = (comment or "").strip()
    locked.status = Partner.Status.BLOCKED
    locked.block_reason = comment
    locked.save(update_fields=["status", "block_reason", "updated_at"])
    change = _audit(
        partner=locked,
        product=None,
        actor=actor,
        from_status=Partner.Status.ACTIVE,
        to_status=Partner.Status.BLOCKED,
        reason="security_block",
        comment=comment,
    )
    queue_withdraw_waiting(partner=locked, reason="partner_blocked")
    _notify_partner(change)
    return locked


@transaction.atomic
def partner_unblock(*, partner: Partner, actor: Any, comment: str = "") -> Partner:
    """Lift a partner's block: the orders its block withdrew return to the queue."""
    from sales_queue.services import queue_restore_withdrawn

    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if not locked.is_blocked:
        raise ConflictError(_("The partner is not blocked."), code="not_blocked")
    locked.status = Partner.Status.ACTIVE
    locked.block_reason = ""
    locked.save(update_fields=["status", "block_reason", "updated_at"])
    change = _audit(
        partner=locked,
        product=None,
        actor=actor,
        from_status=Partner.Status.BLOCKED,
        to_status=Partner.Status.ACTIVE,
        reason="unblocked",
        comment=(comment or "").strip(),
    )
    queue_restore_withdrawn(partner=locked)
    _notify_partner(change)
    return locked


# --- products and their sales-department settings ---


@transaction.atomic
def product_create(
    *, partner: Partner, name: str, price: Any, external_id: str | None = None
) -> Product:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(
            _("A product needs a name."), code="validation_error", details={"name": ["required"]}
        )
    product = Product(
        partner=partner,
        name=name[:200],
        price=_clean_price(price),
        external_id=(external_id or "").strip(),
    )
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise ConflictError(
            _("A product with this external_id already exists."),
            code="external_id_taken",
            details={"external_id": external_id},
        ) from None
    Questionnaire.objects.create(product=product)
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    name: str | None = None,
    price: Any = None,
    external_id: str | None = None,
) -> Product:
    """Change the product's own fields; ``None`` leaves a field as it is, ``""`` clears
    the external id."""
    locked = _lock_product(product)
    fields = []
    if name is not None:
        if not name.strip():
            raise ApplicationError(
                _("A product needs a name."),
                code="validation_error",
                details={"name": ["required"]},
            )
        locked.name = name.strip()[:200]
        fields.append("name")
    if price is not None:
        locked.price = _clean_price(price)
        fields.append("price")
    if external_id is not None:
        locked.external_id = external_id.strip()
        fields.append("external_id")
    if fields:
        try:
            with transaction.atomic():
                locked.save(update_fields=[*fields, "updated_at"])
        except IntegrityError:
            raise ConflictError(
                _("A product with this external_id already exists."),
                code="external_id_taken",
                details={"external_id": external_id},
            ) from None
    return locked


@transaction.atomic
def product_edit(
    *,
    product: Product,
    actor: Any,
    name: str | None = None,
    price: Any = None,
    external_id: str | None = None,
    sales_department: Mapping[str, Any] | None = None,
) -> Product:
    """One PATCH of the API: the product's fields and its sales-department settings, all
    or nothing."""
    product = product_update(product=product, name=name, price=price, external_id=external_id)
    if sales_department:
        product = sales_settings_update(
            product=product,
            actor=actor,
            enabled=sales_department.get("enabled"),
            grace_period_minutes=sales_department.get("grace_period_minutes"),
            channels=sales_department.get("channels"),
        )
    return product


def validate_channels(channels: Any) -> list[str]:
    if not isinstance(channels, list) or not channels:
        raise ApplicationError(
            _("Choose at least one channel."),
            code="validation_error",
            details={"channels": [_("Choose at least one of: %s.") % ", ".join(ALL_CHANNELS)]},
        )
    unknown = [c for c in channels if c not in ALL_CHANNELS]
    if unknown:
        raise ApplicationError(
            _("Unknown channels: %(channels)s.") % {"channels": ", ".join(map(str, unknown))},
            code="validation_error",
            details={"channels": [_("Allowed: %s.") % ", ".join(ALL_CHANNELS)]},
        )
    return [c for c in ALL_CHANNELS if c in channels]  # canonical order, no duplicates


def validate_grace(minutes: Any) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ApplicationError(
            _("The grace period is a whole number of minutes."),
            code="validation_error",
            details={"grace_period_minutes": [_("Must be an integer.")]},
        )
    if not 0 <= minutes <= GRACE_MAX_MINUTES:
        raise ApplicationError(
            _("The grace period must be between 0 and %(max)d minutes (a week).")
            % {"max": GRACE_MAX_MINUTES},
            code="validation_error",
            details={"grace_period_minutes": [_("Out of range.")]},
        )
    return minutes


def _switch_status(product: Product) -> str:
    """The status an enable/disable audit row shows: "off" while switched off, unless the
    head's block is what the partner sees anyway."""
    if product.sales_status == SalesStatus.BLOCKED:
        return SalesStatus.BLOCKED
    return product.sales_status if product.sales_enabled else SalesStatus.OFF


@transaction.atomic
def sales_settings_update(
    *,
    product: Product,
    actor: Any,
    enabled: bool | None = None,
    grace_period_minutes: int | None = None,
    channels: list[str] | None = None,
) -> Product:
    """Change the product's sales-department settings (any subset).

    Switching off withdraws the product's waiting queue items; a later change of the grace
    period does not move existing orders (their ``due_at`` was fixed at creation).
    """
    from sales_queue.services import queue_restore_withdrawn, queue_withdraw_waiting

    if enabled is not None and not isinstance(enabled, bool):
        raise ApplicationError(
            _("enabled must be true or false."),
            code="validation_error",
            details={"enabled": [_("Must be a boolean.")]},
        )
    grace = validate_grace(grace_period_minutes) if grace_period_minutes is not None else None
    clean_channels = validate_channels(channels) if channels is not None else None

    locked = _lock_product(product)
    before = _switch_status(locked)
    fields: list[str] = []
    if grace is not None:
        locked.grace_period_minutes = grace
        fields.append("grace_period_minutes")
    if clean_channels is not None:
        locked.channels = clean_channels
        fields.append("channels")
    switched = enabled is not None and enabled != locked.sales_enabled
    if switched:
        locked.sales_enabled = bool(enabled)
        fields.append("sales_enabled")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    if switched:
        _audit(
            partner=locked.partner,
            product=locked,
            actor=actor,
            from_status=before,
            to_status=_switch_status(locked),
            reason="enabled" if enabled else "disabled",
        )
        if not enabled:
            queue_withdraw_waiting(
                partner=locked.partner, product=locked, reason="product_disabled"
            )
        else:
            queue_restore_withdrawn(partner=locked.partner, product=locked)
    return locked


# --- questionnaire ---


def _last_version(product: Product) -> QuestionnaireVersion | None:
    return product.versions.order_by("-number").first()


def _add_version(product: Product, kind: str, answers: dict[str, str], actor: Any) -> None:
    """Callers hold the product's row lock, so two versions never get the same number."""
    last = _last_version(product)
    QuestionnaireVersion.objects.create(
        product=product,
        number=(last.number + 1) if last else 1,
        kind=kind,
        answers=answers,
        created_by=_actor_fields(actor)["actor"],
    )


# Autosave writes every few seconds while the partner types: successive changes by the same
# person within this window update their latest "changed" version instead of adding one each.
EDIT_SESSION = dt.timedelta(minutes=30)


def _record_change(product: Product, answers: dict[str, str], actor: Any) -> None:
    """Keep a change made after approval as a version (callers hold the product's lock)."""
    last = _last_version(product)
    who = _actor_fields(actor)["actor"]
    if (
        last is not None
        and last.kind == QuestionnaireVersion.Kind.CHANGED
        and last.created_by_id == (who.pk if who is not None else None)
        and last.created_at >= timezone.now() - EDIT_SESSION
    ):
        QuestionnaireVersion.objects.filter(pk=last.pk).update(
            answers=answers, created_at=timezone.now()
        )
        return
    _add_version(product, QuestionnaireVersion.Kind.CHANGED, answers, actor)


def _is_approved(product: Product) -> bool:
    # A block is temporary: an approved product that is blocked is still one whose
    # approved answers must not change silently.
    return product.sales_status == SalesStatus.APPROVED or (
        product.sales_status == SalesStatus.BLOCKED
        and product.status_before_block == SalesStatus.APPROVED
    )


@transaction.atomic
def questionnaire_save(
    *, product: Product, actor: Any, answers: Mapping[str, Any], partial: bool = False
) -> Questionnaire:
    """Save answers (all of them, or with ``partial`` only those given — the autosave).

    After approval a change is kept as a new version so the head sees what changed; the
    product stays approved.
    """
    unknown = sorted(set(answers) - set(Questionnaire.TEXT_FIELDS))
    if unknown:
        raise ApplicationError(
            _("Unknown questionnaire fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="validation_error",
            details={name: [_("Unknown field.")] for name in unknown},
        )
    bad = [k for k, v in answers.items() if v is not None and not isinstance(v, str)]
    if bad:
        raise ApplicationError(
            _("Questionnaire answers are text."),
            code="validation_error",
            details={name: [_("Must be a string.")] for name in bad},
        )
    too_long = [k for k, v in answers.items() if isinstance(v, str) and len(v) > ANSWER_MAX]
    if too_long:
        raise ApplicationError(
            _("An answer is too long."),
            code="validation_error",
            details={name: [_("At most 20000 characters.")] for name in too_long},
        )
    locked = _lock_product(product)
    questionnaire, _created = Questionnaire.objects.get_or_create(product=locked)
    before = questionnaire.answers()
    for name in Questionnaire.TEXT_FIELDS:
        if name in answers:
            setattr(questionnaire, name, (answers[name] or "").strip())
        elif not partial:
            setattr(questionnaire, name, "")
    questionnaire.save()
    after = questionnaire.answers()
    if after != before and _is_approved(locked):
        _record_change(locked, after, actor)
    return questionnaire


def questionnaire_missing(questionnaire: Questionnaire) -> dict[str, list[str]]:
    return {
        name: [_("This field is required to submit the questionnaire.")]
        for name in Questionnaire.REQUIRED_FIELDS
        if not getattr(questionnaire, name).strip()
    }


SUBMITTABLE = [SalesStatus.DRAFT, SalesStatus.REFUSED]


@transaction.atomic
def questionnaire_submit(*, product: Product, actor: Any) -> Product:
    """Send the questionnaire to the head of sales (from draft, or again after a refusal).

    The status is checked before the answers, so "you cannot submit now" (409) wins over
    "fill in these fields" (400); both are read under the product's row lock, the same lock
    :func:`questionnaire_save` takes, so the answers checked are the answers submitted.
    """
    locked = _lock_product(product)
    _check_transition(
        locked, allowed_from=SUBMITTABLE, to=SalesStatus.SUBMITTED, require_enabled=True
    )
    questionnaire, _created = Questionnaire.objects.get_or_create(product=locked)
    missing = questionnaire_missing(questionnaire)
    if missing:
        raise ApplicationError(
            _("Fill in the required fields before submitting."),
            code="questionnaire_incomplete",
            details=missing,
        )
    locked, _change = _transition(
        product=locked,
        actor=actor,
        allowed_from=SUBMITTABLE,
        to=SalesStatus.SUBMITTED,
        require_enabled=True,
        extra={"refusal_reason": "", "refusal_comment": ""},
    )
    questionnaire.submitted_at = timezone.now()
    questionnaire.save(update_fields=["submitted_at", "updated_at"])
    _add_version(locked, QuestionnaireVersion.Kind.SUBMITTED, questionnaire.answers(), actor)
    return locked


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


def slots_open(*, now: dt.datetime | None = None) -> QuerySet[AlignmentSlot]:
    """Future, not withdrawn, not booked slots (what partners can book)."""
    from partners.selectors import alignment_slots_open

    return alignment_slots_open(now=now)


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
        _check_transition(
            _lock_product(product),
            allowed_from=[SalesStatus.SUBMITTED],
            to=SalesStatus.CALL_BOOKED,
            require_enabled=True,
        )
    try:
        with transaction.atomic():
            booking = CallBooking.objects.create(
                slot=locked_slot, partner=partner, booked_by=_actor_fields(actor)["actor"]
            )
    except IntegrityError:
        raise ConflictError(
            _("Someone has just booked this slot. Choose another one."), code="slot_taken"
        ) from None
    when = timezone.localtime(locked_slot.starts_at)
    for product in product_list:
        _transition(
            product=product,
            actor=actor,
            allowed_from=[SalesStatus.SUBMITTED],
            to=SalesStatus.CALL_BOOKED,
            require_enabled=True,
            comment=f"{when:%Y-%m-%d %H:%M}",
        )
    booking.products.set(product_list)
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
        current = _lock_product(product)
        if current.sales_status == SalesStatus.CALL_BOOKED:
            # Also for a partner blocked meanwhile: the head withdrawing the slot must
            # not be refused because of the partner's block.
            _transition(
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


# --- the head's decisions ---

DECIDABLE = [SalesStatus.SUBMITTED, SalesStatus.CALL_BOOKED]


@transaction.atomic
def product_approve(*, product: Product, actor: Any, comment: str = "") -> Product:
    locked, change = _transition(
        product=product,
        actor=actor,
        allowed_from=DECIDABLE,
        to=SalesStatus.APPROVED,
        comment=(comment or "").strip(),
        extra={"approved_at": timezone.now(), "refusal_reason": "", "refusal_comment": ""},
    )
    questionnaire, _created = Questionnaire.objects.get_or_create(product=locked)
    _add_version(locked, QuestionnaireVersion.Kind.APPROVED, questionnaire.answers(), actor)
    _notify_partner(change)
    return locked


@transaction.atomic
def product_refuse(*, product: Product, actor: Any, reason: str, comment: str = "") -> Product:
    if reason not in RefusalReason.values:
        raise ApplicationError(
            _("Unknown refusal reason."),
            code="validation_error",
            details={"reason": [_("One of: %s.") % ", ".join(RefusalReason.values)]},
        )
    comment = (comment or "").strip()
    if reason == RefusalReason.OTHER and not comment:
        raise ApplicationError(
            _("Explain the refusal in a comment when the reason is «other»."),
            code="validation_error",
            details={"comment": [_("Required when the reason is «other».")]},
        )
    locked, change = _transition(
        product=product,
        actor=actor,
        allowed_from=DECIDABLE,
        to=SalesStatus.REFUSED,
        reason=reason,
        comment=comment,
        extra={"refusal_reason": reason, "refusal_comment": comment},
    )
    _notify_partner(change)
    return locked


@transaction.atomic
def product_block(*, product: Product, actor: Any, comment: str = "") -> Product:
    """Security block: waiting items leave the queue, held ones are finished, none enter.

    Works on a blocked partner's product too: the two blocks are lifted separately.
    """
    from sales_queue.services import queue_withdraw_waiting

    current = _lock_product(product)
    if current.sales_status == SalesStatus.BLOCKED:
        raise ConflictError(_("The product is already blocked."), code="already_blocked")
    locked, change = _transition(
        product=current,
        actor=actor,
        allowed_from=[s for s in WORKFLOW_STATUSES if s != SalesStatus.BLOCKED],
        to=SalesStatus.BLOCKED,
        reason="security_block",
        comment=(comment or "").strip(),
        extra={"status_before_block": current.sales_status},
        allow_blocked_partner=True,
    )
    queue_withdraw_waiting(partner=locked.partner, product=locked, reason="product_blocked")
    _notify_partner(change)
    return locked


@transaction.atomic
def product_unblock(*, product: Product, actor: Any, comment: str = "") -> Product:
    """Lift a product's block: back to its status before; the orders the block withdrew
    return to the queue if it is approved and switched on."""
    from sales_queue.services import queue_restore_withdrawn

    current = _lock_product(product)
    if current.sales_status != SalesStatus.BLOCKED:
        raise ConflictError(_("The product is not blocked."), code="not_blocked")
    locked, change = _transition(
        product=current,
        actor=actor,
        allowed_from=[SalesStatus.BLOCKED],
        to=current.status_before_block or SalesStatus.DRAFT,
        reason="unblocked",
        comment=(comment or "").strip(),
        extra={"status_before_block": ""},
        allow_blocked_partner=True,
    )
    queue_restore_withdrawn(partner=locked.partner, product=locked)
    _notify_partner(change)
    return locked
