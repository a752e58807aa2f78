"""Real Chromium at a phone's 390 px: no page of a role's menu (the links folded inside its
dropdown groups included), nor a detail page linked from them, scrolls sideways; the «Menu»
toggle hides the menu until tapped and then shows every link of every group."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, ViewportSize, expect

from accounts.services import invitation_create
from partners.services import partner_sign_up
from tests.accounts.signup import confirmation_path
from tests.browser.pages import DEMO_PASSWORD, log_in, seed_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
# A path naming one object: a number or a UUID among its segments.
DETAIL = re.compile(r"/(\d+|[0-9a-f]{8}-[0-9a-f-]{27})/")


@pytest.fixture
def demo(settings: Any) -> None:
    seed_demo(settings)


def paths(page: Page, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.href)")
    return list(dict.fromkeys(urlsplit(h).path for h in hrefs))


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize(
    ("email", "grouped"),
    [
        ("head@demo.salesdesk.local", "Заявки"),
        ("manager1@demo.salesdesk.local", None),
        ("school@demo.salesdesk.local", "Настройки сделок"),
    ],
)
def test_no_menu_or_detail_page_scrolls_sideways_on_a_phone(
    page: Page, live_server: Any, demo: None, email: str, grouped: str | None
) -> None:
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, email, DEMO_PASSWORD)

    # The menu is folded behind one toggle; tapped, it shows the links inside the groups too.
    menu = page.get_by_role("navigation", name="Главное меню")
    expect(menu).to_be_hidden()
    page.get_by_text("Меню", exact=True).click()
    expect(menu).to_be_visible()
    if grouped:
        expect(menu.get_by_role("link", name=grouped, exact=True)).to_be_visible()
    assert page_width(page) <= 390

    menu_pages = paths(page, "nav.menu a")
    assert len(menu_pages) >= 5
    details: list[str] = []
    wide: list[tuple[str, int]] = []
    for path in menu_pages:
        page.goto(f"{live_server.url}{path}")
        if page_width(page) > 390:
            wide.append((path, page_width(page)))
        details += [p for p in paths(page, "main a[href^='/']") if DETAIL.search(p)][:2]
    details = list(dict.fromkeys(details))[:8]
    assert len(details) >= 2, "the demo data links no detail page"
    for path in details:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        if page_width(page) > 390:
            wide.append((path, page_width(page)))

    assert wide == []


def test_a_dropdown_of_the_wide_menu_opens_and_closes_on_a_click_elsewhere(
    page: Page, live_server: Any, demo: None
) -> None:
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, live_server.url, "head@demo.salesdesk.local", DEMO_PASSWORD)
    applications = page.get_by_role("link", name="Заявки", exact=True)
    expect(page.get_by_role("link", name="Статистика", exact=True)).to_be_visible()
    expect(applications).to_be_hidden()

    page.get_by_text("Отдел продаж", exact=True).first.click()
    expect(applications).to_be_visible()
    page.get_by_test_id("page-title").click()
    expect(applications).to_be_hidden()

    # the top bar fits one line at 1366 px: the brand and the last menu entry share a row
    brand = page.locator(".brand").bounding_box()
    more = page.locator("nav.menu > details > summary", has_text="Ещё").bounding_box()
    assert brand is not None and more is not None
    assert abs(more["y"] - brand["y"]) < 20


def test_the_sign_up_and_team_pages_fit_a_phone(
    page: Page, live_server: Any, settings: Any
) -> None:
    """The public pages of the sign-up and of an invitation, and a new owner's cabinet (its
    checklist with the long curl line) and «Команда», at 390 px."""
    cache.clear()
    page.set_viewport_size(PHONE)
    wide: list[tuple[str, int]] = []

    def check(path: str) -> None:
        if path:
            page.goto(f"{live_server.url}{path}")
        if page_width(page) > 390:
            wide.append((path or page.url, page_width(page)))

    check("/accounts/signup/")
    page.get_by_label("Пароль", exact=True).fill("1")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.locator(".field-error").first).to_be_visible()
    check("")  # the form with its errors
    signed = partner_sign_up(
        company="Онлайн-школа акварели и графического дизайна для взрослых",
        full_name="Ольга Петрова",
        email="olga@school.example",
        password="акварель-по-средам-42",
    )
    check("/accounts/signup/sent/")
    link = confirmation_path("olga@school.example")
    check(link)
    page.get_by_role("button", name="Подтвердить и войти в кабинет").click()
    page.wait_for_url("**/cabinet/")
    check("")  # the cabinet with its checklist and curl example
    check("/cabinet/team/")
    assert signed.partner is not None
    invitation_create(email="kate@school.example", role="partner_staff", partner=signed.partner)
    check("/cabinet/team/")
    _inv, raw = invitation_create(
        email="pavel@school.example", role="partner_staff", partner=signed.partner
    )
    page.context.clear_cookies()
    check(f"/accounts/invite/{raw}/")
    check(link)  # «already confirmed»
    settings.SIGNUP_RATE_LIMIT = (1, 3600)
    for _ in range(2):  # one request allowed, the second is one too many
        check("/accounts/signup/sent/")
        page.get_by_placeholder("Электронная почта").fill("olga@school.example")
        page.get_by_role("button", name="Прислать новую ссылку").click()
    expect(page.get_by_test_id("too-many-requests")).to_be_visible()
    check("")

    assert wide == []
