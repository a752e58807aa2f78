"""What feeds the queue: a partner or product blocked or unblocked, a product switched on or
off. Each use case is the partners' service (status, audit, email) plus its effect on the
queue, in one transaction. Pages and the API call these, never the partners' ones alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from partners import services as partner_services
from partners.models import Partner, Product
from sales_queue.services.closing import queue_restore_withdrawn, queue_withdraw_waiting


@transaction.atomic
def partner_block(*, partner: Partner, actor: Any, comment: str = "") -> Partner:
    """Security block of a whole partner: its queued items leave the queue, none enter."""
    blocked = partner_services.partner_block(partner=partner, actor=actor, comment=comment)
    queue_withdraw_waiting(partner=blocked, reason="partner_blocked")
    return blocked


@transaction.atomic
def partner_unblock(*, partner: Partner, actor: Any, comment: str = "") -> Partner:
    """Lift a partner's block: the orders its block withdrew return to the queue."""
    active = partner_services.partner_unblock(partner=partner, actor=actor, comment=comment)
    queue_restore_withdrawn(partner=active)
    return active


@transaction.atomic
def product_block(*, product: Product, actor: Any, comment: str = "") -> Product:
    """Security block: waiting items leave the queue, held ones are finished, none enter."""
    blocked = partner_services.product_block(product=product, actor=actor, comment=comment)
    queue_withdraw_waiting(partner=blocked.partner, product=blocked, reason="product_blocked")
    return blocked


@transaction.atomic
def product_unblock(*, product: Product, actor: Any, comment: str = "") -> Product:
    """Lift a product's block: the orders the block withdrew return to the queue if it is
    approved and switched on."""
    unblocked = partner_services.product_unblock(product=product, actor=actor, comment=comment)
    queue_restore_withdrawn(partner=unblocked.partner, product=unblocked)
    return unblocked


@transaction.atomic
def sales_settings_update(
    *,
    product: Product,
    actor: Any,
    enabled: bool | None = None,
    grace_period_minutes: int | None = None,
    channels: list[str] | None = None,
    priority_channel: str | None = None,
) -> Product:
    """Change the product's sales-department settings (any subset). Switching off withdraws
    its waiting items; switching back on returns the ones that withdrawal took.
    ``priority_channel``: ``None`` leaves it, ``""`` clears it."""
    # Locked first, so the switch seen here is the one the partners' service changes.
    was_enabled = (
        Product.objects.select_for_update()
        .filter(pk=product.pk)
        .values_list("sales_enabled", flat=True)
        .get()
    )
    updated = partner_services.sales_settings_update(
        product=product,
        actor=actor,
        enabled=enabled,
        grace_period_minutes=grace_period_minutes,
        channels=channels,
        priority_channel=priority_channel,
    )
    if updated.sales_enabled != was_enabled:
        if updated.sales_enabled:
            queue_restore_withdrawn(partner=updated.partner, product=updated)
        else:
            queue_withdraw_waiting(
                partner=updated.partner, product=updated, reason="product_disabled"
            )
    return updated


@transaction.atomic
def product_edit(
    *,
    product: Product,
    actor: Any,
    name: str | None = None,
    price: Any = None,
    external_id: str | None = None,
    sales_department: Mapping[str, Any] | None = None,
) -> Product:
    """One PATCH of the API: the product's fields and its sales-department settings, all
    or nothing."""
    product = partner_services.product_update(
        product=product, name=name, price=price, external_id=external_id
    )
    if sales_department:
        product = sales_settings_update(
            product=product,
            actor=actor,
            enabled=sales_department.get("enabled"),
            grace_period_minutes=sales_department.get("grace_period_minutes"),
            channels=sales_department.get("channels"),
            # An explicit null clears it, like "" (a missing key leaves it).
            priority_channel=(
                sales_department["priority_channel"] or ""
                if "priority_channel" in sales_department
                else None
            ),
        )
    return product
