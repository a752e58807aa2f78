"""Touches logged on a deal: one touch model for the queue and the deal. A deal without a held
queue item takes reached / no answer / callback touches of its own; while its manager holds the
item, the touch goes through the queue with the queue's rules. The chronology shows both."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from crm.models import Deal, Task
from sales_queue.models import QueueItem, Touch
from sales_queue.selectors import deal_touches
from sales_queue.services import deal_touch_log, queue_take_next, queue_touch
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from tests.accounts.factories import ApiKeyFactory, UserFactory
from tests.clients import logged_in, staff_api
from tests.crm.factories import DealFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, QueueItemFactory, manager, queued_item

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def log(deal: Deal, actor: Any, **kwargs: Any) -> Touch:
    fields = {"channel": "phone", "outcome": "reached", "now": NOON + MINUTE, **kwargs}
    return deal_touch_log(deal=deal, actor=actor, **fields)


def taken_deal(vera: Any) -> tuple[QueueItem, Deal]:
    """Вера took an order from the queue at noon: she holds its item, its deal is hers."""
    queued_item(product=ProductFactory.create(on_sale=True, name="Курс рисования"))
    item = queue_take_next(manager=vera, now=NOON)
    assert item is not None
    return item, Deal.objects.get(queue_item=item)


# --- the service -------------------------------------------------------------------------------


def test_a_deal_without_a_queue_item_takes_a_touch_of_its_own() -> None:
    # given a deal opened without the queue (as a lead's will be)
    vera = manager(full_name="Вера")
    deal = DealFactory.create(responsible=vera, title="Курс лепки")

    # when Вера phones the buyer and reaches her
    touch = log(deal, vera, comment="  Хочет рассрочку ")

    # then the touch is the deal's, the deal remembers it, and Вера gets a task
    assert (touch.deal_id, touch.item_id) == (deal.pk, None)
    assert (touch.channel, touch.outcome, touch.comment) == ("phone", "reached", "Хочет рассрочку")
    deal.refresh_from_db()
    assert deal.last_touch_at == NOON + MINUTE
    task = Task.objects.get(deal=deal, kind=Task.Kind.TOUCH)
    assert task.assignee_id == vera.pk
    assert task.text == "Касание по сделке «Курс лепки»: Телефон, дозвонились"


def test_a_deal_whose_item_is_closed_or_waiting_takes_deal_touches() -> None:
    # given two open deals: one whose item is closed, one whose item waits in the queue
    vera = manager()
    closed_item = QueueItemFactory.create(state=QueueItem.State.DONE)
    waiting_item = queued_item()
    closed = DealFactory.create(responsible=vera, queue_item=closed_item)
    waiting = DealFactory.create(responsible=vera, queue_item=waiting_item)

    # when Вера logs an unanswered call on each
    first = log(closed, vera, outcome="no_answer")
    second = log(waiting, vera, outcome="no_answer", channel="whatsapp")

    # then the touches are the deals', and the items are left as they were
    assert (first.deal_id, first.item_id) == (closed.pk, None)
    assert (second.deal_id, second.item_id) == (waiting.pk, None)
    waiting_item.refresh_from_db()
    assert (waiting_item.state, waiting_item.attempts) == ("queued", 0)


def test_a_touch_on_the_held_items_deal_goes_through_the_queue(settings) -> None:
    # given Вера holds the item of her deal
    settings.SALES_RETRY_DELAY_MINUTES = 30
    vera = manager()
    item, deal = taken_deal(vera)

    # when she logs «no answer» from the deal's page
    touch = log(deal, vera, outcome="no_answer")

    # then it is the queue's touch: the item counts the attempt and goes back to the queue
    assert (touch.item_id, touch.deal_id) == (item.pk, deal.pk)
    item.refresh_from_db()
    assert (item.state, item.holder_id, item.attempts) == ("queued", None, 1)
    assert item.available_at == NOON + MINUTE + dt.timedelta(minutes=30)
    assert Task.objects.filter(deal=deal, kind=Task.Kind.TOUCH).count() == 1


def test_through_the_queue_a_refusal_loses_the_deal_and_the_channel_rule_holds(settings) -> None:
    settings.SALES_CHANNEL_SWITCH_AFTER = 1
    settings.SALES_RETRY_DELAY_MINUTES = 0
    vera = manager()
    item, deal = taken_deal(vera)
    log(deal, vera, outcome="no_answer")
    assert queue_take_next(manager=vera, now=NOON + 2 * MINUTE) is not None

    # the channel switch of the queue applies
    with pytest.raises(ConflictError) as switch:
        log(deal, vera, outcome="no_answer", now=NOON + 3 * MINUTE)
    assert switch.value.code == "switch_channel"

    # a refusal needs the queue's reason, and closes the item and the deal as lost
    with pytest.raises(ApplicationError) as no_reason:
        log(deal, vera, outcome="refused", channel="whatsapp", now=NOON + 3 * MINUTE)
    assert "reason" in no_reason.value.details
    log(
        deal,
        vera,
        outcome="refused",
        channel="whatsapp",
        reason="too_expensive",
        now=NOON + 3 * MINUTE,
    )
    item.refresh_from_db()
    deal.refresh_from_db()
    assert (item.state, item.outcome, item.outcome_reason) == ("done", "lost", "too_expensive")
    assert deal.status == Deal.Status.LOST


def test_a_callback_becomes_the_next_step_with_a_task_due_then() -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera, title="Курс лепки")
    at = NOON + dt.timedelta(days=2)

    touch = log(deal, vera, outcome="callback", channel="telegram", callback_at=at)

    deal.refresh_from_db()
    assert touch.callback_at == at
    assert (deal.next_step, deal.next_step_at) == ("Перезвонить покупателю (Telegram)", at)
    task = Task.objects.get(deal=deal, kind=Task.Kind.CALLBACK)
    assert (task.due_at, task.text) == (at, "Перезвонить по сделке «Курс лепки» (Telegram)")
    # one change, one task
    assert not Task.objects.filter(deal=deal, kind=Task.Kind.NEXT_STEP).exists()


def test_a_queue_callback_sets_the_deals_next_step_too() -> None:
    vera = manager()
    item, deal = taken_deal(vera)
    at = NOON + dt.timedelta(hours=3)

    queue_touch(
        manager=vera, item_id=item.pk, channel="phone", outcome="callback", callback_at=at,
        now=NOON + MINUTE,
    )  # fmt: skip

    deal.refresh_from_db()
    assert (deal.next_step, deal.next_step_at) == ("Перезвонить покупателю (Телефон)", at)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"outcome": "paid"}, "outcome"),
        ({"outcome": "refused", "reason": "too_expensive"}, "outcome"),
        ({"outcome": "callback"}, "callback_at"),
        ({"outcome": "callback", "callback_at": NOON - MINUTE}, "callback_at"),
        ({"outcome": "callback", "callback_at": NOON + dt.timedelta(days=61)}, "callback_at"),
        ({"comment": "я" * 5001}, "comment"),
    ],
)
def test_a_bad_deal_touch_is_refused_field_by_field(fields: dict[str, Any], field: str) -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera)

    with pytest.raises(ApplicationError) as refused:
        log(deal, vera, **fields)

    assert (refused.value.code, refused.value.status_code) == ("validation_error", 400)
    assert list(refused.value.details) == [field]
    assert not Touch.objects.exists()
    assert not Task.objects.filter(deal=deal).exists()


def test_the_messages_name_the_choices_in_words() -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera)

    with pytest.raises(ApplicationError) as refused:
        log(deal, vera, channel="pigeon", outcome="paid")

    assert refused.value.details["channel"] == [
        "Одно из: Телефон, WhatsApp, Telegram, Электронная почта."
    ]
    assert refused.value.details["outcome"] == [
        "Одно из: Дозвонились, Нет ответа, Перезвонить позже."
    ]


def test_a_closed_deal_takes_no_touch_and_a_stranger_none_but_the_head_may() -> None:
    vera, oleg = manager(), manager()
    head = UserFactory.create(role="head")
    won = DealFactory.create(responsible=vera, status=Deal.Status.WON)
    deal = DealFactory.create(responsible=vera)

    with pytest.raises(ConflictError) as closed:
        log(won, vera)
    with pytest.raises(NotFoundError):
        log(deal, oleg)
    touch = log(deal, head)

    assert closed.value.code == "deal_closed"
    assert touch.manager_id == head.pk
    assert Task.objects.get(deal=deal).assignee_id == vera.pk


def test_a_touch_has_an_item_or_a_deal() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Touch.objects.create(manager=manager(), channel="phone", outcome="reached")


def test_the_chronology_holds_queue_and_deal_touches_in_one_query(
    django_assert_num_queries,
) -> None:
    # given Вера's deal with a queue touch, and after the item closed, a touch on the deal
    vera = manager()
    item, deal = taken_deal(vera)
    queue_touch(manager=vera, item_id=item.pk, channel="phone", outcome="reached", now=NOON)
    QueueItem.objects.filter(pk=item.pk).update(state="done", closed_at=NOON)
    log(deal, vera, outcome="reached", channel="email", now=NOON + dt.timedelta(hours=1))
    other = DealFactory.create(responsible=vera)
    log(other, vera, now=NOON)

    # when the chronology of a page of deals is read
    with django_assert_num_queries(1):
        chronology = deal_touches(deals=[deal, other])

    # then each deal has its own, newest first, both kinds
    assert [(t.channel, t.item_id is not None) for t in chronology[deal.pk]] == [
        ("email", False),
        ("phone", True),
    ]
    assert len(chronology[other.pk]) == 1


# --- the API -----------------------------------------------------------------------------------


def url(deal: Deal) -> str:
    return f"/api/v1/deals/{deal.pk}/touches/"


def test_the_api_logs_a_touch_and_the_deal_lists_it() -> None:
    vera = manager(full_name="Вера Сидорова")
    deal = DealFactory.create(responsible=vera)
    api = staff_api(vera)
    at = timezone.now() + dt.timedelta(days=1)

    response = api.post(
        url(deal),
        {"channel": "whatsapp", "outcome": "callback", "comment": "Вечером", "callback_at": at},
        format="json",
    )

    assert response.status_code == 201, response.json()
    row = response.json()
    assert (row["channel"], row["outcome"], row["comment"]) == ("whatsapp", "callback", "Вечером")
    assert (row["manager"], row["manager_name"], row["queue"]) == (
        str(vera.pk),
        "Вера Сидорова",
        False,
    )
    assert row["callback_at"] is not None
    touches = api.get(f"/api/v1/deals/{deal.pk}/").json()["touches"]
    assert [t["id"] for t in touches] == [row["id"]]
    assert set(touches[0]) >= {"channel", "outcome", "comment", "manager", "manager_name"}


def test_the_api_routes_the_held_items_touch_through_the_queue() -> None:
    vera = manager()
    item, deal = taken_deal(vera)

    response = staff_api(vera).post(
        url(deal), {"channel": "phone", "outcome": "reached"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["queue"] is True
    assert Touch.objects.get().item_id == item.pk


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "pigeon", "outcome": "reached"},
        {"channel": "phone"},
        {"channel": "phone", "outcome": "refused", "reason": "other"},
        {"channel": "phone", "outcome": "callback"},
        {"channel": "phone", "outcome": "callback", "callback_at": "завтра"},
        {"channel": "phone", "outcome": "reached", "colour": "red"},
        {"channel": ["phone"], "outcome": {"a": 1}},
    ],
)
def test_bad_input_is_a_400_with_field_details(body: dict[str, Any]) -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera)

    response = staff_api(vera).post(url(deal), body, format="json")

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "validation_error" and payload["details"]
    assert not Touch.objects.exists()


def test_the_api_refusal_outside_the_queue_says_how_a_deal_is_lost() -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera)

    response = staff_api(vera).post(
        url(deal), {"channel": "phone", "outcome": "refused"}, format="json"
    )

    assert response.status_code == 400
    assert "этап проигрыша" in response.json()["details"]["outcome"][0]


def test_the_api_refuses_closed_deals_strangers_and_partners() -> None:
    vera, oleg = manager(), manager()
    deal = DealFactory.create(responsible=vera)
    lost = DealFactory.create(responsible=vera, status=Deal.Status.LOST)
    body = {"channel": "phone", "outcome": "reached"}
    _key, raw = ApiKeyFactory.issue(partner=deal.partner)
    own_partner = APIClient()
    own_partner.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    closed = staff_api(vera).post(url(lost), body, format="json")
    stranger = staff_api(oleg).post(url(deal), body, format="json")
    partner = own_partner.post(url(deal), body, format="json")

    assert (closed.status_code, closed.json()["code"]) == (409, "deal_closed")
    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_found")
    # the partner sees its deal but reads deals only, as with a stage move
    assert partner.status_code == 403
    assert not Touch.objects.exists()


def test_the_schema_documents_the_deal_touch_endpoint(client) -> None:
    schema = client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/deals/{id}/touches/"]["post"]
    assert set(operation["responses"]) >= {"201", "400", "403", "404", "409"}


# --- the page ----------------------------------------------------------------------------------


PAGE = "/workspace/deals/"


def test_the_page_shows_the_form_and_both_kinds_of_touches() -> None:
    # given a queue touch, then (the item closed) a touch on the deal
    vera = manager()
    item, deal = taken_deal(vera)
    queue_touch(
        manager=vera, item_id=item.pk, channel="phone", outcome="reached", comment="Из очереди",
        now=NOON,
    )  # fmt: skip
    QueueItem.objects.filter(pk=item.pk).update(state="done", closed_at=NOON)
    log(deal, vera, channel="email", comment="Со страницы сделки", now=NOON + MINUTE)

    response = logged_in(vera).get(f"{PAGE}{deal.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="touch-form"' in html
    for label in ("Канал", "Итог", "Комментарий", "Перезвонить"):
        assert f">{label}</label>" in html
    assert html.index("Со страницы сделки") < html.index("Из очереди")
    assert html.count('data-testid="deal-touch"') == 2
    # the refusal is the queue's: not offered when the item is not held
    assert 'data-testid="touch-reason"' not in html
    assert 'value="refused"' not in html


def test_a_plain_post_logs_the_touch_and_redirects_back() -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera)

    response = logged_in(vera).post(
        f"{PAGE}{deal.pk}/touches/",
        {"channel": "telegram", "outcome": "no_answer", "comment": "Не прочитала"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}{deal.pk}/#deal-touches"
    touch = Touch.objects.get()
    assert (touch.deal_id, touch.channel, touch.outcome) == (deal.pk, "telegram", "no_answer")


def test_htmx_gets_the_chronology_and_the_next_step_back() -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera)
    at = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)

    response = logged_in(vera).post(
        f"{PAGE}{deal.pk}/touches/",
        {"channel": "phone", "outcome": "callback", "callback_at": at.strftime("%Y-%m-%dT%H:%M")},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div id="deal-touches"')
    assert 'id="deal-next-step" data-testid="deal-next-step" hx-swap-oob="true"' in html
    assert "Перезвонить покупателю (Телефон)" in html
    assert html.count('data-testid="deal-touch"') == 1
    deal.refresh_from_db()
    assert deal.next_step_at is not None


def test_errors_show_inline_and_keep_what_was_typed() -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera)
    client = logged_in(vera)
    posted = {"channel": "whatsapp", "outcome": "callback", "comment": "Просила позже"}

    plain = client.post(f"{PAGE}{deal.pk}/touches/", posted)
    htmx = client.post(f"{PAGE}{deal.pk}/touches/", posted, HTTP_HX_REQUEST="true")

    assert plain.status_code == 400
    assert htmx.status_code == 200  # htmx swaps 2xx only
    for response in (plain, htmx):
        html = response.content.decode()
        assert 'data-testid="touch-error"' in html
        assert "Укажите, когда перезвонить." in html
        assert "Просила позже" in html
        assert '<option value="whatsapp" selected>' in html
    assert not Touch.objects.exists()


def test_the_page_refuses_strangers_and_the_head_logs_from_their_page() -> None:
    vera, oleg = manager(), manager()
    head = UserFactory.create(role="head")
    deal = DealFactory.create(responsible=vera)
    body = {"channel": "phone", "outcome": "reached"}

    stranger = logged_in(oleg).post(f"{PAGE}{deal.pk}/touches/", body)
    by_head = logged_in(head).post(f"/head/deals/{deal.pk}/touches/", body)

    assert stranger.status_code == 404
    assert by_head.status_code == 302
    assert Touch.objects.get().manager_id == head.pk


def test_a_closed_deal_has_no_touch_form() -> None:
    vera = manager()
    deal = DealFactory.create(responsible=vera, status=Deal.Status.WON)

    html = logged_in(vera).get(f"{PAGE}{deal.pk}/").content.decode()

    assert 'data-testid="touch-form"' not in html


def test_the_holder_is_offered_the_refusal_with_its_reasons() -> None:
    vera = manager()
    _item, deal = taken_deal(vera)

    html = logged_in(vera).get(f"{PAGE}{deal.pk}/").content.decode()

    assert 'value="refused"' in html
    assert 'data-testid="touch-reason"' in html
    assert "Дорого" in html or "дорого" in html
