"""Status changes of products and partners: the row lock, the allowed moves, the audit row
and the partner's email after commit. Every other service module moves statuses through
:func:`transition`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import PARTNER_ROLES, User
from notifications.models import Notification
from notifications.services import notify_user_written
from partners.models import (
    SYSTEM_ACTOR,
    Partner,
    Product,
    SalesStatus,
    StatusChange,
)
from salesdesk.errors import ConflictError

logger = logging.getLogger(__name__)


def actor_fields(actor: Any) -> dict[str, Any]:
    """The audit's "who": a user, or the label of an API key (storefront) or the system."""
    if isinstance(actor, User):
        return {"actor": actor, "actor_label": actor.email}
    if actor is None:
        return {"actor": None, "actor_label": SYSTEM_ACTOR}
    return {"actor": None, "actor_label": str(actor)[:200]}


def audit_write(
    *,
    partner: Partner,
    product: Product | None,
    actor: Any,
    from_status: str,
    to_status: str,
    reason: str = "",
    comment: str = "",
) -> StatusChange:
    return StatusChange.objects.create(
        partner=partner,
        product=product,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        comment=comment,
        **actor_fields(actor),
    )


def notify_partner(change: StatusChange) -> int:
    """Tell the partner's active people about a decision of the head of sales, each through
    the channels they chose for it (``notify_user``: email, the bell, Telegram), written in the
    decision's transaction and sent after it commits (a rolled-back decision sends nothing;
    writing it twice sends once). Returns the rows written now."""
    recipients = User.objects.filter(
        partner=change.partner, role__in=sorted(PARTNER_ROLES), is_active=True
    ).order_by("email")
    context = {
        "change": change,
        "partner": change.partner,
        "product": change.product,
        "cabinet_url": settings.SITE_URL + reverse("partners:cabinet"),
    }
    written = 0
    for user in recipients:
        for _row, created in notify_user_written(
            key=f"decision:{change.pk}",
            kind=Notification.Kind.PARTNER_DECISION,
            user=user,
            template="partner_decision",
            context=context,
        ):
            written += created
    return written


def product_lock(product: Product) -> Product:
    """Re-read the product under a row lock (serialises concurrent transitions)."""
    return (
        Product.objects.select_for_update(of=("self",)).select_related("partner").get(pk=product.pk)
    )


def transition_check(
    locked: Product,
    *,
    allowed_from: Iterable[str],
    to: str,
    require_enabled: bool = False,
    allow_blocked_partner: bool = False,
) -> None:
    """Refuse a move the product's current (locked) status does not allow, with a clear code."""
    shown = locked.public_sales_status
    if require_enabled and not locked.sales_enabled:
        raise ConflictError(
            _("Switch the sales department on for this product first."),
            code="sales_department_off",
            details={"status": shown},
        )
    if locked.partner.is_blocked and not allow_blocked_partner:
        raise ConflictError(
            _("The partner is blocked."), code="partner_blocked", details={"status": shown}
        )
    allowed = sorted(set(allowed_from))
    if locked.sales_status not in allowed:
        labels = dict(SalesStatus.choices)
        raise ConflictError(
            _("Cannot move the sales department from «%(from)s» to «%(to)s».")
            % {"from": labels.get(shown, shown), "to": labels.get(to, to)},
            code="invalid_transition",
            details={"from": shown, "to": to, "allowed_from": allowed},
        )


def transition(
    *,
    product: Product,
    actor: Any,
    allowed_from: Iterable[str],
    to: str,
    reason: str = "",
    comment: str = "",
    extra: Mapping[str, Any] | None = None,
    require_enabled: bool = False,
    allow_blocked_partner: bool = False,
) -> tuple[Product, StatusChange]:
    """Move the product's workflow status under a row lock and write the audit row.

    The audit keeps workflow statuses (not the public one, where "off" or a partner block
    would hide what was decided): approving a product that is switched off is still an
    approval.
    """
    allowed_from = list(allowed_from)
    locked = product_lock(product)
    transition_check(
        locked,
        allowed_from=allowed_from,
        to=to,
        require_enabled=require_enabled,
        allow_blocked_partner=allow_blocked_partner,
    )
    before = locked.sales_status
    locked.sales_status = to
    for field, value in (extra or {}).items():
        setattr(locked, field, value)
    locked.save(update_fields=["sales_status", "updated_at", *(extra or {}).keys()])
    change = audit_write(
        partner=locked.partner,
        product=locked,
        actor=actor,
        from_status=before,
        to_status=to,
        reason=reason,
        comment=comment,
    )
    return locked, change
