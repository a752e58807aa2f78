"""salesdesk.money: one set of rules for every amount, on the API and on the pages."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from billing import policy
from orders.models import Order
from partners.models import Product
from sales_queue import hours
from salesdesk import timezones
from salesdesk.money import (
    ExponentDecimal,
    MoneyError,
    as_money,
    format_rub,
    parse_money,
    parse_money_text,
    quantize,
)
from salesdesk.parsers import JSONParser
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory
from tests.orders.test_intake import URL, order_body
from tests.partners.factories import ProductFactory

# --- the parsers, by hand ---


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1 500,50", Decimal("1500.50")),
        ("1\u00a0500,50", Decimal("1500.50")),  # what floatformat:"2g" shows in Russian
        ("1\u202f500,50", Decimal("1500.50")),  # narrow no-break space
        ("1 500.50", Decimal("1500.50")),
        ("12 345 678,9", Decimal("12345678.90")),
        ("1500,5", Decimal("1500.50")),
        ("1500.5", Decimal("1500.50")),
        (" 4900 ", Decimal("4900.00")),
        (",5", Decimal("0.50")),
        ("100 000 000,00", Decimal("100000000.00")),
    ],
)
def test_a_page_amount_is_read_as_the_site_shows_it(text: str, amount: Decimal) -> None:
    assert parse_money_text(text) == amount


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1e3", "invalid"), ("1E3", "invalid"), ("NaN", "invalid"), ("Infinity", "invalid"),
        ("1 5 0 0", "invalid"), ("15 00", "invalid"), ("1,500.50", "invalid"), ("", "invalid"),
        ("abc", "invalid"), ("1_000", "invalid"), ("1500,505", "decimals"), ("0", "min"),
        ("0,00", "min"), ("-1", "min"), ("100 000 000,01", "max"),
    ],
)  # fmt: skip
def test_a_page_amount_that_is_not_money_is_refused_with_its_reason(text: str, code: str) -> None:
    with pytest.raises(MoneyError) as refused:
        parse_money_text(text)

    assert refused.value.code == code


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("1500.5", Decimal("1500.50")), (" 1500.50 ", Decimal("1500.50")),
        (1500, Decimal("1500.00")),
        (Decimal("1500.5"), Decimal("1500.50")), (Decimal("1500.500"), Decimal("1500.50")),
        ("0.01", Decimal("0.01")), ("100000000", Decimal("100000000.00")),
    ],
)  # fmt: skip
def test_an_api_amount_becomes_a_decimal_with_two_places(value: Any, amount: Decimal) -> None:
    parsed = parse_money(value)

    assert parsed == amount and str(parsed) == str(amount)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1e3", "invalid"), ("1E3", "invalid"), (ExponentDecimal("1e3"), "invalid"),
        (1500.5, "invalid"), (True, "invalid"), (Decimal("NaN"), "invalid"),
        (Decimal("Infinity"), "invalid"), ("1 500", "invalid"), ("1500,50", "invalid"),
        ("1500.505", "decimals"), (Decimal("0.001"), "decimals"), ("0", "min"), (-5, "min"),
        ("-1.00", "min"), ("100000000.01", "max"), (10**30, "max"),
        (Decimal("1" * 40 + ".5"), "max"),
    ],
)  # fmt: skip
def test_an_api_amount_that_is_not_money_is_refused_with_its_reason(value: Any, code: str) -> None:
    with pytest.raises(MoneyError) as refused:
        parse_money(value)

    assert refused.value.code == code


@pytest.mark.parametrize(
    ("raw", "kopecks"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("69.345", "69.35"),
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),
    ],
)
def test_quantizing_rounds_half_up(raw: str, kopecks: str) -> None:
    assert quantize(Decimal(raw)) == Decimal(kopecks)


def test_an_empty_aggregate_is_zero_roubles() -> None:
    assert str(as_money(None)) == "0.00" and str(as_money(Decimal("69"))) == "69.00"


def test_json_numbers_are_read_as_decimals_never_floats() -> None:
    body = b'{"a": 1500.5, "b": 1000, "c": 1e3, "d": 0.1}'

    data = JSONParser().parse(io.BytesIO(body), parser_context={})

    assert data == {"a": Decimal("1500.5"), "b": 1000, "c": Decimal(1000), "d": Decimal("0.1")}
    assert type(data["a"]) is Decimal and isinstance(data["c"], ExponentDecimal)
    assert not any(isinstance(value, float) for value in data.values())


def test_there_is_one_moscow_time_zone() -> None:
    assert str(timezones.MOSCOW) == "Europe/Moscow"
    assert hours.MOSCOW is timezones.MOSCOW and policy.MOSCOW is timezones.MOSCOW


# --- the API ---


def _post_raw(client: Any, url: str, body: dict[str, Any], amount_json: str, key: str) -> Any:
    """Post ``body`` with ``key`` written as the literal JSON ``amount_json`` (e.g. ``1e3``)."""
    text = json.dumps({**body, key: "__AMOUNT__"}).replace('"__AMOUNT__"', amount_json)
    return client.post(url, data=text, content_type="application/json")


@pytest.fixture
def storefront(partner_client):
    client, partner = partner_client()
    return client, ProductFactory.create(on_sale=True, partner=partner)


@pytest.mark.django_db
@pytest.mark.parametrize("amount_json", ["1e3", "1E3", '"1e3"', "1.5e2", "1e-2"])
def test_an_order_amount_with_an_exponent_is_a_400(storefront, amount_json: str) -> None:
    client, product = storefront

    response = _post_raw(client, URL, order_body(product), amount_json, "amount")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["details"]) == ["amount"]
    assert not Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount_json", "stored"),
    [("1500.5", "1500.50"), ("1500", "1500.00"), ('"1500.50"', "1500.50"), ("1500.500", "1500.50")],
)
def test_an_order_amount_as_a_json_number_keeps_its_kopecks(
    storefront, amount_json: str, stored: str
) -> None:
    client, product = storefront

    response = _post_raw(client, URL, order_body(product), amount_json, "amount")

    assert response.status_code == 201, response.content
    assert response.json()["amount"] == stored
    assert Order.objects.get().amount == Decimal(stored)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["pay", "refund"])
@pytest.mark.parametrize("amount_json", ["1e3", "1E3", '"1e3"'])
def test_a_payment_or_refund_amount_with_an_exponent_is_a_400(
    partner_client, action: str, amount_json: str
) -> None:
    client, partner = partner_client()
    order = OrderFactory.create(
        product=ProductFactory.create(on_sale=True, partner=partner), amount=Decimal("5000.00")
    )
    if action == "refund":
        client.post(f"{URL}{order.pk}/pay/", {}, format="json")
    before = Order.objects.values().get(pk=order.pk)

    response = _post_raw(client, f"{URL}{order.pk}/{action}/", {}, amount_json, "amount")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["details"]) == ["amount"]
    assert Order.objects.values().get(pk=order.pk) == before


@pytest.mark.django_db
def test_a_partial_refund_as_a_json_number_refunds_exactly_that(partner_client) -> None:
    client, partner = partner_client()
    order = OrderFactory.create(
        product=ProductFactory.create(on_sale=True, partner=partner), amount=Decimal("1000.00")
    )
    client.post(f"{URL}{order.pk}/pay/", {}, format="json")

    response = _post_raw(client, f"{URL}{order.pk}/refund/", {}, "300.1", "amount")

    assert response.status_code == 200, response.content
    assert response.json()["refunded_amount"] == "300.10"


@pytest.mark.django_db
@pytest.mark.parametrize("amount_json", ["1e3", "1E3", '"1e3"'])
def test_a_product_price_with_an_exponent_is_a_400(partner_client, amount_json: str) -> None:
    client, partner = partner_client()
    product = ProductFactory.create(on_sale=True, partner=partner, price=Decimal("4900.00"))

    created = _post_raw(client, "/api/v1/products/", {"name": "Курс"}, amount_json, "price")
    patch = json.dumps({"price": "__P__"}).replace('"__P__"', amount_json)
    patched = client.patch(
        f"/api/v1/products/{product.pk}/", data=patch, content_type="application/json"
    )

    for response in (created, patched):
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "validation_error"
        assert list(response.json()["details"]) == ["price"]
    assert Product.objects.filter(partner=partner).count() == 1
    product.refresh_from_db()
    assert product.price == Decimal("4900.00")


@pytest.mark.django_db
def test_a_product_price_as_a_json_number_keeps_its_kopecks(partner_client) -> None:
    client, _partner = partner_client()

    response = _post_raw(client, "/api/v1/products/", {"name": "Курс"}, "1500.5", "price")

    assert response.status_code == 201, response.content
    assert response.json()["price"] == "1500.50"


# --- the cabinet form ---


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1 500,50", "1\u00a0500,50", "1\u202f500,50", "1500.50"])
def test_the_cabinet_takes_a_price_as_the_site_shows_it(client: Client, typed: str) -> None:
    owner = UserFactory.create(role="partner_owner")
    client.force_login(owner)

    response = client.post("/cabinet/products/new/", {"name": "Курс", "price": typed})

    assert response.status_code == 302
    assert Product.objects.get(partner=owner.partner).price == Decimal("1500.50")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1e3", "1E3", "NaN", "1500,505", "0", "1 5 0 0"])
def test_the_cabinet_refuses_a_price_that_is_not_money(client: Client, typed: str) -> None:
    owner = UserFactory.create(role="partner_owner")
    client.force_login(owner)

    response = client.post("/cabinet/products/new/", {"name": "Курс", "price": typed})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Product.objects.filter(partner=owner.partner).exists()


@pytest.mark.django_db
def test_the_edit_form_shows_the_price_as_the_site_does_and_takes_it_back(client: Client) -> None:
    owner = UserFactory.create(role="partner_owner")
    product = ProductFactory.create(on_sale=True, partner=owner.partner, price=Decimal("14900.50"))
    client.force_login(owner)

    form = client.get(f"/cabinet/products/{product.pk}/edit/").content.decode()
    assert 'value="14\u00a0900,50"' in form

    response = client.post(
        f"/cabinet/products/{product.pk}/edit/",
        {"name": product.name, "price": "14\u00a0900,50", "external_id": ""},
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("14900.50")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("14900"), "14\xa0900,00\xa0₽"),
        (Decimal("1234567.5"), "1\xa0234\xa0567,50\xa0₽"),
        (Decimal("999.999"), "1\xa0000,00\xa0₽"),  # half up to the kopeck
        ("0", "0,00\xa0₽"),
        (-60, "\u221260,00\xa0₽"),
        (None, "—"),
    ],
)
def test_format_rub_is_the_one_money_format(value: Any, shown: str) -> None:
    assert format_rub(value) == shown


def test_the_rub_filter_does_not_depend_on_the_active_language() -> None:
    with translation.override("en"):
        html = Template("{% load money %}{{ amount|rub }}").render(
            Context({"amount": Decimal("14900.5")})
        )
    assert html == "14\xa0900,50\xa0₽"
