"""The head's «Уведомления» page: failed and waiting notifications with «Отправить ещё раз»;
the admin's read-only list with the same action; the request path never waits on delivery."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications.models import Notification
from notifications.tasks import deliver_notification_task
from partners.models import SalesStatus
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory
from tests.partners.factories import ADHOC_CALL_NOTES, PartnerFactory, product_in_status

pytestmark = pytest.mark.django_db

URL = "/head/notifications/"


@pytest.fixture
def head() -> Any:
    return UserFactory.create(role="head")


@pytest.fixture
def head_client(head: Any) -> Client:
    client = Client()
    client.force_login(head)
    return client


def test_the_head_sees_failed_and_waiting_ones_newest_first(head_client: Client) -> None:
    # given
    now = timezone.now()
    old_failed = NotificationFactory.create(
        status="failed",
        attempts=6,
        last_error="SMTPDataError: 451 Try again later",
        subject="Старое письмо",
        created_at=now - dt.timedelta(days=2),
    )
    waiting = NotificationFactory.create(subject="Свежее письмо", created_at=now)
    NotificationFactory.create(status="sent", sent_at=now, subject="Доставленное письмо")

    # when
    response = head_client.get(URL)

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Уведомления" in html
    assert "Доставленное письмо" not in html
    assert html.index("Свежее письмо") < html.index("Старое письмо")
    assert "Не доставлено" in html and "Ждёт отправки" in html
    assert "SMTPDataError: 451 Try again later" in html
    assert "6 попыток" in html
    assert html.count("Отправить ещё раз") == 2
    assert f'data-id="{old_failed.pk}"' in html and f'data-id="{waiting.pk}"' in html
    assert "failed" not in html.replace('data-status="failed"', "").replace("status-failed", "")


def test_the_page_is_paginated(head_client: Client) -> None:
    NotificationFactory.create_batch(51, status="failed", attempts=6)

    first = head_client.get(URL).content.decode()
    second = head_client.get(URL + "?page=2").content.decode()

    assert first.count('data-testid="notification-row"') == 50
    assert second.count('data-testid="notification-row"') == 1
    assert "Страница 1 из 2" in first


def test_send_again_delivers_a_failed_one(
    head_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    row = NotificationFactory.create(status="failed", attempts=6, last_error="refused")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = head_client.post(f"{URL}{row.pk}/resend/", {"page": "1"})

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?page=1"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert [m.to for m in mail.outbox] == [[row.recipient]]
    assert "Уведомление будет отправлено ещё раз." in head_client.get(URL).content.decode()


def test_send_again_leaves_a_sent_one_alone(head_client: Client) -> None:
    row = NotificationFactory.create(status="sent", sent_at=timezone.now(), attempts=1)

    response = head_client.post(f"{URL}{row.pk}/resend/", follow=True)

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert "Уведомление уже отправлено." in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["manager", "caller", "qa"])
def test_other_staff_get_403(role: str) -> None:
    row = NotificationFactory.create(status="failed")
    client = Client()
    client.force_login(UserFactory.create(role=role))

    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}{row.pk}/resend/").status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"


def test_a_partner_gets_403_and_an_anonymous_visitor_logs_in() -> None:
    client = Client()
    assert client.get(URL).status_code == 302
    client.force_login(UserFactory.create(role="partner_owner", partner=PartnerFactory.create()))
    assert client.get(URL).status_code == 403


def test_the_head_has_the_page_in_the_menu(head_client: Client) -> None:
    html = head_client.get("/head/").content.decode()
    assert f'href="{URL}"' in html


def test_an_unknown_id_is_404(head_client: Client) -> None:
    assert head_client.post(f"{URL}00000000-0000-0000-0000-000000000000/resend/").status_code == 404


def test_the_admin_lists_read_only_and_sends_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    row = NotificationFactory.create(status="failed", attempts=6)
    admin = UserFactory.create(role="head", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    # when
    listing = client.get("/admin/notifications/notification/")
    change = client.get(f"/admin/notifications/notification/{row.pk}/change/")
    with django_capture_on_commit_callbacks(execute=True):
        acted = client.post(
            "/admin/notifications/notification/",
            {"action": "send_again", "_selected_action": [str(row.pk)]},
            follow=True,
        )

    # then
    assert listing.status_code == 200 and row.recipient in listing.content.decode()
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert "1 уведомление будет отправлено ещё раз." in acted.content.decode()
    row.refresh_from_db()
    assert row.status == "sent"


def test_the_heads_approval_does_not_wait_on_delivery(
    head_client: Client, head: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a real broker path (not eager), with Redis down when the decision commits
    settings.CELERY_TASK_ALWAYS_EAGER = False
    partner = PartnerFactory.create()
    UserFactory.create(role="partner_owner", partner=partner)
    product = product_in_status(SalesStatus.SUBMITTED, partner=partner, head=head)
    down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    # when
    with (
        mock.patch.object(deliver_notification_task, "apply_async", side_effect=down) as enqueue,
        mock.patch("notifications.channels.EmailMultiAlternatives.send") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = head_client.post(
            f"/head/sales-department/products/{product.pk}/approve/",
            {"approve-comment": "", "approve-call_notes": ADHOC_CALL_NOTES},
        )

    # then: the head's page answered; the email was neither sent nor waited for, it waits
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.sales_status == SalesStatus.APPROVED
    assert enqueue.call_count == 2  # the email and the bell's row
    assert send.call_count == 0
    assert list(
        Notification.objects.filter(kind="partner_decision", channel="email").values_list(
            "status", flat=True
        )
    ) == ["pending"]
