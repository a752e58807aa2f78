"""The workspace asks every few seconds whether the held order is still the manager's: paid,
cancelled or taken away, the answer replaces the stale order card with what happened."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from billing.services import order_pay
from orders.models import Order
from sales_queue.models import QueueItem
from sales_queue.services import (
    order_cancel,
    queue_auto_release,
    queue_head_release,
    queue_reassign,
    queue_release,
    queue_take_next,
    queue_touch,
)
from tests.accounts.factories import UserFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


@pytest.fixture
def ivan() -> Any:
    return manager(full_name="Иван Менеджер")


@pytest.fixture
def ivan_client(client: Client, ivan: Any) -> Client:
    client.force_login(ivan)
    return client


@pytest.fixture
def held(ivan: Any) -> QueueItem:
    item = queued_item(external_id="A-1001", customer_name="Анна Оплатина")
    assert queue_take_next(manager=ivan) == item
    return item


def poll(client: Client, item: QueueItem) -> Any:
    return client.get(f"/workspace/items/{item.pk}/news/", headers=HTMX)


def test_the_held_order_card_polls_its_news(ivan_client: Client, held: QueueItem) -> None:
    html = ivan_client.get("/workspace/").content.decode()

    assert f'hx-get="/workspace/items/{held.pk}/news/"' in html
    assert 'hx-trigger="every 10s"' in html


def test_while_the_order_is_held_the_poll_says_nothing_in_one_query(
    ivan_client: Client, held: QueueItem, django_assert_num_queries: Any
) -> None:
    ivan_client.get("/workspace/")  # the session and the user are loaded on every request

    # session + user + the item's state
    with django_assert_num_queries(3):
        response = poll(ivan_client, held)

    assert response.status_code == 204 and response.content == b""


def test_when_the_buyer_pays_the_workspace_says_the_deal_is_won(
    ivan_client: Client, held: QueueItem, django_assert_max_num_queries: Any
) -> None:
    # given: the storefront reports the payment while Иван looks at the order
    order_pay(order=Order.objects.get(queue_item=held), paid_at=NOON)

    # when
    response = poll(ivan_client, held)

    # then: the workspace fragment, the news instead of the stale card, and take-next
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="workspace"')
    assert "Покупатель оплатил заказ № A-1001 — сделка выиграна. Берите следующий." in html
    assert 'data-testid="news-take-next"' in html
    assert 'data-testid="current-item"' not in html
    assert 'data-testid="held-poll"' not in html  # the poll stops


def test_a_cancelled_order_is_told_too(ivan_client: Client, held: QueueItem) -> None:
    order_cancel(order=Order.objects.get(queue_item=held))

    html = poll(ivan_client, held).content.decode()

    assert "Заказ № A-1001 отменён. Берите следующий." in html


@pytest.mark.parametrize("how", ["released by the head", "reassigned", "auto-released"])
def test_an_order_taken_away_is_told(
    ivan_client: Client, held: QueueItem, how: str, settings: Any
) -> None:
    head = UserFactory.create(role="head")
    if how == "released by the head":
        queue_head_release(head=head, item_id=held.pk)
    elif how == "reassigned":
        queue_reassign(head=head, item_id=held.pk, to_manager=manager())
    else:
        queue_auto_release(now=NOON + dt.timedelta(minutes=settings.SALES_AUTO_RELEASE_MINUTES + 1))

    html = poll(ivan_client, held).content.decode()

    assert "Заказ № A-1001 больше не у вас" in html
    assert 'data-testid="news-take-next"' in html and 'data-testid="current-item"' not in html


@pytest.mark.parametrize("action", ["release", "refuse", "callback", "no_answer"])
def test_the_managers_own_move_in_another_tab_is_left_to_that_tab(
    ivan_client: Client, ivan: Any, held: QueueItem, action: str
) -> None:
    if action == "release":
        queue_release(manager=ivan, item_id=held.pk)
    else:
        touches: dict[str, dict[str, Any]] = {
            "refuse": {"outcome": "refused", "reason": "no_time"},
            "callback": {"outcome": "callback", "callback_at": NOON + dt.timedelta(hours=2)},
            "no_answer": {"outcome": "no_answer"},
        }
        touch = touches[action]
        queue_touch(manager=ivan, item_id=held.pk, channel="phone", **touch)

    response = poll(ivan_client, held)

    assert response.status_code == 204


def test_another_managers_item_tells_nothing_about_it(ivan_client: Client) -> None:
    petr = manager()
    item = queued_item(external_id="SECRET-7")
    queue_take_next(manager=petr)
    order_pay(order=Order.objects.get(queue_item=item), paid_at=NOON)

    response = poll(ivan_client, item)

    html = response.content.decode()
    assert response.status_code == 200
    assert "SECRET-7" not in html and "оплатил" not in html
    assert "Этот заказ больше не у вас." in html


def test_an_item_that_is_gone_does_not_break_the_poll(ivan_client: Client, held: QueueItem) -> None:
    Order.objects.filter(queue_item=held).delete()  # the item goes with its order

    response = poll(ivan_client, held)

    assert response.status_code == 200
    assert 'data-testid="held-news"' in response.content.decode()


def test_only_sellers_may_poll(client: Client, held: QueueItem) -> None:
    client.force_login(UserFactory.create(role="partner_owner"))

    assert poll(client, held).status_code == 403
