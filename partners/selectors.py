"""Reads for partners, for the API and the pages alike. Every selector takes the tenant first;
the few that serve the head of sales (who sees every partner) say so in their name.

A missing, foreign or malformed id raises :class:`salesdesk.errors.NotFoundError`; the web
layer turns it into a JSON 404 (API) or the 404 page (pages), once for all views."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import connections, router
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiKey
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


def _start_of_today() -> dt.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def product_feeds_queue_sql(product_id: Any) -> tuple[str, list[Any]]:
    """:attr:`Product.feeds_queue` as a scalar SQL subquery and its parameters, for a statement
    that must read it at the moment it writes (the order's intake stores it)."""
    connection = connections[router.db_for_read(Product)]
    q = connection.ops.quote_name
    sql = (
        # Identifiers from the models' metadata; every value is a parameter.
        f"(SELECT p.{q('sales_enabled')} AND p.{q('sales_status')} = %s"  # noqa: S608
        f" AND pa.{q('status')} <> %s"
        f" FROM {q(Product._meta.db_table)} p"
        f" JOIN {q(Partner._meta.db_table)} pa ON pa.{q('id')} = p.{q('partner_id')}"
        f" WHERE p.{q('id')} = %s)"
    )
    product_key = Product._meta.pk.get_db_prep_value(product_id, connection)
    return sql, [SalesStatus.APPROVED.value, Partner.Status.BLOCKED.value, product_key]


def partner_get(*, partner_id: uuid.UUID | str) -> Partner:
    return get_object_or_404(Partner.objects.all(), pk=partner_id, message=_("Partner not found."))


def partner_api_keys(*, partner: Partner) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_partner(partner).select_related("created_by")


# --- products ---


def partner_products(*, partner: Partner) -> QuerySet[Product]:
    """The partner's own products by name (the partner is joined: the public status reads it)."""
    return Product.objects.for_partner(partner).select_related("partner").order_by("name")


def partner_product_get(*, partner: Partner, product_id: uuid.UUID | str) -> Product:
    """One of the partner's products; another partner's or a malformed id is not found."""
    return get_object_or_404(partner_products(partner=partner), pk=product_id)


def partner_bookable_products(*, partner: Partner) -> QuerySet[Product]:
    """Products that may be covered by a call: submitted and switched on."""
    return partner_products(partner=partner).filter(
        sales_status=SalesStatus.SUBMITTED, sales_enabled=True
    )


def partner_has_products_past_booking(*, partner: Partner) -> bool:
    """Whether a product of the partner already has its call booked or is approved: the calls
    page then says nothing is waiting, instead of asking for a questionnaire sent long ago."""
    return (
        partner_products(partner=partner)
        .filter(sales_status__in=(SalesStatus.CALL_BOOKED, SalesStatus.APPROVED))
        .exists()
    )


def products_for_head() -> QuerySet[Product]:
    """Every partner's products, for the head of sales."""
    return Product.objects.select_related("partner")


def _live_bookings() -> Prefetch[Any]:
    return Prefetch(
        "call_bookings",
        queryset=CallBooking.objects.filter(cancelled_at__isnull=True).select_related("slot"),
        to_attr="live_bookings",
    )


def product_for_head_get(*, product_id: uuid.UUID | str) -> Product:
    """Any partner's product, for the head, with its live bookings (``live_bookings``)."""
    return get_object_or_404(products_for_head().prefetch_related(_live_bookings()), pk=product_id)


def applications(*, status: str | None) -> QuerySet[Product]:
    """Products for the head, by stored workflow status (``None``: those awaiting a decision)."""
    products = products_for_head().prefetch_related(_live_bookings())
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


def partners_for_head() -> QuerySet[Partner]:
    """Every partner with its product counts, for the head of sales."""
    return Partner.objects.annotate(
        product_count=Count("products", distinct=True),
        approved_count=Count(
            "products", filter=Q(products__sales_status=SalesStatus.APPROVED), distinct=True
        ),
    ).order_by("name")


# --- the questionnaire and the product's history ---


def product_questionnaire(*, product: Product) -> Questionnaire:
    questionnaire, _created = Questionnaire.objects.get_or_create(product=product)
    return questionnaire


def partner_questionnaire(*, partner: Partner, product: Product) -> Questionnaire:
    """The product's questionnaire, unsaved and empty when the product has none yet."""
    if product.partner_id != partner.pk:
        raise NotFoundError(_("Product not found."))
    try:
        return Questionnaire.objects.get(product=product)
    except Questionnaire.DoesNotExist:
        # Products made before questionnaires existed: show empty answers, saving creates it.
        return Questionnaire(product=product)


def latest_approved_version(*, product: Product) -> QuestionnaireVersion | None:
    return (
        QuestionnaireVersion.objects.filter(
            product=product, kind=QuestionnaireVersion.Kind.APPROVED
        )
        .order_by("-number")
        .first()
    )


def product_history(*, partner: Partner, product: Product) -> QuerySet[StatusChange]:
    """The product's audit rows, newest first."""
    return StatusChange.objects.for_partner(partner).filter(product=product).select_related("actor")


# --- alignment calls ---


def _live_booking() -> QuerySet[CallBooking]:
    return CallBooking.objects.filter(slot=OuterRef("pk"), cancelled_at__isnull=True)


def alignment_slots_open(*, now: dt.datetime | None = None) -> QuerySet[AlignmentSlot]:
    """Future, not withdrawn, not booked slots: what any partner may book."""
    now = now or timezone.now()
    return (
        AlignmentSlot.objects.filter(starts_at__gt=now, cancelled_at__isnull=True)
        .exclude(Exists(_live_booking()))
        .select_related("head")
        .order_by("starts_at")
    )


def alignment_slots_upcoming(*, now: dt.datetime | None = None) -> QuerySet[AlignmentSlot]:
    """For the head of sales: every future slot not withdrawn, with its live booking
    (``slot.live_bookings``: a list of zero or one) and the booked products."""
    now = now or timezone.now()
    live = (
        CallBooking.objects.filter(cancelled_at__isnull=True)
        .select_related("partner")
        .prefetch_related("products")
    )
    return (
        AlignmentSlot.objects.filter(starts_at__gt=now, cancelled_at__isnull=True)
        .select_related("head")
        .prefetch_related(Prefetch("bookings", queryset=live, to_attr="live_bookings"))
        .order_by("starts_at")
    )


def alignment_slots_from_today() -> QuerySet[AlignmentSlot]:
    """For the head's slots page: slots from today on, not withdrawn, with their live booking
    (``slot.live_bookings``), its partner and products by name."""
    live = (
        CallBooking.objects.filter(cancelled_at__isnull=True)
        .select_related("partner")
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("name")))
    )
    return (
        AlignmentSlot.objects.filter(starts_at__gte=_start_of_today(), cancelled_at__isnull=True)
        .select_related("head")
        .prefetch_related(Prefetch("bookings", queryset=live, to_attr="live_bookings"))
        .order_by("starts_at")
    )


def alignment_slot_get(*, slot_id: uuid.UUID | str) -> AlignmentSlot:
    return get_object_or_404(AlignmentSlot.objects.all(), pk=slot_id)


def partner_call_bookings(*, partner: Partner) -> QuerySet[CallBooking]:
    """The partner's bookings, live and cancelled."""
    return (
        CallBooking.objects.for_partner(partner).select_related("slot").prefetch_related("products")
    )


def partner_upcoming_bookings(*, partner: Partner) -> QuerySet[CallBooking]:
    """The partner's live bookings from today on, soonest first."""
    return (
        CallBooking.objects.for_partner(partner)
        .filter(cancelled_at__isnull=True, slot__starts_at__gte=_start_of_today())
        .select_related("slot", "slot__head", "booked_by")
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("name")))
        .order_by("slot__starts_at")
    )


def partner_call_booking_get(*, partner: Partner, booking_id: uuid.UUID | str) -> CallBooking:
    return get_object_or_404(partner_call_bookings(partner=partner), pk=booking_id)


def call_booking_for_head_get(*, booking_id: uuid.UUID | str) -> CallBooking:
    """Any partner's booking, for the head of sales."""
    return get_object_or_404(
        CallBooking.objects.select_related("slot", "partner").prefetch_related("products"),
        pk=booking_id,
    )


def calls_to_record(*, now: dt.datetime | None = None) -> QuerySet[CallBooking]:
    """For the head's calls page: live bookings whose call has started and is not yet
    recorded as held, oldest first — whatever the day (a call from last week still waits)."""
    now = now or timezone.now()
    return (
        CallBooking.objects.filter(
            cancelled_at__isnull=True, held_at__isnull=True, slot__starts_at__lte=now
        )
        .select_related("slot", "partner")
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("name")))
        .order_by("slot__starts_at")
    )


# The steps of a new partner's checklist in the cabinet, in order (web.partners.presenters
# gives them their titles and links).
CHECKLIST_STEPS = ("product", "sales_enabled", "questionnaire", "call", "storefront")


def partner_checklist(*, partner: Partner) -> dict[str, bool]:
    """Which first steps the partner has done, read from their data (nothing is stored as
    "done"): a product; the sales department on for one; a questionnaire sent; an alignment
    call booked (or held, or a product approved after an ad-hoc call); a storefront that has
    called the API with one of the partner's keys."""
    products = Product.objects.for_partner(partner)
    return {
        "product": products.exists(),
        "sales_enabled": products.filter(sales_enabled=True).exists(),
        "questionnaire": Questionnaire.objects.filter(
            product__partner=partner, submitted_at__isnull=False
        ).exists()
        or products.filter(approved_at__isnull=False).exists(),
        "call": CallBooking.objects.for_partner(partner).filter(cancelled_at__isnull=True).exists()
        or products.filter(approved_at__isnull=False).exists(),
        "storefront": ApiKey.objects.for_partner(partner)
        .filter(last_used_at__isnull=False)
        .exists(),
    }
