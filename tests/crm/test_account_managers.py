"""After the sale (team mode split): a won deal's buyer goes to an account manager by round
robin — or stays with the one they have — with one follow-up task per win, due
``SALES_FOLLOW_UP_DAYS`` after it, written in the win's own transaction."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import TeamSettings
from billing.services import order_pay
from crm.account_managers import account_managers_for_wins
from crm.models import Contact, Deal, Stage, Task
from crm.services import deal_stage_move, deals_close
from notifications.models import Notification
from orders.models import Order
from sales_queue.services import queue_take_next, queue_touch
from tests.accounts.factories import UserFactory
from tests.crm.factories import ContactFactory, DealFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import MSK, NOON, manager, queued_item

pytestmark = pytest.mark.django_db

JAN_1 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


def set_mode(mode: str) -> None:
    TeamSettings.objects.update_or_create(pk=1, defaults={"mode": mode})


@pytest.fixture
def split() -> None:
    set_mode("split")


def account_manager(name: str, *, joined_days: int, **fields):
    return UserFactory.create(
        role="account_manager",
        full_name=name,
        date_joined=JAN_1 + dt.timedelta(days=joined_days),
        **fields,
    )


def won_by_hand(contact: Contact) -> Deal:
    """A deal of ``contact`` (no queue item) moved to the won stage by its manager."""
    deal = DealFactory.create(
        partner=contact.partner,
        product=ProductFactory.create(partner=contact.partner),
        contact=contact,
        contact_name=contact.name,
    )
    won = Stage.objects.get(partner=contact.partner, kind=Stage.Kind.WON)
    return deal_stage_move(deal=deal, stage=won, actor=deal.responsible)


def follow_ups(**filters) -> list[Task]:
    return list(Task.objects.filter(kind=Task.Kind.FOLLOW_UP, **filters).order_by("created_at"))


def turn() -> int:
    return TeamSettings.objects.get(pk=1).account_manager_turn


def test_wins_go_round_robin_by_who_joined_first(split) -> None:
    # given three account managers, created out of the order they joined in
    carol = account_manager("Карина Третья", joined_days=2)
    anna = account_manager("Анна Первая", joined_days=0)
    boris = account_manager("Борис Второй", joined_days=1)
    partner = PartnerFactory.create()
    buyers = [ContactFactory.create(partner=partner, name=f"Покупатель {n}") for n in range(4)]

    # when four buyers each win a deal
    for buyer in buyers:
        won_by_hand(buyer)

    # then turns 1, 2, 3, 4 give Anna, Boris, Carol, Anna (4 - 1 = 3, 3 mod 3 = 0: Anna again)
    assigned = [Contact.objects.get(pk=b.pk).account_manager for b in buyers]
    assert assigned == [anna, boris, carol, anna]
    assert turn() == 4
    # one follow-up each, on the won deal, for the account manager
    assert [(t.assignee, t.deal.contact_id) for t in follow_ups()] == [
        (anna, buyers[0].pk),
        (boris, buyers[1].pk),
        (carol, buyers[2].pk),
        (anna, buyers[3].pk),
    ]


def test_inactive_and_other_roles_are_not_in_the_round(split) -> None:
    anna = account_manager("Анна", joined_days=0)
    account_manager("Уволенная", joined_days=1, is_active=False)
    UserFactory.create(role="manager")
    buyers = [ContactFactory.create(name=f"Покупатель {n}") for n in range(2)]

    for buyer in buyers:
        won_by_hand(buyer)

    assert [Contact.objects.get(pk=b.pk).account_manager for b in buyers] == [anna, anna]


def test_a_client_keeps_their_account_manager_and_no_turn_is_taken(split) -> None:
    # given Boris already keeps this buyer (since an earlier win)
    account_manager("Анна", joined_days=0)
    boris = account_manager("Борис", joined_days=1)
    since = NOON - dt.timedelta(days=30)
    buyer = ContactFactory.create(account_manager=boris, account_manager_since=since)

    # when the buyer wins another deal
    deal = won_by_hand(buyer)

    # then Boris keeps the client (and since when), gets the follow-up; nobody's turn was used
    buyer.refresh_from_db()
    assert (buyer.account_manager, buyer.account_manager_since) == (boris, since)
    assert [(t.assignee, t.deal) for t in follow_ups()] == [(boris, deal)]
    assert turn() == 0


def test_a_client_whose_account_manager_left_goes_to_the_next_one(split) -> None:
    anna = account_manager("Анна", joined_days=0)
    gone = account_manager("Ушедший", joined_days=1, is_active=False)
    buyer = ContactFactory.create(account_manager=gone, account_manager_since=NOON)

    won_by_hand(buyer)

    buyer.refresh_from_db()
    assert buyer.account_manager == anna
    assert [t.assignee for t in follow_ups()] == [anna]


def test_single_mode_changes_nothing() -> None:
    set_mode("single")
    account_manager("Анна", joined_days=0)
    buyer = ContactFactory.create()

    deal = won_by_hand(buyer)

    buyer.refresh_from_db()
    assert deal.status == "won"
    assert (buyer.account_manager, buyer.account_manager_since) == (None, None)
    assert follow_ups() == []
    assert turn() == 0


def test_the_default_mode_is_single_and_changes_nothing() -> None:
    account_manager("Анна", joined_days=0)
    buyer = ContactFactory.create()

    won_by_hand(buyer)

    assert Contact.objects.get(pk=buyer.pk).account_manager is None
    assert follow_ups() == []


def test_without_an_active_account_manager_the_win_stands_and_nothing_is_assigned(split) -> None:
    account_manager("Ушедшая", joined_days=0, is_active=False)
    buyer = ContactFactory.create()

    deal = won_by_hand(buyer)

    deal.refresh_from_db()
    assert deal.status == "won"
    assert Contact.objects.get(pk=buyer.pk).account_manager is None
    assert follow_ups() == []
    # the closer's own «won» task is still there
    assert Task.objects.filter(deal=deal, kind=Task.Kind.WON).count() == 1


def test_a_deal_without_a_buyer_assigns_nothing(split) -> None:
    account_manager("Анна", joined_days=0)
    deal = DealFactory.create(contact=None)

    deal_stage_move(
        deal=deal,
        stage=Stage.objects.get(partner=deal.partner, kind=Stage.Kind.WON),
        actor=deal.responsible,
    )

    assert follow_ups() == []
    assert turn() == 0


def test_the_follow_up_is_due_seven_days_after_the_win_and_names_the_client(split) -> None:
    # given a deal won on 20 November 2026 at noon Moscow time
    anna = account_manager("Анна", joined_days=0)
    buyer = ContactFactory.create(name="Ольга Покупалова")
    deal = DealFactory.create(
        partner=buyer.partner,
        product=ProductFactory.create(partner=buyer.partner, name="Курс акварели"),
        contact=buyer,
    )

    (task,) = account_managers_for_wins(deals=[deal], now=NOON)

    # then due on 27 November at noon Moscow time (20 + 7), for Anna, in Russian
    assert task.due_at == dt.datetime(2026, 11, 27, 12, 0, tzinfo=MSK)
    assert (task.assignee, task.kind, task.deal, task.partner_id) == (
        anna,
        "follow_up",
        deal,
        buyer.partner_id,
    )
    assert "Ольга Покупалова" in task.text and "Курс акварели" in task.text
    assert task.text.startswith("Свяжитесь с клиентом")
    assert Contact.objects.get(pk=buyer.pk).account_manager_since == NOON


def test_the_follow_up_days_come_from_the_setting(split, settings) -> None:
    settings.SALES_FOLLOW_UP_DAYS = 3
    account_manager("Анна", joined_days=0)
    deal = DealFactory.create(contact=ContactFactory.create())

    (task,) = account_managers_for_wins(deals=[deal], now=NOON)

    assert task.due_at == dt.datetime(2026, 11, 23, 12, 0, tzinfo=MSK)


@pytest.fixture
def taken_with_buyer():
    """An order of a known buyer, in the queue, taken by a closer at noon."""
    product = ProductFactory.create(on_sale=True)
    buyer = ContactFactory.create(partner=product.partner, name="Пётр Платящий")
    ivan = manager()
    queued_item(product=product, contact=buyer, amount="1000.00")
    item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    deal = Deal.objects.get(queue_item=item)
    assert deal.contact_id == buyer.pk
    return ivan, item, deal, buyer


def test_a_payment_that_wins_the_deal_gives_the_buyer_an_account_manager(
    split, taken_with_buyer
) -> None:
    anna = account_manager("Анна", joined_days=0)
    _ivan, item, deal, buyer = taken_with_buyer

    order_pay(order=Order.objects.get(pk=item.order_id), paid_at=NOON + dt.timedelta(minutes=10))

    deal.refresh_from_db()
    buyer.refresh_from_db()
    assert deal.status == "won"
    assert (buyer.account_manager, buyer.account_manager_since) == (anna, deal.closed_at)
    (task,) = follow_ups()
    assert (task.assignee, task.deal) == (anna, deal)
    assert deal.closed_at is not None
    assert task.due_at == deal.closed_at + dt.timedelta(days=7)
    # nobody did it by hand: Anna is told (the task's own alert)
    assert Notification.objects.filter(user=anna, key__startswith=f"task:{task.pk}:").exists()


def test_the_same_payment_twice_makes_one_follow_up_and_takes_one_turn(
    split, taken_with_buyer
) -> None:
    anna = account_manager("Анна", joined_days=0)
    account_manager("Борис", joined_days=1)
    _ivan, item, _deal, buyer = taken_with_buyer
    order = Order.objects.get(pk=item.order_id)
    paid_at = NOON + dt.timedelta(minutes=10)

    order_pay(order=order, paid_at=paid_at)
    order_pay(order=Order.objects.get(pk=order.pk), paid_at=paid_at)
    # and the queue's close, run again, finds the deal won already
    deals_close(queue_item_ids=[item.pk], status=Deal.Status.WON)

    assert len(follow_ups()) == 1
    assert turn() == 1
    assert Contact.objects.get(pk=buyer.pk).account_manager == anna


def test_a_late_win_after_a_refusal_counts_too(split, taken_with_buyer) -> None:
    # a refusal first, then the buyer pays within the window: the deal is won after all
    anna = account_manager("Анна", joined_days=0)
    ivan, item, deal, buyer = taken_with_buyer
    queue_touch(
        manager=ivan,
        item_id=item.pk,
        channel="phone",
        outcome="refused",
        reason="no_time",
        now=NOON + dt.timedelta(minutes=1),
    )
    assert follow_ups() == []

    order_pay(order=Order.objects.get(pk=item.order_id), paid_at=NOON + dt.timedelta(days=2))

    deal.refresh_from_db()
    assert deal.status == "won"
    assert [(t.assignee, t.deal) for t in follow_ups()] == [(anna, deal)]
    assert Contact.objects.get(pk=buyer.pk).account_manager == anna
