"""Alerts to the sellers (issue 13): a new task tells its assignee unless the assignee caused
it; a callback whose time has come tells the manager holding it, once per callback time. Time
moves through ``now=``."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from crm.models import Deal, Task
from crm.services import (
    deal_responsible_set,
    deal_stage_move,
    deals_close,
    stage_add,
)
from notifications.models import Notification
from sales_queue.alerts import callbacks_due_send
from sales_queue.models import QueueItem
from sales_queue.services import queue_take_next, queue_touch
from tests.accounts.factories import UserFactory
from tests.concurrency import run_concurrently, unwrap
from tests.crm.factories import DealFactory
from tests.sales_queue.factories import MSK, NOON, manager, queued_item

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def task_alerts() -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(channel="email", kind="new_task")
        .order_by("created_at", "recipient")
        .values_list("recipient", "subject")
    )


# --- a new task ------------------------------------------------------------------------------


def test_the_managers_own_take_and_touches_write_tasks_but_no_alert() -> None:
    vera = manager(email="vera@desk.example")
    item = queued_item(customer_name="Анна")

    taken = queue_take_next(manager=vera, now=NOON)
    assert taken is not None and taken.pk == item.pk
    queue_touch(
        manager=vera, item_id=item.pk, channel="phone", outcome="reached", now=NOON + MINUTE
    )
    queue_touch(
        manager=vera,
        item_id=item.pk,
        channel="phone",
        outcome="refused",
        reason="too_expensive",
        now=NOON + 2 * MINUTE,
    )

    kinds = set(Task.objects.filter(assignee=vera).values_list("kind", flat=True))
    assert kinds == {"created", "touch", "lost"}
    assert task_alerts() == []


def test_a_task_someone_else_caused_tells_the_assignee_once() -> None:
    # given: Vera's deal; the head and the payment act on it
    head = UserFactory.create(role="head")
    vera = manager(email="vera@desk.example")
    ivan = manager(email="ivan@desk.example")
    deal = DealFactory.create(responsible=vera, title="Курс «Python»")
    first = deal.stage
    assert first is not None
    talks = stage_add(partner=deal.partner, name="Переговоры")

    # when: Vera moves her own deal (no alert), the head moves it (alert to Vera), the head
    # hands it to Ivan (alert to Ivan)
    deal_stage_move(deal=deal, stage=talks, actor=vera)
    deal_stage_move(deal=Deal.objects.get(pk=deal.pk), stage=first, actor=head)
    deal_responsible_set(deal=Deal.objects.get(pk=deal.pk), responsible=ivan)

    # then
    assert [r for r, _s in task_alerts()] == ["vera@desk.example", "ivan@desk.example"]
    assert task_alerts()[0][1] == (
        "Новая задача: Сделка «Курс «Python»» перешла с этапа «Переговоры» на «Новая»"
    )
    row = Notification.objects.get(channel="email", recipient="ivan@desk.example")
    task = Task.objects.get(assignee=ivan)
    assert row.key == f"task:{task.pk}:email:{ivan.pk}"
    assert f"http://localhost:8000/workspace/deals/{deal.pk}/" in row.text


def test_an_automatic_close_tells_the_responsible() -> None:
    # a payment wins the deal: nobody did it, so it is news to the manager
    vera = manager(email="vera@desk.example")
    item = queued_item()
    queue_take_next(manager=vera, now=NOON)
    Notification.objects.all().delete()

    deals_close(queue_item_ids=[item.pk], status=Deal.Status.WON, now=NOON + MINUTE)

    assert [r for r, _s in task_alerts()] == ["vera@desk.example"]
    assert Notification.objects.get(channel="email").user_id == vera.pk


# --- a due callback -------------------------------------------------------------------------


def scheduled(holder: Any, *, at: dt.datetime, **order_fields: Any) -> QueueItem:
    return queued_item(
        state=QueueItem.State.SCHEDULED, holder=holder, available_at=at, **order_fields
    )


def test_a_due_callback_tells_its_manager_once() -> None:
    vera = manager(email="vera@desk.example")
    at = dt.datetime(2026, 11, 20, 15, 30, tzinfo=MSK)
    item = scheduled(vera, at=at, customer_name="Анна Смирнова", customer_phone="+79123456789")

    assert callbacks_due_send(now=at - dt.timedelta(seconds=1)) == 0
    assert callbacks_due_send(now=at) == 1
    assert callbacks_due_send(now=at + 10 * MINUTE) == 0

    row = Notification.objects.get(channel="email", kind="callback_due")
    assert row.recipient == "vera@desk.example"
    assert row.subject == "Пора перезвонить: Анна Смирнова"
    assert "Вы договорились перезвонить покупателю 20 ноября в 15:30." in row.text
    assert "+79123456789" in row.text
    assert row.key == f"callback:{item.pk}:{at.astimezone(dt.UTC).isoformat()}:email:{vera.pk}"


def test_a_callback_moved_to_another_time_is_announced_again() -> None:
    vera = manager(email="vera@desk.example")
    at = dt.datetime(2026, 11, 20, 15, 30, tzinfo=MSK)
    item = scheduled(vera, at=at)
    assert callbacks_due_send(now=at) == 1

    later = at + dt.timedelta(hours=2)
    QueueItem.objects.filter(pk=item.pk).update(available_at=later)

    assert callbacks_due_send(now=later - MINUTE) == 0
    assert callbacks_due_send(now=later) == 1
    assert Notification.objects.filter(channel="email", kind="callback_due").count() == 2


def test_a_callback_of_a_deactivated_manager_or_a_queued_item_tells_nobody() -> None:
    at = dt.datetime(2026, 11, 20, 15, 30, tzinfo=MSK)
    scheduled(manager(is_active=False), at=at)
    queued_item(available_at=at)

    assert callbacks_due_send(now=at) == 1  # the deactivated one is marked, not told
    assert not Notification.objects.exists()
    assert callbacks_due_send(now=at) == 0


def test_the_callback_command_prints_how_many() -> None:
    scheduled(manager(), at=NOON - dt.timedelta(days=1))
    out = StringIO()
    call_command("send_callback_alerts", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == {"sent": 1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_runs_at_once_announce_each_callback_once() -> None:
    at = dt.datetime(2026, 11, 20, 15, 30, tzinfo=MSK)
    for n in range(9):
        scheduled(manager(), at=at - n * MINUTE)

    with mock.patch("notifications.services.enqueue"):
        results = unwrap(run_concurrently(*[lambda: callbacks_due_send(now=at, batch_size=2)] * 4))

    assert sum(results) == 9
    keys = list(
        Notification.objects.filter(channel="email", kind="callback_due").values_list(
            "key", flat=True
        )
    )
    assert len(keys) == len(set(keys)) == 9
