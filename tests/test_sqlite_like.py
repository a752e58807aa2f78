"""The embedded backend's Unicode-aware LIKE."""

from __future__ import annotations

import pytest
from django.db import connection

from orders.models import Order
from salesdesk.sqlite import unicode_like
from tests.orders.factories import OrderFactory


@pytest.mark.parametrize(
    ("value", "pattern", "escape", "expected"),
    [
        ("Анна Петрова", "%анна%", None, True),
        ("Анна Петрова", "%ПЕТРОВ_", None, True),
        ("Анна Петрова", "анна", None, False),
        ("100% скидка", "%100\\%%", "\\", True),
        ("1000 скидка", "%100\\%%", "\\", False),
        ("a_b", "a\\_b", "\\", True),
        ("axb", "a\\_b", "\\", False),
        ("строка\nвторая", "%вторая", None, True),
        (None, "%", None, None),
    ],
)
def test_like_matches_as_sql_does_with_unicode_case_folding(
    value: str | None, pattern: str, escape: str | None, expected: bool | None
) -> None:
    assert unicode_like(pattern, value, escape) is expected


@pytest.mark.django_db
def test_icontains_finds_cyrillic_in_any_case_on_this_database() -> None:
    OrderFactory.create(customer_name="Ёлкина Дарья")

    found = Order.objects.filter(customer_name__icontains="ёлкина д")

    assert [order.customer_name for order in found] == ["Ёлкина Дарья"], connection.vendor
