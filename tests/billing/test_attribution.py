"""When a fee is owed (DESIGN.md, "When a fee is owed"), through the payment use case: paid
after ``due_at``, taken by a manager at or before ``paid_at``, paid while the item was open or
within ``attribution_days`` (30) after it closed. Hand-worked on a 1000.00 order: 6.9 % is
69.00; grace 60 minutes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from billing.models import FeePolicy, LedgerEntry, PaymentRecord
from billing.policy import fee_rule
from billing.selectors import order_net_fee, order_timeline, policy_in_effect
from billing.services import order_pay, order_refund
from crm.models import Deal
from orders.models import Order
from sales_queue.models import QueueItem
from sales_queue.services import queue_touch, queue_withdraw_waiting
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import QueueItemFactory, manager

pytestmark = pytest.mark.django_db

# Two months back, so every payment time below is in the past.
T0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=90)
DUE = T0 + dt.timedelta(minutes=60)
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


def an_order(amount: str = "1000.00") -> Order:
    product = ProductFactory.create(on_sale=True, grace_period_minutes=60)
    return OrderFactory.create(product=product, amount=Decimal(amount), created_at=T0, due_at=DUE)


def an_item(order: Order, **fields: Any) -> QueueItem:
    item = QueueItemFactory.create(order=order, entered_at=DUE, available_at=DUE, **fields)
    if item.holder is not None:
        Deal.objects.create(
            partner=order.partner,
            responsible=item.holder,
            queue_item=item,
            order=order,
            title="deal",
            lead_created_at=order.created_at,
            status=Deal.Status.OPEN if item.state in QueueItem.OPEN_STATES else Deal.Status.LOST,
        )
    return item


def fees(order: Order) -> list[tuple[str, Decimal]]:
    return list(
        LedgerEntry.objects.filter(order=order)
        .order_by("created_at", "id")
        .values_list("kind", "amount")
    )


def verdict(order: Order) -> str:
    return PaymentRecord.objects.get(order=order).verdict


def test_an_order_paid_while_it_waited_untaken_owes_nothing_and_its_item_is_withdrawn() -> None:
    # given: queued at due_at, nobody took it
    order = an_order()
    an_item(order)

    # when: the buyer pays 30 minutes after due_at
    order_pay(order=order, paid_at=DUE + 30 * MINUTE)

    # then
    item = QueueItem.objects.get(order=order)
    assert (item.state, item.outcome, item.outcome_reason) == (
        "withdrawn",
        "withdrawn",
        "paid_before_work",
    )
    assert fees(order) == []
    assert order_net_fee(order=order) is None
    assert verdict(order) == "paid_before_work"


def test_an_order_taken_after_the_buyer_had_paid_owes_nothing() -> None:
    # given: paid at due + 20 min, but the manager took it only at due + 30 min
    order = an_order()
    an_item(order, state="active", holder=manager(), taken_at=DUE + 30 * MINUTE)

    order_pay(order=order, paid_at=DUE + 20 * MINUTE)

    item = QueueItem.objects.get(order=order)
    assert (item.state, item.outcome_reason) == ("withdrawn", "paid_before_work")
    assert Deal.objects.get(queue_item=item).status == "withdrawn"
    assert fees(order) == []


def test_an_order_taken_and_then_paid_owes_69_on_1000() -> None:
    # given: taken at due + 10 min
    order = an_order("1000.00")
    an_item(order, state="active", holder=manager(), taken_at=DUE + 10 * MINUTE)

    # when: paid at due + 30 min (a second, duplicate event follows)
    order_pay(order=order, paid_at=DUE + 30 * MINUTE)
    order_pay(order=order, paid_at=DUE + 30 * MINUTE)

    # then: 1000.00 × 6.9 % = 69.00, once
    assert fees(order) == [("fee", Decimal("69.00"))]
    item = QueueItem.objects.get(order=order)
    assert (item.state, item.outcome) == ("done", "won")
    assert Deal.objects.get(queue_item=item).status == "won"
    assert verdict(order) == "worked"
    assert PaymentRecord.objects.filter(order=order).count() == 1


def test_a_take_at_the_very_moment_of_the_payment_counts() -> None:
    order = an_order("1000.00")
    an_item(order, state="active", holder=manager(), taken_at=DUE + 30 * MINUTE)

    order_pay(order=order, paid_at=DUE + 30 * MINUTE)

    assert fees(order) == [("fee", Decimal("69.00"))]


LOST_AT = DUE + 20 * MINUTE


def lost_item(order: Order) -> QueueItem:
    """Taken at due + 10 min, refused (lost) at due + 20 min (``LOST_AT``)."""
    return an_item(
        order,
        state="done",
        outcome="lost",
        outcome_reason="not_interested",
        holder=manager(),
        taken_at=DUE + 10 * MINUTE,
        closed_at=LOST_AT,
    )


@pytest.mark.parametrize("after_close", [29 * DAY, 30 * DAY])
def test_a_lost_order_paid_within_30_days_of_the_close_is_a_late_win_and_owes_the_fee(
    after_close: dt.timedelta,
) -> None:
    # given: lost at due + 20 min
    order = an_order("1000.00")
    item = lost_item(order)

    # when: paid 29 days (and exactly 30 days) after the close
    order_pay(order=order, paid_at=LOST_AT + after_close)

    # then: a late win, charged 69.00; the item keeps the close that started the window
    item.refresh_from_db()
    assert (item.state, item.outcome, item.outcome_reason) == ("done", "won", "late_win")
    assert item.closed_at == DUE + 20 * MINUTE
    assert Deal.objects.get(queue_item=item).status == "won"
    assert fees(order) == [("fee", Decimal("69.00"))]
    assert verdict(order) == "late_win"


def test_a_lost_order_paid_31_days_after_the_close_stays_lost_and_owes_nothing() -> None:
    order = an_order("1000.00")
    item = lost_item(order)

    order_pay(order=order, paid_at=LOST_AT + 31 * DAY)

    item.refresh_from_db()
    assert (item.state, item.outcome) == ("done", "lost")
    assert Deal.objects.get(queue_item=item).status == "lost"
    assert fees(order) == []
    assert verdict(order) == "outside_window"


def test_the_payments_own_time_decides_not_when_the_event_arrived() -> None:
    # given: lost at due + 20 min; the buyer paid 10 days later, the storefront says so 40
    # days after the close (past the 30-day window by arrival, inside it by paid_at)
    order = an_order("1000.00")
    lost_item(order)
    arrived = LOST_AT + 40 * DAY

    order_pay(order=order, paid_at=LOST_AT + 10 * DAY, now=arrived)

    assert fees(order) == [("fee", Decimal("69.00"))]
    assert PaymentRecord.objects.get(order=order).recorded_at == arrived


def test_the_window_is_the_policy_in_effect_when_the_buyer_paid() -> None:
    # given: terms from T0 on with a 7-day window; paid 8 days after the close
    FeePolicy.objects.create(
        rate=Decimal("0.069"),
        minimum=Decimal("60.00"),
        maximum=Decimal("2500.00"),
        attribution_days=7,
        effective_from=T0 - DAY,
    )
    order = an_order("1000.00")
    lost_item(order)

    order_pay(order=order, paid_at=LOST_AT + 8 * DAY)

    assert fees(order) == []
    assert verdict(order) == "outside_window"


def test_the_default_policy_has_a_30_day_window() -> None:
    # the seeded terms (recreated after a flush)
    assert policy_in_effect(timezone.now()).attribution_days == 30


def test_a_payment_within_the_grace_period_reported_after_a_take_owes_nothing() -> None:
    # given: the buyer paid 5 minutes before due_at; the storefront reported it only after a
    # manager took the order at due + 10 min
    order = an_order("1000.00")
    an_item(order, state="active", holder=manager(), taken_at=DUE + 10 * MINUTE)

    order_pay(order=order, paid_at=DUE - 5 * MINUTE, now=DUE + 2 * DAY)

    item = QueueItem.objects.get(order=order)
    assert (item.state, item.outcome_reason) == ("withdrawn", "paid_within_grace")
    assert fees(order) == []
    assert verdict(order) == "paid_within_grace"


def test_an_order_withdrawn_by_a_switch_off_after_a_take_then_paid_owes_the_fee() -> None:
    # given: taken at due + 10 min, no answer (back in the queue), then the partner switched
    # the product off: withdrawn ``product_disabled``, closed now
    order = an_order("1005.00")
    worker = manager()
    item = an_item(order, state="active", holder=worker, taken_at=DUE + 10 * MINUTE)
    queue_touch(manager=worker, item_id=item.pk, channel="phone", outcome="no_answer")
    queue_withdraw_waiting(partner=order.partner, product=order.product, reason="product_disabled")
    item.refresh_from_db()
    assert (item.state, item.outcome_reason) == ("withdrawn", "product_disabled")
    assert Deal.objects.get(queue_item=item).status == "withdrawn"

    # when: the buyer pays now — after the take, within 30 days of the withdrawal
    order_pay(order=order)

    # then: the rule holds (taken before paid, paid within the window): 1005.00 × 6.9 %
    # = 69.345 → 69.35; the item and its deal count as won
    assert fees(order) == [("fee", Decimal("69.35"))]
    item.refresh_from_db()
    assert (item.state, item.outcome, item.outcome_reason) == ("done", "won", "late_win")
    assert Deal.objects.get(queue_item=item).status == "won"


def test_an_order_withdrawn_by_a_switch_off_before_any_take_then_paid_owes_nothing() -> None:
    order = an_order("1000.00")
    an_item(order)
    queue_withdraw_waiting(partner=order.partner, product=order.product, reason="product_disabled")

    order_pay(order=order)

    item = QueueItem.objects.get(order=order)
    assert (item.state, item.outcome_reason) == ("withdrawn", "product_disabled")
    assert fees(order) == []
    assert verdict(order) == "paid_before_work"


def test_an_order_that_never_entered_the_sales_department_owes_nothing() -> None:
    order = an_order()

    order_pay(order=order, paid_at=DUE + 30 * MINUTE)

    assert fees(order) == []
    assert verdict(order) == "not_in_sales"


# --- the base: the order's amount ------------------------------------------------------------


def test_the_fee_base_is_the_order_amount_not_a_lower_amount_reported_paid() -> None:
    # given: a worked 50 000.00 order the storefront reports paid with 0.01
    order = an_order("50000.00")
    an_item(order, state="active", holder=manager(), taken_at=DUE + 10 * MINUTE)

    order = order_pay(order=order, paid_at=DUE + 30 * MINUTE, amount=Decimal("0.01"))

    # then: 50 000.00 × 6.9 % = 3450.00 → the maximum, 2500.00 (not the 60.00 minimum)
    entry = LedgerEntry.objects.get(order=order)
    assert (entry.kind, entry.amount, entry.base_amount) == (
        "fee",
        Decimal("2500.00"),
        Decimal("50000.00"),
    )
    assert order.paid_amount == Decimal("0.01")


def test_a_partial_refund_recomputes_on_the_order_amount_less_the_refunds() -> None:
    # given: a worked 20 000.00 order reported paid with 12 000.00: fee 1380.00 on 20 000.00
    order = an_order("20000.00")
    an_item(order, state="active", holder=manager(), taken_at=DUE + 10 * MINUTE)
    order = order_pay(order=order, paid_at=DUE + 30 * MINUTE, amount=Decimal("12000.00"))

    # when: 5000.00 refunded → 15 000.00 kept → 1035.00 (a reversal of -345.00)
    order = order_refund(order=order, amount=Decimal("5000.00"))
    assert order_net_fee(order=order) == Decimal("1035.00")

    # when: the rest of what was paid (7000.00) refunded → refunded in full → 0.00
    order = order_refund(order=order)

    assert order.status == "refunded"
    assert fees(order) == [
        ("fee", Decimal("1380.00")),
        ("reversal", Decimal("-345.00")),
        ("reversal", Decimal("-1035.00")),
    ]


def test_a_partial_refund_keeps_the_bounds() -> None:
    # given: 1000.00 worked → 69.00; 900.00 refunded → 100.00 kept → 6.90 → the 60.00 minimum
    order = an_order("1000.00")
    an_item(order, state="active", holder=manager(), taken_at=DUE + 10 * MINUTE)
    order = order_pay(order=order, paid_at=DUE + 30 * MINUTE)

    order_refund(order=order, amount=Decimal("900.00"))

    assert fees(order) == [("fee", Decimal("69.00")), ("reversal", Decimal("-9.00"))]


# --- the rule, said where the partner looks --------------------------------------------------


def test_the_timeline_says_on_the_payment_why_no_fee_is_owed_and_the_rule() -> None:
    order = an_order()
    an_item(order)
    order = order_pay(order=order, paid_at=DUE + 30 * MINUTE)

    with translation.override("en"):
        (paid,) = [
            e for e in order_timeline(partner=order.partner, order=order) if e.kind == "paid"
        ]
    with translation.override("ru"):
        (paid_ru,) = [
            e for e in order_timeline(partner=order.partner, order=order) if e.kind == "paid"
        ]

    assert paid.detail.startswith("No fee: paid before a manager took the order. ")
    assert "a manager had taken it at or before the time of payment" in paid.detail
    assert "within 30 days after it closed" in paid.detail
    assert paid_ru.detail.startswith("Без комиссии: оплачен до того, как менеджер взял заказ")
    assert "в течение 30 дней после окончания этой работы" in paid_ru.detail


def test_the_cabinet_billing_page_states_the_rule(client: Any) -> None:
    owner = UserFactory.create(role="partner_owner")
    client.force_login(owner)

    html = client.get("/cabinet/billing/").content.decode()

    assert "Комиссия начисляется, только если заказ оплачен после отсрочки" in html
    assert "в течение 30 дней после окончания этой работы" in html
    assert "от суммы заказа" in html


@pytest.mark.parametrize(
    ("days", "words"), [(1, "1 дня"), (21, "21 дня"), (3, "3 дней"), (30, "30 дней")]
)
def test_the_rule_names_the_window_in_proper_russian(days: int, words: str) -> None:
    with translation.override("ru"):
        sentence = fee_rule(attribution_days=days)

    assert f"в течение {words} после окончания этой работы" in sentence
