"""The storefront's payment link and ad source on an order (DESIGN.md, "The queue" and the
orders contract): https only, at most 2000 characters; a source of at most 100 characters;
both part of the idempotency comparison and shown in the API and the cabinet."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.contacts import Customer
from orders.models import Order
from orders.services import order_create
from salesdesk.errors import ApplicationError
from tests.accounts.factories import UserFactory
from tests.orders.test_intake import URL, order_body
from tests.partners.factories import ProductFactory

pytestmark = pytest.mark.django_db

PAY = "https://shop.example.com/pay/shop-1?token=abc"
LONG = "https://shop.example.com/pay/" + "a" * 1971
assert len(LONG) == 2000


@pytest.fixture
def storefront(partner_client):
    client, partner = partner_client()
    product = ProductFactory.create(on_sale=True, partner=partner)
    return client, partner, product


def test_the_payment_link_and_source_are_stored_and_shown(storefront) -> None:
    # given
    client, _partner, product = storefront

    # when
    created = client.post(
        URL, order_body(product, payment_url=PAY, source="  vk_ads  "), format="json"
    )

    # then
    assert created.status_code == 201, created.json()
    order = Order.objects.get()
    assert (order.payment_url, order.source) == (PAY, "vk_ads")
    shown = client.get(f"{URL}{order.pk}/").json()
    assert (shown["payment_url"], shown["source"]) == (PAY, "vk_ads")


def test_without_them_both_are_empty_strings(storefront) -> None:
    client, _partner, product = storefront

    body = client.post(URL, order_body(product), format="json").json()

    assert (body["payment_url"], body["source"]) == ("", "")


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(document.cookie)",
        "http://shop.example.com/pay/1",
        "not a link",
        "https://",
        "data:text/html,<script>alert(1)</script>",
        LONG + "a",  # 2001 characters, valid but for its length
    ],
)
def test_anything_but_an_https_link_up_to_2000_characters_is_a_400_naming_payment_url(
    storefront, bad: str
) -> None:
    client, _partner, product = storefront

    response = client.post(URL, order_body(product, payment_url=bad), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["details"]) == ["payment_url"]
    assert not Order.objects.exists()


def test_a_link_of_exactly_2000_characters_is_accepted(storefront) -> None:
    client, _partner, product = storefront
    link = LONG

    response = client.post(URL, order_body(product, payment_url=link), format="json")

    assert response.status_code == 201, response.json()
    assert Order.objects.get().payment_url == link


def test_a_source_over_100_characters_is_a_400_naming_source(storefront) -> None:
    client, _partner, product = storefront

    too_long = client.post(URL, order_body(product, source="x" * 101), format="json")
    exactly = client.post(
        URL, order_body(product, external_id="shop-2", source="x" * 100), format="json"
    )

    assert too_long.status_code == 400
    assert list(too_long.json()["details"]) == ["source"]
    assert exactly.status_code == 201
    assert Order.objects.get().source == "x" * 100


def test_the_same_link_again_is_a_retry_and_another_link_is_a_409(storefront) -> None:
    # given
    client, _partner, product = storefront
    first = client.post(URL, order_body(product, payment_url=PAY, source="vk"), format="json")

    # when
    again = client.post(URL, order_body(product, payment_url=PAY, source="vk"), format="json")
    other_link = client.post(
        URL, order_body(product, payment_url=PAY + "&x=1", source="vk"), format="json"
    )
    other_source = client.post(
        URL, order_body(product, payment_url=PAY, source="yandex"), format="json"
    )
    without = client.post(URL, order_body(product), format="json")

    # then
    assert again.status_code == 200 and again.json() == first.json()
    assert other_link.status_code == 409
    assert other_link.json()["details"]["fields"] == ["payment_url"]
    assert other_source.status_code == 409
    assert other_source.json()["details"]["fields"] == ["source"]
    assert without.status_code == 409
    assert without.json()["details"]["fields"] == ["payment_url", "source"]
    assert Order.objects.get().payment_url == PAY


def test_an_order_recorded_before_links_existed_still_matches_a_plain_retry(storefront) -> None:
    # given: an order whose stored intake body predates payment_url and source
    client, _partner, product = storefront
    first = client.post(URL, order_body(product), format="json").json()
    order = Order.objects.get()
    assert "payment_url" not in order.intake_payload and "source" not in order.intake_payload

    # when
    again = client.post(URL, order_body(product), format="json")

    # then
    assert again.status_code == 200 and again.json()["id"] == first["id"]


def test_python_callers_get_the_same_check(storefront) -> None:
    _client, partner, product = storefront

    with pytest.raises(ApplicationError) as refused:
        order_create(
            partner=partner,
            product=product,
            external_id="py-1",
            amount=1000,  # type: ignore[arg-type]
            customer=Customer(name="Анна"),
            payment_url="javascript:alert(1)",
        )

    assert refused.value.status_code == 400
    assert list(refused.value.details) == ["payment_url"]
    assert not Order.objects.exists()


def test_the_cabinet_order_page_shows_the_link_and_the_source(client, storefront) -> None:
    # given
    api, partner, product = storefront
    api.post(URL, order_body(product, payment_url=PAY, source="vk_ads"), format="json")
    order = Order.objects.get()
    owner = UserFactory.create(role="partner_owner", partner=partner)
    client.force_login(owner)

    # when
    page = client.get(reverse("orders:detail", args=[order.pk]))

    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="order-source">vk_ads<' in html
    assert f'href="{PAY.replace("&", "&amp;")}"' in html
    assert "Канал рекламы" in html and "Ссылка на оплату" in html
