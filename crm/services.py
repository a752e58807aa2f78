"""Writes for contacts and the deal pipeline. crm owns its tables: other apps (orders, the
queue, billing) change a contact or a deal only through these functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Contact, Deal
from crm.normalizers import ContactError, normalize_email, normalize_phone
from partners.models import Partner
from salesdesk.errors import ApplicationError

if TYPE_CHECKING:
    from accounts.models import User
    from orders.models import Order

# Filled on a found contact when empty there; phone and email are unique per partner.
_FILLABLE = ("name", "phone", "email", "telegram", "whatsapp")
_UNIQUE = ("phone", "email")


def _find(partner: Partner, *, phone: str, email: str) -> Contact | None:
    """The partner's contact with this phone, else with this email (phone wins: it is what a
    manager calls)."""
    contacts = Contact.objects.for_partner(partner).select_for_update(of=("self",))
    if phone:
        found = contacts.filter(phone=phone).first()
        if found is not None:
            return found
    if email:
        return contacts.filter(email=email).first()
    return None


def _fill(contact: Contact, given: dict[str, str]) -> Contact:
    """Fill the found (locked) contact's empty fields from ``given``; never overwrite. A phone
    or email another contact of the partner already holds stays off this one (the unique rule)."""
    missing = {f: given[f] for f in _FILLABLE if given[f] and not getattr(contact, f)}
    for field in _UNIQUE:
        if (
            field in missing
            and Contact.objects.filter(partner_id=contact.partner_id, **{field: missing[field]})
            .exclude(pk=contact.pk)
            .exists()
        ):
            del missing[field]
    if not missing:
        return contact
    try:
        with transaction.atomic():
            Contact.objects.filter(pk=contact.pk).update(**missing, updated_at=timezone.now())
    except IntegrityError:
        # Another intake took that phone or email for a new contact meanwhile: fill the rest.
        missing = {f: v for f, v in missing.items() if f not in _UNIQUE}
        if missing:
            Contact.objects.filter(pk=contact.pk).update(**missing, updated_at=timezone.now())
    contact.refresh_from_db()
    return contact


@transaction.atomic
def contact_find_or_create(
    *,
    partner: Partner,
    name: str,
    phone: str = "",
    email: str = "",
    telegram: str = "",
    whatsapp: str = "",
) -> Contact:
    """The partner's contact for this buyer: found again by normalised phone, else by email,
    its empty fields filled from what is given; or a new one.

    Race-safe: the insert runs in a savepoint, and losing it to a concurrent intake of the same
    buyer (the partial unique constraints on phone and email) re-reads the winner. A buyer with
    neither phone nor email cannot be recognised again and gets a contact of their own.
    """
    try:
        phone = normalize_phone(phone) if phone.strip() else ""
    except ContactError as exc:
        raise ApplicationError(
            _("Invalid input."), code="validation_error", details={"phone": [str(exc)]}
        ) from None
    given = {
        "name": name.strip()[:200],
        "phone": phone,
        "email": normalize_email(email),
        "telegram": telegram.strip(),
        "whatsapp": whatsapp.strip(),
    }
    if not (given["phone"] or given["email"]):
        return Contact.objects.create(partner=partner, **given)
    found = _find(partner, phone=given["phone"], email=given["email"])
    if found is not None:
        return _fill(found, given)
    try:
        with transaction.atomic():
            return Contact.objects.create(partner=partner, **given)
    except IntegrityError:
        found = _find(partner, phone=given["phone"], email=given["email"])
        if found is None:  # some other constraint: a bug, not a race
            raise
        return _fill(found, given)


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
            contact_id=order.contact_id if order else None,
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
    if deal.contact_id is None and order is not None and order.contact_id is not None:
        deal.contact_id = order.contact_id
        fields.append("contact")
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
