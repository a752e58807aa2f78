"""Self sign-up (partners.services.signup): the partner, its unconfirmed owner and the
confirmation email in one transaction; the signed link confirms once and expires; an address
that already has a login creates nothing and is told so by email only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import Confirmation, email_confirm, email_confirmation_token
from notifications.models import Notification
from partners.models import Partner
from partners.services import SignUp, email_confirmation_resend, partner_sign_up
from salesdesk.errors import ApplicationError
from tests.accounts.factories import UserFactory
from tests.accounts.signup import confirmation_path

pytestmark = pytest.mark.django_db

STRONG = "акварель-по-средам-42"


def sign_up(email: str = "olga@school.example", **extra: Any) -> SignUp:
    data: dict[str, Any] = {
        "company": "Школа акварели",
        "full_name": "Ольга Петрова",
        "email": email,
        "password": STRONG,
    }
    return partner_sign_up(**{**data, **extra})


def token_of(email: str) -> str:
    return confirmation_path(email).rstrip("/").rsplit("/", 1)[1]


def test_a_sign_up_creates_the_partner_its_unconfirmed_owner_and_the_email() -> None:
    result = sign_up()

    owner = User.objects.get(email="olga@school.example")
    assert result.partner is not None and owner.partner == result.partner
    assert result.partner.name == "Школа акварели"
    assert owner.role == Role.PARTNER_OWNER and owner.full_name == "Ольга Петрова"
    assert owner.check_password(STRONG)
    assert owner.email_confirmed is False
    row = Notification.objects.get(recipient=owner.email)
    assert row.kind == Notification.Kind.EMAIL_CONFIRMATION
    assert row.status == Notification.Status.PENDING
    assert "Подтвердите" in row.subject
    assert "/accounts/confirm/" in row.text and "/accounts/confirm/" in row.html


def test_the_email_row_is_written_in_the_sign_ups_transaction() -> None:
    # given a sign-up whose surrounding transaction fails afterwards
    with pytest.raises(RuntimeError), transaction.atomic():
        sign_up()
        assert Notification.objects.filter(recipient="olga@school.example").exists()
        raise RuntimeError("the request failed later")

    # then neither the partner, nor the login, nor the message exists
    assert not Partner.objects.filter(name="Школа акварели").exists()
    assert not User.objects.filter(email="olga@school.example").exists()
    assert not Notification.objects.exists()


def test_the_email_is_sent_only_after_the_commit(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sign_up()
    assert mail.outbox == []

    for callback in callbacks:
        callback()

    assert [m.to for m in mail.outbox] == [["olga@school.example"]]
    assert "/accounts/confirm/" in mail.outbox[0].body


def test_a_weak_password_is_refused_with_djangos_rules_in_russian() -> None:
    with pytest.raises(ApplicationError) as refused:
        sign_up(password="12345678")

    assert refused.value.code == "weak_password"
    assert any("слишком широко распространён" in m for m in refused.value.details["password"])
    assert not Partner.objects.exists()


def test_an_address_with_a_login_creates_nothing_and_gets_a_note_instead() -> None:
    existing = UserFactory.create(role="partner_owner", email="olga@school.example")
    partners_before = Partner.objects.count()

    result = sign_up(email="Olga@School.example")

    assert result.partner is None
    assert Partner.objects.count() == partners_before
    assert User.objects.get(email="olga@school.example").pk == existing.pk
    row = Notification.objects.get(recipient="olga@school.example")
    assert "уже есть учётная запись" in row.subject
    assert "/accounts/password-reset/" in row.text


def test_signing_up_again_before_confirming_sends_a_new_link() -> None:
    sign_up()
    again = sign_up(password="другой-пароль-77")

    assert again.partner is None
    assert Partner.objects.filter(name="Школа акварели").count() == 1
    assert Notification.objects.filter(kind="email_confirmation").count() == 2
    assert User.objects.get(email="olga@school.example").check_password(STRONG)


def test_the_link_confirms_once_then_says_already() -> None:
    sign_up()
    token = token_of("olga@school.example")

    first = email_confirm(token=token)
    second = email_confirm(token=token)

    assert first[0] == Confirmation.CONFIRMED
    assert second[0] == Confirmation.ALREADY
    assert User.objects.get(email="olga@school.example").email_confirmed is True


def test_the_link_expires_after_the_configured_days(settings) -> None:
    settings.EMAIL_CONFIRMATION_DAYS = 3
    issued = timezone.now() - dt.timedelta(days=10)
    sign_up(now=issued)
    token = token_of("olga@school.example")

    # within the three days it works; a moment after, it does not
    assert email_confirm(token=token, now=issued + dt.timedelta(days=3, seconds=-1))[0] == (
        Confirmation.CONFIRMED
    )
    User.objects.filter(email="olga@school.example").update(email_confirmed=False)
    state, user = email_confirm(token=token, now=issued + dt.timedelta(days=3, seconds=1))
    assert state == Confirmation.EXPIRED
    assert user is not None and not User.objects.get(pk=user.pk).email_confirmed


def test_an_expired_link_gets_a_new_one_that_works() -> None:
    issued = timezone.now() - dt.timedelta(days=30)
    sign_up(now=issued)
    old = token_of("olga@school.example")

    assert email_confirmation_resend(token=old) is True
    new = token_of("olga@school.example")

    assert new != old
    assert email_confirm(token=new)[0] == Confirmation.CONFIRMED


def test_a_new_link_is_not_sent_for_a_confirmed_or_unknown_address() -> None:
    UserFactory.create(role="partner_owner", email="done@school.example")

    assert email_confirmation_resend(email="done@school.example") is False
    assert email_confirmation_resend(email="nobody@school.example") is False
    assert not Notification.objects.exists()


def test_an_altered_or_foreign_token_is_invalid() -> None:
    sign_up()
    token = token_of("olga@school.example")
    other = UserFactory.create(role="manager")

    assert email_confirm(token=token[:-2] + "xx")[0] == Confirmation.INVALID
    assert email_confirm(token="garbage")[0] == Confirmation.INVALID
    # a token made for one user's address stops working when the address changes
    forged = email_confirmation_token(user=other)
    User.objects.filter(pk=other.pk).update(email="changed@example.com")
    assert email_confirm(token=forged)[0] == Confirmation.INVALID
