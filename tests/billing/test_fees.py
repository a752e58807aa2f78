"""The fee is charged once, inside the payment, only for orders the sales department handled;
refunds bring the net fee to the fee on the amount kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import FeePolicy, LedgerEntry
from billing.policy import MOSCOW
from billing.selectors import order_net_fee, policy_in_effect, with_net_fee
from billing.services import fee_record_payment, fee_record_refund
from orders.models import Order
from salesdesk.errors import ApplicationError
from tests.billing.factories import (
    enter_sales_department,
    handled_paid_order,
    mark_paid,
    mark_refunded,
)
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db


def rows(order: Order) -> list[tuple[str, Decimal]]:
    return [
        (e.kind, e.amount)
        for e in LedgerEntry.objects.filter(order=order).order_by("created_at", "id")
    ]


# --- payment ---------------------------------------------------------------------------------


def test_a_handled_order_paid_after_its_due_time_is_charged_on_the_order_amount() -> None:
    # given: a 1200.00 order reported paid with 1005.00 — the base is the order's cost:
    # 1200.00 × 6.9 % = 82.80 (not 69.35 on the amount reported)
    order = handled_paid_order(amount="1200.00", paid_amount="1005.00")

    entry = fee_record_payment(order=order)

    assert entry is not None
    assert (entry.kind, entry.amount, entry.base_amount) == (
        "fee",
        Decimal("82.80"),
        Decimal("1200.00"),
    )
    assert entry.partner == order.partner
    assert entry.policy.rate == Decimal("0.069")
    assert order_net_fee(order=order) == Decimal("82.80")


def test_a_second_payment_event_charges_nothing_more() -> None:
    order = handled_paid_order()
    fee_record_payment(order=order)

    again = fee_record_payment(order=order)

    assert again is None
    assert rows(order) == [("fee", Decimal("69.00"))]


def test_an_order_that_never_entered_the_sales_department_owes_nothing() -> None:
    order = mark_paid(OrderFactory.create(overdue=True))

    assert fee_record_payment(order=order) is None
    assert order_net_fee(order=order) is None


def test_a_payment_made_within_the_grace_period_but_reported_late_owes_nothing() -> None:
    # given: the order was queued, but the buyer had paid before due_at
    order = OrderFactory.create(overdue=True)
    enter_sales_department(order)
    order = mark_paid(order, paid_at=order.due_at - dt.timedelta(minutes=1))

    # when / then
    assert fee_record_payment(order=order) is None
    assert rows(order) == []


def test_a_payment_exactly_at_the_due_time_is_still_within_the_grace_period() -> None:
    order = OrderFactory.create(overdue=True)
    enter_sales_department(order)
    order = mark_paid(order, paid_at=order.due_at)

    assert fee_record_payment(order=order) is None


def test_an_unpaid_order_is_not_charged() -> None:
    order = OrderFactory.create(overdue=True)
    enter_sales_department(order)

    assert fee_record_payment(order=order) is None


def test_the_charge_uses_the_policy_in_effect_when_the_buyer_paid() -> None:
    paid_at = dt.datetime(2027, 2, 1, 12, tzinfo=MOSCOW)
    FeePolicy.objects.create(
        rate=Decimal("0.05"),
        minimum=Decimal("100.00"),
        maximum=Decimal("3000.00"),
        effective_from=dt.datetime(2027, 1, 1, tzinfo=MOSCOW),
    )
    order = handled_paid_order(
        amount="10000.00",
        paid_at=paid_at,
        created_at=paid_at - dt.timedelta(hours=5),
        due_at=paid_at - dt.timedelta(hours=4),
    )

    entry = fee_record_payment(order=order)

    assert entry is not None and entry.amount == Decimal("500.00")


def test_the_database_refuses_a_second_fee_row_for_an_order() -> None:
    order = handled_paid_order()
    fee = fee_record_payment(order=order)
    assert fee is not None

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            partner=order.partner,
            order=order,
            kind="fee",
            amount=Decimal("1.00"),
            base_amount=Decimal("1.00"),
            policy=fee.policy,
        )


@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        ("fee", "-1.00"),
        ("fee", "0.00"),
        ("reversal", "5.00"),
        ("adjustment", "0.00"),
        ("bonus", "1.00"),
    ],
)
def test_the_database_refuses_a_row_whose_sign_does_not_match_its_kind(
    kind: str, amount: str
) -> None:
    order = handled_paid_order()
    policy = policy_in_effect(timezone.now())  # the seeded one (recreated after a flush)

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            partner=order.partner,
            order=order,
            kind=kind,
            amount=Decimal(amount),
            base_amount=Decimal("0.00"),
            policy=policy,
        )


def test_ledger_rows_are_never_updated_in_place() -> None:
    order = handled_paid_order()
    fee = fee_record_payment(order=order)
    assert fee is not None
    fee.amount = Decimal("1.00")

    with pytest.raises(RuntimeError):
        fee.save()

    assert rows(order) == [("fee", Decimal("69.00"))]


# --- refunds ---------------------------------------------------------------------------------


def test_a_full_refund_reverses_the_whole_fee() -> None:
    order = handled_paid_order(amount="1000.00")
    fee_record_payment(order=order)
    order = mark_refunded(order, "1000.00")

    entry = fee_record_refund(order=order)

    assert entry is not None and (entry.kind, entry.amount) == ("reversal", Decimal("-69.00"))
    assert order_net_fee(order=order) == Decimal("0.00")


def test_a_repeated_refund_call_adds_nothing() -> None:
    order = handled_paid_order(amount="1000.00")
    fee_record_payment(order=order)
    order = mark_refunded(order, "400.00")
    fee_record_refund(order=order)

    assert fee_record_refund(order=order) is None
    assert rows(order) == [("fee", Decimal("69.00")), ("reversal", Decimal("-9.00"))]


def test_a_partial_refund_recomputes_the_fee_on_the_amount_kept() -> None:
    # given: 20000 paid → 1380.00; 15000 refunded → 5000 kept → 345.00
    order = handled_paid_order(amount="20000.00")
    fee_record_payment(order=order)
    order = mark_refunded(order, "15000.00")

    entry = fee_record_refund(order=order)

    assert entry is not None and entry.amount == Decimal("-1035.00")
    assert order_net_fee(order=order) == Decimal("345.00")


def test_a_partial_refund_keeps_the_minimum_fee() -> None:
    order = handled_paid_order(amount="1000.00")
    fee_record_payment(order=order)
    order = mark_refunded(order, "900.00")  # 100 kept → 6.90 → the minimum, 60.00

    fee_record_refund(order=order)

    assert order_net_fee(order=order) == Decimal("60.00")


def test_a_refund_above_the_maximum_fee_changes_nothing() -> None:
    order = handled_paid_order(amount="100000.00")
    fee_record_payment(order=order)
    order = mark_refunded(order, "50000.00")  # 50000 kept still owes the maximum

    assert fee_record_refund(order=order) is None
    assert order_net_fee(order=order) == Decimal("2500.00")


def test_several_partial_refunds_in_a_row_net_to_the_fee_on_what_is_kept() -> None:
    order = handled_paid_order(amount="50000.00")
    fee_record_payment(order=order)

    for refund, expected_net in [
        ("10000.00", "2500.00"),  # 40000 kept → 2760 → capped
        ("20000.00", "1380.00"),  # 20000 kept
        ("15000.00", "345.00"),  # 5000 kept
        ("4500.00", "60.00"),  # 500 kept → the minimum
        ("500.00", "0.00"),  # nothing kept
    ]:
        order = mark_refunded(order, refund)
        fee_record_refund(order=order)
        assert order_net_fee(order=order) == Decimal(expected_net), refund

    assert sum(amount for _kind, amount in rows(order)) == Decimal("0.00")
    assert [kind for kind, _amount in rows(order)] == [
        "fee",
        "reversal",
        "reversal",
        "reversal",
        "reversal",
    ]


def test_a_refund_after_a_change_of_terms_uses_the_original_policy() -> None:
    order = handled_paid_order(amount="20000.00")
    fee_record_payment(order=order)  # 1380.00 under 6.9 %
    FeePolicy.objects.create(
        rate=Decimal("0.10"),
        minimum=Decimal("100.00"),
        maximum=Decimal("5000.00"),
        effective_from=dt.datetime(2001, 1, 1, tzinfo=MOSCOW),
    )
    order = mark_refunded(order, "10000.00")

    entry = fee_record_refund(order=order)

    assert order_net_fee(order=order) == Decimal("690.00")  # not 1000.00 under the new terms
    assert entry is not None and entry.policy.rate == Decimal("0.069")


def test_a_refund_of_an_order_without_a_fee_writes_nothing() -> None:
    order = mark_refunded(mark_paid(OrderFactory.create(overdue=True)), "1000.00")

    assert fee_record_refund(order=order) is None
    assert order_net_fee(order=order) is None


@pytest.mark.parametrize(
    ("refunded", "code"),
    [("1000.01", "refund_exceeds_payment"), ("-1.00", "invalid_amount")],
)
def test_an_impossible_refund_is_refused_and_writes_nothing(refunded: str, code: str) -> None:
    order = handled_paid_order(amount="1000.00")
    fee_record_payment(order=order)
    order.refunded_amount = Decimal(refunded)

    with pytest.raises(ApplicationError) as raised:
        fee_record_refund(order=order)

    assert raised.value.code == code
    assert rows(order) == [("fee", Decimal("69.00"))]


def test_a_refund_restores_the_net_after_an_adjustment_brought_it_below_the_target() -> None:
    # given: 2000 paid → 138.00; a goodwill adjustment of -100; then 500 refunded → 103.50
    order = handled_paid_order(amount="2000.00")
    fee = fee_record_payment(order=order)
    assert fee is not None
    LedgerEntry.objects.create(
        partner=order.partner,
        order=order,
        kind="adjustment",
        amount=Decimal("-100.00"),
        base_amount=Decimal("2000.00"),
        policy=fee.policy,
    )
    order = mark_refunded(order, "500.00")

    entry = fee_record_refund(order=order)

    assert entry is not None and (entry.kind, entry.amount) == ("adjustment", Decimal("65.50"))
    assert order_net_fee(order=order) == Decimal("103.50")


# --- selectors the orders API reads ----------------------------------------------------------


def test_with_net_fee_annotates_each_orders_net_or_none() -> None:
    charged = handled_paid_order(amount="20000.00")
    fee_record_payment(order=charged)
    fee_record_refund(order=mark_refunded(charged, "15000.00"))
    uncharged = OrderFactory.create(overdue=True, partner=charged.partner)

    orders = with_net_fee(Order.objects.filter(partner=charged.partner))

    annotated = {o.pk: o.net_fee for o in orders}  # type: ignore[attr-defined]

    assert annotated == {charged.pk: Decimal("345.00"), uncharged.pk: None}
