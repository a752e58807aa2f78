"""Real Chromium: the partner's owner makes a product's script and renames a step in the cabinet;
the manager who takes the product's order opens «Скрипт разговора» beside the buyer and on the
deal page. Screenshots at desktop width and at 390 px go to ``$SALESDESK_SCREENSHOTS``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from crm.models import Deal
from partners.models import Questionnaire
from tests.accounts.factories import UserFactory
from tests.browser.test_tasks import log_in, shoot
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, queued_item

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("clock"),
]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue's working-hours rules: every request happens at ``NOON``."""
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))


def test_the_owner_edits_a_script_and_the_manager_reads_it_beside_the_buyer(
    page: Page, live_server: Any
) -> None:
    # given a product on sale with a price answer, its owner and a manager
    product = ProductFactory.create(on_sale=True, name="Курс рисования")
    Questionnaire.objects.update_or_create(
        product=product, defaults={"price_and_payment": "19 900 ₽ или 6 × 3 317 ₽"}
    )
    owner = UserFactory.create(role="partner_owner", partner=product.partner)
    ivan = UserFactory.create(role="manager", full_name="Иван Менеджер")
    queued_item(product=product, customer_name="Анна Первая", customer_phone="+79001112233")

    # the owner creates the product's script and renames its first step
    log_in(page, live_server.url, owner.email)
    page.goto(f"{live_server.url}/cabinet/scripts/")
    page.get_by_label("Продукт").select_option(label="Курс рисования")
    page.get_by_role("button", name="Создать из скрипта по умолчанию").click()
    page.goto(f"{live_server.url}/cabinet/scripts/")
    expect(page.get_by_test_id("script-row")).to_contain_text("Курс рисования")
    shoot(page, "script-list")
    page.get_by_test_id("script-row").get_by_role("link").click()
    page.get_by_test_id("step-title").first.fill("Поздороваться и напомнить о заказе")
    page.get_by_test_id("step-save").first.click()
    expect(page.get_by_test_id("step-title").first).to_have_value(
        "Поздороваться и напомнить о заказе"
    )
    shoot(page, "script-edit")
    page.context.clear_cookies()

    # the manager takes the order and opens the script beside the buyer
    log_in(page, live_server.url, ivan.email)
    page.goto(f"{live_server.url}/workspace/")
    page.get_by_test_id("take-next").click()
    script = page.get_by_test_id("touch-script")
    script.get_by_text("Скрипт разговора").click()
    expect(script.get_by_test_id("touch-script-step").first).to_contain_text(
        "Поздороваться и напомнить о заказе"
    )
    expect(script).to_contain_text("19 900 ₽")
    shoot(page, "script-workspace")

    # and on the deal page, whose description starts from the script
    deal = Deal.objects.get()
    page.goto(f"{live_server.url}/workspace/deals/{deal.pk}/")
    expect(page.get_by_test_id("description-text")).to_have_value(
        "1. Поздороваться и напомнить о заказе\n2. Цена и способы оплаты\n"
        "3. Следующий шаг: ссылка на оплату"
    )
    page.get_by_test_id("touch-script").get_by_text("Скрипт разговора").click()
    shoot(page, "script-deal")
