"""The head deactivates a staff member (sales_queue.services.staff.staff_deactivate): the login
stops working, held and scheduled items go back to the queue with events, open deals go to the
head with a task each, clients go to the next account manager — all in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PersonalToken, Role, User
from crm.models import Contact, Deal, Task
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.services.staff import staff_deactivate
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from tests.accounts.factories import PersonalTokenFactory, UserFactory
from tests.crm.factories import ContactFactory, DealFactory
from tests.sales_queue.factories import NOON, queued_item

pytestmark = pytest.mark.django_db

State = QueueItem.State


@pytest.fixture
def head() -> User:
    return UserFactory.create(role="head", full_name="Ольга Руководитель")


def test_held_and_scheduled_items_go_back_to_the_queue_with_events(head: User) -> None:
    # given: Иван holds one item and has a callback scheduled on another; a third is queued
    ivan = UserFactory.create(role="manager", full_name="Иван Петров")
    active = queued_item(state=State.ACTIVE, holder=ivan)
    callback = queued_item(
        state=State.SCHEDULED, holder=ivan, available_at=NOON + dt.timedelta(hours=3)
    )
    waiting = queued_item()

    # when
    done = staff_deactivate(actor=head, user_id=ivan.pk)

    # then: both of his are queued, nobody holds them, a «released» event each names him
    assert done.items_released == 2
    for item in (active, callback):
        item.refresh_from_db()
        assert item.state == State.QUEUED and item.holder_id is None
        event = QueueEvent.objects.filter(item=item).latest("created_at")
        assert event.kind == QueueEvent.Kind.RELEASED
        assert event.manager_id == ivan.pk and event.actor_id == head.pk
        assert event.note == "member deactivated"
    waiting.refresh_from_db()
    assert waiting.state == State.QUEUED and not QueueEvent.objects.filter(item=waiting).exists()


def test_the_login_stops_working(head: User) -> None:
    # given: Иван is logged in and has a personal API token
    ivan = UserFactory.create(role="manager")
    _token, raw = PersonalTokenFactory.issue(user=ivan)
    browser = Client()
    browser.force_login(ivan)
    assert browser.get(reverse("queue:workspace")).status_code == 200

    # when
    staff_deactivate(actor=head, user_id=ivan.pk)

    # then: the session is gone (login redirect), the token refused, the login inactive
    ivan.refresh_from_db()
    assert not ivan.is_active
    page = browser.get(reverse("queue:workspace"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/queue/current/").status_code == 401
    assert not PersonalToken.objects.filter(user=ivan, revoked_at__isnull=True).exists()


def test_open_deals_go_to_the_head_with_a_task_each_and_closed_ones_stay(head: User) -> None:
    ivan = UserFactory.create(role="manager", full_name="Иван Петров")
    first = DealFactory.create(responsible=ivan, title="Курс рисования")
    second = DealFactory.create(responsible=ivan, title="Курс лепки")
    won = DealFactory.create(responsible=ivan, status=Deal.Status.WON)

    done = staff_deactivate(actor=head, user_id=ivan.pk)

    assert done.deals_to_head == 2
    for deal in (first, second):
        deal.refresh_from_db()
        assert deal.responsible_id == head.pk
    won.refresh_from_db()
    assert won.responsible_id == ivan.pk  # his results stay his
    tasks = Task.objects.filter(assignee=head, kind=Task.Kind.RESPONSIBLE_CHANGED)
    assert sorted(t.deal_id for t in tasks) == sorted([first.pk, second.pk])
    assert all("Иван Петров" in t.text for t in tasks)


def test_the_portfolio_goes_to_the_next_account_manager_in_turn(head: User) -> None:
    # given: Мария keeps three clients; Анна and Борис are the other account managers
    now = timezone.now()
    maria = UserFactory.create(role="account_manager")
    anna = UserFactory.create(role="account_manager", date_joined=now - dt.timedelta(days=2))
    boris = UserFactory.create(role="account_manager", date_joined=now - dt.timedelta(days=1))
    clients = [
        ContactFactory.create(account_manager=maria, account_manager_since=now) for _ in range(3)
    ]

    done = staff_deactivate(actor=head, user_id=maria.pk)

    # then: round robin over the two who remain: Анна, Борис, Анна
    assert (done.clients_handed, done.clients_cleared) == (3, 0)
    owners = [Contact.objects.get(pk=c.pk).account_manager_id for c in clients]
    assert sorted(str(o) for o in owners) == sorted(str(u.pk) for u in (anna, boris, anna))
    assert not Contact.objects.filter(account_manager=maria).exists()


def test_without_another_account_manager_the_clients_are_left_without_one(head: User) -> None:
    maria = UserFactory.create(role="account_manager")
    client = ContactFactory.create(account_manager=maria, account_manager_since=timezone.now())

    done = staff_deactivate(actor=head, user_id=maria.pk)

    assert (done.clients_handed, done.clients_cleared) == (0, 1)
    client.refresh_from_db()
    assert client.account_manager_id is None and client.account_manager_since is None


def test_the_head_cannot_deactivate_themselves(head: User) -> None:
    with pytest.raises(ConflictError) as refused:
        staff_deactivate(actor=head, user_id=head.pk)

    assert refused.value.code == "cannot_deactivate_self"
    head.refresh_from_db()
    assert head.is_active


@pytest.mark.parametrize("role", ["manager", "caller", "account_manager", "qa"])
def test_only_the_head_deactivates(role: str) -> None:
    victim = UserFactory.create(role="manager")

    with pytest.raises(ApplicationError) as refused:
        staff_deactivate(actor=UserFactory.create(role=role), user_id=victim.pk)

    assert refused.value.code == "not_head"
    victim.refresh_from_db()
    assert victim.is_active


def test_a_partner_login_or_an_inactive_one_is_not_found(head: User) -> None:
    owner = UserFactory.create(role="partner_owner")
    gone = UserFactory.create(role="manager", is_active=False)

    for user in (owner, gone):
        with pytest.raises(NotFoundError):
            staff_deactivate(actor=head, user_id=user.pk)
    owner.refresh_from_db()
    assert owner.is_active


def test_all_or_nothing(head: User, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: handing the deals over fails half way
    ivan = UserFactory.create(role="manager")
    item = queued_item(state=State.ACTIVE, holder=ivan)

    def broken(**kwargs: Any) -> int:
        raise RuntimeError("crm down")

    monkeypatch.setattr("sales_queue.services.staff.deals_hand_to_head", broken)

    with pytest.raises(RuntimeError):
        staff_deactivate(actor=head, user_id=ivan.pk)

    # then: nothing changed
    ivan.refresh_from_db()
    item.refresh_from_db()
    assert ivan.is_active and item.state == State.ACTIVE and item.holder_id == ivan.pk


def test_a_deactivated_seller_role_is_kept_for_the_history(head: User) -> None:
    ivan = UserFactory.create(role="caller", is_trainee=True)

    staff_deactivate(actor=head, user_id=ivan.pk)

    ivan.refresh_from_db()
    assert ivan.role == Role.CALLER and not ivan.is_active
