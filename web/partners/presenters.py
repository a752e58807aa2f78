"""What the cabinet and head pages show of a product, shaped for the templates: status labels,
the questionnaire in sections, its word-level diff against the approved version, the audit
trail. No reads here: the views pass in what :mod:`partners.selectors` returned."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Field
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from partners.models import (
    SYSTEM_ACTOR,
    Questionnaire,
    QuestionnaireVersion,
    SalesStatus,
    StatusChange,
)


def sales_status_label(status: str) -> str:
    return str(dict(SalesStatus.choices).get(status, status))


# --- audit trail ---


@dataclass(frozen=True)
class AuditRow:
    when: Any
    who: str
    from_label: str
    to_label: str
    why: str
    comment: str


def _who(change: StatusChange) -> str:
    if change.actor:
        return change.actor.get_full_name() or change.actor.email
    if not change.actor_label or change.actor_label == SYSTEM_ACTOR:
        return _("system")
    return change.actor_label


def audit_rows(changes: Iterable[StatusChange]) -> list[AuditRow]:
    return [
        AuditRow(
            when=change.created_at,
            who=_who(change),
            from_label=change.from_label,
            to_label=change.to_label,
            why=change.reason_label if change.reason else "",
            comment=change.comment,
        )
        for change in changes
    ]


# --- the questionnaire, sectioned for the form and the review page ---

QUESTIONNAIRE_SECTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("about_project", ("project_description",)),
    ("product_audience", ("product_description", "audience")),
    ("price_payment", ("price_and_payment",)),
    ("start_programme", ("start_dates", "course_content")),
    ("faq_objections", ("faq", "objections")),
    ("terms_access", ("platform_terms", "access_problems")),
    ("urgent_contact", ("urgent_contact",)),
]


def section_titles() -> dict[str, str]:
    return {
        "about_project": _("About the project"),
        "product_audience": _("Product and audience"),
        "price_payment": _("Price and payment"),
        "start_programme": _("Start and programme"),
        "faq_objections": _("FAQ and objections"),
        "terms_access": _("Terms and access"),
        "urgent_contact": _("Urgent contact"),
    }


def field_label(name: str) -> str:
    return capfirst(str(cast("Field[Any, Any]", Questionnaire._meta.get_field(name)).verbose_name))


@dataclass(frozen=True)
class DiffSegment:
    kind: str  # "equal" | "added" | "removed"
    text: str


@dataclass
class FieldDiff:
    name: str
    label: str
    changed: bool
    segments: list[DiffSegment] = field(default_factory=list)


_TOKENS = re.compile(r"\s+|[^\s]+")


def text_diff(old: str, new: str) -> list[DiffSegment]:
    """A word-level diff: whole words added or removed read better than characters."""
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    segments: list[DiffSegment] = []
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(DiffSegment("equal", "".join(old_tokens[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            segments.append(DiffSegment("removed", "".join(old_tokens[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(DiffSegment("added", "".join(new_tokens[j1:j2])))
    return segments


def questionnaire_diff(
    *, approved: QuestionnaireVersion, current: dict[str, str]
) -> list[FieldDiff]:
    diffs = []
    for name in Questionnaire.TEXT_FIELDS:
        old = str(approved.answers.get(name) or "")
        new = current.get(name) or ""
        diffs.append(
            FieldDiff(
                name=name,
                label=field_label(name),
                changed=old != new,
                segments=text_diff(old, new) if old != new else [],
            )
        )
    return diffs


# --- the new partner's checklist (cabinet) ---


@dataclass(frozen=True)
class ChecklistStep:
    key: str
    title: str
    hint: str
    url: str
    done: bool


def checklist_steps(done: dict[str, bool], urls: dict[str, str]) -> list[ChecklistStep]:
    """The cabinet's first steps in order, from :func:`partners.selectors.partner_checklist`."""
    texts = {
        "product": (
            _("Create a product"),
            _("The course or goods your storefront sells, with its price."),
        ),
        "sales_enabled": (
            _("Switch the sales department on"),
            _("On the product's page: how long to wait for the payment and how to reach buyers."),
        ),
        "questionnaire": (
            _("Fill in the questionnaire"),
            _("What the managers need to know to sell the product; then send it for review."),
        ),
        "call": (
            _("Book the alignment call"),
            _("A short call with the head of sales before the managers start."),
        ),
        "storefront": (
            _("Connect your storefront"),
            _("Create an API key below and send orders with it, as in this example."),
        ),
    }
    return [
        ChecklistStep(key=key, title=title, hint=hint, url=urls[key], done=done[key])
        for key, (title, hint) in texts.items()
    ]


def curl_order_example(*, api_url: str, product_ref: str) -> str:
    """A copy-paste ``POST /api/v1/orders/`` (DESIGN.md's contract) for the partner's host; the
    key is a placeholder to replace."""
    body = json.dumps(
        {
            "external_id": "order-1001",
            "product": product_ref,
            "amount": "4900.00",
            "currency": "RUB",
            "customer": {"name": _("Anna Smirnova"), "phone": "+79991234567"},
        },
        ensure_ascii=False,
        indent=2,
    ).replace("'", "'\\''")  # inside the shell's single quotes
    key = _("YOUR_KEY")
    return (
        f"curl -X POST '{api_url}' \\\n"
        f"  -H 'Authorization: Bearer {key}' \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        f"  -d '{body}'"
    )
