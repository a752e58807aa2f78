"""The fee: 6.9 % of the amount paid, rounded half up to the kopeck, within 60–2500 ₽."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.models import FeePolicy
from billing.policy import (
    DEFAULT_MAXIMUM,
    DEFAULT_MINIMUM,
    DEFAULT_RATE,
    MOSCOW,
    fee_amount,
)
from billing.selectors import policy_in_effect
from salesdesk.errors import ApplicationError


def default_fee(amount: Decimal | str) -> Decimal:
    return fee_amount(amount, rate=DEFAULT_RATE, minimum=DEFAULT_MINIMUM, maximum=DEFAULT_MAXIMUM)


def fee_in_kopecks(amount_kopecks: int) -> int:
    """The rule again, independently: integers only (69/1000 of the kopecks, half up)."""
    whole, remainder = divmod(amount_kopecks * 69, 1000)
    rounded = whole + (1 if remainder * 2 >= 1000 else 0)
    return min(max(rounded, 6_000), 250_000)


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        ("500.00", "60.00"),
        ("869.56", "60.00"),  # 59.99964 rounds up to the minimum itself
        ("869.57", "60.00"),  # 60.00033
        ("869.58", "60.00"),  # 60.00102
        ("869.64", "60.01"),  # 60.00516: the first kopeck above the minimum
        ("1000.00", "69.00"),
        ("1005.00", "69.35"),  # 69.345: half up, not to even
        ("1015.00", "70.04"),  # 70.035
        ("36231.80", "2499.99"),  # 2499.9942
        ("36231.87", "2500.00"),  # 2499.99903
        ("36231.88", "2500.00"),  # 2499.99972
        ("50000.00", "2500.00"),
        ("0.01", "60.00"),
        ("10000000.00", "2500.00"),
    ],
)
def test_the_fee_matches_the_boundary_table(amount: str, fee: str) -> None:
    assert default_fee(Decimal(amount)) == Decimal(fee)


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=1, max_value=1_000_000_000))
def test_the_fee_agrees_with_integer_kopeck_arithmetic(amount_kopecks: int) -> None:
    amount = Decimal(amount_kopecks) / 100

    fee = default_fee(amount)

    assert fee == Decimal(fee_in_kopecks(amount_kopecks)) / 100
    assert fee.as_tuple().exponent == -2


def test_nothing_kept_owes_nothing() -> None:
    assert default_fee(Decimal("0")) == Decimal("0.00")


@pytest.mark.parametrize("bad", [Decimal("-0.01"), "-5", "abc", "NaN", "Infinity", 12.5, None])
def test_a_negative_or_malformed_amount_is_refused(bad: object) -> None:
    with pytest.raises(ApplicationError) as raised:
        default_fee(bad)  # type: ignore[arg-type]

    assert raised.value.code == "invalid_amount"


@pytest.mark.django_db
def test_the_default_policy_is_seeded_from_2000() -> None:
    policy = policy_in_effect(dt.datetime(2026, 11, 1, tzinfo=MOSCOW))

    assert (policy.rate, policy.minimum, policy.maximum, policy.currency) == (
        Decimal("0.06900"),
        Decimal("60.00"),
        Decimal("2500.00"),
        "RUB",
    )
    assert policy.effective_from == dt.datetime(2000, 1, 1, tzinfo=MOSCOW)
    assert policy.fee_for("1005.00") == Decimal("69.35")


@pytest.mark.django_db
def test_a_new_policy_applies_from_its_date_and_not_before() -> None:
    old = policy_in_effect(dt.datetime(2026, 1, 1, tzinfo=MOSCOW))
    new = FeePolicy.objects.create(
        rate=Decimal("0.05"),
        minimum=Decimal("100.00"),
        maximum=Decimal("3000.00"),
        effective_from=dt.datetime(2027, 1, 1, tzinfo=MOSCOW),
    )

    assert policy_in_effect(dt.datetime(2026, 12, 31, 23, 59, tzinfo=MOSCOW)) == old
    assert policy_in_effect(dt.datetime(2027, 1, 1, tzinfo=MOSCOW)) == new
    assert new.fee_for("1000.00") == Decimal("100.00")


@pytest.mark.django_db
def test_an_emptied_policy_table_gets_the_default_terms_back() -> None:
    FeePolicy.objects.all().delete()

    policy = policy_in_effect(dt.datetime(2026, 11, 1, tzinfo=MOSCOW))

    assert policy.fee_for("1000.00") == Decimal("69.00")
    assert FeePolicy.objects.count() == 1
