"""Input and output serializers of the orders API (one pair per view)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.selectors import SalesStatus
from orders.contacts import ContactError, Customer, normalize_phone, normalize_telegram
from orders.models import Order
from orders.selectors import product_for_order
from orders.services import check_payment_url
from salesdesk.errors import ApplicationError
from salesdesk.money import MoneyField
from salesdesk.serializers import NameField, StrictSerializer, StringField


class CustomerInputSerializer(StrictSerializer):
    """The buyer: a name and any of the contacts; unknown keys are a 400."""

    name = NameField(max_length=200, help_text="The buyer's name.")
    email = serializers.EmailField(
        required=False, allow_blank=True, max_length=254, help_text="The buyer's email."
    )
    phone = StringField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text='Any common notation; Russian without a country code: "8 (912) 345-67-89", '
        '"+7 912 345 67 89", "9123456789". Stored as E.164.',
    )
    telegram = StringField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text='Telegram username ("@name", "t.me/name") or a phone number.',
    )
    whatsapp = StringField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="WhatsApp phone number, any notation; stored as E.164.",
    )

    def _contact(self, value: str, normalize: Any) -> str:
        if not value.strip():
            return ""
        try:
            return str(normalize(value))
        except ContactError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_phone(self, value: str) -> str:
        return self._contact(value, normalize_phone)

    def validate_whatsapp(self, value: str) -> str:
        return self._contact(value, normalize_phone)

    def validate_telegram(self, value: str) -> str:
        return self._contact(value, normalize_telegram)

    def validate_email(self, value: str) -> str:
        return value.strip().lower()


class OrderCreateInputSerializer(StrictSerializer):
    """An order from the storefront; unknown keys are a 400."""

    external_id = NameField(
        max_length=200, help_text="The storefront's order id (idempotency key)."
    )
    product = NameField(
        max_length=200,
        help_text="The product's id (UUID) or, if the product has one, its external id.",
    )
    amount = MoneyField()
    currency = serializers.ChoiceField(
        choices=["RUB"],
        default="RUB",
        error_messages={"invalid_choice": _("Only RUB is supported.")},
        help_text="RUB only.",
    )
    customer = CustomerInputSerializer(
        help_text="The buyer: a name and any of phone, email, telegram, whatsapp. An order "
        "without any of them is accepted but never goes to the sales department (nobody can "
        "reach the buyer); its timeline says so."
    )
    created_at = serializers.DateTimeField(
        required=False,
        help_text="When the order was placed (for imported orders); default now. At most "
        "5 minutes ahead of the server's clock.",
    )
    payment_url = StringField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="The storefront's link to pay this order: https only, at most 2000 "
        "characters. The manager sends it to the buyer.",
    )
    # The serializer's metaclass takes declared fields off the class, so this "source" never
    # shadows DRF's Field.source; mypy only sees the class attribute.
    source = NameField(  # type: ignore[assignment]
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The ad channel the buyer came from (e.g. utm_source), at most 100 "
        "characters; it becomes the deal's source.",
    )

    def validate_payment_url(self, value: str) -> str:
        try:
            return check_payment_url(value)
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.details["payment_url"]) from None

    def validate_product(self, value: str) -> Any:
        product = product_for_order(partner=self.context["partner"], ref=value.strip())
        if product is None:
            raise serializers.ValidationError(_("Product not found."))
        return product

    def customer_data(self) -> Customer:
        data = self.validated_data["customer"]
        return Customer(
            name=data["name"],
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            telegram=data.get("telegram", ""),
            whatsapp=data.get("whatsapp", ""),
        )


class OrderPayInputSerializer(StrictSerializer):
    """The payment as the storefront saw it; an empty body means "paid now, in full"."""

    paid_at = serializers.DateTimeField(
        required=False,
        help_text="When the buyer paid; default now. Not before the order's creation, at most "
        "5 minutes ahead of the server's clock. It decides whether a fee is owed.",
    )
    amount = MoneyField(required=False, help_text="Amount paid; default the order's amount.")


class OrderRefundInputSerializer(StrictSerializer):
    """An empty body refunds everything not yet refunded."""

    amount = MoneyField(
        required=False, help_text="Amount to refund; default everything not yet refunded."
    )
    refund_id = NameField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The storefront's id of this refund. A request repeating an earlier "
        "`refund_id` is recognised as the same refund; without it, a repeated partial amount "
        "is. Send it when two partial refunds of the same amount are really two.",
    )


class OrderCancelInputSerializer(StrictSerializer):
    """No fields: the body is empty or ``{}``."""


class CustomerOutputSerializer(serializers.Serializer):
    name = serializers.CharField(source="customer_name")
    email = serializers.CharField(source="customer_email")
    phone = serializers.CharField(source="customer_phone", help_text="E.164, or empty.")
    telegram = serializers.CharField(source="customer_telegram")
    whatsapp = serializers.CharField(source="customer_whatsapp", help_text="E.164, or empty.")


class OrderOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    external_id = serializers.CharField()
    product = serializers.UUIDField(source="product_id")
    amount = MoneyField()
    currency = serializers.CharField()
    customer = CustomerOutputSerializer(source="*")
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(
        help_text="created_at + the product's grace period, fixed at creation."
    )
    status = serializers.ChoiceField(choices=Order.Status.choices)
    sales_status = serializers.ChoiceField(
        choices=[(value, value) for value in SalesStatus.values],
        help_text="none: never entered the sales department; queued: waiting; active: held by "
        "a manager (incl. a scheduled callback); closed: won, lost or withdrawn.",
    )
    paid_at = serializers.DateTimeField(allow_null=True)
    paid_amount = MoneyField(allow_null=True)
    refunded_amount = MoneyField()
    fee = serializers.SerializerMethodField(help_text="The net fee, null when none.")
    payment_url = serializers.CharField(help_text="The storefront's payment link, or empty.")
    source = serializers.CharField(help_text="The ad channel, or empty.")  # type: ignore[assignment]

    @extend_schema_field(
        {"type": "string", "format": "decimal", "nullable": True, "example": "69.00"}
    )
    def get_fee(self, order: Order) -> str | None:
        fee = getattr(order, "net_fee", None)
        return None if fee is None else f"{Decimal(fee):.2f}"


_datetime = serializers.DateTimeField()


def _money(value: Any) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def order_output(order: Order) -> dict[str, Any]:
    """``OrderOutputSerializer(order).data``, the same dict (tests/orders/test_order_output.py
    compares them), built directly: one order is every intake's and payment's answer, and
    DRF copied and bound the serializer's seventeen fields for each."""
    return {
        "id": _text(order.id),
        "external_id": _text(order.external_id),
        "product": _text(order.product_id),
        "amount": _money(order.amount),
        "currency": _text(order.currency),
        "customer": {
            "name": _text(order.customer_name),
            "email": _text(order.customer_email),
            "phone": _text(order.customer_phone),
            "telegram": _text(order.customer_telegram),
            "whatsapp": _text(order.customer_whatsapp),
        },
        "created_at": None
        if order.created_at is None
        else _datetime.to_representation(order.created_at),
        "due_at": None if order.due_at is None else _datetime.to_representation(order.due_at),
        "status": _text(order.status),
        "sales_status": _text(getattr(order, "sales_status", None)),
        "paid_at": None if order.paid_at is None else _datetime.to_representation(order.paid_at),
        "paid_amount": _money(order.paid_amount),
        "refunded_amount": _money(order.refunded_amount),
        "fee": _money(getattr(order, "net_fee", None)),
        "payment_url": _text(order.payment_url),
        "source": _text(order.source),
    }
