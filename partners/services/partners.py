"""Partners: creation (with the owner's login and a first API key), security blocks."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import api_key_create, user_create
from partners.models import (
    Partner,
)
from partners.services.status import audit_write, notify_partner
from salesdesk.errors import ApplicationError, ConflictError

logger = logging.getLogger(__name__)


@transaction.atomic
def partner_create(*, name: str) -> Partner:
    name = name.strip()
    if not name:
        raise ApplicationError(_("A partner needs a name."), code="invalid_name")
    partner = Partner(name=name)
    partner.full_clean()
    partner.save()
    return partner


@transaction.atomic
def partner_block(*, partner: Partner, actor: Any, comment: str = "") -> Partner:
    """Security block of a whole partner (status and audit; the queue's side:
    :func:`sales_queue.services.supply.partner_block`)."""
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if locked.is_blocked:
        raise ConflictError(_("The partner is already blocked."), code="already_blocked")
    comment = (comment or "").strip()
    locked.status = Partner.Status.BLOCKED
    locked.block_reason = comment
    locked.save(update_fields=["status", "block_reason", "updated_at"])
    change = audit_write(
        partner=locked,
        product=None,
        actor=actor,
        from_status=Partner.Status.ACTIVE,
        to_status=Partner.Status.BLOCKED,
        reason="security_block",
        comment=comment,
    )
    notify_partner(change)
    return locked


@transaction.atomic
def partner_unblock(*, partner: Partner, actor: Any, comment: str = "") -> Partner:
    """Lift a partner's block (status and audit; the queue's side:
    :func:`sales_queue.services.supply.partner_unblock`)."""
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if not locked.is_blocked:
        raise ConflictError(_("The partner is not blocked."), code="not_blocked")
    locked.status = Partner.Status.ACTIVE
    locked.block_reason = ""
    locked.save(update_fields=["status", "block_reason", "updated_at"])
    change = audit_write(
        partner=locked,
        product=None,
        actor=actor,
        from_status=Partner.Status.BLOCKED,
        to_status=Partner.Status.ACTIVE,
        reason="unblocked",
        comment=(comment or "").strip(),
    )
    notify_partner(change)
    return locked


@transaction.atomic
def partner_onboard(
    *, name: str, owner_email: str, owner_password: str | None = None
) -> tuple[Partner, User, str]:
    """A new partner with its owner login and a first API key (the raw key is returned)."""
    if User.objects.filter(email__iexact=owner_email.strip()).exists():
        raise ConflictError(
            _("A user with the email %(email)s already exists.") % {"email": owner_email},
            code="email_taken",
            details={"email": owner_email},
        )
    partner = partner_create(name=name)
    owner = user_create(
        email=owner_email, role=Role.PARTNER_OWNER, password=owner_password, partner=partner
    )
    _key, raw = api_key_create(partner=partner, created_by=owner)  # named after its day
    return partner, owner, raw
