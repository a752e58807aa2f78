"""Real Chromium, team mode split: a closer's order is paid, so the buyer goes to the account
manager; she finds them under «Мои клиенты» with the purchase and the follow-up, opens the
buyer's page, and marks the follow-up done — at desktop width and on a phone without sideways
scrolling."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import TeamSettings
from billing.services import order_pay
from orders.models import Order
from sales_queue.services import queue_take_next
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.crm.factories import ContactFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import NOON, queued_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_the_account_manager_finds_the_won_buyer_and_marks_the_follow_up_done(
    page: Page, live_server: Any, width: int
) -> None:
    # given split mode, an account manager, and a closer's order paid by its buyer
    TeamSettings.objects.update_or_create(pk=1, defaults={"mode": "split"})
    natalia = UserFactory.create(role="account_manager", full_name="Наталья Клиентова")
    partner = PartnerFactory.create(name="Онлайн-школа «Кисть»")
    product = ProductFactory.create(partner=partner, on_sale=True, name="Курс акварели")
    buyer = ContactFactory.create(partner=partner, name="Ольга Покупалова")
    queued_item(product=product, contact=buyer, amount="14900.00")
    item = queue_take_next(manager=UserFactory.create(role="manager"), now=NOON)
    assert item is not None
    order_pay(order=Order.objects.get(queue_item=item), paid_at=NOON)

    # when she opens «Мои клиенты» from the menu
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, natalia.email)
    if width < 800:
        page.get_by_text("Меню", exact=True).click()
    page.get_by_role("link", name="Мои клиенты").click()

    # then the buyer is there with the partner, the purchase and the follow-up
    client = page.get_by_test_id("portfolio-client")
    expect(client).to_have_count(1)
    expect(client.get_by_test_id("portfolio-client-name")).to_have_text("Ольга Покупалова")
    expect(client.get_by_test_id("portfolio-partner")).to_have_text("Онлайн-школа «Кисть»")
    expect(client.get_by_test_id("portfolio-purchase")).to_contain_text("Курс акварели")
    expect(client.get_by_test_id("portfolio-purchase")).to_contain_text("14\u00a0900,00\u00a0₽")
    expect(client.get_by_test_id("portfolio-follow-up")).to_contain_text("Связаться до")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # when she marks the follow-up done
    client.get_by_test_id("portfolio-follow-up-done").click()

    # then she is back on her clients, with no follow-up planned for this one
    expect(page.get_by_test_id("portfolio-no-follow-up")).to_be_visible()
    assert page.url.endswith("/portfolio/")

    # and the buyer's page opens for her
    page.get_by_test_id("portfolio-client-name").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Ольга Покупалова")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
