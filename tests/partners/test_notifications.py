"""The partner's people are emailed about the head of sales' decisions — once each."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail

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

    assert len(mail.outbox) == 1
    assert _recipients() == {people["owner"].email, people["staff"].email}
    message = mail.outbox[0]
    assert product.name in message.subject
    assert "Всё понятно" in message.body
    assert StatusChange.objects.get(product=product, to_status="approved").notified_at is not None


def test_a_refusal_email_carries_the_comment(
    head, people, django_capture_on_commit_callbacks
) -> None:
    product = product_in_status(SalesStatus.SUBMITTED, partner=people["partner"], head=head)

    with django_capture_on_commit_callbacks(execute=True):
        services.product_refuse(
            product=product, actor=head, reason="unacceptable_price", comment="Цена завышена"
        )

    assert len(mail.outbox) == 1
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

    assert len(mail.outbox) == 1
    assert product.name in mail.outbox[0].subject
    assert "unblocked" not in mail.outbox[0].body


def test_partner_blocks_are_emailed(head, people, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.partner_block(partner=people["partner"], actor=head, comment="Проверка")
    with django_capture_on_commit_callbacks(execute=True):
        services.partner_unblock(partner=people["partner"], actor=head)

    assert len(mail.outbox) == 2
    assert all(people["partner"].name in m.subject for m in mail.outbox)
    assert _recipients() == {people["owner"].email, people["staff"].email}


def test_the_partners_own_steps_send_no_email(
    head, people, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        product = product_in_status(SalesStatus.CALL_BOOKED, partner=people["partner"], head=head)

    assert product.public_sales_status == SalesStatus.CALL_BOOKED
    assert mail.outbox == []


def test_nothing_is_sent_when_the_decision_is_rolled_back(
    head, people, django_capture_on_commit_callbacks
) -> None:
    product = product_in_status(SalesStatus.DRAFT, partner=people["partner"], head=head)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        services.product_approve(product=product, actor=head)

    assert mail.outbox == []


def test_running_the_task_twice_sends_once(head, people) -> None:
    product = product_in_status(SalesStatus.SUBMITTED, partner=people["partner"], head=head)
    # on_commit never fires here
    services.product_approve(product=product, actor=head, call_notes=ADHOC_CALL_NOTES)
    change = StatusChange.objects.get(product=product, to_status="approved")

    first = notify_partner_of_decision_task.delay(change.pk).get()
    second = notify_partner_of_decision_task.delay(change.pk).get()

    assert (first, second) == (2, 0)
    assert len(mail.outbox) == 1


def test_a_failed_send_gives_the_claim_back_for_the_retry(head, people) -> None:
    # given
    product = product_in_status(SalesStatus.SUBMITTED, partner=people["partner"], head=head)
    services.product_approve(product=product, actor=head, call_notes=ADHOC_CALL_NOTES)
    change = StatusChange.objects.get(product=product, to_status="approved")

    # when: the mail server is down
    with (
        mock.patch("partners.tasks.send_mail", side_effect=ConnectionError("SMTP is down")),
        pytest.raises(Retry),
    ):
        notify_partner_of_decision_task.delay(change.pk)

    # then: not marked as notified, so the retry sends it
    change.refresh_from_db()
    assert change.notified_at is None
    assert notify_partner_of_decision_task.delay(change.pk).get() == 2
    assert len(mail.outbox) == 1
