"""Read-only helpers for the cabinet and head pages. Partner reads take the partner first.

Writes never happen here: the pages call :mod:`partners.services`.
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Field, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from partners.models import (
    AlignmentSlot,
    CallBooking,
    Partner,
    Product,
    Questionnaire,
    QuestionnaireVersion,
    SalesStatus,
    StatusChange,
)
from salesdesk.errors import NotFoundError
from salesdesk.tenancy import get_object_or_404

# Statuses the head still has to decide on; the default tab of the applications page.
AWAITING_DECISION = (SalesStatus.SUBMITTED, SalesStatus.CALL_BOOKED)


def sales_status_label(status: str) -> str:
    return str(dict(SalesStatus.choices).get(status, status))


# --- the partner's side ---


def partner_products(*, partner: Partner) -> QuerySet[Product]:
    # public_sales_status reads product.partner: join it instead of one query per row.
    return Product.objects.filter(partner=partner).select_related("partner").order_by("name")


def partner_product_get(*, partner: Partner, product_id: uuid.UUID | str) -> Product:
    """The partner's own product; another partner's (or a malformed id) is a page 404."""
    try:
        return get_object_or_404(partner_products(partner=partner), pk=product_id)
    except NotFoundError:
        raise Http404 from None


def partner_questionnaire(*, partner: Partner, product: Product) -> Questionnaire:
    if product.partner_id != partner.pk:
        raise Http404
    try:
        return Questionnaire.objects.get(product=product)
    except Questionnaire.DoesNotExist:
        # Products made before questionnaires existed: show empty answers, saving creates it.
        return Questionnaire(product=product)


def partner_bookable_products(*, partner: Partner) -> QuerySet[Product]:
    """Products that may be covered by a call: submitted and switched on."""
    return partner_products(partner=partner).filter(
        sales_status=SalesStatus.SUBMITTED, sales_enabled=True
    )


def _start_of_today() -> Any:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def partner_bookings(*, partner: Partner) -> QuerySet[CallBooking]:
    """The partner's live bookings from today on, soonest first."""
    return (
        CallBooking.objects.filter(
            partner=partner, cancelled_at__isnull=True, slot__starts_at__gte=_start_of_today()
        )
        .select_related("slot", "slot__head", "booked_by")
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("name")))
        .order_by("slot__starts_at")
    )


def partner_booking_get(*, partner: Partner, booking_id: uuid.UUID | str) -> CallBooking:
    try:
        return get_object_or_404(CallBooking.objects.filter(partner=partner), pk=booking_id)
    except NotFoundError:
        raise Http404 from None


# --- audit trail ---


@dataclass(frozen=True)
class AuditRow:
    when: Any
    who: str
    from_label: str
    to_label: str
    why: str
    comment: str


def _audit_rows(changes: Iterable[StatusChange]) -> list[AuditRow]:
    return [
        AuditRow(
            when=change.created_at,
            who=(change.actor.get_full_name() if change.actor else change.actor_label)
            or _("system"),
            from_label=change.from_label,
            to_label=change.to_label,
            why=change.reason_label if change.reason else "",
            comment=change.comment,
        )
        for change in changes
    ]


def product_audit(*, partner: Partner, product: Product) -> list[AuditRow]:
    changes = StatusChange.objects.filter(partner=partner, product=product).select_related("actor")
    return _audit_rows(changes)


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


def latest_approved_version(*, product: Product) -> QuestionnaireVersion | None:
    return (
        QuestionnaireVersion.objects.filter(
            product=product, kind=QuestionnaireVersion.Kind.APPROVED
        )
        .order_by("-number")
        .first()
    )


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


# --- the head's side ---


def _live_bookings() -> Prefetch[Any]:
    return Prefetch(
        "call_bookings",
        queryset=CallBooking.objects.filter(cancelled_at__isnull=True).select_related("slot"),
        to_attr="live_bookings",
    )


def applications(*, status: str | None) -> QuerySet[Product]:
    """Products for the head, by stored workflow status (``None``: those awaiting a decision)."""
    products = Product.objects.select_related("partner").prefetch_related(_live_bookings())
    if status is None:
        products = products.filter(sales_status__in=AWAITING_DECISION)
    else:
        products = products.filter(sales_status=status)
    return products.order_by("updated_at")


def application_counts() -> dict[str, int]:
    rows = Product.objects.values("sales_status").annotate(n=Count("pk")).order_by()
    counts = {row["sales_status"]: row["n"] for row in rows}
    counts["awaiting"] = sum(counts.get(s, 0) for s in AWAITING_DECISION)
    return counts


def head_product_get(*, product_id: uuid.UUID | str) -> Product:
    try:
        return get_object_or_404(
            Product.objects.select_related("partner").prefetch_related(_live_bookings()),
            pk=product_id,
        )
    except NotFoundError:
        raise Http404 from None


def head_slots() -> QuerySet[AlignmentSlot]:
    """Published slots from today on, with their live booking (partner and products)."""
    return (
        AlignmentSlot.objects.filter(starts_at__gte=_start_of_today(), cancelled_at__isnull=True)
        .select_related("head")
        .prefetch_related(
            Prefetch(
                "bookings",
                queryset=CallBooking.objects.filter(cancelled_at__isnull=True)
                .select_related("partner")
                .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("name"))),
                to_attr="live_bookings",
            )
        )
        .order_by("starts_at")
    )


def head_slot_get(*, slot_id: uuid.UUID | str) -> AlignmentSlot:
    try:
        return get_object_or_404(AlignmentSlot.objects.all(), pk=slot_id)
    except NotFoundError:
        raise Http404 from None


def head_partners() -> QuerySet[Partner]:
    return Partner.objects.annotate(
        product_count=Count("products", distinct=True),
        approved_count=Count(
            "products", filter=Q(products__sales_status=SalesStatus.APPROVED), distinct=True
        ),
    ).order_by("name")


def head_partner_get(*, partner_id: uuid.UUID | str) -> Partner:
    try:
        return get_object_or_404(Partner.objects.all(), pk=partner_id)
    except NotFoundError:
        raise Http404 from None
