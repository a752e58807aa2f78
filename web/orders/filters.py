"""Query filters of ``GET /api/v1/orders/``; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters

from orders.models import Order
from orders.selectors import SalesStatus


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Order.Status.choices)
    # Filters on the selector's annotation, so it stays part of the one list query.
    sales_status = django_filters.ChoiceFilter(
        field_name="sales_status", choices=[(value, value) for value in SalesStatus.values]
    )
    external_id = django_filters.CharFilter(field_name="external_id", max_length=200)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Order
        fields = ["status", "sales_status", "external_id", "created_after", "created_before"]
