"""Real Chromium: a manager links another paid order of the buyer on the deal page with htmx (no
reload); the card lists it and the select no longer offers it; no page is wider than 390 px.
Screenshots at desktop width and at 390 px go to ``$SALESDESK_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from billing.services import order_pay
from orders.models import Order
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.crm.factories import ContactFactory, DealFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page: Page, name: str) -> None:
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        folder = os.environ.get("SALESDESK_SCREENSHOTS")
        if folder:
            page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_manager_links_a_paid_order_of_the_buyer(page: Page, live_server: Any) -> None:
    # given Вера's deal with Анна and two paid orders of Анна's no deal holds
    vera = UserFactory.create(role="manager", full_name="Вера Лебедева")
    product = ProductFactory.create(on_sale=True, name="Курс рисования")
    anna = ContactFactory.create(partner=product.partner, name="Анна Смирнова")
    deal = DealFactory.create(product=product, contact=anna, responsible=vera)
    orders: list[Order] = []
    for n, amount in enumerate(("12500.00", "990.00")):
        order = OrderFactory.create(
            product=product,
            contact=anna,
            external_id=f"shop-2026-000{n + 1}",
            amount=Decimal(amount),
        )
        orders.append(order_pay(order=order))
    log_in(page, live_server.url, vera.email)
    page.goto(f"{live_server.url}/workspace/deals/{deal.pk}/")
    card = page.get_by_test_id("deal-orders")
    expect(card).to_contain_text("Оплаченных заказов пока нет.")
    shoot(page, "deal-orders-before")

    # when she links the first one
    page.get_by_test_id("link-order-select").select_option(str(orders[0].pk))
    page.get_by_test_id("link-order-submit").click()

    # then the card lists it (swapped by htmx) and offers only the other one
    expect(page.get_by_test_id("deal-linked-order")).to_have_count(1)
    expect(page.get_by_test_id("deal-linked-order")).to_contain_text("shop-2026-0001")
    expect(page.get_by_test_id("link-order-select").locator("option")).to_have_count(1)
    orders[0].refresh_from_db()
    assert orders[0].deal_id == deal.pk
    shoot(page, "deal-orders-linked")

    # and with both linked, the card totals them and says nothing is left to link
    page.get_by_test_id("link-order-submit").click()
    expect(page.get_by_test_id("deal-linked-total")).to_have_text("13\xa0490,00\xa0₽")
    expect(page.get_by_test_id("no-linkable-orders")).to_be_visible()
    shoot(page, "deal-orders-all")
