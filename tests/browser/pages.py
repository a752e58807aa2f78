"""What the browser tests share: logging in through the real form, and the demo data."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command
from playwright.sync_api import Page

from salesdesk.config import parse_working_hours
from tests.accounts.factories import PASSWORD

DEMO_PASSWORD = "salesdesk-demo"


def log_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form and wait until the landing page has loaded (its
    deferred scripts too)."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state("load")


def seed_demo(settings: Any) -> None:
    """``seed_demo``'s partners, staff and orders, with the sales floor open round the clock
    (the demo's takes and callbacks fall at any hour the test runs)."""
    settings.SALES_WORKING_HOURS = parse_working_hours("00:00-24:00")
    call_command("seed_demo", force=True, stdout=io.StringIO())
