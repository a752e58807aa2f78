"""The core's small helpers: get-or-404 with the caller's message, one way to page a list."""

from __future__ import annotations

import pytest

from partners.models import Partner
from salesdesk.errors import NotFoundError
from salesdesk.tenancy import get_object_or_404
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pk", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", None])
def test_get_or_404_says_what_the_caller_asks(pk: object) -> None:
    with pytest.raises(NotFoundError) as missing:
        get_object_or_404(Partner.objects.all(), pk=pk, message="Partner not found.")

    assert missing.value.message == "Partner not found." and missing.value.status_code == 404


def test_get_or_404_names_the_model_by_default() -> None:
    with pytest.raises(NotFoundError) as missing:
        get_object_or_404(Partner.objects.all(), pk="not-a-uuid")

    assert missing.value.code == "not_found" and missing.value.message.endswith(".")


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/api/v1/orders/", lambda product: OrderFactory.create(product=product)),
        (
            "/api/v1/products/",
            lambda product: ProductFactory.create(on_sale=True, partner=product.partner),
        ),
    ],
)
def test_lists_are_cursor_pages_walked_with_next(partner_client, url, make) -> None:
    client, partner = partner_client()
    product = ProductFactory.create(on_sale=True, partner=partner)
    for _ in range(2):
        make(product)

    seen: list[str] = []
    page = client.get(f"{url}?page_size=1").json()
    while True:
        assert set(page) == {"results", "next", "previous"} and len(page["results"]) <= 1
        seen += [row["id"] for row in page["results"]]
        if page["next"] is None:
            break
        page = client.get(page["next"]).json()

    assert len(seen) == len(set(seen)) >= 2


LISTS = ["/api/v1/orders/", "/api/v1/products/", "/api/v1/charges/", "/api/v1/deals/"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("junk", ["abc", "0", "-3", "1.5", "null", "1e3"])
def test_a_malformed_page_size_is_a_400_naming_it(partner_client, url: str, junk: str) -> None:
    client, _partner = partner_client()

    response = client.get(url, {"page_size": junk})

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error" and list(body["details"]) == ["page_size"]


@pytest.mark.parametrize("url", LISTS)
def test_page_size_and_cursor_given_twice_are_a_400(partner_client, url: str) -> None:
    client, _partner = partner_client()

    for name, value in [("page_size", "5"), ("cursor", "")]:
        response = client.get(f"{url}?{name}={value}&{name}={value}")

        assert response.status_code == 400, response.content
        assert list(response.json()["details"]) == [name]


def test_an_empty_page_size_or_cursor_is_not_given_and_a_large_one_is_capped(
    partner_client,
) -> None:
    client, partner = partner_client()
    OrderFactory.create(product=ProductFactory.create(on_sale=True, partner=partner))

    for query in ["page_size=", "cursor=", "page_size=100000"]:
        response = client.get(f"/api/v1/orders/?{query}")

        assert response.status_code == 200, (query, response.content)
        assert len(response.json()["results"]) == 1


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "ZGVhZGJlZWY",  # base64, not a cursor
        "cD1nYXJiYWdl",  # base64 of "p=garbage": a position that is not a time
        "bz0tMQ==",  # base64 of "o=-1"
    ],
)
def test_a_cursor_not_taken_from_next_is_a_400_naming_it(partner_client, cursor: str) -> None:
    client, _partner = partner_client()

    response = client.get("/api/v1/orders/", {"cursor": cursor})

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["details"]) == ["cursor"]
