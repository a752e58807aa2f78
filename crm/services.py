"""Writes for the deal pipeline. crm owns its tables: other apps (the queue, billing) change a
deal only through these functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from crm.models import (
    REMINDER_EMAILS_MAX,
    STALE_AFTER_MAX_MINUTES,
    STALE_AFTER_MIN_MINUTES,
    Deal,
    DealSettings,
)
from salesdesk.errors import ApplicationError

if TYPE_CHECKING:
    from orders.models import Order
    from partners.models import Partner


@transaction.atomic
def deal_open(
    *,
    queue_item_id: Any,
    partner_id: Any,
    product_id: Any,
    order: Order | None,
    responsible: User,
    title: str,
    source: str,
    lead_created_at: dt.datetime,
) -> Deal:
    """Open the deal of a queue item the ``responsible`` manager has just taken — or, when the
    item had one already (it came back to the queue), hand that deal to them and reopen it."""
    deal = Deal.objects.filter(queue_item_id=queue_item_id).first()
    if deal is None:
        return Deal.objects.create(
            partner_id=partner_id,
            responsible=responsible,
            queue_item_id=queue_item_id,
            order=order,
            product_id=product_id,
            title=title,
            source=source,
            contact_name=order.customer_name if order else "",
            contact_email=order.customer_email if order else "",
            contact_phone=order.customer_phone if order else "",
            contact_telegram=order.customer_telegram if order else "",
            contact_whatsapp=order.customer_whatsapp if order else "",
            lead_created_at=order.created_at if order else lead_created_at,
        )
    fields = []
    if deal.responsible_id != responsible.pk:
        deal.responsible = responsible
        fields.append("responsible")
    if deal.status != Deal.Status.OPEN:
        # The item came back to the queue (its product switched on or unblocked again).
        deal.status, deal.closed_at = Deal.Status.OPEN, None
        fields += ["status", "closed_at"]
    if fields:
        deal.save(update_fields=[*fields, "updated_at"])
    return deal


def deals_close(
    *, queue_item_ids: Iterable[Any], status: str, now: dt.datetime | None = None
) -> int:
    """Close the open deals of these queue items as won, lost or withdrawn (a compare-and-swap
    on ``open``: a deal closes once however often this runs)."""
    if status not in (Deal.Status.WON, Deal.Status.LOST, Deal.Status.WITHDRAWN):
        raise ValueError(f"not a closing status: {status}")
    now = now or timezone.now()
    return Deal.objects.filter(
        queue_item_id__in=list(queue_item_ids), status=Deal.Status.OPEN
    ).update(status=status, closed_at=now, updated_at=now)


def deal_reassign(*, queue_item_id: Any, responsible: User, now: dt.datetime | None = None) -> int:
    """The head gave the item to another manager: its deal follows."""
    now = now or timezone.now()
    return Deal.objects.filter(queue_item_id=queue_item_id).update(
        responsible=responsible, updated_at=now
    )


def deal_win_late(*, queue_item_id: Any, now: dt.datetime | None = None) -> int:
    """The buyer of a lost (or withdrawn) deal paid within the attribution window: the deal is
    won after all (a compare-and-swap: it turns won once)."""
    now = now or timezone.now()
    return Deal.objects.filter(
        queue_item_id=queue_item_id, status__in=(Deal.Status.LOST, Deal.Status.WITHDRAWN)
    ).update(status=Deal.Status.WON, closed_at=now, updated_at=now)


# --- deal settings ---

DEAL_SETTINGS_FIELDS = frozenset(
    {"stale_reminder_enabled", "stale_after_minutes", "reminder_emails"}
)


def _reminder_emails_clean(value: Any, errors: dict[str, list[str]]) -> list[str]:
    """Trimmed, lowercased, duplicates dropped (first one kept); each bad address is named with
    its position so the partner can find it."""
    if not isinstance(value, list | tuple):
        errors["reminder_emails"] = [_("Must be a list of email addresses.")]
        return []
    cleaned: list[str] = []
    problems: list[str] = []
    for index, raw in enumerate(value):
        email = raw.strip().lower() if isinstance(raw, str) else ""
        try:
            validate_email(email)
        except DjangoValidationError:
            problems.append(
                _("Address %(number)d (%(value)s) is not a valid email address.")
                % {"number": index + 1, "value": raw if isinstance(raw, str) else repr(raw)}
            )
            continue
        if email not in cleaned:
            cleaned.append(email)
    if not problems and len(cleaned) > REMINDER_EMAILS_MAX:
        problems.append(
            _("At most %(max)d addresses, got %(count)d.")
            % {"max": REMINDER_EMAILS_MAX, "count": len(cleaned)}
        )
    if problems:
        errors["reminder_emails"] = problems
    return cleaned


@transaction.atomic
def deal_settings_update(*, partner: Partner, actor: Any, **changes: Any) -> DealSettings:
    """Change any subset of the partner's deal settings (``stale_reminder_enabled``,
    ``stale_after_minutes``, ``reminder_emails``), all or nothing: one bad value and nothing is
    saved. Reminders cannot be on without an address to send them to."""
    unknown = sorted(set(changes) - DEAL_SETTINGS_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Invalid input."),
            code="validation_error",
            details={key: [_("Unknown field.")] for key in unknown},
        )
    DealSettings.objects.get_or_create(partner=partner)
    row = DealSettings.objects.for_partner(partner).select_for_update().get()
    errors: dict[str, list[str]] = {}
    if "stale_reminder_enabled" in changes:
        enabled = changes["stale_reminder_enabled"]
        if isinstance(enabled, bool):
            row.stale_reminder_enabled = enabled
        else:
            errors["stale_reminder_enabled"] = [_("Must be a boolean.")]
    if "stale_after_minutes" in changes:
        minutes = changes["stale_after_minutes"]
        if (
            isinstance(minutes, int)
            and not isinstance(minutes, bool)
            and STALE_AFTER_MIN_MINUTES <= minutes <= STALE_AFTER_MAX_MINUTES
        ):
            row.stale_after_minutes = minutes
        else:
            errors["stale_after_minutes"] = [
                _("A whole number of minutes from %(min)d to %(max)d (30 days).")
                % {"min": STALE_AFTER_MIN_MINUTES, "max": STALE_AFTER_MAX_MINUTES}
            ]
    if "reminder_emails" in changes:
        row.reminder_emails = _reminder_emails_clean(changes["reminder_emails"], errors)
    if not errors and row.stale_reminder_enabled and not row.reminder_emails:
        errors["reminder_emails"] = [
            _("Add at least one email address to turn the stale-deal reminders on.")
        ]
    if errors:
        raise ApplicationError(_("Invalid input."), code="validation_error", details=errors)
    row.updated_by = actor if isinstance(actor, User) else None
    row.save()
    return row
