"""Products and their sales-department settings (grace period, channels, on/off)."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from partners.models import (
    ALL_CHANNELS,
    GRACE_MAX_MINUTES,
    Partner,
    Product,
    Questionnaire,
    SalesStatus,
)
from partners.services.status import audit_write, product_lock
from salesdesk.errors import ApplicationError, ConflictError
from salesdesk.money import MONEY_MAX, MoneyError, parse_money

logger = logging.getLogger(__name__)


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
    locked = product_lock(product)
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
    # The partner's order is kept (the first one they name is their preference); duplicates go.
    return list(dict.fromkeys(channels))


def validate_priority_channel(priority_channel: Any, *, channels: list[str]) -> str:
    """The priority channel: one of the product's allowed ``channels``, or "" for none."""
    if priority_channel in ("", None):
        return ""
    if not isinstance(priority_channel, str) or priority_channel not in channels:
        raise ApplicationError(
            _("The priority channel must be one of the allowed channels."),
            code="validation_error",
            details={"priority_channel": [_("Allowed: %s.") % ", ".join(channels)]},
        )
    return priority_channel


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
    priority_channel: str | None = None,
) -> Product:
    """Change the product's sales-department settings (any subset).

    A later change of the grace period does not move existing orders (their ``due_at`` was
    fixed at creation). ``channels`` keep the partner's order. ``priority_channel`` must be
    one of the allowed channels (those given with it, or the stored ones); ``""`` clears it.
    New channels that leave the priority channel out clear it: unticking a channel must not
    need a second edit first. What switching on or off does to the queue:
    :func:`sales_queue.services.supply.sales_settings_update`.
    """
    if enabled is not None and not isinstance(enabled, bool):
        raise ApplicationError(
            _("enabled must be true or false."),
            code="validation_error",
            details={"enabled": [_("Must be a boolean.")]},
        )
    grace = validate_grace(grace_period_minutes) if grace_period_minutes is not None else None
    clean_channels = validate_channels(channels) if channels is not None else None

    locked = product_lock(product)
    allowed = clean_channels if clean_channels is not None else list(locked.channels)
    priority = locked.priority_channel
    if priority_channel is not None:
        priority = validate_priority_channel(priority_channel, channels=allowed)
    elif priority not in allowed:
        priority = ""
    before = _switch_status(locked)
    fields: list[str] = []
    if grace is not None:
        locked.grace_period_minutes = grace
        fields.append("grace_period_minutes")
    if clean_channels is not None:
        locked.channels = clean_channels
        fields.append("channels")
    if priority != locked.priority_channel:
        locked.priority_channel = priority
        fields.append("priority_channel")
    switched = enabled is not None and enabled != locked.sales_enabled
    if switched:
        locked.sales_enabled = bool(enabled)
        fields.append("sales_enabled")
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    if switched:
        audit_write(
            partner=locked.partner,
            product=locked,
            actor=actor,
            from_status=before,
            to_status=_switch_status(locked),
            reason="enabled" if enabled else "disabled",
        )
    return locked


def _clean_price(value: Any) -> Decimal:
    """A price by the API's rules for money (:func:`salesdesk.money.parse_money`)."""
    try:
        return parse_money(value)
    except MoneyError as exc:
        if exc.code in ("min", "max"):
            raise ApplicationError(
                _("Price must be above 0 and at most %(max)s.") % {"max": MONEY_MAX},
                code="validation_error",
                details={"price": [_("out of range")]},
            ) from None
        if exc.code == "decimals":
            raise ApplicationError(
                exc.message, code="validation_error", details={"price": [exc.message]}
            ) from None
        raise ApplicationError(
            _("Price must be a number."), code="validation_error", details={"price": ["invalid"]}
        ) from None
