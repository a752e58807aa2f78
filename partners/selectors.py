"""Reads for partners. Every selector takes the tenant first; the few that serve the head of
sales (who sees every partner) say so in their name."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiKey
from partners.models import (
    AlignmentSlot,
    CallBooking,
    Partner,
    Product,
    Questionnaire,
    StatusChange,
)
from salesdesk.tenancy import get_object_or_404


def partner_get(*, partner_id: uuid.UUID | str) -> Partner:
    return get_object_or_404(Partner.objects.all(), pk=partner_id, message=_("Partner not found."))


def partner_api_keys(*, partner: Partner) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(partner=partner).select_related("created_by")


# --- products ---


def partner_products(*, partner: Partner) -> QuerySet[Product]:
    """The partner's own products (the partner is joined: the public status reads it)."""
    return Product.objects.filter(partner=partner).select_related("partner")


def partner_product_get(*, partner: Partner, product_id: uuid.UUID | str) -> Product:
    """One of the partner's products; another partner's or a malformed id is a 404."""
    return get_object_or_404(partner_products(partner=partner), pk=product_id)


def products_for_head() -> QuerySet[Product]:
    """Every partner's products, for the head of sales."""
    return Product.objects.select_related("partner")


def product_for_head_get(*, product_id: uuid.UUID | str) -> Product:
    return get_object_or_404(products_for_head(), pk=product_id)


def product_questionnaire(*, product: Product) -> Questionnaire:
    questionnaire, _created = Questionnaire.objects.get_or_create(product=product)
    return questionnaire


def product_history(*, product: Product) -> QuerySet[StatusChange]:
    """The product's audit rows, newest first."""
    return StatusChange.objects.filter(product=product).select_related("actor")


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


def alignment_slot_get(*, slot_id: uuid.UUID | str) -> AlignmentSlot:
    return get_object_or_404(AlignmentSlot.objects.all(), pk=slot_id)


def partner_call_bookings(*, partner: Partner) -> QuerySet[CallBooking]:
    """The partner's bookings, live and cancelled."""
    return (
        CallBooking.objects.filter(partner=partner)
        .select_related("slot")
        .prefetch_related("products")
    )


def partner_call_booking_get(*, partner: Partner, booking_id: uuid.UUID | str) -> CallBooking:
    return get_object_or_404(partner_call_bookings(partner=partner), pk=booking_id)
