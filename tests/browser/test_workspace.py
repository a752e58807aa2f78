"""Real Chromium: a manager works the queue in the workspace without a page reload — takes an
order, logs a touch, schedules a callback, takes the next, and gets the callback back when due.

The live server runs in a thread of this process, so one monkeypatched clock serves both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sales_queue.models import QueueItem, Touch
from tests.accounts.factories import PASSWORD, UserFactory
from tests.sales_queue.factories import NOON, queued_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, dt.datetime]:
    """``clock["now"] = ...`` moves the time the server sees."""
    state = {"now": NOON}
    monkeypatch.setattr(timezone, "now", lambda: state["now"].astimezone(dt.UTC))
    return state


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(f"{base_url}/workspace/")
    # The URL changes before the page's deferred scripts (htmx, the shortcuts) have run.
    page.wait_for_load_state("load")


def test_a_manager_takes_works_and_gets_a_callback_back(
    page: Page, live_server: Any, clock: dict[str, dt.datetime]
) -> None:
    # given: two orders waiting, Анна's the older
    manager = UserFactory.create(role="manager", full_name="Иван Менеджер")
    anna = queued_item(
        customer_name="Анна Первая",
        customer_phone="+79001112233",
        entered_at=NOON - dt.timedelta(hours=2),
    )
    queued_item(customer_name="Борис Второй", entered_at=NOON - dt.timedelta(hours=1))
    log_in(page, live_server.url, manager.email)
    buyer = page.get_by_test_id("buyer-name")

    # the manager takes the next order: Анна, with a one-click call link
    page.get_by_test_id("take-next").click()
    expect(buyer).to_have_text("Анна Первая")
    expect(page.get_by_role("link", name="+79001112233").first).to_have_attribute(
        "href", "tel:+79001112233"
    )

    # reaches her: the touch shows in the history and the order stays
    page.get_by_test_id("touch-comment").fill("Просит перезвонить через час")
    page.get_by_test_id("outcome-reached").click()
    expect(page.get_by_test_id("touch-history")).to_contain_text("Просит перезвонить через час")
    expect(buyer).to_have_text("Анна Первая")

    # schedules a callback an hour later: Анна moves to "my callbacks"
    page.get_by_test_id("callback-at").fill("2026-11-20T13:00")
    page.get_by_test_id("outcome-callback").click()
    expect(page.get_by_test_id("no-current-item")).to_be_visible()
    expect(page.get_by_test_id("my-callbacks")).to_contain_text("Анна Первая")
    expect(page.get_by_test_id("my-callbacks")).to_contain_text("13:00")

    # takes the next with the keyboard: Борис; he refuses
    page.keyboard.press("n")
    expect(buyer).to_have_text("Борис Второй")
    page.get_by_test_id("refusal-reason").select_option("not_interested")
    page.get_by_test_id("outcome-refused").click()
    expect(page.get_by_test_id("no-current-item")).to_be_visible()
    expect(page.get_by_test_id("workspace-notice")).to_be_visible()

    # the callback time passes: taking the next brings Анна back, marked as a callback
    clock["now"] = NOON + dt.timedelta(hours=1, minutes=5)
    page.get_by_test_id("take-next").click()
    expect(buyer).to_have_text("Анна Первая")
    expect(page.get_by_test_id("callback-badge")).to_be_visible()
    expect(page.get_by_test_id("touch-history")).to_contain_text("Просит перезвонить через час")

    # and all of it without a full page load
    assert page.url == f"{live_server.url}/workspace/"
    anna.refresh_from_db()
    assert anna.state == QueueItem.State.ACTIVE and anna.holder == manager
    assert list(Touch.objects.filter(item=anna).values_list("outcome", flat=True)) == [
        "callback",
        "reached",
    ]


def test_an_empty_queue_and_closed_hours_are_explained(
    page: Page, live_server: Any, clock: dict[str, dt.datetime]
) -> None:
    manager = UserFactory.create(role="manager")
    log_in(page, live_server.url, manager.email)

    page.keyboard.press("n")
    expect(page.get_by_test_id("queue-empty")).to_be_visible()

    clock["now"] = NOON.replace(hour=21, minute=30)
    page.get_by_test_id("take-next").click()
    expect(page.get_by_role("alert")).to_contain_text("09:00")


def test_keyboard_shortcuts_work_and_stay_out_of_the_way_while_typing(
    page: Page, live_server: Any, clock: dict[str, dt.datetime]
) -> None:
    manager = UserFactory.create(role="manager")
    queued_item(customer_name="Вера Клавиатурная")
    log_in(page, live_server.url, manager.email)
    comment = page.get_by_test_id("touch-comment")

    page.keyboard.press("n")
    expect(page.get_by_test_id("buyer-name")).to_have_text("Вера Клавиатурная")

    # "1" typed into the comment is text, not "reached"
    comment.press("1")
    expect(comment).to_have_value("1")
    expect(page.get_by_test_id("touch-history")).to_have_count(0)

    comment.blur()
    page.keyboard.press("1")
    expect(page.get_by_test_id("touch-history")).to_contain_text("1")

    # "3" puts the cursor in the callback time; Enter there schedules the callback
    page.keyboard.press("3")
    callback_at = page.get_by_test_id("callback-at")
    expect(callback_at).to_be_focused()
    callback_at.fill("2026-11-20T15:30")
    callback_at.press("Enter")
    expect(page.get_by_test_id("my-callbacks")).to_contain_text("Вера Клавиатурная")
    expect(page.get_by_test_id("no-current-item")).to_be_visible()
