"""The partner cabinet's order pages: list with filters and search, an order's timeline."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from billing.services import order_pay
from sales_queue.models import Touch
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import QueueItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory.create(role="partner_owner")


@pytest.fixture
def product(owner):
    return ProductFactory.create(on_sale=True, partner=owner.partner)


def rows(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'href="/cabinet/orders/[0-9a-f-]+/">([^<]+)</a>', response.content.decode())


def test_the_list_shows_only_the_partners_orders(client: Client, owner, product) -> None:
    OrderFactory.create(product=product, external_id="mine-1")
    OrderFactory.create(external_id="theirs-1")
    client.force_login(owner)

    assert rows(client.get("/cabinet/orders/")) == ["mine-1"]


def test_the_list_filters_and_searches(client: Client, owner, product) -> None:
    now = timezone.now()
    OrderFactory.create(
        product=product,
        external_id="a-1",
        customer_name="Ольга Иванова",
        customer_phone="+79161112233",
    )
    OrderFactory.create(
        product=product,
        external_id="b-2",
        customer_email="petr@example.com",
        created_at=now - dt.timedelta(days=10),
    )
    QueueItemFactory.create(order=OrderFactory.create(product=product, external_id="c-3"))
    client.force_login(owner)

    # Cyrillic in any case, on PostgreSQL and on the embedded SQLite alike
    assert rows(client.get("/cabinet/orders/", {"q": "Ольга"})) == ["a-1"]
    assert rows(client.get("/cabinet/orders/", {"q": "ольга ИВАН"})) == ["a-1"]
    assert rows(client.get("/cabinet/orders/", {"q": "8 (916) 111"})) == ["a-1"]
    assert rows(client.get("/cabinet/orders/", {"q": "PETR@"})) == ["b-2"]
    assert rows(client.get("/cabinet/orders/", {"q": "c-3"})) == ["c-3"]
    assert rows(client.get("/cabinet/orders/", {"sales_status": "queued"})) == ["c-3"]
    old = (now - dt.timedelta(days=5)).date().isoformat()
    assert rows(client.get("/cabinet/orders/", {"created_to": old})) == ["b-2"]
    assert sorted(rows(client.get("/cabinet/orders/", {"created_from": old}))) == ["a-1", "c-3"]
    assert rows(client.get("/cabinet/orders/", {"status": "paid"})) == []


def test_bad_filters_show_an_error_not_a_crash(client: Client, owner, product) -> None:
    OrderFactory.create(product=product)
    client.force_login(owner)

    response = client.get("/cabinet/orders/", {"created_from": "вчера", "status": "x"})

    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_the_list_is_paginated(client: Client, owner, product) -> None:
    for n in range(51):
        OrderFactory.create(product=product, external_id=f"o{n:02}")
    client.force_login(owner)

    first = rows(client.get("/cabinet/orders/", {"status": "pending"}))
    second = client.get("/cabinet/orders/", {"status": "pending", "page": "2"})

    assert len(first) == 50
    assert len(rows(second)) == 1
    assert 'data-testid="pagination"' in second.content.decode()


def test_the_order_page_shows_its_timeline(client: Client, owner, product) -> None:
    order = OrderFactory.create(product=product, created_at=timezone.now() - dt.timedelta(hours=3))
    manager = UserFactory.create(role="manager", full_name="Мария Менеджерова")
    item = QueueItemFactory.create(
        order=order,
        entered_at=timezone.now() - dt.timedelta(hours=2),
        state="active",
        holder=manager,
        taken_at=timezone.now() - dt.timedelta(minutes=20),
    )
    Touch.objects.create(
        item=item,
        manager=manager,
        channel="whatsapp",
        outcome="reached",
        comment="Оплатит сегодня",
        created_at=timezone.now() - dt.timedelta(minutes=10),
    )
    order_pay(order=order)
    client.force_login(owner)

    html = client.get(f"/cabinet/orders/{order.pk}/").content.decode()

    kinds = re.findall(r'data-testid="timeline-(\w+)"', html)
    assert kinds == ["created", "due", "queued", "taken", "touch", "paid", "closed", "fee_fee"]
    assert "Мария Менеджерова" in html
    assert "Оплатит сегодня" in html
    # 6.9% of 1000.00, the net fee, also shown beside the order's amounts
    assert 'data-testid="order-fee">69,00\xa0₽' in html
    assert 'href="/cabinet/orders/"' in html


@pytest.mark.parametrize("order_id", ["theirs", "not-a-uuid"])
def test_a_second_partners_order_page_is_404(client: Client, owner, order_id: str) -> None:
    theirs = OrderFactory.create()
    client.force_login(owner)

    path = f"/cabinet/orders/{theirs.pk if order_id == 'theirs' else order_id}/"

    assert client.get(path).status_code == 404


def test_staff_and_anonymous_do_not_see_orders(client: Client) -> None:
    assert client.get("/cabinet/orders/").status_code == 302
    client.force_login(UserFactory.create(role="manager"))
    assert client.get("/cabinet/orders/").status_code == 404


def test_the_list_shows_amounts_in_the_sites_one_money_format(
    client: Client, owner, product
) -> None:
    OrderFactory.create(product=product, external_id="big-1", amount="14900.00")
    client.force_login(owner)

    html = client.get("/cabinet/orders/").content.decode()

    assert "14\xa0900,00\xa0₽" in html
    assert "14900.00" not in html and "14900,00" not in html
