"""Output serializers of the contacts API (reads only)."""

from __future__ import annotations

from rest_framework import serializers

from crm.models import Deal
from orders.models import Order
from salesdesk.money import MoneyField


class ContactOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    partner = serializers.UUIDField(
        source="partner_id", help_text="The partner whose buyer this is (staff see several)."
    )
    name = serializers.CharField()
    email = serializers.CharField(help_text="Lower-cased, or empty.")
    phone = serializers.CharField(help_text="E.164, or empty.")
    telegram = serializers.CharField()
    whatsapp = serializers.CharField(help_text="E.164, or empty.")
    created_at = serializers.DateTimeField()


class ContactOrderSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    external_id = serializers.CharField()
    product = serializers.UUIDField(source="product_id")
    product_name = serializers.CharField(source="product.name")
    amount = MoneyField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)


class PurchasedProductSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    paid_orders = serializers.IntegerField(help_text="How many of the contact's orders are paid.")
    last_paid_at = serializers.DateTimeField()


class ContactDealSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Deal.Status.choices)
    product = serializers.UUIDField(source="product_id", allow_null=True)
    responsible = serializers.CharField(source="responsible.get_full_name")
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class ContactDetailOutputSerializer(ContactOutputSerializer):
    orders = ContactOrderSerializer(many=True)
    purchased_products = PurchasedProductSerializer(many=True)
    deals = ContactDealSerializer(many=True)
