"""Real Chromium: a notification reaches the bell in the top bar (1), the user opens the list
from it and marks the message read; the bell drops to 0 without a reload. The list fits a
phone (390 px). Screenshots go to ``$SALESDESK_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from notifications.models import Notification
from notifications.services import notify_user
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("SALESDESK_SCREENSHOTS")
    if not folder:
        return
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_the_bell_counts_a_new_notification_and_drops_when_it_is_read(
    page: Page, live_server: Any
) -> None:
    # given: a partner's owner told about a decision (email and the bell, the defaults)
    owner = UserFactory.create(role="partner_owner", full_name="Анна Школьная")
    notify_user(
        key="decision:browser",
        kind=Notification.Kind.PARTNER_DECISION,
        user=owner,
        template="partner_decision",
        context={
            "partner": {"name": "Онлайн-школа «Рисунок»"},
            "change": {"to_label": "одобрен"},
            "cabinet_url": f"{live_server.url}/cabinet/",
        },
    )

    # when: they log in
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Электронная почта").fill(owner.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()

    # then: the bell says 1
    bell = page.get_by_test_id("bell")
    expect(bell).to_have_attribute("data-count", "1")
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    shoot(page, "bell-topbar")

    # when: they open the list from the bell
    bell.click()

    # then
    expect(page.get_by_test_id("page-title")).to_have_text("Мои уведомления")
    item = page.get_by_test_id("inbox-item")
    expect(item).to_have_count(1)
    expect(item.get_by_role("link")).to_have_text("SalesDesk: Онлайн-школа «Рисунок» — одобрен")
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth > window.innerWidth") is False
    page.set_viewport_size({"width": 1366, "height": 900})
    shoot(page, "inbox")

    # when: «Отметить прочитанным»
    item.get_by_role("button", name="Отметить прочитанным").click()

    # then: the item is read and the bell asked again: 0, no badge
    expect(item).to_have_attribute("data-read", "yes")
    expect(page.get_by_test_id("bell")).to_have_attribute("data-count", "0")
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    assert Notification.objects.get(channel="in_app").read_at is not None
