"""API serializers of the partners app: one input and one output serializer per view.

Input serializers are strict: unknown keys are a 400 (``StrictSerializer``) and so are values
of the wrong JSON type — DRF would otherwise read ``"yes"`` as true and ``"10"`` as 10, and a
storefront's bug would pass unnoticed.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from partners.models import (
    GRACE_MAX_MINUTES,
    AlignmentSlot,
    CallBooking,
    Channel,
    Product,
    Questionnaire,
    RefusalReason,
    SalesStatus,
)
from partners.services import (
    ANSWER_MAX,
    CALL_NOTES_MAX,
    SLOT_MAX_MINUTES,
    SLOT_MIN_MINUTES,
)
from salesdesk.money import MoneyField
from salesdesk.serializers import NameField, StrictSerializer, StringField

COMMENT_MAX = 2000
BOOKING_PRODUCTS_MAX = 50


# --- strict scalar fields ---


class StrictBooleanField(serializers.BooleanField):
    """Only JSON ``true`` / ``false``."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """Only a JSON integer: not a string, a fraction or a boolean."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def _price_field(**kwargs: Any) -> MoneyField:
    return MoneyField(help_text='Price in RUB, e.g. "1000.00".', **kwargs)


# --- products ---


class ProductCreateInputSerializer(StrictSerializer):
    name = NameField(max_length=200)
    price = _price_field()
    external_id = NameField(max_length=200, required=False, allow_null=True, allow_blank=True)


class SalesDepartmentInputSerializer(StrictSerializer):
    enabled = StrictBooleanField(required=False)
    grace_period_minutes = StrictIntegerField(
        required=False, min_value=0, max_value=GRACE_MAX_MINUTES
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        allow_empty=False,
        max_length=20,
        required=False,
        help_text="The partner's order is kept; duplicates are dropped.",
    )
    priority_channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=(
            "Offered first to the managers; one of the allowed channels (else 400). "
            "null or an empty string clears it; new channels without it clear it too."
        ),
    )


class ProductUpdateInputSerializer(StrictSerializer):
    name = NameField(max_length=200, required=False)
    price = _price_field(required=False)
    external_id = NameField(
        max_length=200,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="null or an empty string clears it.",
    )
    sales_department = SalesDepartmentInputSerializer(required=False)


class RefusalOutputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RefusalReason.choices, source="refusal_reason")
    comment = serializers.CharField(source="refusal_comment")


class SalesDepartmentOutputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(source="sales_enabled")
    grace_period_minutes = serializers.IntegerField()
    channels = serializers.ListField(child=serializers.ChoiceField(choices=Channel.choices))
    priority_channel = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=SalesStatus.choices, source="public_sales_status")
    refusal = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=Channel.choices, allow_null=True))
    def get_priority_channel(self, product: Product) -> str | None:
        return product.priority_channel or None

    @extend_schema_field(RefusalOutputSerializer(allow_null=True))
    def get_refusal(self, product: Product) -> dict[str, Any] | None:
        # The head's last refusal, until the partner submits again.
        if product.sales_status != SalesStatus.REFUSED:
            return None
        return RefusalOutputSerializer(product).data


class ProductOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    external_id = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    sales_department = SalesDepartmentOutputSerializer(source="*")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_external_id(self, product: Product) -> str | None:
        return product.external_id or None


# --- questionnaire ---


def _answer_input() -> StringField:
    return StringField(required=False, allow_blank=True, allow_null=True, max_length=ANSWER_MAX)


class QuestionnaireInputSerializer(StrictSerializer):
    """All the answers; a field left out is saved empty (PUT replaces the whole set)."""

    project_description = _answer_input()
    product_description = _answer_input()
    audience = _answer_input()
    price_and_payment = _answer_input()
    start_dates = _answer_input()
    course_content = _answer_input()
    faq = _answer_input()
    objections = _answer_input()
    platform_terms = _answer_input()
    access_problems = _answer_input()
    urgent_contact = _answer_input()


class QuestionnaireOutputSerializer(serializers.Serializer):
    project_description = serializers.CharField()
    product_description = serializers.CharField()
    audience = serializers.CharField()
    price_and_payment = serializers.CharField()
    start_dates = serializers.CharField()
    course_content = serializers.CharField()
    faq = serializers.CharField()
    objections = serializers.CharField()
    platform_terms = serializers.CharField()
    access_problems = serializers.CharField()
    urgent_contact = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    missing = serializers.ListField(
        child=serializers.ChoiceField(choices=Questionnaire.REQUIRED_FIELDS),
        help_text="Required fields still empty: submitting needs them filled in.",
    )


# --- the head's decisions ---


class DecisionCommentInputSerializer(StrictSerializer):
    comment = StringField(required=False, allow_blank=True, max_length=COMMENT_MAX, default="")


class ApproveInputSerializer(StrictSerializer):
    comment = StringField(required=False, allow_blank=True, max_length=COMMENT_MAX, default="")
    call_notes = StringField(
        required=False,
        allow_blank=True,
        max_length=CALL_NOTES_MAX,
        default="",
        help_text=(
            "Notes of an ad-hoc alignment call. Required (non-blank) when no held call "
            "covers the product; kept in the product's history."
        ),
    )


class RefuseInputSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=RefusalReason.choices)
    comment = StringField(
        required=False,
        allow_blank=True,
        max_length=COMMENT_MAX,
        default="",
        help_text="Required when the reason is «other».",
    )


class PartnerOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["active", "blocked"])
    block_reason = serializers.CharField()


# --- history ---


class StatusChangeOutputSerializer(serializers.Serializer):
    """``{from, to, reason, comment, actor, created_at}`` — ``from`` is a Python keyword,
    hence :meth:`get_fields`."""

    to = serializers.CharField(source="to_status")
    reason = serializers.CharField()
    comment = serializers.CharField()
    actor = serializers.CharField(
        source="actor_label", help_text="Who: an email, an API key's prefix, or system."
    )
    created_at = serializers.DateTimeField()

    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": serializers.CharField(source="from_status"), **super().get_fields()}


# --- alignment calls ---


class SlotCreateInputSerializer(StrictSerializer):
    starts_at = serializers.DateTimeField(help_text="ISO 8601; without an offset, Moscow time.")
    duration_minutes = StrictIntegerField(
        required=False, min_value=SLOT_MIN_MINUTES, max_value=SLOT_MAX_MINUTES, default=30
    )


class NamedRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class SlotBookingOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    partner = NamedRefSerializer()
    products = NamedRefSerializer(many=True, source="products.all")
    created_at = serializers.DateTimeField()


class SlotOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    booking = serializers.SerializerMethodField(
        help_text="Shown to the head of sales; partners see only open slots."
    )

    @extend_schema_field(SlotBookingOutputSerializer(allow_null=True))
    def get_booking(self, slot: AlignmentSlot) -> dict[str, Any] | None:
        live = getattr(slot, "live_bookings", None)
        return SlotBookingOutputSerializer(live[0]).data if live else None


class CallBookingCreateInputSerializer(StrictSerializer):
    slot = serializers.UUIDField()
    products = serializers.ListField(
        child=serializers.UUIDField(), allow_empty=False, max_length=BOOKING_PRODUCTS_MAX
    )


class CallHeldInputSerializer(StrictSerializer):
    notes = StringField(
        max_length=CALL_NOTES_MAX,
        help_text="What was agreed on the call; required, kept in the products' history.",
    )


class BookedSlotOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()


class CallBookingOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    slot = BookedSlotOutputSerializer()
    products = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    held_at = serializers.DateTimeField(
        allow_null=True, help_text="When the head of sales recorded the call as held."
    )
    notes = serializers.CharField(help_text="The call's notes; empty until it is held.")

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_products(self, booking: CallBooking) -> list[str]:
        return sorted(str(p.pk) for p in booking.products.all())
