"""Wins at once (PostgreSQL, real threads): the account managers' round robin never gives one
turn twice, and one buyer won twice at once is assigned once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

import accounts.team
from accounts.models import TeamSettings
from crm.models import Contact, Deal, Stage, Task
from crm.services import deal_stage_move, stages_ensure
from tests.accounts.factories import UserFactory
from tests.concurrency import run_concurrently, unwrap
from tests.crm.factories import ContactFactory, DealFactory
from tests.partners.factories import PartnerFactory, ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WINS = 10
JAN_1 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def turns(monkeypatch) -> list[int]:
    """Every turn the round robin hands out, in the order they were taken."""
    taken: list[int] = []
    real = accounts.team._next_turn

    def spy() -> int:
        value = real()
        taken.append(value)
        return value

    monkeypatch.setattr(accounts.team, "_next_turn", spy)
    return taken


def open_deals(contacts: list[Contact]) -> list[Deal]:
    partner = contacts[0].partner
    product = ProductFactory.create(partner=partner)
    stages_ensure(partner_id=partner.pk)
    return [
        DealFactory.create(partner=partner, product=product, contact=c, contact_name=c.name)
        for c in contacts
    ]


def win(deal: Deal):
    def run() -> str:
        won = Stage.objects.get(partner_id=deal.partner_id, kind=Stage.Kind.WON)
        return deal_stage_move(deal=deal, stage=won, actor=deal.responsible).status

    return run


def test_ten_wins_at_once_share_two_account_managers_five_and_five(turns) -> None:
    # given split mode, two account managers and ten buyers with an open deal each
    TeamSettings.objects.update_or_create(pk=1, defaults={"mode": "split"})
    anna = UserFactory.create(role="account_manager", date_joined=JAN_1)
    boris = UserFactory.create(role="account_manager", date_joined=JAN_1 + dt.timedelta(days=1))
    partner = PartnerFactory.create()
    buyers = [ContactFactory.create(partner=partner, name=f"Покупатель {n}") for n in range(WINS)]
    deals = open_deals(buyers)

    # when all ten are won at the same moment
    results = unwrap(run_concurrently(*[win(deal) for deal in deals]))

    # then every turn 1..10 was given exactly once, so each account manager got five buyers
    assert results == ["won"] * WINS
    assert sorted(turns) == list(range(1, WINS + 1))
    assert TeamSettings.objects.get(pk=1).account_manager_turn == WINS
    assigned = Counter(
        Contact.objects.filter(pk__in=[b.pk for b in buyers]).values_list(
            "account_manager", flat=True
        )
    )
    assert assigned == {anna.pk: 5, boris.pk: 5}
    # and one follow-up per win, each for the buyer's own account manager
    follow_ups = Task.objects.filter(kind=Task.Kind.FOLLOW_UP).select_related("deal")
    assert follow_ups.count() == WINS
    owners: dict[Any, Any] = dict(Contact.objects.values_list("pk", "account_manager"))
    assert all(t.assignee_id == owners.get(t.deal.contact_id) for t in follow_ups)


def test_one_buyer_won_twice_at_once_is_assigned_once(turns) -> None:
    # given one buyer with two open deals, and two account managers
    TeamSettings.objects.update_or_create(pk=1, defaults={"mode": "split"})
    UserFactory.create(role="account_manager", date_joined=JAN_1)
    UserFactory.create(role="account_manager", date_joined=JAN_1 + dt.timedelta(days=1))
    buyer = ContactFactory.create(name="Анна Дважды")
    deals = open_deals([buyer, buyer])

    # when both deals are won at the same moment
    assert unwrap(run_concurrently(*[win(deal) for deal in deals])) == ["won", "won"]

    # then the buyer got one account manager, on one turn; each win has its follow-up with them
    buyer.refresh_from_db()
    assert turns == [1]
    assert buyer.account_manager is not None
    assert (
        list(Task.objects.filter(kind=Task.Kind.FOLLOW_UP).values_list("assignee", flat=True))
        == [buyer.account_manager_id] * 2
    )
