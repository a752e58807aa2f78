"""Team mode split: a caller qualifies a buyer and hands the warm deal over with a note; the
next closer's take gets it before older unqualified items, with the note and the caller's
touches. The handoff exists only in split mode and only for callers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from crm.models import Deal
from sales_queue.models import QueueEvent, QueueItem, Touch
from sales_queue.services import queue_release, queue_take_next, queue_touch
from salesdesk.errors import ApplicationError, ConflictError
from tests.clients import logged_in, staff_api
from tests.crm.lead_factories import lead
from tests.sales_queue.factories import NOON, manager, queued_item
from tests.sales_queue.team_helpers import team_mode, warm_item

pytestmark = pytest.mark.django_db

NOTE = "Хочет годовой курс, бюджет 30 000 ₽, удобно звонить после 18:00"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Noon in Moscow, inside working hours, whenever the suite runs."""
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


def qualify(client: Any, item_id: Any, **body: Any) -> Any:
    return client.post(
        f"/api/v1/queue/items/{item_id}/touches/",
        {"channel": "phone", "outcome": "qualified", "comment": NOTE, **body},
        format="json",
    )


# --- the flow end to end, over the API --------------------------------------------------------


def test_a_closer_takes_the_callers_warm_deal_first_with_the_note_and_the_callers_touch(
    staff_client: Any,
) -> None:
    # given: a split team; the caller's buyer waits longest, an unqualified order an hour less
    team_mode("split")
    caller_api, caller = staff_client(role="caller", full_name="Ольга Звонарёва")
    closer_api, closer = staff_client(role="manager", full_name="Иван Закрывающий")
    buyer = queued_item(entered_at=NOON - dt.timedelta(hours=3), customer_name="Мария")
    older = queued_item(entered_at=NOON - dt.timedelta(hours=2))
    taken = caller_api.post("/api/v1/queue/take/").json()
    assert taken["item"]["id"] == str(buyer.pk) and taken["handoff"] is None

    # when: the caller qualifies the buyer with a note
    handed = qualify(caller_api, buyer.pk)

    # then: the item is back in the queue, warm, nobody's; the deal stays open, the caller's
    assert handed.status_code == 201, handed.json()
    assert handed.json()["touch"]["outcome"] == "qualified"
    assert handed.json()["item"]["state"] == "queued" and handed.json()["item"]["holder"] is None
    buyer.refresh_from_db()
    assert (buyer.state, buyer.warm, buyer.holder_id) == ("queued", True, None)
    assert buyer.available_at == NOON
    deal = Deal.objects.get(queue_item=buyer)
    assert (deal.status, deal.responsible_id) == ("open", caller.pk)
    event = QueueEvent.objects.filter(item=buyer).order_by("-created_at", "-id").first()
    assert event is not None and (event.kind, event.manager_id) == ("handed_over", caller.pk)
    assert caller_api.get("/api/v1/queue/current/").status_code == 204

    # when: the closer takes next
    response = closer_api.post("/api/v1/queue/take/")

    # then: the warm buyer, not the older unqualified order; the deal is the closer's now
    assert response.status_code == 200
    body = response.json()
    assert body["item"]["id"] == str(buyer.pk) and body["item"]["id"] != str(older.pk)
    assert body["order"]["customer"]["name"] == "Мария"
    assert body["deal"]["id"] == str(deal.pk)
    assert body["deal"]["responsible"] == closer.email
    assert body["handoff"] == {
        "by": "Ольга Звонарёва",
        "by_email": caller.email,
        "note": NOTE,
        "at": "2026-11-20T12:00:00+03:00",
    }
    assert closer_api.get("/api/v1/queue/current/").json()["handoff"]["note"] == NOTE
    deal.refresh_from_db()
    assert (deal.status, deal.responsible_id) == ("open", closer.pk)
    touches = Touch.objects.filter(deal=deal)
    assert [(t.manager_id, t.outcome, t.comment) for t in touches] == [
        (caller.pk, "qualified", NOTE)
    ]
    buyer.refresh_from_db()
    assert (buyer.state, buyer.warm, buyer.holder_id) == ("active", True, closer.pk)


def test_the_closers_pool_goes_first_handed_over_first() -> None:
    # given: two buyers handed over at 11:00 and 11:30, and an order waiting since 9:00
    team_mode("split")
    later = warm_item(at=NOON - dt.timedelta(minutes=30))
    earlier = warm_item(at=NOON - dt.timedelta(hours=1))
    plain = queued_item(entered_at=NOON - dt.timedelta(hours=3))

    # when: three closers take in turn
    got = [queue_take_next(manager=manager(), now=NOON) for _n in range(3)]

    # then
    assert [g.pk for g in got if g] == [earlier.pk, later.pk, plain.pk]


def test_a_caller_in_split_mode_never_gets_a_warm_item() -> None:
    # given: only buyers in the closers' pool
    team_mode("split")
    warm_item()
    warm_item(at=NOON - dt.timedelta(hours=1))
    caller = manager(role="caller")

    # then: nothing for the caller; an account manager closes too and gets one
    assert queue_take_next(manager=caller, now=NOON) is None
    closer = manager(role="account_manager")
    taken = queue_take_next(manager=closer, now=NOON)
    assert taken is not None and QueueItem.objects.get(pk=taken.pk).holder_id == closer.pk


def test_a_warm_deal_a_closer_lets_go_goes_back_to_the_closers_pool() -> None:
    # given: a closer took a buyer a caller had qualified, and let it go again
    team_mode("split")
    warm = warm_item()
    closer = manager()
    first = queue_take_next(manager=closer, now=NOON)
    assert first is not None and first.pk == warm.pk
    queue_release(manager=closer, item_id=warm.pk)
    caller = manager(role="caller")

    # then: it waits in the pool — not for a caller, for the next closer
    assert queue_take_next(manager=caller, now=NOON) is None
    again = queue_take_next(manager=manager(), now=NOON)
    assert again is not None and again.pk == warm.pk


def test_a_caller_in_split_mode_takes_the_line_past_the_pool() -> None:
    team_mode("split")
    warm_item(at=NOON - dt.timedelta(hours=5))
    plain = queued_item(entered_at=NOON - dt.timedelta(hours=1))

    taken = queue_take_next(manager=manager(role="caller"), now=NOON)

    assert taken is not None and taken.pk == plain.pk


@pytest.mark.parametrize("role", ["caller", "manager", "account_manager"])
def test_in_single_mode_every_seller_takes_warm_items_left_from_a_split_period(role: str) -> None:
    # given: a buyer handed over while the team was split, then the head went back to single
    team_mode("split")
    left = warm_item(at=NOON - dt.timedelta(minutes=10))
    queued_item(entered_at=NOON - dt.timedelta(hours=4))
    team_mode("single")

    taken = queue_take_next(manager=manager(role=role), now=NOON)

    assert taken is not None and taken.pk == left.pk


def test_single_mode_takes_as_before_oldest_first_when_nothing_is_warm() -> None:
    older = queued_item(entered_at=NOON - dt.timedelta(hours=2))
    newer = queued_item(entered_at=NOON - dt.timedelta(hours=1))

    got = [queue_take_next(manager=manager(role=r), now=NOON) for r in ("caller", "manager")]

    assert [g.pk for g in got if g] == [older.pk, newer.pk]


# --- who may hand over --------------------------------------------------------------------------


def test_qualified_is_refused_in_single_mode_and_the_item_stays_held(staff_client: Any) -> None:
    client, caller = staff_client(role="caller")
    item = queued_item()
    client.post("/api/v1/queue/take/")

    response = qualify(client, item.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "team_not_split"
    item.refresh_from_db()
    assert (item.state, item.holder_id, item.warm) == ("active", caller.pk, False)
    assert not Touch.objects.filter(item=item).exists()


def test_qualified_by_a_manager_is_refused_in_split_mode(staff_client: Any) -> None:
    team_mode("split")
    client, ivan = staff_client(role="manager")
    item = queued_item()
    client.post("/api/v1/queue/take/")

    response = qualify(client, item.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "handoff_callers_only"
    item.refresh_from_db()
    assert (item.state, item.holder_id, item.warm) == ("active", ivan.pk, False)


def test_a_handoff_needs_a_note(staff_client: Any) -> None:
    team_mode("split")
    client, caller = staff_client(role="caller")
    item = queued_item()
    client.post("/api/v1/queue/take/")

    response = qualify(client, item.pk, comment="   ")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "comment" in response.json()["details"]
    item.refresh_from_db()
    assert (item.state, item.holder_id, item.warm) == ("active", caller.pk, False)


def test_a_handoff_on_a_lead_keeps_its_deal_open_for_the_closer() -> None:
    # given
    team_mode("split")
    got = lead(now=NOON - dt.timedelta(hours=1))
    caller = manager(role="caller")
    item = queue_take_next(manager=caller, now=NOON)
    assert item is not None and item.lead_id == got.pk

    # when
    queue_touch(
        manager=caller,
        item_id=item.pk,
        channel="phone",
        outcome="qualified",
        comment=NOTE,
        now=NOON,
    )
    closer = manager()
    taken = queue_take_next(manager=closer, now=NOON)

    # then
    assert taken is not None and taken.pk == item.pk
    deal = Deal.objects.get(queue_item=item)
    assert (deal.status, deal.responsible_id) == ("open", closer.pk)


# --- the call recording ---------------------------------------------------------------------------


def test_a_touch_keeps_its_https_recording(staff_client: Any) -> None:
    client, _ivan = staff_client(role="manager")
    item = queued_item()
    client.post("/api/v1/queue/take/")
    url = "https://records.example.com/calls/42.mp3"

    response = client.post(
        f"/api/v1/queue/items/{item.pk}/touches/",
        {"channel": "phone", "outcome": "reached", "recording_url": url},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["touch"]["recording_url"] == url
    assert Touch.objects.get(item=item).recording_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://records.example.com/42.mp3",
        "ftp://records.example.com/42.mp3",
        "javascript:alert(1)",
        "https://",
        "https://records.example.com/" + "a" * 1000,
    ],
)
def test_a_recording_that_is_not_an_https_url_is_refused(staff_client: Any, url: str) -> None:
    client, _ivan = staff_client(role="manager")
    item = queued_item()
    client.post("/api/v1/queue/take/")

    response = client.post(
        f"/api/v1/queue/items/{item.pk}/touches/",
        {"channel": "phone", "outcome": "reached", "recording_url": url},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_recording_url"
    assert "recording_url" in response.json()["details"]
    assert not Touch.objects.filter(item=item).exists()


def test_a_touch_on_a_deal_keeps_its_recording_too() -> None:
    # given: a deal whose item went back to the queue
    ivan = manager()
    item = queued_item()
    queue_take_next(manager=ivan, now=NOON)
    queue_touch(manager=ivan, item_id=item.pk, channel="phone", outcome="no_answer", now=NOON)
    deal = Deal.objects.get(queue_item=item)
    api = staff_api(ivan)

    # when
    good = api.post(
        f"/api/v1/deals/{deal.pk}/touches/",
        {"channel": "phone", "outcome": "reached", "recording_url": "https://r.example.com/1"},
        format="json",
    )
    bad = api.post(
        f"/api/v1/deals/{deal.pk}/touches/",
        {"channel": "phone", "outcome": "reached", "recording_url": "http://r.example.com/1"},
        format="json",
    )

    # then
    assert good.status_code == 201, good.json()
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_recording_url"
    assert list(
        Touch.objects.filter(deal=deal, item=None).values_list("recording_url", flat=True)
    ) == ["https://r.example.com/1"]


def test_the_service_refuses_a_handoff_without_a_note_before_touching_anything() -> None:
    team_mode("split")
    caller = manager(role="caller")
    item = queued_item()
    queue_take_next(manager=caller, now=NOON)

    with pytest.raises(ApplicationError) as refused:
        queue_touch(manager=caller, item_id=item.pk, channel="phone", outcome="qualified", now=NOON)

    assert refused.value.code == "validation_error" and "comment" in refused.value.details
    with pytest.raises(ConflictError):
        team_mode("single")
        queue_touch(
            manager=caller,
            item_id=item.pk,
            channel="phone",
            outcome="qualified",
            comment=NOTE,
            now=NOON,
        )


# --- the workspace -------------------------------------------------------------------------------


def test_only_a_caller_in_split_mode_sees_the_handoff_button() -> None:
    caller, ivan = manager(role="caller"), manager()
    queued_item()
    queued_item()
    queue_take_next(manager=caller, now=NOON)
    queue_take_next(manager=ivan, now=NOON)

    single = logged_in(caller).get("/workspace/").content.decode()
    team_mode("split")
    split = logged_in(caller).get("/workspace/").content.decode()
    managers = logged_in(ivan).get("/workspace/").content.decode()

    assert 'data-testid="outcome-qualified"' not in single
    assert 'data-testid="outcome-qualified"' in split
    assert "Квалифицирован — передать закрывающему" in split
    assert 'data-testid="outcome-qualified"' not in managers


def test_a_caller_hands_over_from_the_workspace_and_the_closer_reads_the_note() -> None:
    # given
    team_mode("split")
    caller = manager(role="caller", full_name="Ольга Звонарёва")
    item = queued_item()
    queue_take_next(manager=caller, now=NOON)
    page = logged_in(caller)

    # when: without a note, then with one
    empty = page.post(
        f"/workspace/items/{item.pk}/touch/",
        {"channel": "phone", "outcome": "qualified"},
        headers=HTMX,
    )
    handed = page.post(
        f"/workspace/items/{item.pk}/touch/",
        {"channel": "phone", "outcome": "qualified", "comment": NOTE},
        headers=HTMX,
    )

    # then
    assert "Напишите заметку для закрывающего" in empty.content.decode()
    assert "Передано закрывающим" in handed.content.decode()
    item.refresh_from_db()
    assert (item.state, item.warm) == ("queued", True)

    # when: a closer takes it in their workspace
    closer = logged_in(manager())
    shown = closer.post("/workspace/take/", headers=HTMX).content.decode()

    # then
    assert 'data-testid="handoff"' in shown
    assert NOTE in shown and "Ольга Звонарёва" in shown
