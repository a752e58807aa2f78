"""The queue's side of a deal: taking an item opens (or hands over) the deal crm keeps."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from crm.models import Deal, Lead
from crm.services import deal_open
from sales_queue.models import QueueItem


def open_deal(item: QueueItem, manager: User, *, first_take: bool = False) -> Deal:
    """Taking an item opens its deal (or hands the existing one to the new manager). The
    deal's ad channel is the order's ``source``, "Unpaid order" when the storefront sent none;
    a lead's deal is titled with its list's name, its ad channel the lead's source ("Lead"
    when none). ``first_take``: the item was never taken before, so it has no deal to look up."""
    order = item.order
    if item.lead_id is not None:
        lead = Lead.objects.select_related("lead_list").get(pk=item.lead_id)
        return deal_open(
            queue_item_id=item.pk,
            partner_id=item.partner_id,
            product_id=item.product_id,
            order=None,
            lead=lead,
            responsible=manager,
            title=lead.lead_list.name,
            source=lead.source or _("Lead"),
            lead_created_at=lead.created_at,
            taken_at=item.taken_at,
            new=first_take,
            partner=item.partner,
            product=item.product,
        )
    return deal_open(
        queue_item_id=item.pk,
        partner_id=item.partner_id,
        product_id=item.product_id,
        order=order,
        responsible=manager,
        title=item.product.name,
        source=(order.source if order is not None else "") or _("Unpaid order"),
        lead_created_at=item.entered_at,
        taken_at=item.taken_at,
        new=first_take,
        partner=item.partner,
        product=item.product,
    )
