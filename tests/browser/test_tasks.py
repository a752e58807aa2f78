"""Real Chromium: a manager takes an order and logs a touch; the tasks appear in their task list,
one is marked done with htmx (no reload); the head sees the manager's numbers in the monitor.
Screenshots at desktop width and at 390 px go to ``$SALESDESK_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sales_queue.models import QueueItem
from sales_queue.services import queue_touch
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, queued_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, dt.datetime]:
    state = {"now": NOON}
    monkeypatch.setattr(timezone, "now", lambda: state["now"].astimezone(dt.UTC))
    return state


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("SALESDESK_SCREENSHOTS")
    if not folder:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_manager_sees_and_closes_tasks_and_the_head_monitors_them(
    page: Page, live_server: Any, clock: dict[str, dt.datetime]
) -> None:
    # given: Иван takes Анна's order and agrees a callback at 14:00
    ivan = UserFactory.create(role="manager", full_name="Иван Менеджер")
    head = UserFactory.create(role="head", full_name="Ольга Руководитель")
    queued_item(
        product=ProductFactory.create(on_sale=True, name="Курс рисования"),
        customer_name="Анна Первая",
        customer_phone="+79001112233",
    )
    log_in(page, live_server.url, ivan.email)
    page.get_by_test_id("take-next").click()
    expect(page.get_by_test_id("buyer-name")).to_have_text("Анна Первая")
    queue_touch(
        manager=ivan,
        item_id=_held(ivan),
        channel="phone",
        outcome="callback",
        callback_at=NOON + dt.timedelta(hours=2),
        now=NOON + dt.timedelta(minutes=1),
    )
    clock["now"] = NOON + dt.timedelta(hours=3)

    # when: he opens «Задачи» after 15:00
    page.get_by_role("link", name="Задачи").click()

    # then: the take's task and the callback's, overdue in red, linked to the deal
    rows = page.get_by_test_id("task-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("task-overdue")).to_contain_text("20 ноября, 14:00")
    expect(page.get_by_text("Новая сделка «Курс рисования»")).to_be_visible()
    shoot(page, "tasks")

    # when: he marks the take's task done (htmx: the row changes in place)
    created = rows.filter(has_text="Новая сделка")
    created.get_by_test_id("task-mark-done").click()

    # then
    expect(created.get_by_test_id("task-done")).to_contain_text("Выполнена")
    page.get_by_role("link", name="Выполненные").click()
    expect(page.get_by_test_id("task-row")).to_have_count(1)

    # and: the head's monitor shows Иван with the callback open and overdue
    page.context.clear_cookies()
    log_in(page, live_server.url, head.email)
    page.goto(f"{live_server.url}/head/tasks/")
    row = page.locator(f'[data-testid="monitor-row"][data-manager="{ivan.pk}"]')
    expect(row.get_by_test_id("monitor-open")).to_have_text("1")
    expect(row.get_by_test_id("monitor-overdue")).to_have_text("1")
    expect(row).to_contain_text("Иван Менеджер")
    shoot(page, "monitor")


def _held(manager: Any) -> Any:
    return QueueItem.objects.get(holder=manager, state="active").pk
