"""«Взять сейчас»: a manager takes one of their own scheduled callbacks at once, due or not —
the service, the workspace's button and link, the API twin, and a double click on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from crm.models import Deal
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.services import queue_take_callback, queue_take_next, queue_touch
from salesdesk.errors import ConflictError, NotFoundError
from tests.concurrency import run_concurrently, unwrap
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
LATER = NOON + dt.timedelta(hours=3)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, dt.datetime]:
    state = {"now": NOON}
    monkeypatch.setattr(timezone, "now", lambda: state["now"].astimezone(dt.UTC))
    return state


def scheduled_callback(user: Any, *, at: dt.datetime = LATER, **order: Any) -> QueueItem:
    """An order the manager took and rescheduled to ``at``: a callback with its deal."""
    item = queued_item(**order)
    assert queue_take_next(manager=user, now=NOON) == item
    queue_touch(
        manager=user,
        item_id=item.pk,
        channel="phone",
        outcome="callback",
        callback_at=at,
        now=NOON,
    )
    item.refresh_from_db()
    assert item.state == QueueItem.State.SCHEDULED
    return item


# --- the service ------------------------------------------------------------------------------


def test_a_callback_not_yet_due_is_taken_now_logged_and_its_deal_stays(clock: Any) -> None:
    # given
    ivan = manager()
    item = scheduled_callback(ivan, customer_name="Анна")
    clock["now"] = NOON + dt.timedelta(minutes=30)

    # when
    taken = queue_take_callback(manager=ivan, item_id=item.pk)

    # then
    item.refresh_from_db()
    assert taken.pk == item.pk
    assert (item.state, item.holder_id) == (QueueItem.State.ACTIVE, ivan.pk)
    assert item.taken_at == clock["now"]
    kinds = list(
        QueueEvent.objects.filter(item=item)
        .order_by("created_at", "id")
        .values_list("kind", "note")
    )
    assert kinds[-1] == (QueueEvent.Kind.TAKEN, "callback")
    assert [k for k, _n in kinds].count(QueueEvent.Kind.TAKEN) == 2
    deal = Deal.objects.get(queue_item=item)
    assert deal.responsible_id == ivan.pk and deal.status == Deal.Status.OPEN


def test_holding_an_item_refuses_with_already_holding_and_changes_nothing(clock: Any) -> None:
    ivan = manager()
    callback = scheduled_callback(ivan)
    queued_item()
    held = queue_take_next(manager=ivan, now=NOON)
    assert held is not None

    with pytest.raises(ConflictError) as refused:
        queue_take_callback(manager=ivan, item_id=callback.pk)

    assert refused.value.code == "already_holding"
    assert refused.value.details == {"item": str(held.pk)}
    callback.refresh_from_db()
    assert callback.state == QueueItem.State.SCHEDULED


@pytest.mark.parametrize("whose", ["another manager's", "queued", "malformed"])
def test_only_ones_own_scheduled_callback_can_be_taken(clock: Any, whose: str) -> None:
    ivan = manager()
    if whose == "another manager's":
        item_id: Any = scheduled_callback(manager()).pk
    elif whose == "queued":
        item_id = queued_item().pk
    else:
        item_id = "not-a-uuid"

    with pytest.raises(NotFoundError):
        queue_take_callback(manager=ivan, item_id=item_id)

    assert not QueueItem.objects.filter(holder=ivan, state=QueueItem.State.ACTIVE).exists()


def test_outside_working_hours_the_callback_waits(clock: Any) -> None:
    ivan = manager()
    item = scheduled_callback(ivan)
    clock["now"] = NOON.replace(hour=22)

    with pytest.raises(ConflictError) as refused:
        queue_take_callback(manager=ivan, item_id=item.pk)

    assert refused.value.code == "outside_working_hours"
    assert "opens_at" in refused.value.details
    item.refresh_from_db()
    assert item.state == QueueItem.State.SCHEDULED


# --- the workspace ----------------------------------------------------------------------------


def test_each_callback_links_to_its_deal_and_offers_take_now_when_holding_nothing(
    client: Client, clock: Any
) -> None:
    # given
    ivan = manager()
    item = scheduled_callback(ivan, customer_name="Анна Перезвон")
    deal = Deal.objects.get(queue_item=item)
    client.force_login(ivan)

    # when
    page = client.get("/workspace/").content.decode()
    panel = client.get("/workspace/callbacks/", headers=HTMX).content.decode()

    # then
    for html in (page, panel):
        assert f'href="/workspace/deals/{deal.pk}/"' in html
        assert f'action="/workspace/items/{item.pk}/take/"' in html
        assert "Взять сейчас" in html


def test_no_take_now_while_holding_an_item(client: Client, clock: Any) -> None:
    ivan = manager()
    scheduled_callback(ivan)
    queued_item()
    queue_take_next(manager=ivan, now=NOON)
    client.force_login(ivan)

    page = client.get("/workspace/").content.decode()
    panel = client.get("/workspace/callbacks/", headers=HTMX).content.decode()

    assert 'data-testid="callback-deal"' in page
    assert 'data-testid="callback-take"' not in page
    assert 'data-testid="callback-take"' not in panel


def test_take_now_on_the_page_shows_the_callback_as_the_held_order(
    client: Client, clock: Any
) -> None:
    ivan = manager()
    item = scheduled_callback(ivan, customer_name="Анна Перезвон")
    client.force_login(ivan)

    html = client.post(f"/workspace/items/{item.pk}/take/", headers=HTMX).content.decode()

    assert 'data-testid="current-item"' in html and "Анна Перезвон" in html
    assert 'data-testid="callback-take"' not in html
    item.refresh_from_db()
    assert item.state == QueueItem.State.ACTIVE


def test_take_now_while_holding_says_so_on_the_page(client: Client, clock: Any) -> None:
    ivan = manager()
    item = scheduled_callback(ivan)
    queued_item()
    queue_take_next(manager=ivan, now=NOON)
    client.force_login(ivan)

    html = client.post(f"/workspace/items/{item.pk}/take/", headers=HTMX).content.decode()

    assert 'data-testid="workspace-error"' in html
    assert "Сначала завершите" in html or "текущ" in html
    item.refresh_from_db()
    assert item.state == QueueItem.State.SCHEDULED


def test_take_now_of_someone_elses_callback_is_a_404(client: Client, clock: Any) -> None:
    item = scheduled_callback(manager())
    client.force_login(manager())

    assert client.post(f"/workspace/items/{item.pk}/take/", headers=HTMX).status_code == 404
    item.refresh_from_db()
    assert item.state == QueueItem.State.SCHEDULED


# --- the API ----------------------------------------------------------------------------------


def test_the_api_takes_ones_own_callback(staff_client: Any, clock: Any) -> None:
    client, ivan = staff_client(role="manager")
    item = scheduled_callback(ivan, customer_name="Анна")

    response = client.post(f"/api/v1/queue/items/{item.pk}/take/")

    assert response.status_code == 200
    body = response.json()
    assert body["item"]["id"] == str(item.pk) and body["item"]["state"] == "active"
    assert body["deal"]["responsible"] == ivan.email


def test_the_api_answers_404_for_another_managers_callback_and_409_while_holding(
    staff_client: Any, clock: Any
) -> None:
    client, ivan = staff_client(role="manager")
    foreign = scheduled_callback(manager())
    own = scheduled_callback(ivan)
    queued_item()
    queue_take_next(manager=ivan, now=NOON)

    missing = client.post(f"/api/v1/queue/items/{foreign.pk}/take/")
    malformed = client.post("/api/v1/queue/items/nope/take/")
    busy = client.post(f"/api/v1/queue/items/{own.pk}/take/")

    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert malformed.status_code == 404 and malformed.json()["code"] == "not_found"
    assert busy.status_code == 409 and busy.json()["code"] == "already_holding"


def test_a_partner_key_cannot_take(partner_client: Any, clock: Any) -> None:
    client, _partner = partner_client()
    item = scheduled_callback(manager())

    assert client.post(f"/api/v1/queue/items/{item.pk}/take/").status_code == 403


# --- a double click, for real ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_take_now_takes_once() -> None:
    # given: a callback of Иван's, and eight clicks at the same moment
    ivan = manager()
    item = scheduled_callback(ivan)

    def click() -> tuple[str, object]:
        try:
            return ("taken", queue_take_callback(manager=ivan, item_id=item.pk, now=NOON).pk)
        except ConflictError as exc:
            return ("conflict", exc.code)

    # when
    results = unwrap(run_concurrently(*[click] * 8))

    # then: one take, every other click told that Иван holds it
    assert results.count(("taken", item.pk)) == 1
    assert results.count(("conflict", "already_holding")) == 7
    assert QueueItem.objects.filter(holder=ivan, state=QueueItem.State.ACTIVE).count() == 1
    assert QueueEvent.objects.filter(item=item, kind=QueueEvent.Kind.TAKEN).count() == 2
