"""GET /api/v1/orders/ and /orders/{id}/: filters, cursor pages, the derived sales status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Q, Value
from django.utils import timezone

from billing.selectors import order_list_with_fee
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import QueueItemFactory
from web.orders.serializers import OrderOutputSerializer

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"


@pytest.fixture
def shop(partner_client):
    client, partner = partner_client()
    return client, ProductFactory.create(on_sale=True, partner=partner)


def ids(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {row["external_id"] for row in response.json()["results"]}


def test_sales_status_is_derived_from_the_queue_item(shop) -> None:
    client, product = shop
    manager = UserFactory.create(role="manager")
    none = OrderFactory.create(product=product, external_id="none")
    QueueItemFactory.create(order=OrderFactory.create(product=product, external_id="queued"))
    QueueItemFactory.create(
        order=OrderFactory.create(product=product, external_id="active"),
        state="active", holder=manager, taken_at=timezone.now(),
    )  # fmt: skip
    QueueItemFactory.create(
        order=OrderFactory.create(product=product, external_id="callback"),
        state="scheduled", holder=UserFactory.create(role="manager"), taken_at=timezone.now(),
    )  # fmt: skip
    QueueItemFactory.create(
        order=OrderFactory.create(product=product, external_id="won"), state="done"
    )
    QueueItemFactory.create(
        order=OrderFactory.create(product=product, external_id="gone"), state="withdrawn"
    )

    rows = {r["external_id"]: r["sales_status"] for r in client.get(URL).json()["results"]}

    assert rows == {
        "none": "none", "queued": "queued", "active": "active", "callback": "active",
        "won": "closed", "gone": "closed",
    }  # fmt: skip
    assert client.get(f"{URL}{none.pk}/").json()["sales_status"] == "none"


def test_filtering_by_sales_status_is_one_query(shop, django_assert_num_queries) -> None:
    _client, product = shop
    for n in range(3):
        QueueItemFactory.create(order=OrderFactory.create(product=product, external_id=f"q{n}"))
    OrderFactory.create(product=product)

    with django_assert_num_queries(1):
        rows = list(order_list_with_fee(partner=product.partner).filter(Q(sales_status="queued")))
        data = OrderOutputSerializer(rows, many=True).data

    assert {row["external_id"] for row in data} == {"q0", "q1", "q2"}


def test_filters_by_status_sales_status_external_id_and_creation_time(shop) -> None:
    client, product = shop
    now = timezone.now()
    old = OrderFactory.create(
        product=product, external_id="old", created_at=now - dt.timedelta(days=3)
    )
    OrderFactory.create(
        product=product, external_id="paid", status="paid", paid_at=now, paid_amount=Decimal(1)
    )
    QueueItemFactory.create(order=OrderFactory.create(product=product, external_id="queued"))

    assert ids(client.get(URL, {"status": "paid"})) == {"paid"}
    assert ids(client.get(URL, {"status": "pending"})) == {"old", "queued"}
    assert ids(client.get(URL, {"sales_status": "queued"})) == {"queued"}
    assert ids(client.get(URL, {"sales_status": "none", "status": "pending"})) == {"old"}
    assert ids(client.get(URL, {"external_id": "old"})) == {"old"}
    cutoff = (now - dt.timedelta(days=1)).isoformat()
    assert ids(client.get(URL, {"created_before": cutoff})) == {"old"}
    assert ids(client.get(URL, {"created_after": cutoff})) == {"paid", "queued"}
    since_old = {"created_after": old.created_at.isoformat()}
    assert ids(client.get(URL, since_old)) == {"old", "paid", "queued"}


def test_a_creation_time_with_any_iso_utc_offset_is_compared_as_an_instant(shop) -> None:
    # PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows: this was a 500 there.
    client, product = shop
    OrderFactory.create(
        product=product,
        external_id="at-noon-utc",
        created_at=dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC),
    )

    # 2026-03-03T08:00+20:00 is 2026-03-02T12:00Z; +23:59 and -23:59 are the extremes.
    assert ids(client.get(URL, {"created_after": "2026-03-03T08:00:00+20:00"})) == {"at-noon-utc"}
    assert ids(client.get(URL, {"created_before": "2026-03-03T08:00:00+20:00"})) == set()
    assert ids(client.get(URL, {"created_after": "2026-03-01T12:01:00-23:59"})) == {"at-noon-utc"}
    assert ids(client.get(URL, {"created_after": "2026-03-01T12:02:00-23:59"})) == set()
    assert ids(client.get(URL, {"created_before": "1686-09-11T20:33:19+20:04"})) == set()


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_a_creation_time_beyond_the_calendar_in_utc_is_a_400_naming_it(shop, instant) -> None:
    client, _product = shop

    response = client.get(URL, {"created_after": instant})

    assert response.status_code == 400, response.content
    assert list(response.json()["details"]) == ["created_after"]


def test_the_list_is_cursor_paginated_newest_first(shop) -> None:
    client, product = shop
    start = timezone.now() - dt.timedelta(hours=5)
    for n in range(5):
        OrderFactory.create(
            product=product, external_id=f"o{n}", created_at=start + dt.timedelta(minutes=n)
        )

    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    assert [r["external_id"] for r in first["results"]] == ["o4", "o3"]
    assert [r["external_id"] for r in second["results"]] == ["o2", "o1"]
    assert [r["external_id"] for r in third["results"]] == ["o0"]
    assert third["next"] is None


def test_a_bad_cursor_is_a_json_400_naming_the_cursor(shop) -> None:
    client, _product = shop

    response = client.get(URL, {"cursor": "garbage"})

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["details"]) == ["cursor"]


def test_the_list_shows_only_the_partners_own_orders(shop) -> None:
    client, product = shop
    OrderFactory.create(product=product, external_id="mine")
    OrderFactory.create(external_id="theirs")

    assert ids(client.get(URL)) == {"mine"}


def test_the_fee_is_the_net_fee_annotation_or_null(shop) -> None:
    _client, product = shop
    OrderFactory.create(product=product)

    plain = OrderOutputSerializer(order_list_with_fee(partner=product.partner).get()).data
    charged = OrderOutputSerializer(
        order_list_with_fee(partner=product.partner).annotate(net_fee=Value(Decimal("69.00"))).get()
    ).data

    assert plain["fee"] is None
    assert charged["fee"] == "69.00"


@pytest.mark.parametrize("action", ["", "pay/", "cancel/", "refund/"])
def test_a_second_partner_gets_404_on_every_order_url(shop, partner_client, action) -> None:
    _client, product = shop
    order = OrderFactory.create(product=product)
    intruder, _other = partner_client()

    path = f"{URL}{order.pk}/{action}"
    response = intruder.post(path, {}, format="json") if action else intruder.get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    order.refresh_from_db()
    assert order.status == "pending"


@pytest.mark.parametrize("order_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_or_malformed_order_ids_are_404(shop, order_id: str) -> None:
    client, _product = shop

    assert client.get(f"{URL}{order_id}/").status_code == 404
    assert client.post(f"{URL}{order_id}/pay/", {}, format="json").status_code == 404
