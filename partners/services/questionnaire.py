"""The questionnaire: saving answers (with versions), checking it is complete, submitting."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import (
    Product,
    Questionnaire,
    QuestionnaireVersion,
    SalesStatus,
)
from partners.services.alerts import application_submitted_alert
from partners.services.status import actor_fields, product_lock, transition, transition_check
from salesdesk.errors import ApplicationError

ANSWER_MAX = 20_000  # characters per questionnaire answer

logger = logging.getLogger(__name__)


def _last_version(product: Product) -> QuestionnaireVersion | None:
    return product.versions.order_by("-number").first()


def version_add(product: Product, kind: str, answers: dict[str, str], actor: Any) -> None:
    """Callers hold the product's row lock, so two versions never get the same number."""
    last = _last_version(product)
    QuestionnaireVersion.objects.create(
        product=product,
        number=(last.number + 1) if last else 1,
        kind=kind,
        answers=answers,
        created_by=actor_fields(actor)["actor"],
    )


# Autosave writes every few seconds while the partner types: successive changes by the same
# person within this window update their latest "changed" version instead of adding one each.
EDIT_SESSION = dt.timedelta(minutes=30)


def _record_change(product: Product, answers: dict[str, str], actor: Any) -> None:
    """Keep a change made after approval as a version (callers hold the product's lock)."""
    last = _last_version(product)
    who = actor_fields(actor)["actor"]
    if (
        last is not None
        and last.kind == QuestionnaireVersion.Kind.CHANGED
        and last.created_by_id == (who.pk if who is not None else None)
        and last.created_at >= timezone.now() - EDIT_SESSION
    ):
        QuestionnaireVersion.objects.filter(pk=last.pk).update(
            answers=answers, created_at=timezone.now()
        )
        return
    version_add(product, QuestionnaireVersion.Kind.CHANGED, answers, actor)


def _is_approved(product: Product) -> bool:
    # A block is temporary: an approved product that is blocked is still one whose
    # approved answers must not change silently.
    return product.sales_status == SalesStatus.APPROVED or (
        product.sales_status == SalesStatus.BLOCKED
        and product.status_before_block == SalesStatus.APPROVED
    )


@transaction.atomic
def questionnaire_save(
    *, product: Product, actor: Any, answers: Mapping[str, Any], partial: bool = False
) -> Questionnaire:
    """Save answers (all of them, or with ``partial`` only those given — the autosave).

    After approval a change is kept as a new version so the head sees what changed; the
    product stays approved.
    """
    unknown = sorted(set(answers) - set(Questionnaire.TEXT_FIELDS))
    if unknown:
        raise ApplicationError(
            _("Unknown questionnaire fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="validation_error",
            details={name: [_("Unknown field.")] for name in unknown},
        )
    bad = [k for k, v in answers.items() if v is not None and not isinstance(v, str)]
    if bad:
        raise ApplicationError(
            _("Questionnaire answers are text."),
            code="validation_error",
            details={name: [_("Must be a string.")] for name in bad},
        )
    too_long = [k for k, v in answers.items() if isinstance(v, str) and len(v) > ANSWER_MAX]
    if too_long:
        raise ApplicationError(
            _("An answer is too long."),
            code="validation_error",
            details={name: [_("At most 20000 characters.")] for name in too_long},
        )
    locked = product_lock(product)
    questionnaire, _created = Questionnaire.objects.get_or_create(product=locked)
    before = questionnaire.answers()
    for name in Questionnaire.TEXT_FIELDS:
        if name in answers:
            setattr(questionnaire, name, (answers[name] or "").strip())
        elif not partial:
            setattr(questionnaire, name, "")
    questionnaire.save()
    after = questionnaire.answers()
    if after != before and _is_approved(locked):
        _record_change(locked, after, actor)
    return questionnaire


def questionnaire_missing(questionnaire: Questionnaire) -> dict[str, list[str]]:
    return {
        name: [_("This field is required to submit the questionnaire.")]
        for name in Questionnaire.REQUIRED_FIELDS
        if not getattr(questionnaire, name).strip()
    }


SUBMITTABLE = [SalesStatus.DRAFT, SalesStatus.REFUSED]


@transaction.atomic
def questionnaire_submit(*, product: Product, actor: Any) -> Product:
    """Send the questionnaire to the head of sales (from draft, or again after a refusal).

    The status is checked before the answers, so "you cannot submit now" (409) wins over
    "fill in these fields" (400); both are read under the product's row lock, the same lock
    :func:`questionnaire_save` takes, so the answers checked are the answers submitted.
    """
    locked = product_lock(product)
    transition_check(
        locked, allowed_from=SUBMITTABLE, to=SalesStatus.SUBMITTED, require_enabled=True
    )
    questionnaire, _created = Questionnaire.objects.get_or_create(product=locked)
    missing = questionnaire_missing(questionnaire)
    if missing:
        raise ApplicationError(
            _("Fill in the required fields before submitting."),
            code="questionnaire_incomplete",
            details=missing,
        )
    locked, change = transition(
        product=locked,
        actor=actor,
        allowed_from=SUBMITTABLE,
        to=SalesStatus.SUBMITTED,
        require_enabled=True,
        extra={"refusal_reason": "", "refusal_comment": ""},
    )
    questionnaire.submitted_at = timezone.now()
    questionnaire.save(update_fields=["submitted_at", "updated_at"])
    version_add(locked, QuestionnaireVersion.Kind.SUBMITTED, questionnaire.answers(), actor)
    application_submitted_alert(product=locked, change=change)
    return locked
