"""Reads of the deal pipeline, tenant first: who sees which deals, the filters of the lists."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import SELLER_ROLES, Role
from crm.models import Deal, DealSettings, Stage, StageChange
from crm.services import stages_ensure
from partners.models import Partner


def deals_visible(*, partner: Partner | None = None, user: Any = None) -> QuerySet[Deal]:
    """The deals a caller may see: a partner its own, a seller those they are responsible
    for, the head every one; anyone else none (so a deal they cannot see is a 404)."""
    deals = Deal.objects.select_related("stage", "responsible", "product", "order")
    if partner is not None:
        return deals.for_partner(partner)
    role = getattr(user, "role", None)
    if role == Role.HEAD:
        return deals
    if role in SELLER_ROLES:
        return deals.filter(responsible=user)
    return deals.none()


def deals_filter(
    deals: QuerySet[Deal],
    *,
    stage: str = "",
    status: str = "",
    responsible: Any = None,
    search: str = "",
) -> QuerySet[Deal]:
    """Narrow a list: ``stage`` by id or name, ``status``, ``responsible`` (a user id),
    ``search`` in the contact's name, phone and email. Values are checked by the caller."""
    if stage:
        deals = deals.filter(stage_id=stage) if _is_uuid(stage) else deals.filter(stage__name=stage)
    if status:
        deals = deals.filter(status=status)
    if responsible:
        deals = deals.filter(responsible_id=responsible)
    search = search.strip()
    if search:
        digits = "".join(c for c in search if c.isdigit())
        match = Q(contact_name__icontains=search) | Q(contact_email__icontains=search)
        if len(digits) >= 3:
            match |= Q(contact_phone__contains=digits[1:] if len(digits) == 11 else digits)
        deals = deals.filter(match)
    return deals


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def stages_for(*, partner_id: Any) -> list[Stage]:
    return stages_ensure(partner_id=partner_id)


def deal_stage_history(*, deal: Deal) -> list[StageChange]:
    return list(
        StageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "actor")
        .order_by("-created_at", "-id")
    )


def deal_settings_get(*, partner: Partner) -> DealSettings:
    """The partner's deal settings; the first read stores the defaults (a concurrent first read
    finds the row the other one stored: the partner is unique)."""
    settings, _created = DealSettings.objects.for_partner(partner).get_or_create(partner=partner)
    return settings
