"""Real Chromium: the head opens «Статистика менеджеров» on the crafted world, the charts are
drawn by uPlot (non-blank canvas pixels), another period changes the numbers, the CSV
downloads; at 390 px the page does not scroll sideways (the table scrolls in its card).
Screenshots at desktop width and at 390 px go to ``$SALESDESK_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import log_in
from tests.stats.managers_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = "period=range&date_from=2026-11-10&date_to=2026-11-16"

# How many pixels of the chart's canvas are not blank (uPlot draws bars and axes on it).
DRAWN_PIXELS = """(selector) => {
  const canvas = document.querySelector(selector + ' canvas');
  if (!canvas) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) drawn++; }
  return drawn;
}"""


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("SALESDESK_SCREENSHOTS")
    if not folder:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(300)  # the charts redraw to the new width
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_head_reads_the_dashboard_changes_the_period_and_downloads_the_csv(
    page: Page, live_server: Any, tmp_path: Path
) -> None:
    # given: the crafted world (Anna 3 500,00 ₽, Boris 1 000,00 ₽ in 10–16 November)
    world = build_world()
    log_in(page, live_server.url, world.head.email)

    # when: the head opens the dashboard from the menu and picks the period
    page.get_by_role("link", name="Статистика", exact=True).click()
    expect(page.get_by_test_id("page-title")).to_have_text("Статистика менеджеров")
    page.get_by_test_id("date-from").fill("2026-11-10")
    page.get_by_test_id("date-to").fill("2026-11-16")
    page.get_by_test_id("period-apply").click()

    # then: the totals, the rows, and two charts with drawn content
    expect(page.get_by_test_id("total-revenue")).to_have_text("4\u00a0500,00\u00a0₽")
    expect(page.get_by_test_id("total-won")).to_have_text("3")
    anna = page.locator(f'[data-testid="stats-row"][data-manager="{world.anna.pk}"]')
    expect(anna.get_by_test_id("cell-revenue")).to_have_text("3\u00a0500,00\u00a0₽")
    expect(anna.get_by_test_id("cell-reasons")).to_contain_text("Слишком дорого: 1")
    expect(page.locator('[data-testid="chart-won"] canvas')).to_have_count(1)
    page.wait_for_function(
        f"() => ({DRAWN_PIXELS})('[data-testid=\"chart-won\"]') > 500", timeout=5000
    )
    assert page.evaluate(DRAWN_PIXELS, '[data-testid="chart-revenue"]') > 500
    shoot(page, "stats-dashboard")

    # and: sorting by revenue puts Boris (1 000 ₽) before Anna (3 500 ₽), then reverses
    page.get_by_test_id("sort-revenue").click()
    names = page.get_by_test_id("stats-row").locator("td:first-child")
    expect(names.nth(0)).not_to_contain_text("Анна")
    page.get_by_test_id("sort-revenue").click()
    expect(names.nth(0)).to_contain_text("Анна Иванова")

    # and: at 390 px the page itself does not scroll sideways
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    # and: the CSV of this period downloads
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    assert download.suggested_filename == "manager-stats-2026-11-10_2026-11-16.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = target.read_text(encoding="utf-8-sig")
    assert "Анна Иванова" in text and "3500.00" in text

    # when: another period (October: nothing happened)
    page.get_by_test_id("date-from").fill("2026-10-01")
    page.get_by_test_id("date-to").fill("2026-10-07")
    page.get_by_test_id("period-apply").click()

    # then: the numbers change
    expect(page.get_by_test_id("period-shown")).to_contain_text("1 октября")
    expect(page.get_by_test_id("total-revenue")).to_have_text("0,00\u00a0₽")
    expect(page.get_by_test_id("total-won")).to_have_text("0")
    expect(page.get_by_test_id("chart-empty")).to_be_visible()


def test_a_manager_opens_their_own_statistics(page: Page, live_server: Any) -> None:
    world = build_world()
    log_in(page, live_server.url, world.boris.email)
    page.get_by_role("link", name="Моя статистика").click()
    page.get_by_test_id("date-from").fill("2026-11-10")
    page.get_by_test_id("date-to").fill("2026-11-16")
    page.get_by_test_id("period-apply").click()
    expect(page.get_by_test_id("my-revenue")).to_have_text("1\u00a0000,00\u00a0₽")
    expect(page.get_by_test_id("my-won")).to_have_text("1")
    page.wait_for_function(
        f"() => ({DRAWN_PIXELS})('[data-testid=\"chart-won\"]') > 500", timeout=5000
    )
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "stats-mine")
