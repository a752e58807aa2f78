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
from partners.services.calls import call_notes_clean, held_call_for
from partners.services.questionnaire import version_add
from partners.services.status import (
    audit_write,
    notify_partner,
    product_lock,
    transition,
    transition_check,
)
from salesdesk.errors import ApplicationError, ConflictError

logger = logging.getLogger(__name__)

# --- the head's decisions ---

DECIDABLE = [SalesStatus.SUBMITTED, SalesStatus.CALL_BOOKED]


@transaction.atomic
def product_approve(
    *, product: Product, actor: Any, comment: str = "", call_notes: str = ""
) -> Product:
    """Approve a submitted product once the alignment call is recorded.

    The call is either a held booking covering the product (:func:`call_mark_held`, since
    the questionnaire was last submitted) or an ad-hoc call whose notes come with the
    approval (``call_notes``: written to the history as a ``adhoc_call`` row just before the
    approval's row). Without either: 409 ``call_required``, and nothing changes.
    """
    call_notes = (call_notes or "").strip()
    adhoc_notes = call_notes_clean(call_notes, field="call_notes") if call_notes else ""
    current = product_lock(product)
    transition_check(current, allowed_from=DECIDABLE, to=SalesStatus.APPROVED)
    if not adhoc_notes and held_call_for(current) is None:
        raise ConflictError(
            _(
                "Record the alignment call first: mark the booked call as held, or give the "
                "notes of the call with the approval."
            ),
            code="call_required",
            details={"call_notes": [_("Required when no held call covers the product.")]},
        )
    if adhoc_notes:
        audit_write(
            partner=current.partner,
            product=current,
            actor=actor,
            from_status=current.sales_status,
            to_status=current.sales_status,
            reason="adhoc_call",
            comment=adhoc_notes,
        )
    locked, change = transition(
        product=current,
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
