"""The head's team over the API: GET /api/v1/staff/, POST /api/v1/staff/invitations/,
PATCH /api/v1/staff/{id}/, POST /api/v1/staff/{id}/deactivate/ — the head only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import Invitation, Role, User
from sales_queue.models import QueueItem
from stats.models import CommissionRate
from tests.accounts.factories import UserFactory
from tests.clients import partner_api, staff_api
from tests.crm.factories import DealFactory
from tests.partners.factories import PartnerFactory
from tests.sales_queue.factories import queued_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def head() -> User:
    return UserFactory.create(role="head", full_name="Ольга Руководитель")


def test_the_staff_list_with_rates_and_load(head: User, settings) -> None:
    settings.SALES_COMMISSION_PERCENT = Decimal("5")
    caller = UserFactory.create(role="caller", is_trainee=True)
    CommissionRate.objects.create(user=caller, percent=Decimal("7.50"))
    queued_item(state=QueueItem.State.ACTIVE, holder=caller)
    manager = UserFactory.create(role="manager")
    DealFactory.create(responsible=manager)
    UserFactory.create(role="partner_owner")

    response = staff_api(head).get("/api/v1/staff/")

    assert response.status_code == 200
    rows = {r["email"]: r for r in response.json()["results"]}
    assert set(rows) == {head.email, caller.email, manager.email}
    assert rows[caller.email]["is_trainee"] and rows[caller.email]["role"] == "caller"
    assert rows[caller.email]["commission_percent"] == "7.50"
    assert rows[caller.email]["held_items"] == 1
    assert rows[manager.email]["commission_percent"] is None
    assert rows[manager.email]["effective_commission_percent"] == "5.00"
    assert rows[manager.email]["open_deals"] == 1
    assert rows[head.email]["effective_commission_percent"] is None
    only_callers = staff_api(head).get("/api/v1/staff/", {"role": "caller"}).json()["results"]
    assert [r["email"] for r in only_callers] == [caller.email]


def test_invite_through_the_api(head: User) -> None:
    response = staff_api(head).post(
        "/api/v1/staff/invitations/",
        {
            "email": "pavel@example.com",
            "role": "caller",
            "is_trainee": True,
            "commission_percent": "7.5",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "caller" and body["is_trainee"] is True
    assert body["commission_percent"] == "7.50"
    assert Invitation.objects.get(email="pavel@example.com").partner is None


@pytest.mark.parametrize("role", ["qa", "head"])
def test_a_trainee_qa_or_head_is_a_400(head: User, role: str) -> None:
    response = staff_api(head).post(
        "/api/v1/staff/invitations/",
        {"email": "x@example.com", "role": role, "is_trainee": True},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "trainee_not_seller"
    assert not Invitation.objects.exists()


def test_an_address_with_a_login_is_a_409(head: User) -> None:
    UserFactory.create(email="ivan@example.com")

    response = staff_api(head).post(
        "/api/v1/staff/invitations/",
        {"email": "ivan@example.com", "role": "manager"},
        format="json",
    )

    assert response.status_code == 409 and response.json()["code"] == "email_taken"


def test_patch_graduates_and_sets_the_rate(head: User) -> None:
    trainee = UserFactory.create(role="caller", is_trainee=True)
    api = staff_api(head)

    response = api.patch(
        f"/api/v1/staff/{trainee.pk}/",
        {"is_trainee": False, "commission_percent": "12.25"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["is_trainee"] is False and response.json()["role"] == "caller"
    assert CommissionRate.objects.get(user=trainee).percent == Decimal("12.25")
    # leaving the rate out keeps it; null returns to the default
    api.patch(f"/api/v1/staff/{trainee.pk}/", {"role": "manager"}, format="json")
    assert CommissionRate.objects.get(user=trainee).percent == Decimal("12.25")
    api.patch(f"/api/v1/staff/{trainee.pk}/", {"commission_percent": None}, format="json")
    assert not CommissionRate.objects.filter(user=trainee).exists()
    trainee.refresh_from_db()
    assert trainee.role == Role.MANAGER


def test_patch_refuses_a_trainee_qa_and_the_own_role(head: User) -> None:
    qa = UserFactory.create(role="qa")
    api = staff_api(head)

    trainee_qa = api.patch(f"/api/v1/staff/{qa.pk}/", {"is_trainee": True}, format="json")
    own = api.patch(f"/api/v1/staff/{head.pk}/", {"role": "manager"}, format="json")

    assert trainee_qa.status_code == 400 and trainee_qa.json()["code"] == "trainee_not_seller"
    assert own.status_code == 409 and own.json()["code"] == "cannot_change_own_role"


def test_deactivate_through_the_api(head: User) -> None:
    ivan = UserFactory.create(role="manager")
    queued_item(state=QueueItem.State.ACTIVE, holder=ivan)
    DealFactory.create(responsible=ivan)
    api = staff_api(head)

    response = api.post(f"/api/v1/staff/{ivan.pk}/deactivate/")
    again = api.post(f"/api/v1/staff/{ivan.pk}/deactivate/")
    self_ = api.post(f"/api/v1/staff/{head.pk}/deactivate/")

    assert response.status_code == 200
    assert response.json() == {
        "id": str(ivan.pk),
        "items_released": 1,
        "deals_to_head": 1,
        "clients_handed": 0,
        "clients_cleared": 0,
    }
    assert again.status_code == 404
    assert self_.status_code == 409 and self_.json()["code"] == "cannot_deactivate_self"


@pytest.mark.parametrize("role", ["manager", "caller", "account_manager", "qa"])
def test_every_staff_endpoint_refuses_other_staff(role: str) -> None:
    member = UserFactory.create(role="manager")
    api = staff_api(UserFactory.create(role=role))

    answers = [
        api.get("/api/v1/staff/"),
        api.post("/api/v1/staff/invitations/", {"email": "x@example.com", "role": "manager"}),
        api.patch(f"/api/v1/staff/{member.pk}/", {"role": "qa"}, format="json"),
        api.post(f"/api/v1/staff/{member.pk}/deactivate/"),
    ]

    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    member.refresh_from_db()
    assert member.is_active and member.role == Role.MANAGER
    assert not Invitation.objects.exists()


def test_a_partner_key_and_anonymous_are_refused() -> None:
    member = UserFactory.create(role="manager")
    for api, expected in ((partner_api(PartnerFactory.create()), 403), (APIClient(), 401)):
        answers = [
            api.get("/api/v1/staff/"),
            api.post("/api/v1/staff/invitations/", {"email": "x@example.com", "role": "manager"}),
            api.patch(f"/api/v1/staff/{member.pk}/", {"role": "qa"}, format="json"),
            api.post(f"/api/v1/staff/{member.pk}/deactivate/"),
        ]
        assert {a.status_code for a in answers} == {expected}
    member.refresh_from_db()
    assert member.is_active
