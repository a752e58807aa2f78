"""The storefront's hot paths stay a handful of statements: a first-time intake writes the
buyer and the order and reads nothing back; a payment reads its order once, locked. These
bounds are the round trips the benchmark (bench/intake_profile.py) reports; a change that adds
one fails here first. Each answer is also checked against the order as the API reads it, since
it is now built from what was written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Contact, Deal
from orders.models import Order
from sales_queue.models import QueueItem
from tests.orders.factories import OrderFactory
from tests.orders.test_intake import URL, order_body
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import QueueItemFactory, manager

pytestmark = pytest.mark.django_db

# The key; the product; BEGIN; the contact's INSERT; the order's INSERT; COMMIT.
INTAKE_STATEMENTS = 6
# The key; BEGIN; the order locked; its UPDATE; its own deal looked up; the fee policy; its
# queue item (none); the payment record; COMMIT.
PAYMENT_STATEMENTS = 9
# The same, plus closing the item a manager holds (its ids, its UPDATE, its holder, its
# event), the deal won with the responsible's task and notification (crm's own work, about
# twenty statements) and the fee's INSERT.
WORKED_PAYMENT_STATEMENTS = 38


@pytest.fixture
def storefront(partner_client):
    client, partner = partner_client()
    product = ProductFactory.create(on_sale=True, partner=partner, grace_period_minutes=60)
    return client, partner, product


def statements(client: Any, url: str, body: dict[str, Any]) -> tuple[Any, list[str]]:
    # The key's first use of the minute records it (an UPDATE): done before counting.
    assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, body, format="json")
    return response, [query["sql"] for query in queries.captured_queries]


def test_a_first_time_intake_is_six_statements_and_answers_as_the_order_reads_back(
    storefront,
) -> None:
    client, _partner, product = storefront

    response, sql = statements(
        client, URL, order_body(product, payment_url="https://shop.example.com/pay/1")
    )

    assert response.status_code == 201, response.json()
    assert len(sql) <= INTAKE_STATEMENTS, "\n".join(sql)
    assert not any(s.startswith("SELECT") and "orders_order" in s for s in sql)
    assert response.json() == client.get(f"{URL}{response.json()['id']}/").json()


def test_a_first_time_intake_of_a_product_fed_to_the_queue_stores_that_at_intake(
    storefront,
) -> None:
    client, _partner, product = storefront
    off = ProductFactory.create(partner=product.partner)  # switched off, in draft

    on_sale = client.post(URL, order_body(product), format="json")
    not_on_sale = client.post(URL, order_body(off, external_id="shop-2"), format="json")

    assert on_sale.status_code == not_on_sale.status_code == 201
    assert Order.objects.get(pk=on_sale.json()["id"]).sales_active_at_intake is True
    assert Order.objects.get(pk=not_on_sale.json()["id"]).sales_active_at_intake is False


def test_a_retry_of_an_order_without_contacts_leaves_no_second_contact(storefront) -> None:
    client, _partner, product = storefront
    body = order_body(product, customer={"name": "Аноним"})

    first = client.post(URL, body, format="json")
    again = client.post(URL, body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Contact.objects.count() == 1


def test_a_payment_reads_its_order_once_and_answers_as_the_order_reads_back(storefront) -> None:
    client, _partner, product = storefront
    order = OrderFactory.create(product=product)

    response, sql = statements(client, f"{URL}{order.pk}/pay/", {})

    assert response.status_code == 200, response.json()
    assert len(sql) <= PAYMENT_STATEMENTS, "\n".join(sql)
    assert sum(s.startswith("SELECT") and 'FROM "orders_order"' in s for s in sql) == 1
    assert response.json() == client.get(f"{URL}{order.pk}/").json()
    assert response.json()["status"] == "paid" and response.json()["sales_status"] == "none"


def test_a_worked_payment_closes_the_item_and_charges_the_fee_in_few_statements(
    storefront,
) -> None:
    client, partner, product = storefront
    created = timezone.now() - dt.timedelta(hours=3)
    order = OrderFactory.create(
        product=product, created_at=created, due_at=created + dt.timedelta(hours=1)
    )
    seller = manager()
    item = QueueItemFactory.create(
        order=order,
        state=QueueItem.State.ACTIVE,
        holder=seller,
        entered_at=order.due_at,
        available_at=order.due_at,
        taken_at=order.due_at + dt.timedelta(minutes=5),
    )
    Deal.objects.create(
        partner=partner,
        responsible=seller,
        queue_item=item,
        order=order,
        title="deal",
        lead_created_at=order.created_at,
    )

    response, sql = statements(client, f"{URL}{order.pk}/pay/", {})

    assert response.status_code == 200, response.json()
    assert len(sql) <= WORKED_PAYMENT_STATEMENTS, "\n".join(sql)
    assert sum(s.startswith("SELECT") and 'FROM "orders_order"' in s for s in sql) == 1
    shown = response.json()
    assert shown == client.get(f"{URL}{order.pk}/").json()
    assert shown["sales_status"] == "closed" and Decimal(shown["fee"]) > 0
    order.refresh_from_db()
    assert order.deal_id is not None


def test_a_repeated_payment_answers_the_order_as_it_stands(storefront) -> None:
    client, _partner, product = storefront
    order = OrderFactory.create(product=product)
    first = client.post(f"{URL}{order.pk}/pay/", {}, format="json")

    again = client.post(f"{URL}{order.pk}/pay/", {}, format="json")

    assert again.status_code == 200
    assert again.json() == first.json() == client.get(f"{URL}{order.pk}/").json()


def test_an_event_on_another_partners_order_is_a_404_even_with_a_bad_body(
    storefront, partner_client
) -> None:
    _client, _partner, product = storefront
    order = OrderFactory.create(product=product)
    other, _other_partner = partner_client()

    for action, body in (("pay", {}), ("pay", {"amount": "x"}), ("cancel", {}), ("refund", {})):
        response = other.post(f"{URL}{order.pk}/{action}/", body, format="json")
        assert response.status_code == 404, (action, body, response.json())
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
