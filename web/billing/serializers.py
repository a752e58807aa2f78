from __future__ import annotations

from typing import Any

from rest_framework import serializers

from billing.models import LedgerEntry
from billing.months import parse_past_or_current_month
from salesdesk.errors import ApplicationError
from salesdesk.serializers import StrictSerializer


def _month_field(value: str) -> Any:
    try:
        return parse_past_or_current_month(value)
    except ApplicationError as exc:
        raise serializers.ValidationError(exc.message, code=exc.code) from None


class ChargeListInputSerializer(StrictSerializer):
    """Query filters of the charges list. Strict, so a typo (``?oder=``) is a 400 rather than
    an unfiltered list; the pagination parameters are declared to pass through."""

    order = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices, required=False)
    month = serializers.CharField(required=False)
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1)

    def validate_month(self, value: str) -> Any:
        return _month_field(value)


class ChargeOutputSerializer(serializers.Serializer):
    order = serializers.UUIDField(source="order_id")
    kind = serializers.ChoiceField(choices=LedgerEntry.Kind.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    created_at = serializers.DateTimeField()


class ChargePageOutputSerializer(serializers.Serializer):
    """The paginated list's shape, for the schema (the pagination class builds the body)."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ChargeOutputSerializer(many=True)


class StatementOutputSerializer(serializers.Serializer):
    month = serializers.CharField()
    orders_handled = serializers.IntegerField()
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    fees = serializers.DecimalField(max_digits=14, decimal_places=2)
    reversals = serializers.DecimalField(max_digits=14, decimal_places=2)
    adjustments = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    closed = serializers.BooleanField()
