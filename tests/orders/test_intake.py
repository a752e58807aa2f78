"""POST /api/v1/orders/: a new order, a retry, a conflicting resend, contacts normalised."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from orders.models import Order
from tests.partners.factories import PartnerFactory, ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"


def order_body(product: Any, /, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": "shop-1",
        "product": str(product.pk),
        "amount": "1000.00",
        "currency": "RUB",
        "customer": {"name": "Анна Смирнова", "email": "anna@example.com", "phone": "+79123456789"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def storefront(partner_client):
    client, partner = partner_client()
    product = ProductFactory.create(on_sale=True, partner=partner, grace_period_minutes=90)
    return client, partner, product


def test_a_new_order_is_created_with_its_due_time_from_the_grace_period(storefront) -> None:
    client, partner, product = storefront
    before = timezone.now()

    response = client.post(URL, order_body(product), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get(pk=body["id"])
    assert order.partner == partner and order.product == product
    assert before <= order.created_at <= timezone.now()
    assert order.due_at == order.created_at + dt.timedelta(minutes=90)
    assert set(body) == {
        "id", "external_id", "product", "amount", "currency", "customer", "created_at",
        "due_at", "status", "sales_status", "paid_at", "paid_amount", "refunded_amount", "fee",
        "payment_url", "source",
    }  # fmt: skip
    assert body["amount"] == "1000.00"
    assert body["status"] == "pending" and body["sales_status"] == "none"
    assert body["paid_at"] is None and body["paid_amount"] is None
    assert body["refunded_amount"] == "0.00" and body["fee"] is None
    assert body["customer"] == {
        "name": "Анна Смирнова",
        "email": "anna@example.com",
        "phone": "+79123456789",
        "telegram": "",
        "whatsapp": "",
    }


def test_the_same_body_again_is_a_retry_returning_the_same_order(storefront) -> None:
    client, _partner, product = storefront
    first = client.post(URL, order_body(product), format="json")

    again = client.post(URL, order_body(product), format="json")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert Order.objects.count() == 1


def test_a_retry_may_write_the_same_contacts_another_way(storefront) -> None:
    client, _partner, product = storefront
    client.post(URL, order_body(product), format="json")
    customer = {"name": "Анна Смирнова", "email": "ANNA@example.com", "phone": "8 (912) 345-67-89"}

    again = client.post(URL, order_body(product, customer=customer, amount=1000), format="json")

    assert again.status_code == 200


def test_a_different_body_with_the_same_external_id_is_a_conflict_naming_the_fields(
    storefront,
) -> None:
    client, _partner, product = storefront
    first = client.post(URL, order_body(product), format="json").json()
    customer = {"name": "Анна Смирнова", "email": "other@example.com", "phone": "+79123456789"}

    response = client.post(
        URL, order_body(product, amount="1200.00", customer=customer), format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "order_conflict"
    assert body["details"] == {"order": first["id"], "fields": ["amount", "customer.email"]}
    assert Order.objects.get().amount == Decimal("1000.00")


def test_the_same_external_id_at_another_partner_is_another_order(storefront, partner_client):
    client, _partner, product = storefront
    other_client, other = partner_client()
    other_product = ProductFactory.create(on_sale=True, partner=other)

    client.post(URL, order_body(product), format="json")
    response = other_client.post(URL, order_body(other_product), format="json")

    assert response.status_code == 201
    assert Order.objects.count() == 2


def test_the_product_may_be_named_by_its_external_id(storefront) -> None:
    client, _partner, product = storefront
    product.external_id = "course-101"
    product.save()

    response = client.post(URL, order_body(product, product="course-101"), format="json")

    assert response.status_code == 201
    assert response.json()["product"] == str(product.pk)


def test_another_partners_product_is_a_validation_error_on_product(storefront) -> None:
    client, _partner, _product = storefront
    foreign = ProductFactory.create(
        on_sale=True, partner=PartnerFactory.create(), external_id="theirs"
    )

    for ref in (str(foreign.pk), "theirs"):
        response = client.post(URL, order_body(foreign, product=ref), format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"
        assert list(response.json()["details"]) == ["product"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 912 345 67 89", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("89123456789", "+79123456789"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_phones_are_stored_in_e164(storefront, given: str, stored: str) -> None:
    client, _partner, product = storefront
    customer = {"name": "Анна", "phone": given, "whatsapp": given}

    response = client.post(URL, order_body(product, customer=customer), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["customer"]["phone"] == stored
    assert response.json()["customer"]["whatsapp"] == stored


@pytest.mark.parametrize(
    ("given", "stored"),
    [("@anna_smirnova", "@anna_smirnova"), ("anna_smirnova", "@anna_smirnova"),
     ("https://t.me/anna_smirnova", "@anna_smirnova"), ("+7 912 345-67-89", "+79123456789")],
)  # fmt: skip
def test_telegram_handles_are_normalised(storefront, given: str, stored: str) -> None:
    client, _partner, product = storefront
    customer = {"name": "Анна", "telegram": given}

    response = client.post(URL, order_body(product, customer=customer), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["customer"]["telegram"] == stored


def test_an_imported_order_keeps_its_creation_time(storefront) -> None:
    client, _partner, product = storefront

    response = client.post(
        URL, order_body(product, created_at="2026-03-01T09:30:00+03:00"), format="json"
    )

    assert response.status_code == 201
    order = Order.objects.get()
    assert order.created_at == dt.datetime(2026, 3, 1, 6, 30, tzinfo=dt.UTC)
    assert order.due_at == dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def test_a_creation_time_a_little_ahead_is_clock_skew_but_further_is_refused(storefront):
    client, _partner, product = storefront
    soon = (timezone.now() + dt.timedelta(minutes=4)).isoformat()
    later = (timezone.now() + dt.timedelta(minutes=6)).isoformat()

    ok = client.post(URL, order_body(product, external_id="a", created_at=soon), format="json")
    refused = client.post(
        URL, order_body(product, external_id="b", created_at=later), format="json"
    )

    assert ok.status_code == 201
    assert refused.status_code == 400
    assert list(refused.json()["details"]) == ["created_at"]


def test_a_later_change_of_the_grace_period_does_not_move_existing_orders(storefront) -> None:
    client, _partner, product = storefront
    client.post(URL, order_body(product), format="json")
    order = Order.objects.get()
    product.grace_period_minutes = 5
    product.save()

    response = client.get(f"{URL}{order.pk}/")

    assert (
        response.json()["due_at"]
        == client.post(URL, order_body(product), format="json").json()["due_at"]
    )
    order.refresh_from_db()
    assert order.due_at == order.created_at + dt.timedelta(minutes=90)


def test_staff_tokens_cannot_push_orders(staff_client) -> None:
    client, _user = staff_client(role="head")
    product = ProductFactory.create(on_sale=True)

    response = client.post(URL, order_body(product), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_without_a_key_it_is_401(api_client) -> None:
    response = api_client.post(URL, {}, format="json")

    assert response.status_code == 401
