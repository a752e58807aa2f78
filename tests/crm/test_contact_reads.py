"""Reading contacts: the API (partner key) and the cabinet pages, scoped to the partner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from orders.models import Order
from sales_queue.models import Touch
from tests.accounts.factories import UserFactory
from tests.clients import staff_api
from tests.crm.factories import ContactFactory, DealFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import QueueItemFactory, manager

pytestmark = pytest.mark.django_db

LIST = "/api/v1/contacts/"


def paid(contact: Any, product: Any, **fields: Any) -> Order:
    created = timezone.now() - dt.timedelta(days=2)
    given = {
        "status": Order.Status.PAID,
        "paid_at": created + dt.timedelta(hours=1),
        "paid_amount": Decimal("1000.00"),
        **fields,
    }
    return OrderFactory.create(product=product, contact=contact, created_at=created, **given)


@pytest.fixture
def buyer() -> Any:
    """A buyer with a paid course, a pending webinar and a fully refunded book."""
    contact = ContactFactory.create(name="Анна Смирнова", phone="+79161234567")
    partner = contact.partner
    course = ProductFactory.create(on_sale=True, partner=partner, name="Курс рисования")
    webinar = ProductFactory.create(on_sale=True, partner=partner, name="Вебинар")
    book = ProductFactory.create(on_sale=True, partner=partner, name="Книга")
    paid(contact, course, external_id="paid-1")
    OrderFactory.create(product=webinar, contact=contact, external_id="pending-1")
    paid(
        contact,
        book,
        external_id="refunded-1",
        status=Order.Status.REFUNDED,
        refunded_amount=Decimal("1000.00"),
        refunded_at=timezone.now(),
    )
    return contact


# --- API ---------------------------------------------------------------------------------------


def test_the_contact_shows_its_orders_and_only_paid_orders_products(buyer, partner_client) -> None:
    client, _partner = partner_client(buyer.partner)

    body = client.get(f"{LIST}{buyer.pk}/").json()

    assert (body["name"], body["phone"]) == ("Анна Смирнова", "+79161234567")
    assert sorted(o["external_id"] for o in body["orders"]) == ["paid-1", "pending-1", "refunded-1"]
    # the pending webinar is not bought yet, the refunded book no longer is
    assert [p["name"] for p in body["purchased_products"]] == ["Курс рисования"]
    assert body["purchased_products"][0]["paid_orders"] == 1
    assert body["deals"] == []


def test_another_partners_contact_is_404_on_the_api(buyer, partner_client) -> None:
    stranger, _partner = partner_client()

    response = stranger.get(f"{LIST}{buyer.pk}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_list_searches_name_phone_and_email(partner_client) -> None:
    client, partner = partner_client()
    ContactFactory.create(partner=partner, name="Анна", phone="+79161234567", email="a@x.ru")
    ContactFactory.create(partner=partner, name="Борис", phone="+79260000000", email="b@y.ru")
    ContactFactory.create(name="Анна чужая")  # another partner's

    def names(q: str) -> list[str]:
        return [c["name"] for c in client.get(LIST, {"q": q}).json()["results"]]

    assert names("") == ["Борис", "Анна"]
    assert names("анн") == ["Анна"]
    assert names("8 (916) 123-45-67") == ["Анна"]
    assert names("B@Y.RU") == ["Борис"]


def test_the_list_runs_a_bounded_number_of_queries(
    partner_client, django_assert_max_num_queries
) -> None:
    client, partner = partner_client()
    ContactFactory.create_batch(30, partner=partner)

    with django_assert_max_num_queries(4):  # the key, its partner, the page
        response = client.get(LIST)

    assert len(response.json()["results"]) == 30


def test_staff_see_the_buyers_of_the_deals_they_may_see(staff_client) -> None:
    # given Анна (a buyer of Вера's deal), Борис (of Олег's deal), and a buyer of another partner
    vera, oleg = manager(), manager()
    anna = ContactFactory.create(name="Анна")
    boris = ContactFactory.create(name="Борис", partner=anna.partner)
    vika = ContactFactory.create(name="Вика")
    product = ProductFactory.create(partner=anna.partner)
    DealFactory.create(product=product, responsible=vera, contact=anna, title="Курс Анны")
    DealFactory.create(product=product, responsible=oleg, contact=anna, title="Олег и Анна")
    DealFactory.create(product=product, responsible=oleg, contact=boris)
    DealFactory.create(responsible=vera, contact=vika, title="Вика")

    def names(client: Any) -> list[str]:
        response = client.get(LIST)
        assert response.status_code == 200, response.json()
        return sorted(c["name"] for c in response.json()["results"])

    head, _ = staff_client(role="head")
    vera_api = staff_api(vera)
    qa, _ = staff_client(role="qa")

    # then the head sees everyone, Вера her deals' buyers of both partners, QA nobody
    assert names(head) == ["Анна", "Борис", "Вика"]
    assert names(vera_api) == ["Анна", "Вика"]
    assert names(qa) == []
    # Вера opens Анна and sees only her own deal with her; Борис is a 404 to her
    detail = vera_api.get(f"{LIST}{anna.pk}/").json()
    assert [d["title"] for d in detail["deals"]] == ["Курс Анны"]
    assert detail["partner"] == str(anna.partner_id)
    assert vera_api.get(f"{LIST}{boris.pk}/").status_code == 404
    assert qa.get(f"{LIST}{anna.pk}/").status_code == 404
    # the head sees both deals with Анна
    assert len(head.get(f"{LIST}{anna.pk}/").json()["deals"]) == 2


# --- pages -------------------------------------------------------------------------------------


@pytest.fixture
def owner(buyer) -> Any:
    return UserFactory.create(role="partner_owner", partner=buyer.partner)


def test_the_contact_page_shows_orders_purchases_and_touches(client: Client, owner, buyer) -> None:
    order = buyer.orders.get(external_id="pending-1")
    item = QueueItemFactory.create(order=order)
    Touch.objects.create(
        item=item, manager=manager(), channel="phone", outcome="no_answer", comment="Не взяла"
    )
    client.force_login(owner)

    page = client.get(f"/cabinet/contacts/{buyer.pk}/").content.decode()

    assert "Анна Смирнова" in page
    assert page.count('data-testid="contact-order"') == 3
    assert page.count('data-testid="purchased-product"') == 1
    assert "Курс рисования" in page
    assert "Не взяла" in page


def test_the_order_page_links_to_its_buyer(client: Client, owner, buyer) -> None:
    order = buyer.orders.get(external_id="paid-1")
    client.force_login(owner)

    page = client.get(f"/cabinet/orders/{order.pk}/").content.decode()

    assert f'href="/cabinet/contacts/{buyer.pk}/"' in page


def test_the_list_page_searches_and_the_menu_links_it(client: Client, owner, buyer) -> None:
    ContactFactory.create(partner=buyer.partner, name="Борис", phone="", email="b@y.ru")
    client.force_login(owner)

    page = client.get("/cabinet/contacts/", {"q": "+7 916 123 45 67"}).content.decode()

    assert page.count('data-testid="contact-row"') == 1
    assert "Анна Смирнова" in page
    assert 'href="/cabinet/contacts/"' in page  # the menu


def test_another_partners_contact_page_is_404(client: Client, buyer) -> None:
    client.force_login(UserFactory.create(role="partner_owner"))

    assert client.get(f"/cabinet/contacts/{buyer.pk}/").status_code == 404


def test_the_list_page_runs_a_bounded_number_of_queries(
    client: Client, owner, buyer, django_assert_max_num_queries
) -> None:
    ContactFactory.create_batch(30, partner=buyer.partner)
    client.force_login(owner)

    with django_assert_max_num_queries(8):
        response = client.get("/cabinet/contacts/")

    assert response.content.decode().count('data-testid="contact-row"') == 31


def test_the_contact_page_runs_a_bounded_number_of_queries(
    client: Client, owner, buyer, django_assert_max_num_queries
) -> None:
    # given twenty more orders of the buyer, each with a queue item and a touch
    product = ProductFactory.create(on_sale=True, partner=buyer.partner)
    someone = manager()
    for n in range(20):
        item = QueueItemFactory.create(
            order=OrderFactory.create(product=product, contact=buyer, external_id=f"more-{n}")
        )
        Touch.objects.create(item=item, manager=someone, channel="phone", outcome="no_answer")
    client.force_login(owner)

    with django_assert_max_num_queries(12):
        page = client.get(f"/cabinet/contacts/{buyer.pk}/").content.decode()

    assert page.count('data-testid="contact-order"') == 23
    assert page.count('data-testid="contact-touch"') == 20


# --- staff pages -------------------------------------------------------------------------------


def test_a_seller_and_the_head_have_their_contact_pages(client: Client, buyer) -> None:
    # given Вера works a deal with the buyer; Олег does not
    vera, oleg = manager(), manager()
    product = ProductFactory.create(partner=buyer.partner)
    deal = DealFactory.create(product=product, responsible=vera, contact=buyer, title="Сделка Веры")

    # when / then Вера finds the buyer in her list and opens the card, which links her deal
    client.force_login(vera)
    listing = client.get("/workspace/contacts/", {"q": "смирнова"})
    assert [c.name for c in listing.context["page"].object_list] == ["Анна Смирнова"]
    page = client.get(f"/workspace/contacts/{buyer.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/workspace/deals/{deal.pk}/"' in html
    assert "pending-1" in html  # the buyer's orders, without links to the cabinet's pages
    assert "/cabinet/orders/" not in html
    assert client.get("/head/contacts/").status_code == 403

    # Олег does not see the buyer
    client.force_login(oleg)
    assert client.get(f"/workspace/contacts/{buyer.pk}/").status_code == 404
    assert list(client.get("/workspace/contacts/").context["page"].object_list) == []

    # the head sees the buyer and links to the head's deal page
    client.force_login(UserFactory.create(role="head"))
    html = client.get(f"/head/contacts/{buyer.pk}/").content.decode()
    assert f'href="/head/deals/{deal.pk}/"' in html

    # the deal page links the buyer's card
    client.force_login(vera)
    html = client.get(f"/workspace/deals/{deal.pk}/").content.decode()
    assert f'href="/workspace/contacts/{buyer.pk}/"' in html

    # a partner's people cannot use the staff pages
    client.force_login(UserFactory.create(role="partner_owner", partner=buyer.partner))
    assert client.get("/workspace/contacts/").status_code == 403
