"""Real Chromium: the manager copies the order's payment link in one click, and sending it by
email logs the touch without a page reload."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from sales_queue.models import Touch
from tests.accounts.factories import UserFactory
from tests.browser.test_workspace import log_in
from tests.sales_queue.factories import NOON, queued_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAY = "https://shop.example.com/pay/42"


def test_the_manager_copies_the_payment_link_and_sends_it_by_email(
    page: Page, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a held order carrying a payment link
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    manager = UserFactory.create(role="manager")
    queued_item(customer_name="Анна", customer_email="anna@example.com", payment_url=PAY)
    log_in(page, live_server.url, manager.email)
    page.get_by_test_id("take-next").click()

    # when: one click on "Копировать"
    page.get_by_test_id("payment-link-copy").click()

    # then: the link is on the clipboard and the button says so
    expect(page.get_by_test_id("payment-link-copy")).to_have_text("Скопировано")
    assert page.evaluate("navigator.clipboard.readText()") == PAY

    # when: the manager sends it by email (the mail program opens outside the page)
    page.get_by_test_id("payment-link-send-email").click()

    # then: the touch is logged and shown, the order stays with the manager
    expect(page.get_by_test_id("touch-history")).to_contain_text("Отправлена ссылка на оплату")
    assert Touch.objects.get().outcome == "reached"
