"""Real Chromium: a partner switches the sales department on for a product, fills in the
questionnaire (autosaved), submits it and books a call; the head approves; the partner sees it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from partners.models import Questionnaire
from partners.services import slot_publish
from salesdesk.timezones import moscow_day
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWERS = {
    "О проекте": "Онлайн-школа рисования, работаем с 2015 года.",
    "О продукте": "Курс акварели: 8 недель, 24 урока, обратная связь от преподавателя.",
    "Аудитория": "Взрослые новички, которые давно хотели рисовать.",
    "Цена и способы оплаты": "4900 ₽, рассрочка на 3 месяца без переплаты.",
    "Частые вопросы (FAQ)": "Нужны ли материалы? Список пришлём после оплаты.",
    "Типичные возражения и ответы на них": "«Нет таланта» — курс рассчитан на новичков.",
    "Контакт для срочных вопросов в рабочее время": "Анна, +7 912 345-67-89, Telegram @anna_school",
}


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("button", name="Войти")).to_be_visible()


def test_a_partner_gets_a_product_approved_by_the_head(page: Page, live_server) -> None:
    # given: a partner, and the head of sales with one published slot
    owner = UserFactory.create(
        role="partner_owner", partner=PartnerFactory.create(name="Школа рисования")
    )
    head = UserFactory.create(role="head", full_name="Ольга Руководитель")
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(
        hour=11, minute=0, second=0, microsecond=0
    )
    slot_publish(head=head, starts_at=starts)

    # the partner creates a product and switches the sales department on
    log_in(page, live_server.url, owner.email)
    expect(page).to_have_url(f"{live_server.url}/cabinet/")
    page.get_by_role("link", name="Новый продукт").click()
    page.get_by_label("Название").fill("Курс акварели")
    page.get_by_label("Цена, ₽").fill("4900")
    page.get_by_role("button", name="Создать продукт").click()
    expect(page.get_by_test_id("page-title")).to_have_text("Курс акварели")
    expect(page.get_by_test_id("sales-status")).to_have_text("Выключен")

    page.get_by_label("Отдел продаж включён").check()
    page.get_by_role("button", name="Сохранить настройки").click()
    expect(page.get_by_text("Настройки сохранены.")).to_be_visible()
    expect(page.get_by_test_id("sales-status")).to_have_text("Черновик")

    # fills in the questionnaire; each answer is autosaved as a draft
    for label, answer in ANSWERS.items():
        page.get_by_role("textbox", name=label).fill(answer)
    for field in Questionnaire.REQUIRED_FIELDS:
        expect(page.get_by_test_id(f"autosave-{field}")).to_contain_text("Черновик сохранён")
    page.reload()
    expect(page.get_by_role("textbox", name="Аудитория")).to_have_value(ANSWERS["Аудитория"])

    # submits it and books the head's slot
    page.get_by_role("button", name="Отправить на проверку").click()
    expect(page.get_by_test_id("sales-status")).to_have_text("Отправлено")
    page.get_by_role("link", name="Забронировать созвон").click()
    page.get_by_label(f"{moscow_day(starts)} в 11:00 по московскому времени").check()
    expect(page.get_by_role("checkbox", name="Курс акварели")).to_be_checked()
    page.get_by_role("button", name="Забронировать", exact=True).click()
    expect(page.get_by_text(f"Созвон назначен на {moscow_day(starts)} в 11:00.")).to_be_visible()
    expect(page.get_by_test_id("bookings")).to_contain_text("Курс акварели")
    log_out(page)

    # when: the head opens the application and approves it
    log_in(page, live_server.url, head.email)
    page.get_by_text("Отдел продаж", exact=True).first.click()  # the menu's dropdown
    page.get_by_role("link", name="Заявки", exact=True).click()
    expect(page.get_by_test_id("applications")).to_contain_text("Школа рисования")
    page.get_by_role("link", name="Курс акварели").click()
    expect(page.get_by_test_id("sales-status")).to_have_text("Созвон назначен")
    # no held call yet: the head agreed by phone and gives the call's notes with the approval
    page.get_by_label("Заметки созвона").fill("Созвонились по телефону, анкету согласовали.")
    page.get_by_role("button", name="Одобрить").click()
    expect(page.get_by_text("Продукт одобрен.")).to_be_visible()
    log_out(page)

    # then: the partner sees the product approved
    log_in(page, live_server.url, owner.email)
    expect(page.get_by_test_id("product-table")).to_contain_text("Одобрено")
    page.get_by_role("link", name="Курс акварели").click()
    expect(page.get_by_test_id("sales-status")).to_have_text("Одобрено")
    expect(page.get_by_test_id("audit-trail")).to_contain_text("Ольга Руководитель")
    expect(page.get_by_test_id("audit-trail")).to_contain_text("анкету согласовали")
