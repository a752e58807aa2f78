"""Real Chromium, team mode split, the issue's whole flow: a caller qualifies a buyer in the
workspace with a note; a closer takes the warm deal first and reads who handed it over and why —
at phone width; quality assurance takes the caller's touch for review and scores it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from crm.models import Deal
from quality.models import Review
from sales_queue.models import QueueItem, Touch
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in
from tests.sales_queue.factories import NOON, queued_item
from tests.sales_queue.team_helpers import team_mode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Хочет годовой курс, звонить после 18:00"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_caller_qualifies_a_closer_takes_the_warm_deal_and_qa_scores_the_callers_touch(
    page: Page, browser: Browser, live_server: Any
) -> None:
    # given: a split team; the caller's buyer waits longest, another order an hour less
    team_mode("split")
    caller = UserFactory.create(role="caller", full_name="Ольга Звонарёва")
    closer = UserFactory.create(role="manager", full_name="Иван Закрывающий")
    anna = queued_item(customer_name="Анна Тёплая", entered_at=NOON - dt.timedelta(hours=3))
    queued_item(customer_name="Борис Холодный", entered_at=NOON - dt.timedelta(hours=2))
    log_in(page, live_server.url, caller.email)

    # the caller takes Анна and hands her over with a note
    page.get_by_test_id("take-next").click()
    expect(page.get_by_test_id("buyer-name")).to_have_text("Анна Тёплая")
    handoff = page.get_by_test_id("outcome-qualified")
    expect(handoff).to_have_text("Квалифицирован — передать закрывающему")
    page.get_by_test_id("touch-comment").fill(NOTE)
    handoff.click()
    expect(page.get_by_test_id("no-current-item")).to_be_visible()
    expect(page.get_by_text("Передано закрывающим")).to_be_visible()

    # the closer, on a phone, takes next: Анна, not the older-waiting Борис, with the note
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="ru-RU")
    log_in(phone, live_server.url, closer.email)
    phone.get_by_test_id("take-next").click()
    expect(phone.get_by_test_id("buyer-name")).to_have_text("Анна Тёплая")
    expect(phone.get_by_test_id("handoff-by")).to_have_text("Ольга Звонарёва")
    expect(phone.get_by_test_id("handoff-note")).to_have_text(NOTE)
    expect(phone.get_by_test_id("outcome-qualified")).to_have_count(0)
    assert no_horizontal_scroll(phone)
    phone.close()

    deal = Deal.objects.get(queue_item=anna)
    assert deal.responsible_id == closer.pk and deal.status == "open"
    assert list(Touch.objects.filter(deal=deal).values_list("manager_id", "outcome")) == [
        (caller.pk, "qualified")
    ]
    assert QueueItem.objects.get(pk=anna.pk).holder_id == closer.pk

    # QA takes the caller's touch for review and scores it: 5 yes, 1 no, 1 not applicable
    qa = UserFactory.create(role="qa", full_name="Елена Контролёва")
    page.context.clear_cookies()
    log_in(page, live_server.url, qa.email)
    pick = page.get_by_test_id("qa-pick").filter(has_text="Ольга Звонарёва")
    expect(pick).to_have_count(1)
    expect(pick).to_contain_text(NOTE)
    pick.get_by_test_id("qa-take").click()
    items = page.get_by_test_id("qa-item")
    expect(items).to_have_count(7)
    for n, answer in enumerate(["Да", "Да", "Да", "Да", "Да", "Нет", "Неприменимо"]):
        items.nth(n).get_by_label(answer, exact=True).check()
    page.get_by_label("Общий комментарий для менеджера").fill("Хорошая квалификация")
    page.get_by_role("button", name="Сохранить оценку").click()
    expect(page.get_by_text("Оценка сохранена, менеджер получил уведомление.")).to_be_visible()

    # then: the review is of the caller's handoff touch, scored 5 / 6 = 83.33
    review = Review.objects.get()
    assert (review.touch.manager_id, review.touch.outcome) == (caller.pk, "qualified")
    assert (review.manager_id, review.status, str(review.score)) == (caller.pk, "done", "83.33")
