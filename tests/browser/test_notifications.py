"""Real Chromium: the head opens «Уведомления» from the menu, sends a failed email again, and
the page fits a phone (390 px, no horizontal scroll). Screenshots go to
``$SALESDESK_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from notifications.models import Notification
from tests.accounts.factories import PASSWORD, UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("SALESDESK_SCREENSHOTS")
    if not folder:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_head_sends_a_failed_email_again(page: Page, live_server: Any) -> None:
    # given
    head = UserFactory.create(role="head", full_name="Ольга Руководитель")
    failed = NotificationFactory.create(
        status="failed",
        attempts=6,
        recipient="owner-with-a-rather-long-address@online-school.example",
        subject="SalesDesk: Курс «Рисование для начинающих» — продукт одобрен",
        last_error=(
            "SMTPRecipientsRefused: {'owner@online-school.example': "
            "(550, b'5.1.1 Mailbox unavailable')}"
        ),
    )
    NotificationFactory.create(kind="stale_deal", subject="Сделка «Курс» не менялась 2 часа")

    # when: the head logs in and opens the page from the menu
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Электронная почта").fill(head.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    # exact: the bell's name («Уведомления: 0 непрочитанных») starts the same way
    page.get_by_text("Ещё", exact=True).click()  # the menu's dropdown
    page.get_by_role("link", name="Уведомления", exact=True).click()

    # then
    expect(page.get_by_test_id("page-title")).to_have_text("Уведомления")
    expect(page.get_by_test_id("notification-row")).to_have_count(2)
    page.set_viewport_size({"width": 390, "height": 900})
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
    page.set_viewport_size({"width": 1280, "height": 900})
    shoot(page, "head-notifications")

    # when: «Отправить ещё раз» on the failed one (the test's mail backend accepts it)
    row = page.locator(f'[data-id="{failed.pk}"]')
    row.get_by_role("button", name="Отправить ещё раз").click()

    # then
    expect(page.get_by_text("Уведомление будет отправлено ещё раз.")).to_be_visible()
    failed.refresh_from_db()
    assert failed.status in (Notification.Status.PENDING, Notification.Status.SENT)
    assert failed.attempts in (0, 1)
