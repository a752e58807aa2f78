"""The staff's global search (/search/?q=): deals, buyers and orders by the buyer's name, phone
in any notation, email or the order's number — a manager only within their own deals, the
head everywhere; bounded in rows and queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from crm.models import Deal
from sales_queue.models import QueueItem
from sales_queue.services import queue_take_next
from tests.accounts.factories import UserFactory
from tests.crm.factories import ContactFactory, DealFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


def worked_order(user: Any, *, name: str, phone: str, email: str, external_id: str) -> Deal:
    """A buyer's order in the queue that ``user`` took: contact, order and deal, linked."""
    product = ProductFactory.create(on_sale=True)
    contact = ContactFactory.create(partner=product.partner, name=name, phone=phone, email=email)
    item = queued_item(
        product=product,
        contact=contact,
        customer_name=name,
        customer_phone=phone,
        customer_email=email,
        external_id=external_id,
    )
    taken = queue_take_next(manager=user)
    assert taken == item
    QueueItem.objects.filter(pk=item.pk).update(state="done", outcome="lost", closed_at=NOON)
    return Deal.objects.get(queue_item=item)


@pytest.fixture
def ivan() -> Any:
    return manager(full_name="Иван")


@pytest.fixture
def petr() -> Any:
    return manager(full_name="Пётр")


@pytest.fixture
def world(ivan: Any, petr: Any) -> dict[str, Deal]:
    return {
        "ivan": worked_order(
            ivan,
            name="Анна Смирнова",
            phone="+79161234567",
            email="anna@example.com",
            external_id="SHOP-1001",
        ),
        "petr": worked_order(
            petr,
            name="Анна Петрова",
            phone="+79037654321",
            email="petrova@example.com",
            external_id="SHOP-2002",
        ),
    }


def search(client: Client, q: str) -> str:
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, name: str) -> str:
    marker = f'data-testid="search-{name}"'
    if marker not in html:
        return ""
    return html.split(marker, 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize(
    "q",
    ["Смирнова", "смирн", "8 (916) 123-45-67", "+7 916 123 45 67", "9161234567", "ANNA@example"],
)
def test_a_manager_finds_their_deal_buyer_and_order_by_name_phone_or_email(
    client: Client, ivan: Any, world: dict[str, Deal], q: str
) -> None:
    client.force_login(ivan)
    deal = world["ivan"]

    html = search(client, q)

    link = f'href="/workspace/deals/{deal.pk}/"'
    assert link in section(html, "deals")
    # the buyer links their card (staff have one since the contact pages for staff)
    contacts = section(html, "contacts")
    assert deal.contact_id is not None
    assert f'href="/workspace/contacts/{deal.contact_id}/"' in contacts
    assert "Анна Смирнова" in contacts
    assert link in section(html, "orders") and "SHOP-1001" in section(html, "orders")


def test_an_order_is_found_by_its_external_id(
    client: Client, ivan: Any, world: dict[str, Deal]
) -> None:
    client.force_login(ivan)

    html = search(client, "shop-1001")

    assert "Заказ № SHOP-1001" in section(html, "orders")
    assert "Сделки" not in html or section(html, "deals") == ""


def test_a_manager_never_finds_another_managers_deal_buyer_or_order(
    client: Client, ivan: Any, world: dict[str, Deal]
) -> None:
    client.force_login(ivan)
    foreign = world["petr"]

    for q in ("Петрова", "8 903 765-43-21", "petrova@", "SHOP-2002", "Анна"):
        html = search(client, q)
        results = "".join(section(html, group) for group in ("deals", "contacts", "orders"))
        assert str(foreign.pk) not in html, q
        assert "Петрова" not in results and "SHOP-2002" not in results, q
    # «Анна» finds Иван's own buyer only
    assert "Анна Смирнова" in results
    # and the page behind the link is closed to them all the same
    assert client.get(f"/workspace/deals/{foreign.pk}/").status_code == 404


def test_the_head_finds_every_deal_and_a_buyer_without_a_deal(
    client: Client, world: dict[str, Deal]
) -> None:
    ContactFactory.create(name="Анна Безсделкина", phone="+79990000001")
    client.force_login(UserFactory.create(role="head"))

    html = search(client, "Анна")

    for deal in world.values():
        assert f'href="/head/deals/{deal.pk}/"' in section(html, "deals")
    contacts = section(html, "contacts")
    assert "Анна Безсделкина" in contacts and "сделки пока нет" in contacts
    assert "SHOP-1001" in section(html, "orders") and "SHOP-2002" in section(html, "orders")


def test_a_query_shorter_than_two_characters_searches_nothing(
    client: Client, ivan: Any, world: dict[str, Deal], django_assert_max_num_queries: Any
) -> None:
    client.force_login(ivan)
    client.get("/search/")

    with django_assert_max_num_queries(3):  # the session, the user and the bell's count only
        html = search(client, "А")

    assert 'data-testid="search-too-short"' in html
    assert "Введите хотя бы 2 символа." in html
    assert 'data-testid="search-deals"' not in html


def test_nothing_found_is_said(client: Client, ivan: Any, world: dict[str, Deal]) -> None:
    client.force_login(ivan)

    html = search(client, "Зюзюкина")

    assert "По запросу «Зюзюкина» ничего не найдено." in html


def test_each_group_is_cut_at_twenty_in_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    # given: 25 buyers of one name, each with an order and a deal of the head's view
    product = ProductFactory.create(on_sale=True)
    responsible = manager()
    for n in range(25):
        contact = ContactFactory.create(partner=product.partner, name=f"Мария Многова {n}")
        order = OrderFactory.create(
            product=product, contact=contact, customer_name=contact.name, external_id=f"M-{n}"
        )
        DealFactory.create(
            product=product,
            responsible=responsible,
            contact=contact,
            order=order,
            contact_name=contact.name,
        )
    client.force_login(UserFactory.create(role="head"))
    client.get("/search/")

    # when: session + user + the bell's count + one query per group
    with django_assert_max_num_queries(6):
        html = search(client, "Многова")

    # then
    for group in ("deal", "contact", "order"):
        assert html.count(f'data-testid="search-{group}"') == 20, group
    assert html.count("Показаны первые 20: уточните запрос.") == 3


@pytest.mark.parametrize("role", ["partner_owner", "partner_staff", "qa"])
def test_other_roles_cannot_use_the_staff_search(client: Client, role: str) -> None:
    ContactFactory.create(name="Анна Смирнова")
    client.force_login(UserFactory.create(role=role))

    assert client.get("/search/", {"q": "Анна"}).status_code == 403
    assert 'data-testid="topbar-search"' not in client.get("/").content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    response = client.get("/search/", {"q": "Анна"})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_search_box_is_in_the_staff_header(client: Client, ivan: Any) -> None:
    client.force_login(ivan)

    html = client.get("/workspace/").content.decode()

    assert 'data-testid="topbar-search"' in html and 'action="/search/"' in html
