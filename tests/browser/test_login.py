"""Real Chromium: each kind of user logs in and lands on their own home page."""

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.factories import PASSWORD, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/accounts/login/?next=/")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


def test_a_partner_lands_in_their_cabinet(page: Page, live_server) -> None:
    owner = UserFactory.create(
        role="partner_owner", partner=PartnerFactory.create(name="Школа рисования")
    )

    log_in(page, live_server.url, owner.email)

    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    expect(page.get_by_test_id("page-title")).to_contain_text("Школа рисования")
    expect(page.get_by_test_id("current-user")).to_have_text(owner.full_name)


def test_a_manager_lands_in_the_workspace(page: Page, live_server) -> None:
    manager = UserFactory.create(role="manager")

    log_in(page, live_server.url, manager.email)

    expect(page).to_have_url(f"{live_server.url}/workspace/")
    expect(page.get_by_test_id("page-title")).to_have_text("Рабочее место менеджера")


def test_a_wrong_password_keeps_the_user_on_the_login_page(page: Page, live_server) -> None:
    manager = UserFactory.create(role="manager")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Электронная почта").fill(manager.email)
    page.get_by_label("Пароль").fill("not-the-password")
    page.get_by_role("button", name="Войти").click()

    expect(page.get_by_role("alert")).to_contain_text("Пожалуйста, введите правильные")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
