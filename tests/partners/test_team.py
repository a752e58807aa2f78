"""The cabinet's «Команда» page and accepting an invitation: the owner invites, revokes,
removes; a colleague's link sets name and password and opens the same cabinet; a used,
expired or revoked link says so; a second partner and the sales department's staff reach
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Invitation, Role, User
from accounts.services import invitation_create
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.accounts.signup import invitation_path
from tests.clients import logged_in

pytestmark = pytest.mark.django_db

STRONG = "акварель-по-средам-42"


@pytest.fixture
def owner() -> Any:
    return UserFactory.create(role="partner_owner", full_name="Ольга Петрова")


def test_the_team_page_lists_members_and_the_menu_links_it(owner: Any) -> None:
    colleague = UserFactory.create(role="partner_staff", partner=owner.partner)
    stranger = UserFactory.create(role="partner_staff")

    html = logged_in(owner).get("/cabinet/team/").content.decode()

    assert "Команда" in html and 'href="/cabinet/team/"' in html
    assert colleague.email in html and owner.email in html
    assert stranger.email not in html


def test_the_owner_invites_a_colleague_who_joins_the_same_cabinet(owner: Any) -> None:
    response = logged_in(owner).post("/cabinet/team/", {"email": "kate@example.com"}, follow=True)
    assert "Приглашение отправлено на kate@example.com." in response.content.decode()
    assert "kate@example.com" in response.content.decode()

    colleague = Client()
    link = invitation_path("kate@example.com")
    page = colleague.get(link).content.decode()
    assert owner.partner.name in page and "kate@example.com" in page
    joined = colleague.post(
        link,
        {"full_name": "Екатерина Орлова", "password1": STRONG, "password2": STRONG},
        follow=True,
    )

    assert joined.redirect_chain[-1][0] == "/cabinet/"
    user = User.objects.get(email="kate@example.com")
    assert user.partner == owner.partner and user.role == Role.PARTNER_STAFF
    assert str(user.pk) == colleague.session["_auth_user_id"]


def test_a_used_link_says_so_and_offers_the_login(owner: Any) -> None:
    _invitation, raw = invitation_create(
        email="kate@example.com", role=Role.PARTNER_STAFF, partner=owner.partner
    )
    Client().post(
        f"/accounts/invite/{raw}/",
        {"full_name": "Катя", "password1": STRONG, "password2": STRONG},
    )

    again = Client().post(
        f"/accounts/invite/{raw}/",
        {"full_name": "Другая", "password1": STRONG, "password2": STRONG},
    )

    html = again.content.decode()
    assert "Приглашение уже использовано" in html and 'href="/accounts/login/"' in html
    assert User.objects.get(email="kate@example.com").full_name == "Катя"


def test_an_expired_and_a_revoked_link_say_so(owner: Any) -> None:
    old, old_raw = invitation_create(
        email="old@example.com",
        role=Role.PARTNER_STAFF,
        partner=owner.partner,
        now=timezone.now() - dt.timedelta(days=30),
    )
    _revoked, revoked_raw = invitation_create(
        email="rev@example.com", role=Role.PARTNER_STAFF, partner=owner.partner
    )
    logged_in(owner).post(f"/cabinet/team/invitations/{_revoked.pk}/revoke/")

    assert "Срок приглашения истёк" in Client().get(f"/accounts/invite/{old_raw}/").content.decode()
    assert (
        "Приглашение отозвано" in Client().get(f"/accounts/invite/{revoked_raw}/").content.decode()
    )
    assert Client().get("/accounts/invite/inv_nothing/").status_code == 404
    assert old.state() == Invitation.State.EXPIRED


def test_an_address_with_a_login_is_a_form_error(owner: Any) -> None:
    UserFactory.create(role="manager", email="taken@example.com")

    response = logged_in(owner).post("/cabinet/team/", {"email": "taken@example.com"})

    assert response.status_code == 200
    assert "уже есть вход в SalesDesk" in response.content.decode()
    assert not Notification.objects.filter(kind="invitation").exists()


def test_the_owner_removes_a_member_who_loses_access(owner: Any) -> None:
    member = UserFactory.create(role="partner_staff", partner=owner.partner)
    members_client = logged_in(member)
    assert members_client.get("/cabinet/").status_code == 200

    response = logged_in(owner).post(f"/cabinet/team/members/{member.pk}/remove/", follow=True)

    assert "больше нет доступа к кабинету" in response.content.decode()
    assert members_client.get("/cabinet/").status_code == 302  # back to the login


def test_the_owner_cannot_remove_themselves(owner: Any) -> None:
    response = logged_in(owner).post(f"/cabinet/team/members/{owner.pk}/remove/", follow=True)

    assert "Нельзя удалить самого себя." in response.content.decode()
    assert User.objects.get(pk=owner.pk).is_active


def test_a_colleague_sees_the_team_but_cannot_change_it(owner: Any) -> None:
    colleague = UserFactory.create(role="partner_staff", partner=owner.partner)
    other = UserFactory.create(role="partner_staff", partner=owner.partner)
    client = logged_in(colleague)

    html = client.get("/cabinet/team/").content.decode()

    assert 'data-testid="invite-form"' not in html
    assert client.post("/cabinet/team/", {"email": "x@example.com"}).status_code == 403
    assert client.post(f"/cabinet/team/members/{other.pk}/remove/").status_code == 403
    assert User.objects.get(pk=other.pk).is_active


def test_a_second_partner_gets_404_on_the_first_partners_team(owner: Any) -> None:
    member = UserFactory.create(role="partner_staff", partner=owner.partner)
    invitation, _raw = invitation_create(
        email="kate@example.com", role=Role.PARTNER_STAFF, partner=owner.partner
    )
    intruder = logged_in(UserFactory.create(role="partner_owner"))

    assert intruder.post(f"/cabinet/team/members/{member.pk}/remove/").status_code == 404
    assert intruder.post(f"/cabinet/team/invitations/{invitation.pk}/revoke/").status_code == 404
    assert "kate@example.com" not in intruder.get("/cabinet/team/").content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None and User.objects.get(pk=member.pk).is_active


@pytest.mark.parametrize("role", ["manager", "head"])
def test_the_sales_departments_staff_get_404_on_team_pages(owner: Any, role: str) -> None:
    member = UserFactory.create(role="partner_staff", partner=owner.partner)
    staff = logged_in(UserFactory.create(role=role))

    assert staff.get("/cabinet/team/").status_code == 404
    assert staff.post(f"/cabinet/team/members/{member.pk}/remove/").status_code == 404
    assert User.objects.get(pk=member.pk).is_active
