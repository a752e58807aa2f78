"""``manage.py ops_status``: what to watch when running at scale, as one JSON line."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification
from salesdesk.health import broker_queue_length
from tests.notifications.factories import NotificationFactory
from tests.processes import redis_server
from tests.sales_queue.factories import queued_item

pytestmark = pytest.mark.django_db


def test_it_reports_the_queue_the_outbox_and_the_broker(monkeypatch: Any) -> None:
    # given: two items waiting since 10 and 40 minutes ago; one mail pending for 5 minutes, one
    # failed, one sent
    now = timezone.now()
    queued_item(entered_at=now - dt.timedelta(minutes=10), available_at=now)
    queued_item(entered_at=now - dt.timedelta(minutes=40), available_at=now)
    NotificationFactory.create(created_at=now - dt.timedelta(minutes=5))
    NotificationFactory.create(status=Notification.Status.FAILED)
    NotificationFactory.create(status=Notification.Status.SENT, sent_at=now)
    monkeypatch.setattr("web.management.commands.ops_status.broker_queue_length", lambda: 3)

    # when
    out = StringIO()
    call_command("ops_status", stdout=out)
    status = json.loads(out.getvalue().splitlines()[-1])

    # then
    assert status["queue"]["waiting"] == 2
    assert 40 * 60 <= status["queue"]["oldest_waiting_seconds"] < 41 * 60
    assert {k: status["outbox"][k] for k in ("pending", "sending", "failed")} == {
        "pending": 1,
        "sending": 0,
        "failed": 1,
    }
    assert 5 * 60 <= status["outbox"]["oldest_pending_seconds"] < 6 * 60
    assert status["broker_queue"] == 3


def test_the_broker_queue_length_counts_waiting_tasks_and_is_unknown_when_redis_is_down(
    settings: Any, tmp_path: Path
) -> None:
    with redis_server(tmp_path) as redis:
        settings.CELERY_BROKER_URL = redis.url
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
        assert broker_queue_length() == 0
        with Celery("ops-test", broker=redis.url, set_as_current=False) as sender:
            for _ in range(2):
                sender.send_task("sales_queue.tasks.sweep_queue_task")
        assert broker_queue_length() == 2
        redis.stop()
        assert broker_queue_length() is None
