"""Reads of a partner's lead lists that join the queue: how many leads each list brought, how
many of them ended in a won deal (the list's conversion), and where each lead stands now — in
the queue, with a manager at some stage of its deal, or never queued."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from crm.lead_list_selectors import partner_lead_lists
from crm.models import Deal, Lead, LeadList
from partners.models import Partner
from sales_queue.models import QueueItem


def _won_deals(lead_list_ref: Any) -> Subquery:
    won = (
        Deal.objects.filter(queue_item__lead__lead_list=lead_list_ref, status=Deal.Status.WON)
        .order_by()
        .values("queue_item__lead__lead_list")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(won, output_field=IntegerField())


def _leads(lead_list_ref: Any) -> Subquery:
    leads = (
        Lead.objects.filter(lead_list=lead_list_ref)
        .order_by()
        .values("lead_list")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(leads, output_field=IntegerField())


def lead_lists_with_figures(*, partner: Partner) -> QuerySet[LeadList]:
    """The partner's lead lists with ``leads_count`` and ``won_count`` (its leads whose deal
    was won); :func:`conversion` turns them into a percentage."""
    return partner_lead_lists(partner=partner).annotate(
        leads_count=Coalesce(_leads(OuterRef("pk")), 0),
        won_count=Coalesce(_won_deals(OuterRef("pk")), 0),
    )


def conversion(*, leads: int, won: int) -> Decimal | None:
    """Won deals per lead (0.5 is a half; the pages show it with the ``percent`` filter);
    ``None`` without leads."""
    if not leads:
        return None
    return (Decimal(won) / Decimal(leads)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def lead_list_leads(*, lead_list: LeadList) -> QuerySet[Lead]:
    """The list's leads, newest first, each with its queue item and the item's deal (and its
    stage) joined: :func:`lead_progress` reads them without another query."""
    return (
        Lead.objects.for_partner(lead_list.partner)
        .filter(lead_list=lead_list)
        .select_related("queue_item", "queue_item__deal", "queue_item__deal__stage")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class LeadProgress:
    """Where a lead stands, for people: a label, and whether it is done with (won, lost…)."""

    label: str
    kind: str  # queued | working | won | lost | closed | not_queued


def lead_progress(lead: Lead) -> LeadProgress:
    item: QueueItem | None = getattr(lead, "queue_item", None)
    if item is None:
        return LeadProgress(
            _("not in the queue: the sales department did not work this product then"),
            "not_queued",
        )
    deal: Deal | None = getattr(item, "deal", None)
    if item.state == QueueItem.State.QUEUED:
        return LeadProgress(_("in the queue"), "queued")
    if deal is not None:
        kind = {Deal.Status.WON: "won", Deal.Status.LOST: "lost", Deal.Status.OPEN: "working"}
        label = deal.stage.name if deal.stage is not None else deal.get_status_display()
        return LeadProgress(label, kind.get(Deal.Status(deal.status), "closed"))
    if item.state in (QueueItem.State.ACTIVE, QueueItem.State.SCHEDULED):
        return LeadProgress(_("with a manager"), "working")
    if item.state == QueueItem.State.WITHDRAWN:
        return LeadProgress(_("withdrawn from the queue"), "closed")
    return LeadProgress(_("closed"), "closed")
