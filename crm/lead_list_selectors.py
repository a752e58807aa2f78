"""Reads of lead lists, tenant first (the form endpoint finds a list by its token alone).

A list's leads with their progress in the queue and the list's conversion join the queue's
tables: those reads live in :mod:`sales_queue.lead_list_reads`, the highest app they touch.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from crm.models import LeadList
from partners.models import Partner
from salesdesk.tenancy import get_object_or_404


def partner_lead_lists(*, partner: Partner) -> QuerySet[LeadList]:
    """The partner's lead lists, newest first, with their products."""
    return LeadList.objects.for_partner(partner).select_related("product")


def partner_lead_list_get(*, partner: Partner, lead_list_id: uuid.UUID | str) -> LeadList:
    """One of the partner's lead lists; another partner's or a malformed id is not found."""
    return get_object_or_404(partner_lead_lists(partner=partner), pk=lead_list_id)


def lead_list_for_form(*, form_token: str) -> LeadList | None:
    """The list a public form posts to: ``None`` for an unknown token, a token rotated away
    and an archived list alike, so the form's answer cannot tell them apart."""
    if not form_token or len(form_token) > 64:
        return None
    return (
        LeadList.objects.select_related("partner", "product")
        .filter(form_token=form_token, archived_at__isnull=True)
        .first()
    )
