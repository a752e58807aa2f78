"""Paid orders linked to deals: the deal's own order links itself when it is paid; the deal's
responsible (or the head) links another paid order of the same buyer — never another partner's
order, an unpaid one, another buyer's, or one another deal holds; two deals racing for one order
get one link."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from billing.services import order_pay, order_refund
from crm.models import Contact, Deal, Task
from orders.models import Order
from sales_queue.services import queue_take_next
from tests.accounts.factories import UserFactory
from tests.clients import logged_in, partner_api, staff_api
from tests.concurrency import run_concurrently
from tests.crm.factories import ContactFactory, DealFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db


def buyer_deal(**fields: Any) -> Deal:
    """An open deal of a buyer (a contact of the deal's partner), without an order of its own."""
    product = fields.pop("product", None) or ProductFactory.create(on_sale=True)
    contact = fields.pop("contact", None) or ContactFactory.create(partner=product.partner)
    return DealFactory.create(product=product, contact=contact, **fields)


def paid_order(contact: Contact | None, *, amount: str = "1500.00", **fields: Any) -> Order:
    """An order of ``contact`` that the storefront reported paid (the payment use case)."""
    assert contact is not None
    product = fields.pop("product", None) or ProductFactory.create(
        partner=contact.partner, on_sale=True
    )
    order = OrderFactory.create(product=product, contact=contact, amount=Decimal(amount), **fields)
    return order_pay(order=order)


def link(api: APIClient, deal: Deal, order: Order) -> Any:
    return api.post(f"/api/v1/deals/{deal.pk}/orders/", {"order": str(order.pk)}, format="json")


# --- the deal's own order ------------------------------------------------------------------


def taken(ivan: Any) -> tuple[Order, Deal]:
    """An order Иван took from the queue at noon, and the deal the take opened."""
    item = queued_item(product=ProductFactory.create(on_sale=True))
    assert queue_take_next(manager=ivan, now=NOON) is not None
    return Order.objects.get(queue_item=item), Deal.objects.get(queue_item=item)


def test_a_paid_order_links_itself_to_its_deal_once_however_often_it_is_reported() -> None:
    # given Иван took the order at noon: its deal is open
    ivan = manager()
    order, deal = taken(ivan)

    # when the storefront reports the payment, and then again
    for _ in range(2):
        order_pay(order=order, paid_at=NOON + dt.timedelta(minutes=10))

    # then the order is the deal's, listed as its own
    order.refresh_from_db()
    assert order.deal_id == deal.pk
    assert list(Order.objects.filter(deal=deal)) == [order]
    body = staff_api(ivan).get(f"/api/v1/deals/{deal.pk}/").json()
    assert [(o["id"], o["own"]) for o in body["orders"]] == [(str(order.pk), True)]
    # the payment's own task (won) tells Иван; the self-link writes none
    assert not Task.objects.filter(kind=Task.Kind.ORDER_LINKED).exists()


def test_an_unpaid_order_is_not_linked_to_its_deal() -> None:
    ivan = manager()
    order, deal = taken(ivan)

    order.refresh_from_db()
    assert order.deal_id is None
    assert staff_api(ivan).get(f"/api/v1/deals/{deal.pk}/").json()["orders"] == []


def test_a_refund_does_not_unlink_the_order() -> None:
    order, deal = taken(manager())
    order_pay(order=order, paid_at=NOON + dt.timedelta(minutes=10))

    order_refund(order=order)

    order.refresh_from_db()
    assert (order.status, order.deal_id) == (Order.Status.REFUNDED, deal.pk)


# --- linking another paid order of the buyer -----------------------------------------------


def test_the_responsible_links_another_paid_order_of_the_buyer() -> None:
    # given Анна's deal and a paid order of hers from another storefront product
    deal = buyer_deal(title="Курс рисования")
    order = paid_order(deal.contact, amount="2500.00", external_id="shop-77")

    # when
    response = link(staff_api(deal.responsible), deal, order)

    # then
    assert response.status_code == 201, response.json()
    assert response.json()["orders"] == [
        {
            "id": str(order.pk),
            "external_id": "shop-77",
            "amount": "2500.00",
            "paid_at": response.json()["orders"][0]["paid_at"],
            "own": False,
        }
    ]
    order.refresh_from_db()
    assert order.deal_id == deal.pk
    task = Task.objects.get(kind=Task.Kind.ORDER_LINKED)
    assert (task.deal_id, task.assignee_id) == (deal.pk, deal.responsible_id)
    assert task.text == (
        "К сделке «Курс рисования» привязан оплаченный заказ shop-77 на 2\xa0500,00\xa0₽"
    )
    detail = staff_api(deal.responsible).get(f"/api/v1/deals/{deal.pk}/").json()
    assert [o["id"] for o in detail["orders"]] == [str(order.pk)]


def test_linking_again_to_the_same_deal_changes_nothing() -> None:
    deal = buyer_deal()
    order = paid_order(deal.contact)
    api = staff_api(deal.responsible)
    assert link(api, deal, order).status_code == 201

    again = link(api, deal, order)

    assert again.status_code == 200
    assert [o["id"] for o in again.json()["orders"]] == [str(order.pk)]
    assert Task.objects.filter(kind=Task.Kind.ORDER_LINKED).count() == 1


def test_the_head_may_link_too() -> None:
    deal = buyer_deal()
    order = paid_order(deal.contact)

    response = link(staff_api(UserFactory.create(role="head")), deal, order)

    assert response.status_code == 201
    order.refresh_from_db()
    assert order.deal_id == deal.pk


def test_another_partners_order_is_404_as_if_it_did_not_exist() -> None:
    deal = buyer_deal()
    foreign = paid_order(ContactFactory.create())  # a buyer of another partner

    response = link(staff_api(deal.responsible), deal, foreign)

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    nowhere = staff_api(deal.responsible).post(
        f"/api/v1/deals/{deal.pk}/orders/",
        {"order": "00000000-0000-0000-0000-000000000000"},
        format="json",
    )
    assert nowhere.json() == response.json()
    foreign.refresh_from_db()
    assert foreign.deal_id is None
    assert not Task.objects.filter(kind=Task.Kind.ORDER_LINKED).exists()


@pytest.mark.parametrize("state", ["pending", "cancelled", "refunded"])
def test_an_order_that_is_not_paid_is_409(state: str) -> None:
    deal = buyer_deal()
    order = OrderFactory.create(
        product=ProductFactory.create(partner=deal.partner), contact=deal.contact
    )
    if state == "cancelled":
        Order.objects.filter(pk=order.pk).update(status="cancelled", cancelled_at=NOON)
    if state == "refunded":
        order_pay(order=order)
        order_refund(order=order)

    response = link(staff_api(deal.responsible), deal, order)

    assert (response.status_code, response.json()["code"]) == (409, "order_not_paid")
    order.refresh_from_db()
    assert order.deal_id is None


def test_another_buyers_order_is_409() -> None:
    deal = buyer_deal()
    order = paid_order(ContactFactory.create(partner=deal.partner))

    response = link(staff_api(deal.responsible), deal, order)

    assert (response.status_code, response.json()["code"]) == (409, "other_contact")
    order.refresh_from_db()
    assert order.deal_id is None


def test_an_order_linked_to_another_deal_is_409() -> None:
    first = buyer_deal()
    second = buyer_deal(product=first.product, contact=first.contact)
    order = paid_order(first.contact)
    assert link(staff_api(first.responsible), first, order).status_code == 201

    response = link(staff_api(second.responsible), second, order)

    assert (response.status_code, response.json()["code"]) == (409, "already_linked")
    order.refresh_from_db()
    assert order.deal_id == first.pk


def test_a_withdrawn_deal_takes_no_orders() -> None:
    deal = buyer_deal(status=Deal.Status.WITHDRAWN)
    order = paid_order(deal.contact)

    response = link(staff_api(deal.responsible), deal, order)

    assert (response.status_code, response.json()["code"]) == (409, "deal_withdrawn")


def test_another_manager_and_another_partner_get_404_and_the_deals_partner_403() -> None:
    deal = buyer_deal()
    order = paid_order(deal.contact)

    others = [staff_api(manager()), partner_api(ProductFactory.create().partner)]
    for api in others:
        response = link(api, deal, order)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert link(partner_api(deal.partner), deal, order).status_code == 403
    order.refresh_from_db()
    assert order.deal_id is None


def test_a_bad_order_id_is_400() -> None:
    deal = buyer_deal()

    response = staff_api(deal.responsible).post(
        f"/api/v1/deals/{deal.pk}/orders/", {"order": "nope"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deals_racing_for_one_order_get_exactly_one_link() -> None:
    # given two deals of Анна, each with its own manager, and one paid order of hers
    first = buyer_deal()
    second = buyer_deal(product=first.product, contact=first.contact)
    order = paid_order(first.contact)
    apis = {first.pk: staff_api(first.responsible), second.pk: staff_api(second.responsible)}

    def linker(deal: Deal) -> Any:
        def run() -> tuple[int, str]:
            response = link(apis[deal.pk], deal, order)
            return response.status_code, response.json().get("code", "")

        return run

    # when both link it at the same moment, several times over
    results = run_concurrently(*[linker(first), linker(second)] * 4)

    # then one deal holds it, linked once, with one task; the other deal's requests were refused
    order.refresh_from_db()
    winner = order.deal_id
    assert winner in (first.pk, second.pk)
    by_deal: dict[Any, list[tuple[int, str]]] = {first.pk: [], second.pk: []}
    for deal, result in zip([first, second] * 4, results, strict=True):
        by_deal[deal.pk].append(result)
    loser = second.pk if winner == first.pk else first.pk
    assert sorted(status for status, _code in by_deal[winner]) == [200, 200, 200, 201]
    assert by_deal[loser] == [(409, "already_linked")] * 4
    assert Task.objects.filter(kind=Task.Kind.ORDER_LINKED).count() == 1


# --- reads ---------------------------------------------------------------------------------


def test_the_deal_list_reads_linked_orders_in_a_bounded_number_of_queries(
    django_assert_max_num_queries,
) -> None:
    head = staff_api(UserFactory.create(role="head"))

    def deal_with_two_orders() -> None:
        deal = buyer_deal()
        for _ in range(2):
            link(head, deal, paid_order(deal.contact))

    def counted() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert head.get("/api/v1/deals/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        deal_with_two_orders()
    few = counted()
    for _ in range(12):
        deal_with_two_orders()

    with django_assert_max_num_queries(few):
        results = head.get("/api/v1/deals/").json()["results"]
    assert [len(d["orders"]) for d in results] == [2] * 15


# --- the deal page -------------------------------------------------------------------------


def test_the_deal_page_lists_linked_orders_and_offers_the_buyers_other_paid_ones() -> None:
    deal = buyer_deal()
    linked = paid_order(deal.contact, external_id="shop-1", amount="1000.00")
    link(staff_api(deal.responsible), deal, linked)
    offered = paid_order(deal.contact, external_id="shop-2")
    OrderFactory.create(  # unpaid: not offered
        product=offered.product, contact=deal.contact, external_id="shop-3"
    )
    paid_order(ContactFactory.create(partner=deal.partner), external_id="shop-4")  # another buyer

    html = logged_in(deal.responsible).get(f"/workspace/deals/{deal.pk}/").content.decode()

    assert "Оплаченные заказы" in html
    assert 'data-testid="deal-linked-order"' in html and "shop-1" in html
    assert "1\xa0000,00\xa0₽" in html
    assert f'<option value="{offered.pk}">shop-2' in html
    assert "shop-3" not in html and "shop-4" not in html


def test_with_nothing_to_link_the_page_says_so() -> None:
    deal = buyer_deal()

    html = logged_in(deal.responsible).get(f"/workspace/deals/{deal.pk}/").content.decode()

    assert 'data-testid="no-linkable-orders"' in html
    assert 'data-testid="link-order-form"' not in html


def test_a_plain_post_links_and_returns_to_the_deal() -> None:
    deal = buyer_deal()
    order = paid_order(deal.contact)

    response = logged_in(deal.responsible).post(
        f"/workspace/deals/{deal.pk}/orders/", {"order": str(order.pk)}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/workspace/deals/{deal.pk}/"
    order.refresh_from_db()
    assert order.deal_id == deal.pk


def test_htmx_gets_the_card_back_with_the_order_or_the_refusal() -> None:
    deal = buyer_deal()
    order = paid_order(deal.contact, external_id="shop-9")
    other = paid_order(ContactFactory.create(partner=deal.partner))
    client = logged_in(deal.responsible)
    url = f"/workspace/deals/{deal.pk}/orders/"

    linked = client.post(url, {"order": str(order.pk)}, HTTP_HX_REQUEST="true")
    refused = client.post(url, {"order": str(other.pk)}, HTTP_HX_REQUEST="true")

    assert linked.status_code == 200
    assert linked.content.decode().startswith('<div id="deal-orders"')
    assert 'data-testid="deal-linked-order"' in linked.content.decode()
    assert "Это заказ другого покупателя" in refused.content.decode()
    other.refresh_from_db()
    assert other.deal_id is None


def test_a_refused_plain_post_shows_the_page_with_the_message() -> None:
    deal = buyer_deal()
    other = paid_order(ContactFactory.create(partner=deal.partner))

    response = logged_in(UserFactory.create(role="head")).post(
        f"/head/deals/{deal.pk}/orders/", {"order": str(other.pk)}
    )

    assert response.status_code == 409
    assert 'data-testid="orders-error"' in response.content.decode()


def test_another_managers_deal_page_post_is_404() -> None:
    deal = buyer_deal()
    order = paid_order(deal.contact)

    response = logged_in(manager()).post(
        f"/workspace/deals/{deal.pk}/orders/", {"order": str(order.pk)}
    )

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.deal_id is None


def test_the_contact_page_shows_each_deals_linked_orders() -> None:
    deal = buyer_deal()
    head = staff_api(UserFactory.create(role="head"))
    for amount in ("1000.00", "2000.00"):
        link(head, deal, paid_order(deal.contact, amount=amount))
    owner = UserFactory.create(role="partner_owner", partner=deal.partner)

    html = logged_in(owner).get(f"/cabinet/contacts/{deal.contact_id}/").content.decode()

    assert "2 · 3\xa0000,00\xa0₽" in html
