"""Real Chromium: a landing page on another site (another origin, its own little HTTP server)
carries the lead form snippet copied from the API. Sent with the script (JSON, CORS) or
without JavaScript (a plain post and the thank-you page), the request becomes a lead that a
manager then takes from the queue: its deal is titled with the list's name. And the partner's
list page, with the lead and the form's preview, fits a phone's 390 px."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from crm.models import Deal, Lead, LeadList
from sales_queue.services import queue_take_next
from salesdesk.config import parse_working_hours
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.clients import partner_api
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import manager

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDING_PORT = 8611
LANDING = f"http://127.0.0.1:{LANDING_PORT}"


class Landing:
    """A static landing page served from its own origin; ``html`` is what it carries."""

    html = ""


@pytest.fixture
def landing() -> Iterator[type[Landing]]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                "<!doctype html><html lang='ru'><head><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width, initial-scale=1'>"
                "<title>Курс рисования</title></head><body style='font-family:sans-serif'>"
                f"<h1>Курс рисования</h1>{Landing.html}</body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", LANDING_PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Landing
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def form_list(settings: Any, live_server: Any, landing: type[Landing]) -> LeadList:
    """A list created over the API; its snippet, as the API gives it, pasted on the landing."""
    cache.clear()
    settings.SITE_URL = live_server.url
    settings.SALES_WORKING_HOURS = parse_working_hours("00:00-24:00")
    product = ProductFactory.create(on_sale=True, name="Курс рисования")
    response = partner_api(product.partner).post(
        "/api/v1/lead-lists/",
        {"name": "Лендинг курса рисования", "product": str(product.pk)}
        | {"allowed_origins": [LANDING], "default_source": "landing"},
        format="json",
    )
    assert response.status_code == 201, response.content
    landing.html = response.json()["form_html"]
    return LeadList.objects.get(pk=response.json()["id"])


def fill_in(page: Page) -> None:
    page.get_by_label("Ваше имя").fill("Ольга Петрова")
    page.get_by_label("Телефон").fill("8 912 345-67-89")
    page.get_by_label("Комментарий (необязательно)").fill("Удобно после 18:00")
    page.get_by_text("Я согласен(на) на обработку моих персональных данных.").click()


def the_manager_takes_it(form_list: LeadList) -> None:
    got = Lead.objects.get()
    item = queue_take_next(manager=manager())
    assert item is not None and item.lead_id == got.pk
    deal = Deal.objects.get(queue_item=item)
    assert deal.title == "Лендинг курса рисования"
    assert deal.contact_phone == "+79123456789"


def test_the_script_sends_the_form_from_the_landing_and_a_manager_takes_the_lead(
    page: Page, form_list: LeadList
) -> None:
    # given: the landing opened from an ad
    page.goto(f"{LANDING}/?utm_source=vk&utm_campaign=spring")
    fill_in(page)

    # when
    page.get_by_role("button", name="Отправить заявку").click()

    # then: thanked in place, the landing stays
    expect(page.get_by_role("status")).to_have_text(
        "Спасибо! Заявка принята, мы скоро с вами свяжемся."
    )
    assert page.url.startswith(LANDING)
    got = Lead.objects.get()
    assert (got.name, got.comment, got.source) == (
        "Ольга Петрова",
        "Удобно после 18:00",
        "vk / spring",
    )
    assert got.tracking["utm_campaign"] == "spring"
    the_manager_takes_it(form_list)


def test_without_javascript_the_form_posts_and_shows_the_thank_you_page(
    browser: Browser, form_list: LeadList, tmp_path: Path
) -> None:
    # given: a phone's browser with JavaScript off
    context = browser.new_context(
        java_script_enabled=False, locale="ru-RU", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(f"{LANDING}/")
    fill_in(page)
    page.screenshot(path=str(tmp_path / "landing-390.png"), full_page=True)

    # when
    page.get_by_role("button", name="Отправить заявку").click()

    # then: SalesDesk's thank-you page
    expect(page.get_by_test_id("lead-form-page")).to_contain_text("Спасибо! Заявка принята")
    assert page.url.endswith("/forms/thank-you/")
    assert int(page.evaluate("document.documentElement.scrollWidth")) <= 390
    page.screenshot(path=str(tmp_path / "thank-you-390.png"), full_page=True)
    assert Lead.objects.get().source == "landing"
    context.close()
    the_manager_takes_it(form_list)


def test_the_partners_list_page_shows_the_lead_and_fits_a_phone(
    page: Page, live_server: Any, form_list: LeadList, tmp_path: Path
) -> None:
    # given: a lead came through the form
    page.goto(f"{LANDING}/")
    fill_in(page)
    page.get_by_role("button", name="Отправить заявку").click()
    expect(page.get_by_role("status")).to_be_visible()
    owner = UserFactory.create(role="partner_owner", partner=form_list.partner)
    log_in(page, live_server.url, owner.email)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))

    # when
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/cabinet/lead-lists/{form_list.pk}/")

    # then: the lead, its status, the form's preview (rendered in the sandboxed frame)
    expect(page.get_by_test_id("lead-row")).to_contain_text("Ольга Петрова")
    expect(page.get_by_test_id("lead-status")).to_have_text("в очереди")
    preview = page.frame_locator("[data-testid=lead-form-preview]")
    expect(preview.get_by_role("button", name="Отправить заявку")).to_be_visible()
    page.screenshot(path=str(tmp_path / "lead-list-1366.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(preview.get_by_role("button", name="Отправить заявку")).to_be_visible()
    assert int(page.evaluate("document.documentElement.scrollWidth")) <= 390
    page.screenshot(path=str(tmp_path / "lead-list-390.png"), full_page=True)
    assert problems == []  # the preview runs no script: no policy violation, no error
