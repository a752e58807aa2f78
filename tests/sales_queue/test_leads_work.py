"""A lead's item is worked like an order's: withdrawn and restored with its product, retried
after no answer, auto-released, closed as lost on a refusal, taken only in working hours, on
the product's channels only — and the workspace, the head's queue page, the deal pages and the
search show it without an order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from crm.models import Deal
from sales_queue.models import QueueItem
from sales_queue.selectors import held_item_news
from sales_queue.services import (
    queue_auto_release,
    queue_head_release,
    queue_take_next,
    queue_touch,
    supply,
)
from salesdesk.config import parse_working_hours
from salesdesk.errors import ApplicationError, ConflictError
from tests.accounts.factories import UserFactory
from tests.clients import logged_in
from tests.crm.lead_factories import lead, lead_list
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager
from web.sales_queue.views import news_message

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Noon in Moscow, inside working hours, whenever the suite runs."""
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


def _item(got: Any) -> QueueItem:
    return QueueItem.objects.get(lead=got)


# --- the queue's rules -------------------------------------------------------------------------


def test_blocking_the_product_withdraws_a_waiting_lead_and_unblocking_restores_it() -> None:
    # given
    got = lead(now=NOON - dt.timedelta(minutes=5))
    head = UserFactory.create(role="head")
    product = got.product

    # when
    supply.product_block(product=product, actor=head)

    # then
    item = _item(got)
    assert (item.state, item.outcome_reason) == ("withdrawn", "product_blocked")
    assert queue_take_next(manager=manager(), now=NOON) is None

    # when
    product.refresh_from_db()
    supply.product_unblock(product=product, actor=head)

    # then
    item.refresh_from_db()
    assert (item.state, item.outcome_reason, item.closed_at) == ("queued", "", None)
    taken = queue_take_next(manager=manager(), now=NOON)
    assert taken is not None and taken.pk == item.pk


def test_switching_the_product_off_withdraws_a_waiting_lead_and_on_restores_it() -> None:
    # given
    got = lead(now=NOON - dt.timedelta(minutes=5))
    owner = UserFactory.create(role="partner_owner", partner=got.partner)

    # when
    supply.sales_settings_update(product=got.product, actor=owner, enabled=False)

    # then
    assert _item(got).state == "withdrawn"

    # when
    supply.sales_settings_update(product=got.product, actor=owner, enabled=True)

    # then
    assert _item(got).state == "queued"


def test_a_held_lead_stays_with_its_manager_when_the_product_is_blocked() -> None:
    got = lead(now=NOON - dt.timedelta(minutes=5))
    seller = manager()
    queue_take_next(manager=seller, now=NOON)

    supply.product_block(product=got.product, actor=UserFactory.create(role="head"))

    item = _item(got)
    assert (item.state, item.holder_id) == ("active", seller.pk)


def test_no_answer_on_a_lead_sends_it_back_after_the_retry_delay(settings: Any) -> None:
    # given
    settings.SALES_RETRY_DELAY_MINUTES = 30
    got = lead(now=NOON - dt.timedelta(minutes=5))
    seller = manager()
    item = queue_take_next(manager=seller, now=NOON)
    assert item is not None

    # when
    queue_touch(
        manager=seller,
        item_id=item.pk,
        channel="phone",
        outcome="no_answer",
        now=NOON + dt.timedelta(minutes=1),
    )

    # then
    item = _item(got)
    assert (item.state, item.holder_id, item.attempts) == ("queued", None, 1)
    assert queue_take_next(manager=manager(), now=NOON + dt.timedelta(minutes=30)) is None
    again = queue_take_next(manager=seller, now=NOON + dt.timedelta(minutes=31))
    assert again is not None and again.pk == item.pk
    # the same deal, handed back to its manager
    assert Deal.objects.filter(queue_item=item).count() == 1


def test_a_refused_lead_closes_as_lost_with_its_deal() -> None:
    got = lead(now=NOON - dt.timedelta(minutes=5))
    seller = manager()
    item = queue_take_next(manager=seller, now=NOON)
    assert item is not None

    queue_touch(
        manager=seller,
        item_id=item.pk,
        channel="phone",
        outcome="refused",
        reason="too_expensive",
        now=NOON + dt.timedelta(minutes=1),
    )

    item = _item(got)
    assert (item.state, item.outcome, item.outcome_reason) == ("done", "lost", "too_expensive")
    deal = Deal.objects.get(queue_item=item)
    assert (deal.status, deal.lost_reason) == ("lost", "too_expensive")


def test_an_untouched_lead_is_auto_released(settings: Any) -> None:
    settings.SALES_AUTO_RELEASE_MINUTES = 60
    got = lead(now=NOON - dt.timedelta(minutes=5))
    queue_take_next(manager=manager(), now=NOON)

    released = queue_auto_release(now=NOON + dt.timedelta(minutes=61))

    assert released == 1
    item = _item(got)
    assert (item.state, item.holder_id) == ("queued", None)
    assert item.events.filter(kind="auto_released").count() == 1


def test_a_lead_is_not_taken_outside_working_hours(settings: Any) -> None:
    settings.SALES_WORKING_HOURS = parse_working_hours("09:00-21:00")
    got = lead(now=NOON - dt.timedelta(minutes=5))

    with pytest.raises(ConflictError) as refused:
        queue_take_next(manager=manager(), now=NOON.replace(hour=22))

    assert refused.value.code == "outside_working_hours"
    assert _item(got).state == "queued"


def test_a_touch_on_a_lead_over_a_channel_the_partner_did_not_allow_is_refused() -> None:
    # given: a product worked by phone and Telegram only
    product = ProductFactory.create(on_sale=True, channels=["phone", "telegram"])
    got = lead(of=lead_list(product=product), email="olga@example.com")
    seller = manager()
    item = queue_take_next(manager=seller, now=NOON)
    assert item is not None

    # when / then
    with pytest.raises(ApplicationError) as refused:
        queue_touch(manager=seller, item_id=item.pk, channel="email", outcome="reached")
    assert refused.value.code == "channel_not_allowed"
    assert _item(got).touches.count() == 0


# --- what the pages show -----------------------------------------------------------------------


def _held_lead(**fields: Any) -> tuple[Any, Any, QueueItem]:
    product = ProductFactory.create(on_sale=True, channels=["phone", "telegram"])
    made = lead_list(product=product, name="Вебинар по Python")
    got = lead(
        of=made,
        name="Ольга Лидова",
        email="olga@example.com",
        source="VK реклама",
        comment="Хочу в рассрочку, звоните после 18:00",
        now=NOON - dt.timedelta(minutes=5),
        **fields,
    )
    seller = manager()
    item = queue_take_next(manager=seller, now=NOON)
    assert item is not None
    return got, seller, item


def test_the_workspace_shows_a_held_lead_like_an_order_without_order_facts() -> None:
    # given
    _got, seller, _ = _held_lead()

    # when
    response = logged_in(seller).get("/workspace/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="current-item"' in html
    assert "Ольга Лидова" in html
    assert 'data-testid="lead-facts"' in html and "Заявка" in html
    assert "Хочу в рассрочку, звоните после 18:00" in html
    assert "Вебинар по Python" in html and "VK реклама" in html
    # no order facts and no payment link
    assert 'data-testid="order-external-id"' not in html
    assert "Сумма" not in html and 'data-testid="payment-link"' not in html
    # the buyer's contacts on the allowed channels only (email is not allowed)
    assert 'data-testid="contact-phone"' in html
    assert 'data-testid="contact-email"' not in html
    assert '<option value="email"' not in html
    # the inbound script, not the unpaid-order one
    assert 'data-testid="touch-script"' in html
    assert "Входящий звонок (по умолчанию)" in html
    assert "Неоплаченный заказ (по умолчанию)" not in html


def test_the_workspace_logs_a_touch_on_a_lead() -> None:
    got, seller, item = _held_lead()

    response = logged_in(seller).post(
        f"/workspace/items/{item.pk}/touch/",
        {"channel": "phone", "outcome": "refused", "reason": "no_time", "comment": ""},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert _item(got).state == "done"


def test_the_heads_queue_page_shows_a_held_lead() -> None:
    _held_lead()

    response = logged_in(UserFactory.create(role="head")).get("/head/queue/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ольга Лидова" in html


@pytest.mark.parametrize("prefix", ["workspace", "head", "cabinet"])
def test_a_lead_deal_page_renders_without_an_order(prefix: str) -> None:
    # given
    got, seller, item = _held_lead()
    deal = Deal.objects.get(queue_item=item)
    viewer = {
        "workspace": seller,
        "head": UserFactory.create(role="head"),
        "cabinet": UserFactory.create(role="partner_owner", partner=got.partner),
    }[prefix]

    # when
    # (the cabinet lists its deals; a deal's page is the sales department's)
    url = "/cabinet/deals/" if prefix == "cabinet" else f"/{prefix}/deals/{deal.pk}/"
    response = logged_in(viewer).get(url)

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Вебинар по Python" in html and "Ольга Лидова" in html
    if prefix != "cabinet":
        assert "VK реклама" in html


def test_the_search_finds_a_lead_deal_and_its_buyer() -> None:
    _got, seller, _ = _held_lead()

    response = logged_in(seller).get("/search/", {"q": "Лидова"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Вебинар по Python" in html


def test_a_withdrawn_lead_is_told_as_a_lead_not_an_order() -> None:
    # given: the head takes the held lead back
    _got, seller, item = _held_lead()
    queue_head_release(head=UserFactory.create(role="head"), item_id=item.pk)

    # when
    news = held_item_news(manager=seller, item_id=item.pk)

    # then
    assert news is not None and news.is_lead
    text = news_message(news)
    assert text.startswith("Заявка больше не у вас")
    assert "заказ" not in text


@pytest.mark.parametrize("prefix", ["workspace", "cabinet"])
def test_the_buyers_page_lists_their_leads(prefix: str) -> None:
    # given
    got, seller, _ = _held_lead()
    viewer = (
        seller
        if prefix == "workspace"
        else UserFactory.create(role="partner_owner", partner=got.partner)
    )

    # when
    response = logged_in(viewer).get(f"/{prefix}/contacts/{got.contact_id}/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="contact-lead"' in html
    assert "Заявки покупателя" in html and "Вебинар по Python" in html
    assert "Хочу в рассрочку" in html
