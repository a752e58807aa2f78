"""The head's «Команда» page (/head/team/): the team's mode, the staff list, inviting,
editing and deactivating a member. Every page refuses everyone but the head."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Role, TeamSettings, User
from accounts.services import invitation_create
from accounts.team import team_settings
from notifications.models import Notification
from sales_queue.models import QueueItem
from stats.models import CommissionRate
from tests.accounts.factories import UserFactory
from tests.crm.factories import DealFactory
from tests.sales_queue.factories import queued_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def head() -> User:
    return UserFactory.create(role="head", full_name="Ольга Руководитель")


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pages(member: User, invitation: Invitation) -> list[tuple[str, str]]:
    return [
        ("get", reverse("team_head:team")),
        ("post", reverse("team_head:settings")),
        ("post", reverse("team_head:invite")),
        ("post", reverse("team_head:invitation-revoke", kwargs={"pk": invitation.pk})),
        ("get", reverse("team_head:member", kwargs={"pk": member.pk})),
        ("post", reverse("team_head:member", kwargs={"pk": member.pk})),
        ("post", reverse("team_head:graduate", kwargs={"pk": member.pk})),
        ("get", reverse("team_head:deactivate", kwargs={"pk": member.pk})),
        ("post", reverse("team_head:deactivate", kwargs={"pk": member.pk})),
    ]


@pytest.mark.parametrize(
    "role", ["manager", "caller", "account_manager", "qa", "partner_owner", "partner_staff"]
)
def test_every_team_page_refuses_everyone_but_the_head(role: str) -> None:
    member = UserFactory.create(role="manager", is_trainee=True)
    invitation, _raw = invitation_create(email="x@example.com", role=Role.MANAGER)
    client = logged_in(UserFactory.create(role=role))
    body = {"mode": "split", "qa_sample_size": "5", "email": "y@example.com", "role": "manager"}

    for method, url in _pages(member, invitation):
        response = getattr(client, method)(url, body)
        assert response.status_code == 403, f"{role}: {method} {url}"

    member.refresh_from_db()
    invitation.refresh_from_db()
    assert member.is_active and member.is_trainee and invitation.revoked_at is None
    assert team_settings().mode == TeamSettings.Mode.SINGLE
    assert Invitation.objects.count() == 1


def test_anonymous_is_sent_to_the_login_page() -> None:
    member = UserFactory.create(role="manager")
    invitation, _raw = invitation_create(email="x@example.com", role=Role.MANAGER)

    for method, url in _pages(member, invitation):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302, f"{method} {url}"
        assert response["Location"].startswith(reverse("login"))


def test_the_head_sees_the_staff_with_role_rate_load_and_the_menu_link(head: User) -> None:
    # given: a trainee caller holding an item with an own rate, a manager on the default rate
    caller = UserFactory.create(role="caller", is_trainee=True, full_name="Павел Звонов")
    CommissionRate.objects.create(user=caller, percent=Decimal("7.50"))
    queued_item(state=QueueItem.State.ACTIVE, holder=caller)
    manager = UserFactory.create(role="manager", full_name="Иван Петров")
    DealFactory.create(responsible=manager)
    DealFactory.create(responsible=manager)
    UserFactory.create(role="partner_owner", full_name="Чужой Владелец")

    page = logged_in(head).get(reverse("team_head:team"))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/head/team/"' in html  # «Команда» in the head's menu
    rows = {row["email"]: row for row in _rows(page)}
    assert set(rows) == {head.email, caller.email, manager.email}
    assert rows[caller.email]["trainee"] and rows[caller.email]["rate"] == Decimal("7.50")
    assert rows[caller.email]["held_items"] == 1 and rows[caller.email]["open_deals"] == 0
    assert rows[manager.email]["rate"] is None and rows[manager.email]["open_deals"] == 2
    assert "Оператор обзвона" in html and "стажёр" in html
    assert "caller" not in html.split("<main")[-1].replace('value="caller"', "").replace(
        "role=caller", ""
    )


def _rows(page: Any) -> list[dict[str, Any]]:
    return [
        {
            "email": m.email,
            "trainee": m.is_trainee,
            "rate": m.rate,
            "held_items": m.held_items,
            "open_deals": m.open_deals,
        }
        for m in page.context["members"]
    ]


def test_the_role_filter(head: User) -> None:
    caller = UserFactory.create(role="caller")
    UserFactory.create(role="manager")

    page = logged_in(head).get(reverse("team_head:team"), {"role": "caller"})

    assert [m.pk for m in page.context["members"]] == [caller.pk]


def test_the_head_switches_the_mode_and_the_sample_size(head: User) -> None:
    response = logged_in(head).post(
        reverse("team_head:settings"), {"mode": "split", "qa_sample_size": "5"}
    )

    assert response.status_code == 302
    saved = team_settings()
    assert saved.mode == TeamSettings.Mode.SPLIT and saved.qa_sample_size == 5
    assert saved.updated_by == head


def test_a_bad_sample_size_is_a_form_error(head: User) -> None:
    response = logged_in(head).post(
        reverse("team_head:settings"), {"mode": "split", "qa_sample_size": "500"}
    )

    assert response.status_code == 400
    assert response.context["mode_form"].errors["qa_sample_size"]
    assert team_settings().mode == TeamSettings.Mode.SINGLE


def test_the_head_invites_and_the_invitation_is_listed(head: User) -> None:
    client = logged_in(head)

    response = client.post(
        reverse("team_head:invite"),
        {
            "email": "pavel@example.com",
            "role": "caller",
            "is_trainee": "on",
            "commission_percent": "7,5",
        },
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get(email="pavel@example.com")
    assert invitation.role == Role.CALLER and invitation.is_trainee
    assert invitation.commission_percent == Decimal("7.50") and invitation.partner is None
    assert Notification.objects.filter(recipient="pavel@example.com").count() == 1
    page = client.get(reverse("team_head:team"))
    assert [i.pk for i in page.context["invitations"]] == [invitation.pk]
    assert "pavel@example.com" in page.content.decode()


@pytest.mark.parametrize("role", ["qa", "head"])
def test_a_trainee_qa_or_head_invitation_is_a_form_error(head: User, role: str) -> None:
    response = logged_in(head).post(
        reverse("team_head:invite"), {"email": "x@example.com", "role": role, "is_trainee": "on"}
    )

    assert response.status_code == 400
    assert response.context["invite_form"].errors["is_trainee"]
    assert not Invitation.objects.exists()


def test_inviting_an_address_with_a_login_is_a_form_error(head: User) -> None:
    UserFactory.create(role="manager", email="ivan@example.com")

    response = logged_in(head).post(
        reverse("team_head:invite"), {"email": "ivan@example.com", "role": "manager"}
    )

    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"]


def test_the_head_revokes_an_invitation(head: User) -> None:
    invitation, _raw = invitation_create(email="x@example.com", role=Role.MANAGER)

    logged_in(head).post(reverse("team_head:invitation-revoke", kwargs={"pk": invitation.pk}))

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_a_partner_invitation_cannot_be_revoked_from_the_team_page(head: User) -> None:
    owner = UserFactory.create(role="partner_owner")
    invitation, _raw = invitation_create(
        email="x@example.com", role=Role.PARTNER_STAFF, partner=owner.partner
    )

    response = logged_in(head).post(
        reverse("team_head:invitation-revoke", kwargs={"pk": invitation.pk})
    )

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_head_edits_a_member_and_graduates_a_trainee(head: User) -> None:
    trainee = UserFactory.create(role="caller", is_trainee=True)
    client = logged_in(head)
    assert client.get(reverse("team_head:member", kwargs={"pk": trainee.pk})).status_code == 200

    client.post(
        reverse("team_head:member", kwargs={"pk": trainee.pk}),
        {"role": "manager", "is_trainee": "on", "commission_percent": "10"},
    )
    trainee.refresh_from_db()
    assert trainee.role == Role.MANAGER and trainee.is_trainee
    assert CommissionRate.objects.get(user=trainee).percent == Decimal("10.00")

    client.post(reverse("team_head:graduate", kwargs={"pk": trainee.pk}))
    trainee.refresh_from_db()
    assert not trainee.is_trainee and trainee.role == Role.MANAGER
    assert CommissionRate.objects.get(user=trainee).percent == Decimal("10.00")

    client.post(
        reverse("team_head:member", kwargs={"pk": trainee.pk}),
        {"role": "manager", "commission_percent": ""},
    )
    assert not CommissionRate.objects.filter(user=trainee).exists()  # the default again


def test_a_seller_who_becomes_qa_gives_back_items_and_deals(head: User) -> None:
    ivan = UserFactory.create(role="manager")
    item = queued_item(state=QueueItem.State.ACTIVE, holder=ivan)
    deal = DealFactory.create(responsible=ivan)

    logged_in(head).post(reverse("team_head:member", kwargs={"pk": ivan.pk}), {"role": "qa"})

    ivan.refresh_from_db()
    item.refresh_from_db()
    deal.refresh_from_db()
    assert ivan.role == Role.QA
    assert item.state == QueueItem.State.QUEUED and deal.responsible_id == head.pk


def test_the_head_cannot_change_their_own_role(head: User) -> None:
    response = logged_in(head).post(
        reverse("team_head:member", kwargs={"pk": head.pk}), {"role": "manager"}
    )

    assert response.status_code == 400
    head.refresh_from_db()
    assert head.role == Role.HEAD


def test_deactivation_asks_first_then_deactivates(head: User) -> None:
    ivan = UserFactory.create(role="manager", full_name="Иван Петров")
    DealFactory.create(responsible=ivan)
    client = logged_in(head)

    confirm = client.get(reverse("team_head:deactivate", kwargs={"pk": ivan.pk}))
    assert confirm.status_code == 200
    assert "Иван Петров" in confirm.content.decode()
    ivan.refresh_from_db()
    assert ivan.is_active  # only asked

    done = client.post(reverse("team_head:deactivate", kwargs={"pk": ivan.pk}))
    assert done.status_code == 302
    ivan.refresh_from_db()
    assert not ivan.is_active
    page = client.get(reverse("team_head:team"))
    assert ivan.pk not in [m.pk for m in page.context["members"]]


def test_the_head_cannot_deactivate_themselves_from_the_page(head: User) -> None:
    client = logged_in(head)

    client.post(reverse("team_head:deactivate", kwargs={"pk": head.pk}))

    head.refresh_from_db()
    assert head.is_active


def test_a_seller_with_an_own_rate_who_becomes_qa_loses_the_rate_and_can_be_edited(
    head: User,
) -> None:
    # given: Иван earns 10 % and becomes QA (the form sends no rate for QA)
    ivan = UserFactory.create(role="manager")
    CommissionRate.objects.create(user=ivan, percent=Decimal("10"))
    client = logged_in(head)
    client.post(reverse("team_head:member", kwargs={"pk": ivan.pk}), {"role": "qa"})
    assert not CommissionRate.objects.filter(user=ivan).exists()

    # then: his page opens without a rate and saves again
    page = client.get(reverse("team_head:member", kwargs={"pk": ivan.pk}))
    assert page.context["form"].initial["commission_percent"] == ""
    again = client.post(reverse("team_head:member", kwargs={"pk": ivan.pk}), {"role": "qa"})
    assert again.status_code == 302
