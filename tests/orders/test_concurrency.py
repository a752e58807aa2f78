"""Concurrent duplicates from storefronts, on PostgreSQL with real threads: one order, one
payment, one refund — whatever arrives at once."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create
from crm.models import Contact
from orders.models import Order
from tests.concurrency import run_concurrently
from tests.orders.factories import OrderFactory
from tests.orders.test_intake import URL, order_body
from tests.partners.factories import PartnerFactory, ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 10


@pytest.fixture
def storefront() -> tuple[str, Any]:
    partner = PartnerFactory.create()
    _key, raw = api_key_create(partner=partner)
    return raw, ProductFactory.create(on_sale=True, partner=partner)


def client_for(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def test_ten_identical_posts_at_once_make_one_order(storefront) -> None:
    raw, product = storefront
    body = order_body(product)

    def post() -> tuple[int, str]:
        response = client_for(raw).post(URL, body, format="json")
        return response.status_code, response.json()["id"]

    results = run_concurrently(*[post] * THREADS)

    assert Order.objects.count() == 1
    order_id = str(Order.objects.get().pk)
    assert sorted(status for status, _ in results) == [200] * (THREADS - 1) + [201]
    assert {returned for _, returned in results} == {order_id}


def test_a_different_body_racing_the_first_is_a_conflict(storefront) -> None:
    raw, product = storefront
    bodies = iter([order_body(product, amount="1000.00"), order_body(product, amount="2000.00")])
    lock = threading.Lock()

    def post() -> int:
        with lock:
            body = next(bodies)
        return client_for(raw).post(URL, body, format="json").status_code

    results = run_concurrently(*[post] * 2)

    assert sorted(results) == [201, 409]
    assert Order.objects.count() == 1


def test_identical_and_conflicting_first_intakes_racing_make_one_order_and_one_contact(
    storefront,
) -> None:
    # given: ten storefront retries of one new order at once, half of them with another amount
    raw, product = storefront
    amounts = iter(["1000.00", "2000.00"] * (THREADS // 2))
    lock = threading.Lock()

    def post() -> tuple[str, int, Any]:
        with lock:
            amount = next(amounts)
        response = client_for(raw).post(URL, order_body(product, amount=amount), format="json")
        return amount, response.status_code, response.json()

    # when: they all go through INSERT … ON CONFLICT DO NOTHING together
    results = run_concurrently(*[post] * THREADS)

    # then: one 201; the same body again is 200 with that order, the other body 409
    order = Order.objects.get()
    (winner,) = [amount for amount, status, _ in results if status == 201]
    for amount, status, body in results:
        if amount == winner:
            assert status in (200, 201) and body["id"] == str(order.pk)
        else:
            assert status == 409 and body["code"] == "order_conflict"
            assert body["details"] == {"order": str(order.pk), "fields": ["amount"]}
    assert f"{order.amount:.2f}" == winner
    assert Contact.objects.filter(partner=product.partner).count() == 1
    assert order.contact_id == Contact.objects.get().pk


@pytest.mark.parametrize("action", ["pay", "cancel"])
def test_concurrent_duplicate_events_apply_once(storefront, action: str, monkeypatch) -> None:
    raw, product = storefront
    order = OrderFactory.create(product=product)
    hooks: list[str] = []
    monkeypatch.setattr(
        "billing.services.fee_record_payment", lambda order, **_: hooks.append("paid")
    )

    def send() -> int:
        return client_for(raw).post(f"{URL}{order.pk}/{action}/", {}, format="json").status_code

    results = run_concurrently(*[send] * THREADS)

    assert results == [200] * THREADS
    order.refresh_from_db()
    assert order.status == ("paid" if action == "pay" else "cancelled")
    assert hooks == (["paid"] if action == "pay" else [])


def test_pay_racing_cancel_leaves_one_consistent_outcome(storefront) -> None:
    raw, product = storefront
    order = OrderFactory.create(product=product)
    actions = iter(["pay", "cancel"] * (THREADS // 2))
    lock = threading.Lock()

    def post() -> tuple[str, int]:
        with lock:
            action = next(actions)
        response = client_for(raw).post(f"{URL}{order.pk}/{action}/", {}, format="json")
        return action, response.status_code

    results = run_concurrently(*[post] * THREADS)

    order.refresh_from_db()
    winner = "pay" if order.status == "paid" else "cancel"
    # The loser is refused (order_cancelled / order_paid); duplicates of the winner are 200.
    for action, status in results:
        assert status == (200 if action == winner else 409)


def test_concurrent_full_refunds_refund_once(storefront, monkeypatch) -> None:
    raw, product = storefront
    order = OrderFactory.create(product=product)
    client_for(raw).post(f"{URL}{order.pk}/pay/", {}, format="json")
    hooks: list[str] = []
    monkeypatch.setattr("billing.services.fee_record_refund", lambda order: hooks.append("r"))

    def send() -> int:
        return client_for(raw).post(f"{URL}{order.pk}/refund/", {}, format="json").status_code

    results = run_concurrently(*[send] * THREADS)

    assert results == [200] * THREADS
    order.refresh_from_db()
    assert order.status == "refunded" and order.refunded_amount == order.paid_amount
    assert hooks == ["r"]


@pytest.mark.parametrize("body", [{"amount": "300.00"}, {"amount": "300", "refund_id": "rf-1"}])
def test_concurrent_duplicate_partial_refunds_refund_once(storefront, body) -> None:
    raw, product = storefront
    order = OrderFactory.create(product=product)
    client_for(raw).post(f"{URL}{order.pk}/pay/", {}, format="json")

    def send() -> int:
        return client_for(raw).post(f"{URL}{order.pk}/refund/", body, format="json").status_code

    results = run_concurrently(*[send] * THREADS)

    assert results == [200] * THREADS
    order.refresh_from_db()
    assert order.status == "paid" and order.refunded_amount == Decimal("300.00")
    assert list(order.refunds.values_list("amount", flat=True)) == [Decimal("300.00")]
