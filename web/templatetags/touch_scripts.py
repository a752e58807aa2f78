"""``{% touch_script_of deal_or_item as script %}``: the talk script a manager reads beside the
buyer (the product's, else the partner's, else built-in; see :mod:`crm.scripts`)."""

from __future__ import annotations

from typing import Any

from django import template

from crm.scripts import Script, kind_for, touch_script_for

register = template.Library()


@register.simple_tag
def touch_script_of(obj: Any) -> Script:
    """For a deal or a queue item: an order's buyer gets the unpaid-order script."""
    return touch_script_for(
        partner_id=obj.partner_id,
        product_id=obj.product_id,
        kind=kind_for(has_order=obj.order_id is not None),
        # Joined by the workspace's and the deal page's reads: no query for them here.
        partner=obj.partner,
        product=obj.product,
    )
