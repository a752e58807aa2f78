"""The head of sales' decisions on a product: approve, refuse, block, unblock."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import (
    WORKFLOW_STATUSES,
    Product,
    Questionnaire,
    QuestionnaireVersion,
    RefusalReason,
    SalesStatus,
)
from partners.services.questionnaire import version_add
from partners.services.status import notify_partner, product_lock, transition
from salesdesk.errors import ApplicationError, ConflictError

logger = logging.getLogger(__name__)

# --- the head's decisions ---

DECIDABLE = [SalesStatus.SUBMITTED, SalesStatus.CALL_BOOKED]


@transaction.atomic
def product_approve(*, product: Product, actor: Any, comment: str = "") -> Product:
    locked, change = transition(
        product=product,
        actor=actor,
        allowed_from=DECIDABLE,
        to=SalesStatus.APPROVED,
        comment=(comment or "").strip(),
        extra={"approved_at": timezone.now(), "refusal_reason": "", "refusal_comment": ""},
    )
    questionnaire, _created = Questionnaire.objects.get_or_create(product=locked)
    version_add(locked, QuestionnaireVersion.Kind.APPROVED, questionnaire.answers(), actor)
    notify_partner(change)
    return locked


@transaction.atomic
def product_refuse(*, product: Product, actor: Any, reason: str, comment: str = "") -> Product:
    if reason not in RefusalReason.values:
        raise ApplicationError(
            _("Unknown refusal reason."),
            code="validation_error",
            details={"reason": [_("One of: %s.") % ", ".join(RefusalReason.values)]},
        )
    comment = (comment or "").strip()
    if reason == RefusalReason.OTHER and not comment:
        raise ApplicationError(
            _("Explain the refusal in a comment when the reason is «other»."),
            code="validation_error",
            details={"comment": [_("Required when the reason is «other».")]},
        )
    locked, change = transition(
        product=product,
        actor=actor,
        allowed_from=DECIDABLE,
        to=SalesStatus.REFUSED,
        reason=reason,
        comment=comment,
        extra={"refusal_reason": reason, "refusal_comment": comment},
    )
    notify_partner(change)
    return locked


@transaction.atomic
def product_block(*, product: Product, actor: Any, comment: str = "") -> Product:
    """Security block (status and audit). Works on a blocked partner's product too: the two
    blocks are lifted separately. The queue's side:
    :func:`sales_queue.services.supply.product_block`.
    """
    current = product_lock(product)
    if current.sales_status == SalesStatus.BLOCKED:
        raise ConflictError(_("The product is already blocked."), code="already_blocked")
    locked, change = transition(
        product=current,
        actor=actor,
        allowed_from=[s for s in WORKFLOW_STATUSES if s != SalesStatus.BLOCKED],
        to=SalesStatus.BLOCKED,
        reason="security_block",
        comment=(comment or "").strip(),
        extra={"status_before_block": current.sales_status},
        allow_blocked_partner=True,
    )
    notify_partner(change)
    return locked


@transaction.atomic
def product_unblock(*, product: Product, actor: Any, comment: str = "") -> Product:
    """Lift a product's block: back to its status before. The queue's side:
    :func:`sales_queue.services.supply.product_unblock`."""
    current = product_lock(product)
    if current.sales_status != SalesStatus.BLOCKED:
        raise ConflictError(_("The product is not blocked."), code="not_blocked")
    locked, change = transition(
        product=current,
        actor=actor,
        allowed_from=[SalesStatus.BLOCKED],
        to=current.status_before_block or SalesStatus.DRAFT,
        reason="unblocked",
        comment=(comment or "").strip(),
        extra={"status_before_block": ""},
        allow_blocked_partner=True,
    )
    notify_partner(change)
    return locked
