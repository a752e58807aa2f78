"""Invitations (accounts.services + partners.services.team): a one-time link that expires,
through the outbox; generic over roles (a partner's team now, the head's staff later)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Invitation, Role, User
from accounts.services import (
    invitation_accept,
    invitation_by_secret,
    invitation_create,
    invitation_revoke,
    member_remove,
)
from notifications.kinds import kinds_for_role
from notifications.models import Notification
from partners.services import invitation_send, partner_member_invite
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from tests.accounts.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

STRONG = "акварель-по-средам-42"


@pytest.fixture
def owner() -> Any:
    return UserFactory.create(role="partner_owner")


def test_an_invitation_is_stored_as_a_hash_and_emailed_with_the_link(owner: Any) -> None:
    invitation = partner_member_invite(
        partner=owner.partner, invited_by=owner, email="Kate@Example.com"
    )

    assert invitation.email == "kate@example.com"
    assert invitation.role == Role.PARTNER_STAFF and invitation.partner == owner.partner
    row = Notification.objects.get(kind=Notification.Kind.INVITATION)
    assert row.recipient == "kate@example.com"
    assert owner.partner.name in row.subject
    raw = row.text.split("/accounts/invite/")[1].split("/")[0]
    assert raw not in invitation.token_hash
    assert invitation_by_secret(raw) == invitation


def test_the_email_row_rolls_back_with_the_invitation(owner: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        partner_member_invite(partner=owner.partner, invited_by=owner, email="kate@example.com")
        raise RuntimeError

    assert not Invitation.objects.exists() and not Notification.objects.exists()


def test_accepting_creates_the_member_once(owner: Any) -> None:
    _invitation, raw = invitation_create(
        email="kate@example.com", role=Role.PARTNER_STAFF, partner=owner.partner
    )

    user = invitation_accept(raw=raw, full_name="  Екатерина   Орлова ", password=STRONG)

    assert user.partner == owner.partner and user.role == Role.PARTNER_STAFF
    assert user.full_name == "Екатерина Орлова" and user.check_password(STRONG)
    assert user.email_confirmed  # the link proved the address
    with pytest.raises(ConflictError) as again:
        invitation_accept(raw=raw, full_name="Кто-то", password=STRONG)
    assert again.value.code == "invitation_accepted"
    assert User.objects.filter(email="kate@example.com").count() == 1


def test_an_invitation_expires_after_the_configured_days(owner: Any, settings) -> None:
    settings.INVITATION_DAYS = 7
    sent = timezone.now() - dt.timedelta(days=30)
    invitation, raw = invitation_create(
        email="kate@example.com", role=Role.PARTNER_STAFF, partner=owner.partner, now=sent
    )

    assert invitation.expires_at == sent + dt.timedelta(days=7)
    assert invitation.state(sent + dt.timedelta(days=7, seconds=-1)) == Invitation.State.PENDING
    with pytest.raises(ConflictError) as expired:
        invitation_accept(
            raw=raw, full_name="Катя", password=STRONG, now=sent + dt.timedelta(days=7)
        )
    assert expired.value.code == "invitation_expired"
    assert not User.objects.filter(email="kate@example.com").exists()


def test_a_revoked_invitation_cannot_be_accepted(owner: Any) -> None:
    invitation, raw = invitation_create(
        email="kate@example.com", role=Role.PARTNER_STAFF, partner=owner.partner
    )

    invitation_revoke(partner=owner.partner, invitation_id=invitation.pk)

    with pytest.raises(ConflictError) as revoked:
        invitation_accept(raw=raw, full_name="Катя", password=STRONG)
    assert revoked.value.code == "invitation_revoked"


def test_a_new_invitation_to_the_same_address_replaces_the_pending_one(owner: Any) -> None:
    first, first_raw = invitation_create(
        email="kate@example.com", role=Role.PARTNER_STAFF, partner=owner.partner
    )
    _second, second_raw = invitation_create(
        email="kate@example.com", role=Role.PARTNER_STAFF, partner=owner.partner
    )

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert invitation_accept(raw=second_raw, full_name="Катя", password=STRONG)
    with pytest.raises(ConflictError):
        invitation_accept(raw=first_raw, full_name="Катя", password=STRONG)


def test_an_address_with_a_login_cannot_be_invited(owner: Any) -> None:
    UserFactory.create(role="manager", email="kate@example.com")

    with pytest.raises(ConflictError) as taken:
        partner_member_invite(partner=owner.partner, invited_by=owner, email="KATE@example.com")

    assert taken.value.code == "email_taken"
    assert not Notification.objects.exists()


def test_a_removed_member_can_be_invited_back_and_gets_the_same_login(owner: Any) -> None:
    # given: a colleague removed from the team by mistake
    member = UserFactory.create(
        role="partner_staff", partner=owner.partner, email="kate@example.com"
    )
    member_remove(partner=owner.partner, actor=owner, member_id=member.pk)

    # when: the owner invites the address again and the colleague accepts
    partner_member_invite(partner=owner.partner, invited_by=owner, email="kate@example.com")
    raw = (
        Notification.objects.get(kind="invitation").text.split("/accounts/invite/")[1].split("/")[0]
    )
    back = invitation_accept(raw=raw, full_name="Катя Орлова", password=STRONG)

    # then: the same login, active again, with the new password and name
    assert back.pk == member.pk
    member.refresh_from_db()
    assert member.is_active and member.check_password(STRONG)
    assert (member.full_name, member.partner_id) == ("Катя Орлова", owner.partner_id)
    assert User.objects.filter(email="kate@example.com").count() == 1


def test_a_login_removed_from_another_partner_cannot_be_invited(owner: Any) -> None:
    elsewhere = UserFactory.create(role="partner_staff", email="kate@example.com")
    elsewhere.is_active = False
    elsewhere.save(update_fields=["is_active"])

    with pytest.raises(ConflictError) as taken:
        partner_member_invite(partner=owner.partner, invited_by=owner, email="kate@example.com")

    assert taken.value.code == "email_taken"


def test_a_weak_password_keeps_the_invitation_pending(owner: Any) -> None:
    invitation, raw = invitation_create(
        email="kate@example.com", role=Role.PARTNER_STAFF, partner=owner.partner
    )

    with pytest.raises(ApplicationError) as weak:
        invitation_accept(raw=raw, full_name="Катя", password="12345678")

    assert weak.value.code == "weak_password"
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.PENDING


def test_an_unknown_secret_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        invitation_accept(raw="inv_nothing", full_name="Катя", password=STRONG)
    assert invitation_by_secret("sdk_not-an-invitation") is None


def test_the_same_service_invites_staff_with_a_role_and_no_partner() -> None:
    head = UserFactory.create(role="head")

    invitation = invitation_send(
        email="new.manager@example.com", role=Role.MANAGER, partner=None, invited_by=head
    )
    raw = (
        Notification.objects.get(kind="invitation").text.split("/accounts/invite/")[1].split("/")[0]
    )
    user = invitation_accept(raw=raw, full_name="Новый Менеджер", password=STRONG)

    assert invitation.partner is None
    assert user.role == Role.MANAGER and user.partner is None


def test_a_staff_role_with_a_partner_is_refused(owner: Any) -> None:
    with pytest.raises(ApplicationError) as refused:
        invitation_create(email="x@example.com", role=Role.MANAGER, partner=owner.partner)

    assert refused.value.code == "partner_not_allowed"


def test_another_partners_invitation_is_not_found(owner: Any) -> None:
    invitation, _raw = invitation_create(
        email="kate@example.com", role=Role.PARTNER_STAFF, partner=PartnerFactory.create()
    )

    with pytest.raises(NotFoundError):
        invitation_revoke(partner=owner.partner, invitation_id=invitation.pk)


def test_the_owner_removes_a_member_but_not_themselves_nor_an_owner(owner: Any) -> None:
    member = UserFactory.create(role="partner_staff", partner=owner.partner)
    co_owner = UserFactory.create(role="partner_owner", partner=owner.partner)

    member_remove(partner=owner.partner, actor=owner, member_id=member.pk)

    member.refresh_from_db()
    assert member.is_active is False
    with pytest.raises(ConflictError, match="самого себя"):
        member_remove(partner=owner.partner, actor=owner, member_id=owner.pk)
    with pytest.raises(ConflictError, match="Владельца"):
        member_remove(partner=owner.partner, actor=owner, member_id=co_owner.pk)
    with pytest.raises(NotFoundError):
        member_remove(
            partner=owner.partner,
            actor=owner,
            member_id=UserFactory.create(role="partner_staff").pk,
        )


@pytest.mark.parametrize("role", ["partner_owner", "manager", "head"])
def test_login_messages_are_not_offered_on_the_notification_settings(role: str) -> None:
    offered = {value for value, _label in kinds_for_role(role)}

    assert Notification.Kind.EMAIL_CONFIRMATION not in offered
    assert Notification.Kind.INVITATION not in offered
