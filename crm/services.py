"""Writes for the deal pipeline. crm owns its tables: other apps (the queue, billing) change a
deal only through these functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from crm.models import Deal

if TYPE_CHECKING:
    from accounts.models import User
    from orders.models import Order


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
