"""Real Chromium, the whole self sign-up: from the login page to the form, the confirmation
link read from the outbox, the click that confirms, the cabinet with its checklist; then the
owner invites a colleague who joins the same cabinet."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from tests.accounts.signup import confirmation_path, invitation_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STRONG = "акварель-по-средам-42"


def test_a_school_signs_up_confirms_its_email_and_lands_in_the_cabinet(
    page: Page, browser: Browser, browser_context_args: dict[str, Any], live_server: Any
) -> None:
    cache.clear()  # the per-address sign-up counter
    # given the login page, with its link to sign up
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Зарегистрироваться").click()

    # when the form is filled in, first with a password Django refuses
    page.get_by_label("Название компании").fill("Школа акварели")
    page.get_by_label("Ваше имя").fill("Ольга Петрова")
    page.get_by_label("Электронная почта").fill("olga@school.example")
    page.get_by_label("Пароль", exact=True).fill("12345678")
    page.get_by_label("Пароль ещё раз").fill("12345678")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_text("Введённый пароль слишком широко распространён.")).to_be_visible()
    page.get_by_label("Пароль", exact=True).fill(STRONG)
    page.get_by_label("Пароль ещё раз").fill(STRONG)
    page.get_by_role("button", name="Зарегистрироваться").click()

    # then «check your inbox», and logging in waits for the confirmation
    expect(page.get_by_test_id("page-title")).to_have_text("Проверьте почту")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Электронная почта").fill("olga@school.example")
    page.get_by_label("Пароль").fill(STRONG)
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("alert")).to_contain_text("Подтвердите адрес почты")
    expect(page.get_by_role("button", name="Отправить ссылку ещё раз")).to_be_visible()

    # when the link from the email (the outbox) is opened and confirmed
    page.goto(live_server.url + confirmation_path("olga@school.example"))
    page.get_by_role("button", name="Подтвердить и войти в кабинет").click()

    # then the owner is in the cabinet, with the checklist and a curl for this very host
    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    expect(page.get_by_text("Адрес почты подтверждён")).to_be_visible()
    expect(page.get_by_test_id("page-title")).to_contain_text("Школа акварели")
    checklist = page.get_by_test_id("checklist")
    expect(checklist).to_contain_text("Первые шаги 0/5")
    expect(checklist.get_by_role("link", name="Создайте продукт")).to_be_visible()
    expect(page.get_by_test_id("curl-example")).to_contain_text(
        f"curl -X POST '{live_server.url}/api/v1/orders/'"
    )

    # and the owner invites a colleague, who joins the same cabinet through the emailed link
    page.get_by_role("link", name="Команда").first.click()
    page.get_by_label("Почта коллеги").fill("kate@school.example")
    page.get_by_role("button", name="Пригласить").click()
    expect(page.get_by_role("status")).to_contain_text("Приглашение отправлено")
    other_context = browser.new_context(**browser_context_args)  # another person's browser
    colleague = other_context.new_page()
    colleague.goto(live_server.url + invitation_path("kate@school.example"))
    colleague.get_by_label("Ваше имя").fill("Екатерина Орлова")
    colleague.get_by_label("Пароль", exact=True).fill(STRONG)
    colleague.get_by_label("Пароль ещё раз").fill(STRONG)
    colleague.get_by_role("button", name="Присоединиться").click()
    expect(colleague).to_have_url(f"{live_server.url}/cabinet/")
    expect(colleague.get_by_test_id("page-title")).to_contain_text("Школа акварели")
    assert User.objects.get(email="kate@school.example").partner_id == (
        User.objects.get(email="olga@school.example").partner_id
    )
    other_context.close()
