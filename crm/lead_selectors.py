"""Reads of leads as the partner sees them over the API, tenant first.

A lead's ``sales_status`` comes from its queue item, as an order's does
(:class:`crm.selectors.SalesStatus`): ``none`` (never queued: its product's sales department was not
working when it came), ``queued`` (waiting, including a retry after no answer), ``active``
(held by a manager, including a scheduled callback), ``closed`` (won, lost or withdrawn). Its
``deal_ref`` is the deal taking it opened (``None`` until a manager takes it). The item and
the deal are joined by their relation names only: the queue lives above crm.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from crm.models import Deal, Lead, LeadList
from crm.selectors import sales_status
from partners.models import Partner
from salesdesk.tenancy import get_object_or_404


def lead_list_api(*, partner: Partner) -> QuerySet[Lead]:
    """The partner's leads, newest first, with ``sales_status`` and ``deal_ref`` annotated."""
    deal = Deal.objects.filter(queue_item__lead=OuterRef("pk")).values("pk")[:1]
    return (
        Lead.objects.for_partner(partner)
        .select_related("lead_list")
        .annotate(sales_status=sales_status(), deal_ref=Subquery(deal))
    )


def lead_get_api(*, partner: Partner, lead_id: Any) -> Lead:
    """One of the partner's leads; another partner's or a malformed id is a 404."""
    return get_object_or_404(
        lead_list_api(partner=partner), message=_("Lead not found."), pk=lead_id
    )


def lead_list_of_partner(*, partner: Partner, lead_list_id: Any) -> LeadList:
    """One of the partner's lead lists (to post a lead to); another partner's is a 404."""
    return get_object_or_404(
        LeadList.objects.for_partner(partner).select_related("partner"),
        message=_("Lead list not found."),
        pk=lead_list_id,
    )


# A buyer's page lists this many of their leads, newest first.
CONTACT_LEADS_SHOWN = 50


def contact_leads(*, partner: Partner, contact: Any) -> QuerySet[Lead]:
    """The leads a buyer left with the partner, newest first, with their list."""
    return (
        Lead.objects.for_partner(partner)
        .filter(contact=contact)
        .select_related("lead_list")
        .order_by("-created_at", "-id")[:CONTACT_LEADS_SHOWN]
    )
