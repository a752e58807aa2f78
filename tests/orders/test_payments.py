"""Payment events: pay, cancel, refund — idempotent, with impossible moves refused, and the
queue item closed according to the payment's own time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from billing.models import PaymentRecord
from orders.models import Order
from sales_queue.models import QueueItem
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import QueueItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def storefront(partner_client):
    client, partner = partner_client()
    product = ProductFactory.create(on_sale=True, partner=partner, grace_period_minutes=60)
    return client, product


def post(client: Any, order: Order, action: str, body: Any = None) -> Any:
    return client.post(f"/api/v1/orders/{order.pk}/{action}/", body or {}, format="json")


def an_order(product: Any, *, hours_ago: float = 0, **fields: Any) -> Order:
    created = timezone.now() - dt.timedelta(hours=hours_ago)
    return OrderFactory.create(product=product, created_at=created, **fields)


def test_pay_without_a_body_pays_the_full_amount_now(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    before = timezone.now()

    response = post(client, order, "pay")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "paid" and order.paid_amount == Decimal("1000.00")
    assert order.paid_at is not None and before <= order.paid_at <= timezone.now()
    assert response.json()["paid_amount"] == "1000.00"


def test_pay_records_the_reported_time_and_amount(storefront) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3)
    paid_at = order.created_at + dt.timedelta(minutes=10)

    response = post(client, order, "pay", {"paid_at": paid_at.isoformat(), "amount": "900.00"})

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.paid_at == paid_at and order.paid_amount == Decimal("900.00")


@pytest.mark.parametrize("again", [{}, "same"])
def test_paying_twice_changes_nothing(storefront, again) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3)
    body = {"paid_at": (order.created_at + dt.timedelta(hours=2)).isoformat(), "amount": "1000"}
    first = post(client, order, "pay", body).json()

    response = post(client, order, "pay", body if again == "same" else {})

    assert response.status_code == 200
    assert response.json() == first


def test_paying_a_paid_order_with_another_time_is_a_conflict(storefront) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3)
    post(client, order, "pay")

    response = post(client, order, "pay", {"paid_at": order.created_at.isoformat()})

    assert response.status_code == 409
    assert response.json()["code"] == "order_already_paid"
    assert response.json()["details"] == {"fields": ["paid_at"]}


def test_a_payment_cannot_precede_the_order(storefront) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3)

    response = post(
        client, order, "pay", {"paid_at": (order.created_at - dt.timedelta(seconds=1)).isoformat()}
    )

    assert response.status_code == 400
    assert list(response.json()["details"]) == ["paid_at"]
    order.refresh_from_db()
    assert order.status == "pending"


def test_a_cancelled_order_cannot_be_paid(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "cancel")

    response = post(client, order, "pay")

    assert response.status_code == 409
    assert response.json()["code"] == "order_cancelled"
    order.refresh_from_db()
    assert order.status == "cancelled" and order.paid_at is None


def test_cancel_is_idempotent(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    first = post(client, order, "cancel")

    again = post(client, order, "cancel")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["status"] == "cancelled"


def test_a_paid_order_cannot_be_cancelled(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "pay")

    response = post(client, order, "cancel")

    assert response.status_code == 409
    assert response.json()["code"] == "order_paid"
    order.refresh_from_db()
    assert order.status == "paid" and order.cancelled_at is None


@pytest.mark.parametrize("cancelled", [False, True])
def test_an_unpaid_order_cannot_be_refunded(storefront, cancelled: bool) -> None:
    client, product = storefront
    order = an_order(product)
    if cancelled:
        post(client, order, "cancel")

    response = post(client, order, "refund")

    assert response.status_code == 409
    assert response.json()["code"] == "order_not_paid"
    order.refresh_from_db()
    assert order.refunded_amount == 0 and order.refunded_at is None


def test_a_full_refund_sets_refunded_and_a_retry_changes_nothing(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "pay")

    first = post(client, order, "refund")
    again = post(client, order, "refund")

    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "refunded"
    assert first.json()["refunded_amount"] == "1000.00"
    assert again.json() == first.json()


def test_partial_refunds_add_up_and_the_last_one_completes_the_refund(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "pay")

    first = post(client, order, "refund", {"amount": "300.00"})
    second = post(client, order, "refund", {"amount": "700"})

    assert first.json()["status"] == "paid" and first.json()["refunded_amount"] == "300.00"
    assert second.json()["status"] == "refunded" and second.json()["refunded_amount"] == "1000.00"


def test_a_resent_partial_refund_is_the_same_refund(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "pay")

    first = post(client, order, "refund", {"amount": "300.00"})
    resent = post(client, order, "refund", {"amount": "300"})

    assert first.status_code == resent.status_code == 200
    assert resent.json()["refunded_amount"] == "300.00"
    assert resent.json() == first.json()
    assert order.refunds.count() == 1


def test_equal_partial_refunds_with_their_own_ids_are_two_refunds(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "pay")

    post(client, order, "refund", {"amount": "300.00", "refund_id": "rf-1"})
    second = post(client, order, "refund", {"amount": "300.00", "refund_id": "rf-2"})
    again = post(client, order, "refund", {"amount": "300.00", "refund_id": "rf-2"})

    assert second.json()["refunded_amount"] == again.json()["refunded_amount"] == "600.00"
    assert list(order.refunds.values_list("refund_id", "amount")) == [
        ("rf-1", Decimal("300.00")),
        ("rf-2", Decimal("300.00")),
    ]


def test_a_refund_id_reused_with_another_amount_is_a_conflict(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "pay")
    post(client, order, "refund", {"amount": "300.00", "refund_id": "rf-1"})

    response = post(client, order, "refund", {"amount": "400.00", "refund_id": "rf-1"})

    assert response.status_code == 409
    assert response.json()["code"] == "refund_conflict"
    assert response.json()["details"] == {"refund_id": "rf-1", "amount": "300.00"}
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("300.00")


@pytest.mark.parametrize("refund_id", [7, "x" * 101, None])
def test_a_malformed_refund_id_is_a_400(storefront, refund_id) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "pay")

    response = post(client, order, "refund", {"amount": "100.00", "refund_id": refund_id})

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "refund_id" in response.json()["details"]
    assert not order.refunds.exists()


def test_a_refund_above_what_is_left_is_refused_and_changes_nothing(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "pay", {"amount": "800.00"})
    post(client, order, "refund", {"amount": "500.00"})

    response = post(client, order, "refund", {"amount": "300.01"})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "refund_exceeds_paid" and body["details"] == {"refundable": "300.00"}
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("500.00") and order.status == "paid"


def test_a_refunded_order_stays_refunded_when_paid_again(storefront) -> None:
    client, product = storefront
    order = an_order(product)
    post(client, order, "pay")
    post(client, order, "refund")

    response = post(client, order, "pay")

    assert response.status_code == 200
    assert response.json()["status"] == "refunded"


# --- the queue item follows the payment's own time --------------------------------------------


def test_paid_after_due_closes_the_held_item_as_won_and_keeps_the_manager(storefront) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3)
    manager = UserFactory.create(role="manager")
    taken = timezone.now() - dt.timedelta(minutes=30)
    item = QueueItemFactory.create(order=order, state="active", holder=manager, taken_at=taken)

    response = post(client, order, "pay")

    item.refresh_from_db()
    assert (item.state, item.outcome) == ("done", "won")
    assert item.holder == manager and item.closed_at is not None
    assert response.json()["sales_status"] == "closed"


def test_paid_within_grace_but_reported_after_the_sweep_withdraws_the_item(storefront) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3)
    # the sweep queued it: the payment event arrived late
    item = QueueItemFactory.create(order=order)
    paid_at = order.due_at - dt.timedelta(seconds=1)

    post(client, order, "pay", {"paid_at": paid_at.isoformat()})

    item.refresh_from_db()
    assert (item.state, item.outcome) == ("withdrawn", "withdrawn")
    assert item.outcome_reason == "paid_within_grace"


def test_paid_exactly_at_the_due_time_is_within_grace(storefront) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3)
    item = QueueItemFactory.create(order=order)

    post(client, order, "pay", {"paid_at": order.due_at.isoformat()})

    item.refresh_from_db()
    assert item.outcome == "withdrawn"


def test_a_closed_item_is_not_reopened_or_changed_by_a_payment(storefront) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3)
    closed_at = timezone.now() - dt.timedelta(hours=1)
    item = QueueItemFactory.create(order=order, state="done", outcome="lost", closed_at=closed_at)

    post(client, order, "pay")

    item.refresh_from_db()
    assert (item.state, item.outcome, item.closed_at) == ("done", "lost", closed_at)


def test_cancelling_withdraws_a_queued_item(storefront) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3)
    item = QueueItemFactory.create(order=order)

    post(client, order, "cancel")

    item.refresh_from_db()
    assert (item.state, item.outcome, item.outcome_reason) == (
        "withdrawn",
        "withdrawn",
        "order_cancelled",
    )


def test_a_payment_calls_the_billing_hook_once_and_a_refund_its_own(storefront, monkeypatch):
    client, product = storefront
    order = an_order(product, hours_ago=3)
    calls: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        "billing.services.fee_record_payment",
        lambda order, **_: calls.append(("paid", order.status)),
    )
    monkeypatch.setattr(
        "billing.services.fee_record_refund",
        lambda order: calls.append(("refund", order.status)),
    )

    post(client, order, "pay")
    post(client, order, "pay")
    post(client, order, "refund", {"amount": "100"})
    post(client, order, "refund")
    post(client, order, "refund")

    assert calls == [("paid", "paid"), ("refund", "paid"), ("refund", "refunded")]
    assert QueueItem.objects.count() == 0


@pytest.mark.parametrize(("paid", "accepted"), [("10000.00", True), ("10000.01", False)])
def test_a_payment_up_to_ten_times_the_order_is_accepted_beyond_it_refused(
    storefront, paid: str, accepted: bool
) -> None:
    # given: an order of 1 000,00 ₽; the bound is 10 × 1 000,00 = 10 000,00 ₽
    client, product = storefront
    order = an_order(product, amount=Decimal("1000.00"))

    response = client.post(
        f"/api/v1/orders/{order.pk}/pay/",
        {"amount": paid},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    order.refresh_from_db()
    if accepted:
        assert response.status_code == 200, response.json()
        assert order.status == "paid" and order.paid_amount == Decimal("10000.00")
    else:
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "amount_implausible"
        assert body["message"] == "Сумма оплаты неправдоподобна: она больше суммы заказа в 10 раз."
        assert body["details"] == {
            "amount": ["Не больше 10000.00 — это сумма заказа, умноженная на 10."]
        }
        assert order.status == "pending" and order.paid_amount is None


def test_a_payment_a_thousand_times_the_order_is_refused_and_nothing_changes(storefront) -> None:
    client, product = storefront
    order = an_order(product, hours_ago=3, amount=Decimal("1490.00"))

    response = post(client, order, "pay", {"amount": "1490000.00"})

    order.refresh_from_db()
    assert response.status_code == 400 and response.json()["code"] == "amount_implausible"
    assert list(response.json()["details"]) == ["amount"]
    assert order.status == "pending" and order.paid_at is None
    assert not PaymentRecord.objects.filter(order=order).exists()
