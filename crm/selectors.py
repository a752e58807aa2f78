"""Reads of the crm app. Every partner-reachable read starts from the partner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm.models import DealSettings

if TYPE_CHECKING:
    from partners.models import Partner


def deal_settings_get(*, partner: Partner) -> DealSettings:
    """The partner's deal settings; the first read stores the defaults (a concurrent first read
    finds the row the other one stored: the partner is unique)."""
    settings, _created = DealSettings.objects.for_partner(partner).get_or_create(partner=partner)
    return settings
