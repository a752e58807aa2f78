"""Real Chromium: the head follows the link from the queue page to «Здоровье очереди» and the
charts draw (uPlot canvases with content), at desktop width and at 390 px without a horizontal
scroll. Screenshots go to ``$SALESDESK_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.accounts.factories import PASSWORD, UserFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, queued_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


def test_the_head_opens_queue_health_and_the_charts_draw(
    page: Page, live_server: Any, clock: Any
) -> None:
    head = UserFactory.create(role="head", full_name="Ольга Руководитель")
    product = ProductFactory.create(on_sale=True, name="Курс рисования")
    for hours in (1, 2, 4):
        queued_item(product=product, entered_at=NOON - dt.timedelta(hours=hours))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Электронная почта").fill(head.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto(f"{live_server.url}/head/queue/")
    page.get_by_test_id("queue-health-link").click()

    expect(page.get_by_test_id("page-title")).to_have_text("Здоровье очереди")
    expect(page.get_by_test_id("qh-length")).to_have_text("3")
    chart = page.get_by_test_id("chart-length")
    expect(chart.locator("canvas")).to_have_count(1)
    # the line is drawn: the canvas is not blank
    painted = chart.locator("canvas").evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true; return false; }"
    )
    assert painted
    expect(page.get_by_test_id("qh-products")).to_contain_text("Курс рисования")

    folder = os.environ.get("SALESDESK_SCREENSHOTS")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # the drawer redraws to the new width
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"horizontal overflow at {width}px"
        if folder:
            page.screenshot(path=f"{folder}/queue-health-{width}.png", full_page=True)
