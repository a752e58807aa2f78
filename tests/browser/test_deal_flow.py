"""Real Chromium, the whole deal flow of issue 11: a manager takes an order in the workspace,
opens its deal, moves it on the board to the next stage, logs a touch in the workspace and one
from the deal's page (both in the deal's chronology), and finds the tasks of the take, the move
and the touches in «Задачи»; the head sees the four open tasks in the monitor.

Working hours round the clock and the real clock, so the test passes at any time of day."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from salesdesk.config import parse_working_hours
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import queued_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page: Page, name: str, card: str = "") -> None:
    """Screenshots at desktop width and 390 px to ``$SALESDESK_SCREENSHOTS`` when it is set
    (and of the ``card`` test id alone)."""
    folder = os.environ.get("SALESDESK_SCREENSHOTS")
    if not folder:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
        if card:
            page.get_by_test_id(card).screenshot(path=f"{folder}/{name}-card-{width}.png")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_manager_takes_an_order_works_its_deal_and_the_head_sees_the_tasks(
    page: Page, live_server: Any, settings: Any
) -> None:
    # given: the queue works round the clock; Анна's order for «Курс рисования» waits
    settings.SALES_WORKING_HOURS = parse_working_hours("00:00-24:00")
    ivan = UserFactory.create(role="manager", full_name="Иван Менеджер")
    head = UserFactory.create(role="head", full_name="Ольга Руководитель")
    queued_item(
        product=ProductFactory.create(on_sale=True, name="Курс рисования"),
        customer_name="Анна Первая",
        customer_phone="+79001112233",
        entered_at=timezone.now() - dt.timedelta(hours=1),
    )

    # when: Иван takes the next order in the workspace and opens its deal
    log_in(page, live_server.url, ivan.email)
    page.get_by_test_id("take-next").click()
    expect(page.get_by_test_id("buyer-name")).to_have_text("Анна Первая")
    page.get_by_role("link", name="Открыть сделку").click()

    # then: the deal page of the new deal, at the first stage of the funnel
    expect(page.get_by_test_id("page-title")).to_have_text("Курс рисования")
    expect(page.get_by_test_id("deal-contact-name")).to_contain_text("Анна Первая")
    expect(page.get_by_test_id("deal-stage-name")).to_have_text("Новая")

    # when: he goes to the board through «Все сделки» and moves the card one stage on
    page.get_by_role("link", name="← Все сделки", exact=True).click()
    page.get_by_test_id("board-link").click()
    new_column = page.locator('[data-testid="board-column"][data-stage="Новая"]')
    contact_column = page.locator('[data-testid="board-column"][data-stage="Контакт установлен"]')
    expect(new_column.get_by_test_id("board-card")).to_have_count(1)
    expect(contact_column.get_by_test_id("board-card")).to_have_count(0)
    new_column.get_by_test_id("card-next").click()

    # then: the card stands in «Контакт установлен» (htmx swapped the board)
    expect(contact_column.get_by_test_id("board-card")).to_have_count(1)
    expect(contact_column.get_by_test_id("board-card")).to_contain_text("Курс рисования")
    expect(new_column.get_by_test_id("board-card")).to_have_count(0)

    # when: back in the workspace, Анна still his, he logs a touch: reached her
    page.goto(f"{live_server.url}/workspace/")
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("buyer-name")).to_have_text("Анна Первая")
    page.get_by_test_id("touch-comment").fill("Обсудили программу курса")
    page.get_by_test_id("outcome-reached").click()
    expect(page.get_by_test_id("touch-history")).to_contain_text("Обсудили программу курса")

    # when: on the deal's page he logs a message sent by WhatsApp (htmx, no reload)
    page.goto(f"{live_server.url}/workspace/deals/")
    page.get_by_role("link", name="Курс рисования").first.click()
    expect(page.get_by_test_id("deal-touch")).to_have_count(1)
    form = page.get_by_test_id("touch-form")
    form.get_by_label("Канал").select_option(label="WhatsApp")
    form.get_by_label("Итог").select_option(label="Дозвонились")
    form.get_by_label("Комментарий").fill("Отправил программу в WhatsApp")
    form.get_by_role("button", name="Записать касание").click()

    # then: the chronology shows both touches, the newest first
    expect(page.get_by_test_id("touch-notice")).to_have_text("Касание записано.")
    touches = page.get_by_test_id("deal-touch")
    expect(touches).to_have_count(2)
    expect(touches.first).to_contain_text("Отправил программу в WhatsApp")
    expect(touches.nth(1)).to_contain_text("Обсудили программу курса")
    shoot(page, "deal-touches", card="deal-touches-card")
    # and: a phone shows the page without scrolling sideways
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    # then: «Задачи» lists four open tasks: the take, the stage move and the two touches
    page.get_by_role("link", name="Задачи").click()
    rows = page.get_by_test_id("task-row")
    expect(rows).to_have_count(4)
    expect(
        rows.filter(has_text="Новая сделка «Курс рисования»: свяжитесь с покупателем")
    ).to_have_count(1)
    expect(
        rows.filter(
            has_text="Сделка «Курс рисования» перешла с этапа «Новая» на «Контакт установлен»"
        )
    ).to_have_count(1)
    expect(rows.filter(has_text="Касание по сделке «Курс рисования»")).to_have_count(2)

    # and: the head's «Монитор задач» shows Иван with four open tasks, none overdue
    page.context.clear_cookies()
    log_in(page, live_server.url, head.email)
    page.goto(f"{live_server.url}/head/tasks/")
    expect(page.get_by_role("heading", name="Монитор задач")).to_be_visible()
    row = page.locator(f'[data-testid="monitor-row"][data-manager="{ivan.pk}"]')
    expect(row).to_contain_text("Иван Менеджер")
    expect(row.get_by_test_id("monitor-open")).to_have_text("4")
    expect(row.get_by_test_id("monitor-overdue")).to_have_text("0")
