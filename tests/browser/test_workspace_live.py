"""Real Chromium: the workspace notices by itself that the held order was paid (no reload), a
callback is taken at once from «Мои перезвоны», and the header's search finds a buyer's deal.
Screenshots at desktop width and at 390 px go to ``$SALESDESK_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from billing.services import order_pay
from orders.models import Order
from sales_queue.models import QueueItem
from sales_queue.services import queue_take_next, queue_touch
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.crm.factories import ContactFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, queued_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, dt.datetime]:
    state = {"now": NOON}
    monkeypatch.setattr(timezone, "now", lambda: state["now"].astimezone(dt.UTC))
    return state


@pytest.fixture(autouse=True)
def quick_poll(settings: Any) -> None:
    """The live server runs in this process: a one-second poll keeps the test short."""
    settings.SALES_WORKSPACE_POLL_SECONDS = 1


def fits_the_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 390, f"{page.url} is {width}px wide at 390px"


def shoot(page: Page, name: str) -> None:
    fits_the_phone(page)
    folder = os.environ.get("SALESDESK_SCREENSHOTS")
    if not folder:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_workspace_says_when_the_held_order_gets_paid_without_a_reload(
    page: Page, live_server: Any, clock: dict[str, dt.datetime]
) -> None:
    # given: Иван works Анна's order; Борис waits next
    ivan = UserFactory.create(role="manager", full_name="Иван Менеджер")
    anna = queued_item(
        customer_name="Анна Платящая",
        external_id="SHOP-4242",
        entered_at=NOON - dt.timedelta(hours=2),
    )
    queued_item(customer_name="Борис Следующий", entered_at=NOON - dt.timedelta(hours=1))
    log_in(page, live_server.url, ivan.email)
    page.get_by_test_id("take-next").click()
    expect(page.get_by_test_id("buyer-name")).to_have_text("Анна Платящая")
    page.get_by_test_id("touch-comment").fill("Обещала оплатить сегодня")

    # when: the storefront reports the payment, while the page stays open
    order_pay(order=Order.objects.get(queue_item=anna), paid_at=NOON + dt.timedelta(minutes=1))

    # then: the notice replaces the stale card by itself
    news = page.get_by_test_id("held-news")
    expect(news).to_contain_text(
        "Покупатель оплатил заказ № SHOP-4242 — сделка выиграна. Берите следующий.",
        timeout=10_000,
    )
    expect(page.get_by_test_id("current-item")).to_have_count(0)
    assert page.url == f"{live_server.url}/workspace/"
    shoot(page, "workspace-paid-notice")

    # and the button beside it takes the next order
    page.get_by_test_id("news-take-next").click()
    expect(page.get_by_test_id("buyer-name")).to_have_text("Борис Следующий")
    expect(page.get_by_test_id("held-news")).to_have_count(0)
    anna.refresh_from_db()
    assert (anna.state, anna.outcome) == ("done", "won")


def test_a_callback_opens_its_deal_and_is_taken_at_once(
    page: Page, live_server: Any, clock: dict[str, dt.datetime]
) -> None:
    # given: Иван agreed to call Вера back at 15:00
    ivan = UserFactory.create(role="manager", full_name="Иван Менеджер")
    vera = queued_item(customer_name="Вера Перезвонова")
    queue_take_next(manager=ivan)
    queue_touch(
        manager=ivan,
        item_id=vera.pk,
        channel="phone",
        outcome="callback",
        callback_at=NOON + dt.timedelta(hours=3),
    )
    log_in(page, live_server.url, ivan.email)
    callbacks = page.get_by_test_id("my-callbacks")
    shoot(page, "workspace-callbacks")

    # the name is a link to the deal
    callbacks.get_by_role("link", name="Вера Перезвонова").click()
    expect(page).to_have_url(f"{live_server.url}/workspace/deals/{vera.deal.pk}/")
    page.go_back()

    # «Взять сейчас» makes it the held order, before its time
    page.get_by_test_id("callback-take").click()
    expect(page.get_by_test_id("buyer-name")).to_have_text("Вера Перезвонова")
    expect(page.get_by_test_id("callback-take")).to_have_count(0)
    vera.refresh_from_db()
    assert vera.state == QueueItem.State.ACTIVE


def test_the_header_search_finds_a_buyer_by_phone(
    page: Page, live_server: Any, clock: dict[str, dt.datetime]
) -> None:
    # given: Иван's deal with Галина, whose phone the storefront sent as +7…
    ivan = UserFactory.create(role="manager", full_name="Иван Менеджер")
    product = ProductFactory.create(on_sale=True, name="Курс вокала")
    galina = ContactFactory.create(
        partner=product.partner, name="Галина Поискова", phone="+79161234567"
    )
    item = queued_item(
        product=product,
        contact=galina,
        customer_name=galina.name,
        customer_phone=galina.phone,
        external_id="VOC-77",
    )
    queue_take_next(manager=ivan)
    log_in(page, live_server.url, ivan.email)

    # when: the number typed the Russian way into the header's box
    box = page.get_by_test_id("topbar-search")
    box.fill("8 (916) 123-45-67")
    box.press("Enter")

    # then: the deal, the buyer and the order, each leading to the deal page
    expect(page.get_by_test_id("page-title")).to_have_text("Поиск")
    expect(page.get_by_test_id("search-deals")).to_contain_text("Галина Поискова")
    expect(page.get_by_test_id("search-contacts")).to_contain_text("Галина Поискова")
    expect(page.get_by_test_id("search-orders")).to_contain_text("Заказ № VOC-77")
    shoot(page, "search")
    page.get_by_test_id("search-order").get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/workspace/deals/{item.deal.pk}/")
