"""Real Chromium under the site's Content-Security-Policy: every page in each role's menu, the
API docs and the printable statement load without a single violation or script error, and the
behaviours moved out of inline handlers (language switch, confirmations) still work."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Dialog, Page, expect

from salesdesk.timezones import MOSCOW
from tests.browser.pages import DEMO_PASSWORD, log_in, seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings: Any) -> None:
    seed_demo(settings)


def watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text)
        if m.type == "error" and "Content Security Policy" in m.text
        else None,
    )
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    return problems


def menu_paths(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("nav.menu a", "links => links.map(a => a.href)")
    return list(dict.fromkeys(urlsplit(h).path for h in hrefs))


@pytest.mark.parametrize(
    "email",
    [
        "head@demo.salesdesk.local",
        "manager1@demo.salesdesk.local",
        "school@demo.salesdesk.local",
    ],
)
def test_every_menu_page_loads_without_a_policy_violation(
    page: Page, live_server: Any, demo: None, email: str
) -> None:
    problems = watch(page)
    log_in(page, live_server.url, email, DEMO_PASSWORD)

    paths = menu_paths(page)
    assert len(paths) >= 4
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in (response.header_value("content-security-policy") or "")
        page.wait_for_load_state("networkidle")

    assert problems == []


def test_the_api_docs_and_the_printable_statement_pass_the_policy(
    page: Page, live_server: Any, demo: None
) -> None:
    problems = watch(page)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info")).to_be_visible()

    log_in(page, live_server.url, "school@demo.salesdesk.local", DEMO_PASSWORD)
    month = timezone.localtime(timezone.now(), MOSCOW).strftime("%Y-%m")
    page.goto(f"{live_server.url}/cabinet/billing/statements/{month}/")
    expect(page.get_by_role("button", name="Печать")).to_be_visible()

    assert problems == []


def test_the_language_switch_and_a_confirmation_work_without_inline_handlers(
    page: Page, live_server: Any, demo: None
) -> None:
    problems = watch(page)
    log_in(page, live_server.url, "head@demo.salesdesk.local", DEMO_PASSWORD)

    # a refused confirmation sends nothing
    page.goto(f"{live_server.url}/head/sales-department/partners/")
    block = page.get_by_role("button", name="Заблокировать").first
    asked: list[str] = []

    def refuse(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    block.click()
    assert asked and "?" in asked[0]
    expect(page).to_have_url(f"{live_server.url}/head/sales-department/partners/")

    # the language select submits its form when changed
    page.get_by_label("Язык").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    assert problems == []
