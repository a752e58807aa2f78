"""The deal pipeline: the default funnel, the stage rules, a typed row per move, and the queue
driving status and stage together (take → first stage, payment → won, refusal → lost)."""

import datetime as dt

import pytest

from billing.services import order_pay
from crm.models import Deal, DealLostReason, Stage, StageChange
from crm.services import (
    deal_stage_move,
    stage_add,
    stage_move,
    stage_rename,
    stages_ensure,
)
from orders.models import Order
from sales_queue.models import LostReason
from sales_queue.services import queue_take_next, queue_touch
from salesdesk.errors import ApplicationError, ConflictError
from tests.crm.factories import DealFactory
from tests.partners.factories import PartnerFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db


def stage_name(deal: Deal) -> str:
    return Stage.objects.get(deals=deal).name


def names(partner):
    return list(Stage.objects.filter(partner=partner).values_list("name", "kind"))


def test_a_partner_gets_the_russian_default_funnel_on_first_use() -> None:
    # given
    partner = PartnerFactory.create()

    # when
    stages_ensure(partner_id=partner.pk)
    stages_ensure(partner_id=partner.pk)

    # then: created once, in order, the terminal ones last
    assert names(partner) == [
        ("Новая", "open"),
        ("Контакт установлен", "open"),
        ("Презентация", "open"),
        ("Ожидает оплату", "open"),
        ("Выиграна", "won"),
        ("Проиграна", "lost"),
    ]


def test_the_default_funnel_speaks_english_when_the_site_does(settings) -> None:
    settings.LANGUAGE_CODE = "en"
    partner = PartnerFactory.create()

    stages_ensure(partner_id=partner.pk)

    assert [n for n, _k in names(partner)][:2] == ["New", "Contact made"]


def test_lost_reasons_are_the_queues_refusal_reasons() -> None:
    assert set(DealLostReason.values) == set(LostReason.values)


def stage(partner, name):
    return Stage.objects.get(partner=partner, name=name)


def test_a_move_records_one_typed_row_with_the_actor() -> None:
    # given a deal on «Новая»
    deal = DealFactory.create()
    ivan = deal.responsible

    # when
    deal_stage_move(deal=deal, stage=stage(deal.partner, "Презентация"), actor=ivan)

    # then
    deal.refresh_from_db()
    assert (stage_name(deal), deal.status) == ("Презентация", "open")
    row = StageChange.objects.get(deal=deal)
    assert (row.from_stage and row.from_stage.name, row.to_stage.name, row.actor, row.reason) == (
        "Новая",
        "Презентация",
        ivan,
        "",
    )


def test_lost_needs_a_reason_and_nothing_is_written_without_one() -> None:
    deal = DealFactory.create()
    lost = stage(deal.partner, "Проиграна")

    with pytest.raises(ApplicationError) as error:
        deal_stage_move(deal=deal, stage=lost, actor=deal.responsible)

    assert list(error.value.details) == ["reason"]
    # the reasons by name, never their codes (the message reaches the deal page)
    (allowed,) = error.value.details["reason"]
    assert "Не интересно" in allowed and "not_interested" not in allowed
    deal.refresh_from_db()
    assert (stage_name(deal), deal.status) == ("Новая", "open")
    assert not StageChange.objects.filter(deal=deal).exists()


def test_lost_with_a_reason_closes_the_deal_and_it_stays_closed() -> None:
    # given
    deal = DealFactory.create()
    lost = stage(deal.partner, "Проиграна")

    # when
    deal_stage_move(deal=deal, stage=lost, actor=deal.responsible, reason="too_expensive")

    # then
    deal.refresh_from_db()
    assert (deal.status, deal.stage, deal.closed_at is not None) == ("lost", lost, True)
    assert StageChange.objects.get(deal=deal).reason == "too_expensive"
    with pytest.raises(ConflictError) as error:
        deal_stage_move(deal=deal, stage=stage(deal.partner, "Новая"), actor=deal.responsible)
    assert error.value.code == "deal_closed"
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_a_won_deal_is_terminal_too() -> None:
    deal = DealFactory.create()
    deal_stage_move(deal=deal, stage=stage(deal.partner, "Выиграна"), actor=deal.responsible)

    with pytest.raises(ConflictError):
        deal_stage_move(
            deal=deal, stage=stage(deal.partner, "Проиграна"), actor=None, reason="other"
        )

    deal.refresh_from_db()
    assert deal.status == "won"


def test_another_partners_stage_is_refused() -> None:
    deal = DealFactory.create()
    other = DealFactory.create()

    with pytest.raises(ApplicationError) as error:
        deal_stage_move(deal=deal, stage=Stage.objects.get(deals=other), actor=deal.responsible)

    assert "stage" in error.value.details


# --- the queue drives status and stage -------------------------------------------------------


@pytest.fixture
def taken():
    ivan = manager()
    queued_item(amount="1000.00")
    item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    return ivan, item, Deal.objects.get(queue_item=item)


def test_a_take_puts_the_new_deal_on_the_first_open_stage(taken) -> None:
    ivan, _item, deal = taken

    assert (deal.status, stage_name(deal), deal.responsible) == ("open", "Новая", ivan)
    row = StageChange.objects.get(deal=deal)
    assert (row.from_stage, row.to_stage.name, row.actor) == (None, "Новая", None)


def test_a_payment_moves_the_deal_to_the_won_stage(taken) -> None:
    # given the deal was moved on by hand
    ivan, item, deal = taken
    deal_stage_move(deal=deal, stage=stage(deal.partner, "Ожидает оплату"), actor=ivan)

    # when the buyer pays
    order_pay(order=Order.objects.get(pk=item.order_id), paid_at=NOON + dt.timedelta(minutes=10))

    # then
    deal.refresh_from_db()
    assert (deal.status, stage_name(deal)) == ("won", "Выиграна")
    moves = list(
        StageChange.objects.filter(deal=deal)
        .order_by("id")
        .values_list("from_stage__name", "to_stage__name")
    )
    assert moves == [(None, "Новая"), ("Новая", "Ожидает оплату"), ("Ожидает оплату", "Выиграна")]


def test_a_refusal_moves_the_deal_to_the_lost_stage_with_its_reason(taken) -> None:
    ivan, item, deal = taken

    queue_touch(
        manager=ivan,
        item_id=item.pk,
        channel="phone",
        outcome="refused",
        reason="no_time",
        now=NOON + dt.timedelta(minutes=1),
    )

    deal.refresh_from_db()
    assert (deal.status, stage_name(deal)) == ("lost", "Проиграна")
    last = StageChange.objects.filter(deal=deal).order_by("-id").first()
    assert last is not None
    assert (last.to_stage.name, last.reason) == ("Проиграна", "no_time")


def test_a_late_payment_turns_the_lost_deal_won(taken) -> None:
    ivan, item, deal = taken
    queue_touch(
        manager=ivan,
        item_id=item.pk,
        channel="phone",
        outcome="refused",
        reason="no_time",
        now=NOON + dt.timedelta(minutes=1),
    )

    order_pay(order=Order.objects.get(pk=item.order_id), paid_at=NOON + dt.timedelta(days=2))

    deal.refresh_from_db()
    assert (deal.status, stage_name(deal)) == ("won", "Выиграна")


def test_a_hand_move_to_a_terminal_stage_waits_for_the_queue(taken) -> None:
    ivan, _item, deal = taken

    with pytest.raises(ConflictError) as error:
        deal_stage_move(
            deal=deal, stage=stage(deal.partner, "Проиграна"), actor=ivan, reason="other"
        )

    assert error.value.code == "deal_in_queue"
    deal.refresh_from_db()
    assert deal.status == "open"


# --- the head edits the funnel ---------------------------------------------------------------


def test_the_head_renames_adds_and_reorders_open_stages() -> None:
    partner = PartnerFactory.create()
    stages_ensure(partner_id=partner.pk)

    stage_rename(stage=stage(partner, "Презентация"), name="Демо-урок")
    added = stage_add(partner=partner, name="Счёт выставлен")
    stage_move(stage=added, up=True)

    assert [n for n, _k in names(partner)] == [
        "Новая",
        "Контакт установлен",
        "Демо-урок",
        "Счёт выставлен",
        "Ожидает оплату",
        "Выиграна",
        "Проиграна",
    ]
    assert added.kind == "open"


def test_terminal_stages_do_not_move_and_names_stay_unique() -> None:
    partner = PartnerFactory.create()
    stages_ensure(partner_id=partner.pk)

    with pytest.raises(ConflictError):
        stage_move(stage=stage(partner, "Выиграна"), up=True)
    with pytest.raises(ApplicationError) as error:
        stage_rename(stage=stage(partner, "Новая"), name="Выиграна")

    assert "name" in error.value.details
    stage_move(stage=stage(partner, "Ожидает оплату"), up=False)  # the last open one stays
    assert [n for n, _k in names(partner)][-3:] == ["Ожидает оплату", "Выиграна", "Проиграна"]
