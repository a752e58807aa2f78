"""Real Chromium: the head opens «Команда», switches the team to split mode, invites a trainee
caller and sees the pending invitation; at 390 px the page does not scroll sideways. Screenshots
at 1366 and 390 px go to ``$SALESDESK_SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Invitation, Role, TeamSettings
from accounts.team import team_settings
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("SALESDESK_SCREENSHOTS")
    if not folder:
        return
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_the_head_switches_to_split_and_invites_a_caller(page: Page, live_server: Any) -> None:
    # given: the head and a trainee manager
    head = UserFactory.create(role="head", full_name="Ольга Руководитель")
    UserFactory.create(
        role="manager", is_trainee=True, full_name="Артём Новичков", email="artem@example.com"
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url, head.email)

    # when: «Команда» from the menu, split mode saved
    page.get_by_text("Ещё", exact=True).click()
    page.get_by_role("link", name="Команда").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Команда")
    expect(page.get_by_test_id("staff-row").filter(has_text="Артём Новичков")).to_contain_text(
        "стажёр"
    )
    page.get_by_label("Разделение: звонящий → закрывающий → аккаунт-менеджер").check()
    page.get_by_test_id("mode-save").click()
    expect(page.get_by_text("Настройки команды сохранены.")).to_be_visible()
    assert team_settings().mode == TeamSettings.Mode.SPLIT
    expect(
        page.get_by_label("Разделение: звонящий → закрывающий → аккаунт-менеджер")
    ).to_be_checked()

    # and: invites a caller as a trainee at 7,5 %
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Электронная почта").fill("pavel@example.com")
    form.get_by_label("Роль").select_option(label="Оператор обзвона")
    form.get_by_label("Стажёр").check()
    form.get_by_label("Комиссия, %").fill("7,5")
    page.get_by_test_id("invite-submit").click()

    # then: the invitation is sent and listed as pending
    expect(page.get_by_text("Приглашение отправлено на pavel@example.com.")).to_be_visible()
    pending = page.get_by_test_id("invitation-row")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("pavel@example.com")
    expect(pending).to_contain_text("Оператор обзвона")
    invitation = Invitation.objects.get(email="pavel@example.com")
    assert invitation.role == Role.CALLER and invitation.is_trainee
    shoot(page, "team")

    # and at a phone's width nothing scrolls sideways
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_test_id("invitation-row")).to_contain_text("pavel@example.com")


def test_the_member_and_deactivation_pages_fit_a_phone(page: Page, live_server: Any) -> None:
    head = UserFactory.create(role="head", full_name="Ольга Руководитель")
    ivan = UserFactory.create(role="manager", full_name="Иван Продажин")
    log_in(page, live_server.url, head.email)

    for name, path in (
        ("member", f"/head/team/members/{ivan.pk}/"),
        ("deactivate", f"/head/team/members/{ivan.pk}/deactivate/"),
    ):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(live_server.url + path)
        expect(page.get_by_test_id("page-title")).to_contain_text("Иван Продажин")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        shoot(page, f"team-{name}")

    page.get_by_test_id("deactivate-confirm").click()
    expect(page.get_by_text("Иван Продажин больше не может войти.", exact=False)).to_be_visible()
