"""Trainees take leads only — cold ones first — and never an unpaid order: their take answers
204 when only orders wait, and every path that would hand them an order answers 409
``trainee_leads_only``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sales_queue.models import QueueItem
from sales_queue.services import queue_reassign, queue_take_callback, queue_take_next
from salesdesk.errors import ConflictError
from tests.accounts.factories import UserFactory
from tests.crm.lead_factories import lead, lead_list
from tests.sales_queue.factories import NOON, manager, queued_item
from tests.sales_queue.team_helpers import team_mode, warm_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """Noon in Moscow, inside working hours, whenever the suite runs."""
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


def done(item: QueueItem | None) -> QueueItem | None:
    """Close a taken item by hand, so its taker may take the next one."""
    if item is not None:
        QueueItem.objects.filter(pk=item.pk).update(state=QueueItem.State.DONE)
    return item


def trainee(role: str = "manager") -> Any:
    return manager(role=role, is_trainee=True)


@pytest.mark.parametrize("mode", ["single", "split"])
def test_a_trainee_takes_leads_only_cold_first_and_then_204(mode: str) -> None:
    # given: an order waiting longest, a warm lead, an ordinary lead, then a cold one
    team_mode(mode)
    queued_item(entered_at=NOON - dt.timedelta(hours=5))
    warm = warm_item(at=NOON - dt.timedelta(hours=4))
    lst = lead_list()
    hot = lead(of=lst, phone="+79120000001", now=NOON - dt.timedelta(hours=3))
    cold = lead(of=lst, phone="+79120000002", now=NOON - dt.timedelta(hours=1), cold=True)
    pupil = trainee()

    # when: the trainee takes three times
    got = [done(queue_take_next(manager=pupil, now=NOON)) for _n in range(3)]

    # then: the cold lead, the other lead, nothing (only the order and the warm one wait)
    assert [g.lead_id if g else None for g in got] == [cold.pk, hot.pk, None]
    assert QueueItem.objects.get(pk=warm.pk).state == "queued"


def test_a_trainee_caller_in_split_mode_also_takes_leads_only() -> None:
    team_mode("split")
    queued_item(entered_at=NOON - dt.timedelta(hours=2))
    got = lead(now=NOON - dt.timedelta(hours=1))

    taken = queue_take_next(manager=trainee("caller"), now=NOON)

    assert taken is not None and taken.lead_id == got.pk


def test_take_answers_204_to_a_trainee_when_only_orders_wait(staff_client: Any) -> None:
    client, _pupil = staff_client(role="manager", is_trainee=True)
    queued_item()
    queued_item()

    response = client.post("/api/v1/queue/take/")

    assert response.status_code == 204
    assert QueueItem.objects.filter(state="queued").count() == 2


def test_a_trainee_cannot_take_an_order_409_with_a_clear_code(staff_client: Any) -> None:
    # given: the head hands an order's item to a trainee
    head_api, _head = staff_client(role="head")
    pupil = trainee()
    order_item = queued_item()

    # when
    response = head_api.post(
        f"/api/v1/queue/items/{order_item.pk}/reassign/", {"manager": str(pupil.pk)}, format="json"
    )

    # then
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "trainee_leads_only"
    assert body["message"] == (
        "Стажёр работает только с заявками: неоплаченные заказы достаются опытным менеджерам."
    )
    order_item.refresh_from_db()
    assert (order_item.state, order_item.holder_id) == ("queued", None)


def test_the_head_may_hand_a_lead_to_a_trainee() -> None:
    head = UserFactory.create(role="head")
    pupil = trainee()
    got = lead(now=NOON - dt.timedelta(hours=1))
    item = QueueItem.objects.get(lead=got)

    moved = queue_reassign(head=head, item_id=item.pk, to_manager=pupil)

    assert (moved.state, moved.holder_id) == ("scheduled", pupil.pk)


def test_a_trainees_order_callback_is_refused_and_skipped_by_take_next(staff_client: Any) -> None:
    # given: an order's callback given to a manager who became a trainee afterwards
    client, pupil = staff_client(role="manager")
    item = queued_item(state="scheduled", holder=pupil, available_at=NOON - dt.timedelta(hours=1))
    type(pupil).objects.filter(pk=pupil.pk).update(is_trainee=True)
    pupil.refresh_from_db()

    # when
    by_hand = client.post(f"/api/v1/queue/items/{item.pk}/take/")
    with pytest.raises(ConflictError) as refused:
        queue_take_callback(manager=pupil, item_id=item.pk, now=NOON)

    # then
    assert by_hand.status_code == 409 and by_hand.json()["code"] == "trainee_leads_only"
    assert refused.value.code == "trainee_leads_only"
    assert queue_take_next(manager=pupil, now=NOON) is None
    item.refresh_from_db()
    assert (item.state, item.holder_id) == ("scheduled", pupil.pk)


def test_a_trainees_due_lead_callback_comes_first() -> None:
    pupil = trainee()
    lead(phone="+79120000003", now=NOON - dt.timedelta(hours=3), cold=True)
    mine = QueueItem.objects.get(lead=lead(phone="+79120000004", now=NOON - dt.timedelta(hours=2)))
    QueueItem.objects.filter(pk=mine.pk).update(
        state="scheduled", holder=pupil, available_at=NOON - dt.timedelta(minutes=1)
    )

    taken = queue_take_next(manager=pupil, now=NOON)

    assert taken is not None and taken.pk == mine.pk
