"""Query filters of ``GET /api/v1/orders/``; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from crm.selectors import SalesStatus
from orders.models import Order


class _UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, compared in UTC: ISO allows UTC offsets up to ±23:59, PostgreSQL
    only up to ±15:59 (``…+20:04`` sent as it is was a 500)."""

    def to_python(self, value: Any) -> dt.datetime | None:
        instant = super().to_python(value)
        if instant is None:
            return None
        try:
            return instant.astimezone(dt.UTC)
        except OverflowError:  # 0001-01-01T00:00+05:00 is before year 1 in UTC
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class _UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcIsoDateTimeField


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    # Filters on the selector's annotation, so it stays part of the one list query.
    sales_status = django_filters.ChoiceFilter(
        field_name="sales_status", choices=[(value, value) for value in SalesStatus.values]
    )
    external_id = django_filters.CharFilter(field_name="external_id", max_length=200)
    created_after = _UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = _UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["status", "sales_status", "external_id", "created_after", "created_before"]
