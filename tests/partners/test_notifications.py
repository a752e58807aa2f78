"""The partner's people are emailed about the head of sales' decisions — once each, through
the outbox (notifications)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from notifications.delivery import notification_deliver, notifications_due
from notifications.models import Notification
from partners import services
from partners.models import SalesStatus, StatusChange
from partners.tasks import notify_partner_of_decision_task
from tests.accounts.factories import UserFactory
from tests.partners.factories import ADHOC_CALL_NOTES, PartnerFactory, product_in_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def head() -> Any:
    return UserFactory.create(role="head")


@pytest.fixture
def people() -> dict[str, Any]:
    """A partner with an owner, a staff member and a deactivated member; another partner."""
    partner = PartnerFactory.create()
    return {
        "partner": partner,
        "owner": UserFactory.create(role="partner_owner", partner=partner),
        "staff": UserFactory.create(role="partner_staff", partner=partner),
        "gone": UserFactory.create(role="partner_staff", partner=partner, is_active=False),
        "stranger": UserFactory.create(role="partner_owner"),
    }


def _recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def test_approval_emails_the_partners_active_people(
    head, people, django_capture_on_commit_callbacks
) -> None:
    product = product_in_status(SalesStatus.CALL_BOOKED, partner=people["partner"], head=head)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.product_approve(
            product=product, actor=head, comment="Всё понятно", call_notes=ADHOC_CALL_NOTES
        )

    # one message per person: one bad address cannot hold up the others, nor shows the others
    assert len(mail.outbox) == 2
    assert [m.to for m in mail.outbox if len(m.to) != 1] == []
    assert _recipients() == {people["owner"].email, people["staff"].email}
    message = mail.outbox[0]
    assert product.name in message.subject
    assert "Всё понятно" in message.body
    assert "<html" in message.alternatives[0][0]  # type: ignore[attr-defined]
    assert Notification.objects.filter(status="sent", channel="email").count() == 2
    # and each person's bell has it too
    assert Notification.objects.filter(kind="partner_decision", channel="in_app").count() == 2


def test_a_refusal_email_carries_the_comment(
    head, people, django_capture_on_commit_callbacks
) -> None:
    product = product_in_status(SalesStatus.SUBMITTED, partner=people["partner"], head=head)

    with django_capture_on_commit_callbacks(execute=True):
        services.product_refuse(
            product=product, actor=head, reason="unacceptable_price", comment="Цена завышена"
        )

    assert len(mail.outbox) == 2
    assert "Цена завышена" in mail.outbox[0].body
    assert "unacceptable_price" not in mail.outbox[0].body  # the label, not the code


@pytest.mark.parametrize("action", ["product_block", "product_unblock"])
def test_product_blocks_and_unblocks_are_emailed(
    head, people, django_capture_on_commit_callbacks, action: str
) -> None:
    product = product_in_status(SalesStatus.APPROVED, partner=people["partner"], head=head)
    if action == "product_unblock":
        services.product_block(product=product, actor=head)

    with django_capture_on_commit_callbacks(execute=True):
        getattr(services, action)(product=product, actor=head)

    assert len(mail.outbox) == 2
    assert product.name in mail.outbox[0].subject
    assert "unblocked" not in mail.outbox[0].body


def test_partner_blocks_are_emailed(head, people, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.partner_block(partner=people["partner"], actor=head, comment="Проверка")
    with django_capture_on_commit_callbacks(execute=True):
        services.partner_unblock(partner=people["partner"], actor=head)

    assert len(mail.outbox) == 4
    assert all(people["partner"].name in m.subject for m in mail.outbox)
    assert _recipients() == {people["owner"].email, people["staff"].email}


def test_the_partners_own_steps_email_the_head_not_the_partner(
    head, people, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        product = product_in_status(SalesStatus.CALL_BOOKED, partner=people["partner"], head=head)

    # the submission and the booking tell the head (issue 13's alerts); the partner hears
    # of decisions only
    assert product.public_sales_status == SalesStatus.CALL_BOOKED
    assert [m.to for m in mail.outbox] == [[head.email], [head.email]]
    assert sorted(Notification.objects.filter(channel="email").values_list("kind", flat=True)) == [
        "call_booked",
        "new_application",
    ]


def test_nothing_is_sent_when_the_decision_is_rolled_back(
    head, people, django_capture_on_commit_callbacks
) -> None:
    product = product_in_status(SalesStatus.DRAFT, partner=people["partner"], head=head)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        services.product_approve(product=product, actor=head)

    assert mail.outbox == []


def test_the_decision_writes_one_outbox_row_per_person_in_its_transaction(head, people) -> None:
    # given
    product = product_in_status(SalesStatus.SUBMITTED, partner=people["partner"], head=head)

    # when: on_commit never fires here, so nothing is handed to a worker
    services.product_approve(product=product, actor=head, call_notes=ADHOC_CALL_NOTES)

    # then: the rows wait in the outbox, with the Russian text and an HTML version
    change = StatusChange.objects.get(product=product, to_status="approved")
    rows = Notification.objects.filter(kind="partner_decision", channel="email").order_by(
        "recipient"
    )
    assert [(n.recipient, n.status) for n in rows] == sorted(
        [(people["owner"].email, "pending"), (people["staff"].email, "pending")]
    )
    assert {n.key for n in rows} == {
        f"decision:{change.pk}:email:{people['owner'].pk}",
        f"decision:{change.pk}:email:{people['staff'].pk}",
    }
    assert all("Новый статус" in n.text and "<html" in n.html for n in rows)
    assert mail.outbox == []


def test_an_old_queued_task_writes_nothing_twice(head, people) -> None:
    # given: a decision whose notifications were written with it
    product = product_in_status(SalesStatus.SUBMITTED, partner=people["partner"], head=head)
    services.product_approve(product=product, actor=head, call_notes=ADHOC_CALL_NOTES)
    change = StatusChange.objects.get(product=product, to_status="approved")

    # when: a task message from before the outbox arrives
    written = notify_partner_of_decision_task.delay(change.pk).get()

    # then
    assert written == 0
    assert Notification.objects.filter(kind="partner_decision").count() == 4  # email + bell


def test_a_failed_send_is_retried_and_sent_once(
    head, people, django_capture_on_commit_callbacks
) -> None:
    # given: the mail server is down when the decision is made (the head's alert about the
    # application is not what this is about)
    product = product_in_status(SalesStatus.SUBMITTED, partner=people["partner"], head=head)
    Notification.objects.all().delete()
    with (
        mock.patch(
            "notifications.channels.EmailMultiAlternatives.send",
            side_effect=ConnectionError("SMTP is down"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.product_approve(product=product, actor=head, call_notes=ADHOC_CALL_NOTES)

    # then: nothing sent, the rows wait for their retry with the error recorded
    rows = list(Notification.objects.filter(kind="partner_decision", channel="email"))
    assert mail.outbox == []
    assert {(n.status, n.attempts) for n in rows} == {("pending", 1)}
    assert all("SMTP is down" in n.last_error for n in rows)

    # when: the periodic job runs after the backoff
    later = timezone.now() + dt.timedelta(minutes=2)
    for notification_id in notifications_due(now=later):
        notification_deliver(notification_id=notification_id, now=later)

    # then: each person gets it once
    assert sorted(_recipients()) == sorted([people["owner"].email, people["staff"].email])
    assert len(mail.outbox) == 2
    assert {(n.status, n.attempts) for n in Notification.objects.filter(channel="email")} == {
        ("sent", 2)
    }
