"""The head invites staff (stats.staff.staff_invite): a one-time set-password link through the
outbox that expires after INVITATION_DAYS; accepting applies the role, the trainee flag and the
commission rate. A trainee flag is for sellers only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Role, User
from accounts.services import invitation_create, staff_invitation_revoke
from notifications.models import Notification
from sales_queue.services.staff import staff_deactivate
from salesdesk.errors import ApplicationError, ConflictError
from stats.models import CommissionRate
from stats.staff import invitation_join, staff_invite
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

STRONG = "акварель-по-средам-42"


@pytest.fixture
def head() -> User:
    return UserFactory.create(role="head", full_name="Ольга Руководитель")


def _link_secret(email: str) -> str:
    row = Notification.objects.filter(recipient=email).latest("created_at")
    return row.text.split("/accounts/invite/")[1].split("/")[0]


def test_an_invited_caller_joins_as_a_trainee_with_their_commission_rate(head: User) -> None:
    # given: the head invites a trainee caller at 7,5 %
    invitation = staff_invite(
        actor=head,
        email="Pavel@Example.com",
        role=Role.CALLER,
        is_trainee=True,
        commission_percent=Decimal("7.5"),
    )
    assert invitation.partner is None and invitation.invited_by == head
    email = Notification.objects.get(kind=Notification.Kind.INVITATION)
    assert email.recipient == "pavel@example.com"
    assert "/accounts/invite/" in email.text

    # when: Павел opens the link and chooses his name and password
    user = invitation_join(
        raw=_link_secret("pavel@example.com"), full_name="Павел Звонов", password=STRONG
    )

    # then: the login has the role, the trainee flag and the rate
    user.refresh_from_db()
    assert user.role == Role.CALLER and user.is_trainee and user.partner is None
    assert user.check_password(STRONG) and user.is_active
    rate = CommissionRate.objects.get(user=user)
    assert rate.percent == Decimal("7.50") and rate.updated_by == head


def test_without_a_rate_the_new_member_earns_the_default(head: User) -> None:
    staff_invite(actor=head, email="ivan@example.com", role=Role.MANAGER)

    user = invitation_join(raw=_link_secret("ivan@example.com"), full_name="Иван", password=STRONG)

    assert user.role == Role.MANAGER and not user.is_trainee
    assert not CommissionRate.objects.filter(user=user).exists()


def test_the_staff_link_works_once(head: User) -> None:
    staff_invite(actor=head, email="ivan@example.com", role=Role.MANAGER)
    raw = _link_secret("ivan@example.com")
    invitation_join(raw=raw, full_name="Иван", password=STRONG)

    with pytest.raises(ConflictError) as again:
        invitation_join(raw=raw, full_name="Кто-то другой", password=STRONG)

    assert again.value.code == "invitation_accepted"
    assert User.objects.filter(email="ivan@example.com").count() == 1
    page = Client().get(reverse("invitation-accept", kwargs={"token": raw}))
    assert page.status_code == 200
    assert "Приглашение уже использовано" in page.content.decode()


def test_the_staff_link_expires_after_the_configured_days(head: User, settings: Any) -> None:
    # given: an invitation sent 7 days ago, with links valid for 7 days
    settings.INVITATION_DAYS = 7
    sent = timezone.now() - dt.timedelta(days=30)
    invitation = staff_invite(actor=head, email="ivan@example.com", role=Role.QA, now=sent)
    raw = _link_secret("ivan@example.com")
    assert invitation.expires_at == sent + dt.timedelta(days=7)

    # when / then: a second before the end it still works in principle, at the end it refuses
    assert invitation.state(sent + dt.timedelta(days=7, seconds=-1)) == Invitation.State.PENDING
    with pytest.raises(ConflictError) as expired:
        invitation_join(raw=raw, full_name="Иван", password=STRONG, now=sent + dt.timedelta(days=7))
    assert expired.value.code == "invitation_expired"
    assert not User.objects.filter(email="ivan@example.com").exists()


def test_a_revoked_staff_invitation_refuses(head: User) -> None:
    invitation = staff_invite(actor=head, email="ivan@example.com", role=Role.MANAGER)

    staff_invitation_revoke(invitation_id=invitation.pk)

    with pytest.raises(ConflictError) as revoked:
        invitation_join(raw=_link_secret("ivan@example.com"), full_name="Иван", password=STRONG)
    assert revoked.value.code == "invitation_revoked"


@pytest.mark.parametrize("role", [Role.QA, Role.HEAD])
def test_a_trainee_flag_is_refused_for_qa_and_head(head: User, role: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        staff_invite(actor=head, email="ivan@example.com", role=role, is_trainee=True)

    assert refused.value.code == "trainee_not_seller"
    assert not Invitation.objects.exists() and not Notification.objects.exists()


def test_a_commission_rate_is_refused_for_qa_and_out_of_range(head: User) -> None:
    with pytest.raises(ApplicationError):
        staff_invite(
            actor=head, email="a@example.com", role=Role.QA, commission_percent=Decimal("5")
        )
    with pytest.raises(ApplicationError) as too_high:
        staff_invite(
            actor=head, email="b@example.com", role=Role.MANAGER, commission_percent=Decimal("101")
        )

    assert list(too_high.value.details) == ["commission_percent"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", ["manager", "caller", "account_manager", "qa", "partner_owner"])
def test_only_the_head_invites_staff(role: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        staff_invite(actor=UserFactory.create(role=role), email="x@example.com", role="manager")

    assert refused.value.code == "not_head"
    assert not Invitation.objects.exists()


def test_a_partner_role_cannot_be_invited_to_the_sales_department(head: User) -> None:
    with pytest.raises(ApplicationError) as refused:
        staff_invite(actor=head, email="x@example.com", role=Role.PARTNER_STAFF)

    assert refused.value.code == "invalid_role"


def test_the_old_signature_still_makes_a_plain_invitation() -> None:
    # invitation_create without the new arguments: no trainee, no rate (partner owners' path)
    invitation, _raw = invitation_create(email="kate@example.com", role=Role.MANAGER)

    assert not invitation.is_trainee and invitation.commission_percent is None


def test_a_deactivated_member_invited_again_gets_the_same_login_back(head: User) -> None:
    # given: a manager who left
    member = UserFactory.create(role="manager", email="ivan@example.com", full_name="Иван")
    staff_deactivate(actor=head, user_id=member.pk)

    # when: the head invites him again, this time as a trainee caller
    staff_invite(actor=head, email="ivan@example.com", role=Role.CALLER, is_trainee=True)
    back = invitation_join(
        raw=_link_secret("ivan@example.com"), full_name="Иван Петров", password=STRONG
    )

    # then: the same login, active, with the new role
    assert back.pk == member.pk
    back.refresh_from_db()
    assert back.is_active and back.role == Role.CALLER and back.is_trainee


def test_the_demo_has_a_trainee_manager(settings: Any) -> None:
    settings.DEBUG = True

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    trainee = User.objects.get(email="trainee@demo.salesdesk.local")
    assert trainee.role == Role.MANAGER and trainee.is_trainee and trainee.full_name
    assert trainee.check_password("salesdesk-demo")
