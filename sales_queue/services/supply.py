"""What feeds the queue: a partner or product blocked or unblocked, a product switched on or
off. Each use case is the partners' service (status, audit, email) plus its effect on the
queue, in one transaction. Pages and the API call these, never the partners' ones alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from partners import services as partner_services
from partners.models import Partner, Product
from sales_queue.fairness import workable_now
from sales_queue.models import QueueItem
from sales_queue.services.closing import queue_restore_withdrawn, queue_withdraw_waiting


def queue_items_sync_workable(*, partner: Partner, product: Product | None = None) -> int:
    """Rewrite ``workable`` on the open items of a partner (or one of its products) from what
    its product and partner are now. Called in the transaction that changed them, after the
    change: take-next reads the column instead of joining products and partners."""
    items = QueueItem.objects.filter(partner=partner, state__in=QueueItem.OPEN_STATES)
    if product is not None:
        items = items.filter(product=product)
    return items.update(workable=workable_now())


@transaction.atomic
def partner_block(*, partner: Partner, actor: Any, comment: str = "") -> Partner:
    """Security block of a whole partner: its queued items leave the queue, none enter."""
    blocked = partner_services.partner_block(partner=partner, actor=actor, comment=comment)
    queue_items_sync_workable(partner=blocked)
    queue_withdraw_waiting(partner=blocked, reason="partner_blocked")
    return blocked


@transaction.atomic
def partner_unblock(*, partner: Partner, actor: Any, comment: str = "") -> Partner:
    """Lift a partner's block: the orders its block withdrew return to the queue."""
    active = partner_services.partner_unblock(partner=partner, actor=actor, comment=comment)
    queue_items_sync_workable(partner=active)
    queue_restore_withdrawn(partner=active)
    return active


@transaction.atomic
def product_approve(
    *, product: Product, actor: Any, comment: str = "", call_notes: str = ""
) -> Product:
    """The head's approval: from now on the product feeds the queue (its open items, if any
    came back from an earlier approval, become takeable)."""
    approved = partner_services.product_approve(
        product=product, actor=actor, comment=comment, call_notes=call_notes
    )
    queue_items_sync_workable(partner=approved.partner, product=approved)
    return approved


@transaction.atomic
def product_refuse(*, product: Product, actor: Any, reason: str, comment: str = "") -> Product:
    """The head's refusal: the product does not feed the queue."""
    refused = partner_services.product_refuse(
        product=product, actor=actor, reason=reason, comment=comment
    )
    queue_items_sync_workable(partner=refused.partner, product=refused)
    return refused


@transaction.atomic
def product_block(*, product: Product, actor: Any, comment: str = "") -> Product:
    """Security block: waiting items leave the queue, held ones are finished, none enter."""
    blocked = partner_services.product_block(product=product, actor=actor, comment=comment)
    queue_items_sync_workable(partner=blocked.partner, product=blocked)
    queue_withdraw_waiting(partner=blocked.partner, product=blocked, reason="product_blocked")
    return blocked


@transaction.atomic
def product_unblock(*, product: Product, actor: Any, comment: str = "") -> Product:
    """Lift a product's block: the orders the block withdrew return to the queue if it is
    approved and switched on."""
    unblocked = partner_services.product_unblock(product=product, actor=actor, comment=comment)
    queue_items_sync_workable(partner=unblocked.partner, product=unblocked)
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
        queue_items_sync_workable(partner=updated.partner, product=updated)
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
