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
