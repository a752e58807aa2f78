"""Real Chromium: QA opens the day's sample, listens (the player is there for an https
recording), answers the checklist and saves; the manager opens the bell's link and reads the
score item by item."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from quality.models import Review
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.quality.factories import pending_review, qa_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORDING = "https://records.example.com/calls/42.mp3"


def test_qa_scores_a_call_and_the_manager_reads_it(
    page: Page, live_server: Any, browser: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url  # the notification's link
    # given a seller's call with a recording waiting for review
    manager = UserFactory.create(role="caller", full_name="Мария Звонкова")
    review = pending_review(manager=manager, recording_url=RECORDING, comment="Тёплый клиент")
    qa = qa_user(full_name="Елена Контролёва")

    # when QA opens the queue, the call, answers every item and saves
    log_in(page, live_server.url, qa.email)
    expect(page).to_have_url(f"{live_server.url}/qa/")
    page.get_by_role("link", name="Проверить").click()
    expect(page.get_by_test_id("qa-recording")).to_have_attribute("src", RECORDING)
    items = page.get_by_test_id("qa-item")
    expect(items).to_have_count(7)
    for n, answer in enumerate(["Да", "Да", "Да", "Да", "Нет", "Нет", "Неприменимо"]):
        items.nth(n).get_by_label(answer, exact=True).check()
    items.nth(4).get_by_placeholder("Комментарий (необязательно)").fill("Спорила о цене")
    page.get_by_label("Общий комментарий для менеджера").fill("Уточняйте, с чем сравнивают")
    page.get_by_role("button", name="Сохранить оценку").click()

    # then QA is back at the queue with the news, and the review is scored 4 / 6
    expect(page.get_by_text("Оценка сохранена, менеджер получил уведомление.")).to_be_visible()
    review.refresh_from_db()
    assert review.status == "done" and str(review.score) == "66.67"

    # and the seller finds it through the bell and reads it item by item
    context = browser.new_context(locale="ru-RU")
    seller = context.new_page()
    log_in(seller, live_server.url, manager.email)
    seller.goto(f"{live_server.url}/notifications/")
    seller.get_by_role("link", name="Ваш звонок проверили: 66,67 из 100").first.click()
    card = seller.get_by_test_id("my-review")
    expect(card).to_contain_text("66,67 из 100")
    expect(card).to_contain_text("Спорила о цене")
    expect(card).to_contain_text("Уточняйте, с чем сравнивают")
    context.close()
    assert Review.objects.get(pk=review.pk).seen_at is not None
