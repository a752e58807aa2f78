"""Bad input to the orders API: always a 4xx in the JSON error shape, nothing stored."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import override_settings

from orders.models import Order
from orders.selectors import order_events
from sales_queue.models import QueueItem
from sales_queue.services import queue_sweep_due_orders
from tests.orders.factories import OrderFactory
from tests.orders.test_intake import URL, order_body
from tests.partners.factories import ProductFactory

pytestmark = pytest.mark.django_db

_missing = object()


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    return body


@pytest.fixture
def storefront(partner_client):
    client, partner = partner_client()
    return client, ProductFactory.create(on_sale=True, partner=partner)


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    target = body
    *parents, leaf = path.split(".")
    for key in parents:
        target = target[key]
    if value is _missing:
        target.pop(leaf, None)
    else:
        target[leaf] = value
    return body


@pytest.mark.parametrize(
    ("path", "value"),
    [
        # missing
        ("external_id", _missing), ("product", _missing), ("amount", _missing),
        ("customer", _missing), ("customer.name", _missing),
        # wrong type
        ("external_id", 12345), ("external_id", None), ("external_id", ["a"]),
        ("product", 1), ("product", {"id": "x"}), ("amount", True), ("amount", None),
        ("amount", ["1000"]), ("amount", {"value": 1}), ("currency", 643), ("customer", "Анна"),
        ("customer", ["Анна"]), ("customer", None), ("customer.name", 5),
        ("customer.phone", 79123456789),
        ("created_at", 1700000000), ("created_at", True),
        # malformed
        ("external_id", ""), ("external_id", "   "), ("external_id", "x" * 201),
        ("external_id", "bad\x00id"), ("product", "no-such-product"),
        ("product", "00000000-0000-0000-0000-000000000000"),
        ("amount", "1e3"), ("amount", "1E3"), ("amount", "NaN"), ("amount", "Infinity"),
        ("amount", "-Infinity"), ("amount", "1000.001"), ("amount", 1000.001), ("amount", "10,50"),
        ("amount", "1 000"), ("amount", "abc"), ("amount", ""), ("amount", "0x10"),
        ("amount", "١٠٠٠"), ("amount", 1e300), ("currency", "USD"), ("currency", "rub"),
        ("currency", ""), ("customer.name", ""), ("customer.name", "x" * 201),
        ("customer.email", "not-an-email"), ("customer.email", "a@"), ("customer.phone", "12345"),
        ("customer.phone", "phone"), ("customer.phone", "+7 000 000 00 00"),
        ("customer.phone", "8" * 40), ("customer.whatsapp", "whatsapp-me"),
        ("customer.telegram", "@ab"), ("customer.telegram", "@имя_пользователя"),
        ("created_at", "yesterday"), ("created_at", "2026-13-45T25:61:00Z"), ("created_at", ""),
        ("created_at", "1999-12-31T23:59:59Z"), ("created_at", "9999-12-31T23:59:59-12:00"),
        ("created_at", "2999-01-01T00:00:00Z"),
        # control and text-direction characters in names and ids
        ("external_id", "order-\u202e0001"), ("external_id", "shop\t1"),
        ("customer.name", "Анна\u202eанвонимС"), ("customer.name", "Анна\x1b[31m"),
        ("customer.name", "Анна\u2066x\u2069"), ("customer.name", "Анна\nСмирнова"),
        ("source", "yandex\u200f"), ("product", "sku\x7f"),
        # out of range
        ("amount", "0"), ("amount", "0.00"), ("amount", 0), ("amount", "-1"), ("amount", -5),
        ("amount", "100000000.01"), ("amount", "99999999999999999999"), ("amount", 10**30),
        # unknown fields
        ("discount", "10"), ("customer.age", 30),
    ],
)  # fmt: skip
def test_each_bad_field_is_a_400_naming_it_and_nothing_is_stored(storefront, path, value):
    client, product = storefront
    body = _set(order_body(product), path, value)

    response = client.post(URL, body, format="json")

    payload = assert_error(response, 400, "validation_error")
    assert path.split(".")[0] in payload["details"]
    assert not Order.objects.exists()


@pytest.mark.parametrize("amount", ["1000", "1000.5", "1000.50", 1000, 1000.5, " 1000.00 "])
def test_amounts_are_json_numbers_or_numeric_strings_with_at_most_two_decimals(storefront, amount):
    client, product = storefront

    response = client.post(URL, order_body(product, amount=amount), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["amount"] in {"1000.00", "1000.50"}


def test_currency_may_be_left_out_and_is_rub(storefront) -> None:
    client, product = storefront
    body = order_body(product)
    del body["currency"]

    response = client.post(URL, body, format="json")

    assert response.status_code == 201
    assert response.json()["currency"] == "RUB"


@pytest.mark.parametrize(
    "raw",
    ["{not json", '{"amount": NaN}', '{"amount": Infinity}', "", "[", '"\\ud800'],
)
def test_malformed_json_is_a_400(storefront, raw: str) -> None:
    client, _product = storefront

    response = client.post(URL, data=raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] in {"malformed_request", "validation_error"}
    assert not Order.objects.exists()


@pytest.mark.parametrize("raw", ["[1, 2]", '"order"', "42", "null"])
def test_a_body_that_is_not_an_object_is_a_validation_error(storefront, raw: str) -> None:
    client, _product = storefront

    response = client.post(URL, data=raw, content_type="application/json")

    assert_error(response, 400, "validation_error")


def test_form_encoded_bodies_are_refused(storefront) -> None:
    client, _product = storefront

    response = client.post(
        URL, data="external_id=1", content_type="application/x-www-form-urlencoded"
    )

    assert_error(response, 415, "unsupported_media_type")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_an_oversized_body_is_a_413(storefront) -> None:
    client, product = storefront
    body = order_body(product, external_id="x" * 5000)

    response = client.post(URL, data=json.dumps(body), content_type="application/json")

    assert_error(response, 413, "payload_too_large")
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("pay", {"amount": "0"}), ("pay", {"amount": "-1"}), ("pay", {"amount": "1e3"}),
        ("pay", {"amount": "12.345"}), ("pay", {"amount": None}), ("pay", {"paid_at": "never"}),
        ("pay", {"paid_at": "2999-01-01T00:00:00Z"}), ("pay", {"paid_at": 5}),
        ("pay", {"paid_at": "2001-01-01T00:00:00Z"}), ("pay", {"note": "x"}),
        ("refund", {"amount": "0"}), ("refund", {"amount": "abc"}), ("refund", {"amount": 1.234}),
        ("refund", {"reason": "x"}), ("cancel", {"reason": "x"}), ("pay", [1]), ("refund", "x"),
    ],
)  # fmt: skip
def test_bad_payment_events_are_400s_and_change_nothing(partner_client, action, body) -> None:
    client, partner = partner_client()
    order = OrderFactory.create(product=ProductFactory.create(on_sale=True, partner=partner))
    if action == "refund":
        client.post(f"{URL}{order.pk}/pay/", {}, format="json")
    before = Order.objects.values().get(pk=order.pk)

    response = client.post(f"{URL}{order.pk}/{action}/", body, format="json")

    assert_error(response, 400, "validation_error")
    assert Order.objects.values().get(pk=order.pk) == before


@pytest.mark.parametrize(
    "query",
    [
        "status=unknown", "sales_status=maybe", "created_after=yesterday",
        "created_before=2026-13-01T00:00:00Z", "external_id=" + "x" * 201,
    ],
)  # fmt: skip
def test_bad_filter_values_are_400s(partner_client, query: str) -> None:
    client, _partner = partner_client()

    response = client.get(f"{URL}?{query}")

    payload = assert_error(response, 400, "validation_error")
    assert query.split("=")[0] in payload["details"]


def test_a_direction_override_is_named_in_the_message(storefront) -> None:
    client, product = storefront
    body = order_body(product, customer={"name": "Анна\u202eанвонимС"})

    response = client.post(URL, body, format="json", HTTP_ACCEPT_LANGUAGE="ru")

    details = assert_error(response, 400, "validation_error")["details"]
    assert details["customer"] == {
        "name": ["Управляющие символы и символы направления текста недопустимы (U+202E)."]
    }
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "customer",
    [
        {"name": "Анна"},
        {"name": "Анна", "phone": "", "email": "", "telegram": "", "whatsapp": ""},
        {"name": "Анна", "phone": "   ", "email": " ", "telegram": "  "},
    ],
)
def test_an_order_with_no_way_to_reach_the_buyer_is_kept_but_never_worked(
    storefront, customer
) -> None:
    """The v1 contract makes every contact optional, so such a body stays a 201; but nobody
    could call or write to the buyer, so the order never enters the queue, and its timeline
    says why."""
    client, product = storefront

    response = client.post(
        URL, order_body(product, customer=customer), format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    later = order.due_at + dt.timedelta(minutes=5)
    assert queue_sweep_due_orders(now=later) == 0
    assert not QueueItem.objects.exists()
    labels = [entry.label for entry in order_events(order=order, now=later)]
    assert (
        "Не передан в отдел продаж: у заказа нет ни телефона, ни почты, ни Telegram, "
        "ни WhatsApp покупателя" in labels
    )


@pytest.mark.parametrize(
    ("contact", "value", "stored"),
    [
        ("email", "Anna@Example.com", "anna@example.com"),
        ("telegram", "t.me/anna_smirnova", "@anna_smirnova"),
        ("phone", "8 (912) 345-67-89", "+79123456789"),
        ("whatsapp", "+7 912 345 67 89", "+79123456789"),
    ],
)
def test_any_one_contact_is_enough(storefront, contact, value, stored) -> None:
    client, product = storefront
    body = order_body(product, customer={"name": "Анна", contact: value})

    response = client.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["customer"][contact] == stored


def test_ordinary_names_keep_their_letters_emoji_and_apostrophes(storefront) -> None:
    client, product = storefront
    name = "Д\u2019Артаньян 👩\u200d💻 O\u2019Brien-Łukasz"
    body = order_body(product, customer={"name": name, "email": "dartagnan@example.com"})

    response = client.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    assert Order.objects.get().customer_name == name
