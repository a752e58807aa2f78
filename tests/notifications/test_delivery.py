"""The outbox delivers each message once: retries with backoff against a mail server that
refuses, ``failed`` after the last attempt and «send again», a broker that is down, a worker
that died, two workers on one row."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications.delivery import notification_deliver, notifications_due, retry_delay
from notifications.models import Notification
from notifications.services import notification_resend, notify
from notifications.tasks import deliver_notification_task, deliver_pending_task
from tests.concurrency import run_concurrently, unwrap
from tests.notifications.factories import NotificationFactory
from tests.notifications.smtp import smtp_server

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def beat(now: dt.datetime) -> None:
    """The periodic job at ``now``, its deliveries run inline (as the eager tasks would)."""
    for notification_id in notifications_due(now=now):
        notification_deliver(notification_id=notification_id, now=now)


def _notify(key: str, recipient: str) -> Notification:
    return notify(
        key=key,
        kind=Notification.Kind.PARTNER_DECISION,
        recipient=recipient,
        subject="SalesDesk: Курс «Python» — одобрен",
        text="Здравствуйте!\nКурс одобрен.\n",
        html="<p>Здравствуйте!</p>",
    )


def test_the_backoff_doubles_up_to_the_cap(settings: Any) -> None:
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATIONS_RETRY_MAX_SECONDS = 600

    delays = [retry_delay(n).total_seconds() / 60 for n in range(1, 7)]

    assert delays == [1, 2, 4, 8, 10, 10]


def test_a_refusing_server_gets_each_message_once_with_the_attempts_recorded(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a mail server that refuses the first four messages it is offered
    with smtp_server(settings, refuse=4) as server:
        # when: two messages are written; their first attempts run on commit
        with django_capture_on_commit_callbacks(execute=True):
            first = _notify("test:first", "owner@example.com")
            second = _notify("test:second", "staff@example.com")

        # then: both refused, waiting a minute (the first backoff) with the error recorded
        for row in (first, second):
            row.refresh_from_db()
            assert (row.status, row.attempts) == ("pending", 1)
            assert "451" in row.last_error
        start = first.next_attempt_at - MINUTE

        # when: the periodic job runs before the backoff is over, then after it twice
        beat(start + dt.timedelta(seconds=30))
        assert server.offered == 4 - 2  # nothing was due yet
        beat(start + 2 * MINUTE)  # second attempts: refused (the 3rd and 4th offers)
        beat(start + 3 * MINUTE)  # the backoff is 2 minutes now: not due yet
        beat(start + 5 * MINUTE)  # third attempts: accepted
        beat(start + 60 * MINUTE)  # nothing left to do

    # then: each message arrived exactly once, after three attempts
    assert sorted(tuple(e.rcpt_tos) for e in server.received) == [
        ("owner@example.com",),
        ("staff@example.com",),
    ]
    for row in (first, second):
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("sent", 3)
        assert row.sent_at == start + 5 * MINUTE
    body = server.received[0].content.decode()
    assert "multipart/alternative" in body and "text/html" in body


def test_a_message_that_never_gets_through_fails_and_is_sent_again(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a server that refuses the first six messages, and six attempts allowed
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 6
    with smtp_server(settings, refuse=6) as server:
        with django_capture_on_commit_callbacks(execute=True):
            row = _notify("test:never", "owner@example.com")
        now = timezone.now()

        # when: the periodic job runs every minute for two hours
        for minute in range(1, 121):
            beat(now + minute * MINUTE)

        # then: failed after six attempts (1, 2, 4, 8, 16 minutes apart), nothing delivered
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("failed", 6)
        assert "451" in row.last_error
        assert server.received == []
        assert notifications_due(now=now + 999 * MINUTE) == []

        # when: the head sends it again (the server accepts now)
        with django_capture_on_commit_callbacks(execute=True):
            assert notification_resend(notification=row) is True

    # then: delivered once, attempts counted afresh
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert [e.rcpt_tos for e in server.received] == [["owner@example.com"]]


def test_a_duplicate_key_is_a_no_op(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify("test:once", "owner@example.com")
        again = _notify("test:once", "someone-else@example.com")

    assert again.pk == first.pk
    assert Notification.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]


def test_nothing_is_written_or_sent_when_the_event_rolls_back(
    django_capture_on_commit_callbacks: Any,
) -> None:
    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        _notify("test:rolled-back", "owner@example.com")
        raise Boom

    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_a_broker_that_is_down_leaves_the_row_for_the_periodic_job(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: Redis is down when the event commits
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(deliver_notification_task, "apply_async", side_effect=down) as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        row = _notify("test:redis-down", "owner@example.com")

    # then: the commit went through; the row waits, nothing was sent
    assert enqueue.call_count == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert mail.outbox == []

    # when: the broker is back and beat runs its job
    assert deliver_pending_task.delay().get() == 1

    # then
    row.refresh_from_db()
    assert row.status == "sent"
    assert [m.to for m in mail.outbox] == [["owner@example.com"]]


def test_a_row_left_sending_by_a_dead_worker_is_taken_back(settings: Any) -> None:
    # given: a worker claimed the row and died
    settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS = 600
    row = NotificationFactory.create()
    now = timezone.now()
    Notification.objects.filter(pk=row.pk).update(
        status="sending", attempts=1, next_attempt_at=now + 10 * MINUTE
    )

    # when: the job runs before the claim's deadline, then after it
    beat(now + 5 * MINUTE)
    row.refresh_from_db()
    assert row.status == "sending"
    beat(now + 11 * MINUTE)

    # then
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_a_row_left_sending_on_its_last_attempt_fails(settings: Any) -> None:
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    row = NotificationFactory.create()
    now = timezone.now()
    Notification.objects.filter(pk=row.pk).update(status="sending", attempts=2, next_attempt_at=now)

    beat(now + MINUTE)

    row.refresh_from_db()
    assert row.status == "failed"
    assert mail.outbox == []


def test_running_the_delivery_twice_sends_once() -> None:
    row = NotificationFactory.create()

    assert deliver_notification_task.delay(str(row.pk)).get() is True
    assert deliver_notification_task.delay(str(row.pk)).get() is False

    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_row_send_it_once() -> None:
    # given: eight workers handed the same id at once
    row = NotificationFactory.create()
    sent: list[str] = []

    def record_send(self: Any, fail_silently: bool = False) -> int:
        sent.append(self.to[0])
        return 1

    # when
    with mock.patch("notifications.channels.EmailMultiAlternatives.send", record_send):
        results = unwrap(
            run_concurrently(*[lambda: notification_deliver(notification_id=row.pk)] * 8)
        )

    # then
    assert sorted(results) == [False] * 7 + [True]
    assert sent == [row.recipient]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
