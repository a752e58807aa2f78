"""The board by stage: a seller's open deals of one partner's funnel (the head's: everyone's,
with a partner filter), a column per open stage; a card moves through the stage view by htmx,
its refusal shown on the card; a bounded number of queries whatever the number of deals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Deal, Stage, StageChange, Task
from crm.services import deal_stage_move, stage_of_kind, stages_ensure
from tests.accounts.factories import UserFactory
from tests.clients import logged_in
from tests.crm.factories import DealFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import manager

pytestmark = pytest.mark.django_db

BOARD = "/workspace/deals/board/"
HEAD_BOARD = "/head/deals/board/"


def board(response: Any) -> list[tuple[str, list[str]]]:
    """The columns as (stage, card titles)."""
    return [
        (stage.name, [row.deal.title for row in rows])
        for stage, _next, rows in response.context["columns"]
    ]


def deal_of(partner: Any, title: str, **fields: Any) -> Deal:
    return DealFactory.create(product=ProductFactory.create(partner=partner), title=title, **fields)


@pytest.fixture
def school() -> Any:
    return PartnerFactory.create(name="А-Школа")


@pytest.fixture
def shop() -> Any:
    return PartnerFactory.create(name="Б-Магазин")


def open_stages(partner: Any) -> list[Stage]:
    return [s for s in stages_ensure(partner_id=partner.pk) if s.kind == Stage.Kind.OPEN]


def test_a_sellers_board_shows_their_open_deals_by_stage_of_the_first_partner(school, shop) -> None:
    # given Вера's deals: two new and one at the third stage at «А-Школа», one at «Б-Магазин»,
    # a won one, and Олег's deal at «А-Школа»
    vera, oleg = manager(), manager()
    new, contact, third, waiting = open_stages(school)
    now = timezone.now()
    deal_of(school, "Поздний шаг", responsible=vera, next_step_at=now + dt.timedelta(hours=5))
    deal_of(school, "Ранний шаг", responsible=vera, next_step_at=now - dt.timedelta(hours=1))
    deal_of(school, "Презентация", responsible=vera, stage=third)
    deal_of(shop, "Магазинная", responsible=vera)
    won = deal_of(school, "Выиграна", responsible=vera)
    deal_stage_move(deal=won, stage=stage_of_kind(partner_id=school.pk, kind="won"), actor=vera)
    deal_of(school, "Олегова", responsible=oleg)

    # when she opens the board, then chooses the shop
    first = logged_in(vera).get(BOARD)
    second = logged_in(vera).get(BOARD, {"partner": str(shop.pk)})

    # then «А-Школа» (first by name): a column per open stage, cards by next step (the overdue
    # first), no closed deal, nobody else's; the shop's board has its one deal
    assert first.status_code == 200
    assert board(first) == [
        (new.name, ["Ранний шаг", "Поздний шаг"]),
        (contact.name, []),
        (third.name, ["Презентация"]),
        (waiting.name, []),
    ]
    assert [p.name for p in first.context["partners"]] == ["А-Школа", "Б-Магазин"]
    assert "Доска сделок" in first.content.decode()
    assert board(second)[0] == (open_stages(shop)[0].name, ["Магазинная"])


def test_a_card_moves_to_the_next_stage_by_htmx(school) -> None:
    # given Вера's new deal on the board
    vera = manager()
    new, contact, *_ = open_stages(school)
    deal = deal_of(school, "Курс", responsible=vera)

    # when she presses «→ Контакт установлен» on its card
    response = logged_in(vera).post(
        f"/workspace/deals/{deal.pk}/stage/",
        {"board": "1", "stage": str(contact.pk)},
        HTTP_HX_REQUEST="true",
    )

    # then the board comes back with the card in the next column; the move is recorded
    assert response.status_code == 200
    assert response.templates[0].name == "crm/_board.html"
    assert board(response)[:2] == [(new.name, []), (contact.name, ["Курс"])]
    assert StageChange.objects.filter(deal=deal, to_stage=contact, actor=vera).exists()
    assert Task.objects.filter(deal=deal, kind=Task.Kind.STAGE_CHANGED).count() == 1


def test_a_refused_move_is_shown_on_its_card_and_a_plain_post_returns_to_the_board(
    school, shop
) -> None:
    # given Вера's deal and a stage of another partner's funnel
    vera = manager()
    deal = deal_of(school, "Курс", responsible=vera)
    foreign = open_stages(shop)[1]
    client = logged_in(vera)
    url = f"/workspace/deals/{deal.pk}/stage/"

    # when she posts the foreign stage by htmx, then a good move without htmx
    refused = client.post(url, {"board": "1", "stage": str(foreign.pk)}, HTTP_HX_REQUEST="true")
    moved = client.post(url, {"board": "1", "stage": str(open_stages(school)[1].pk)})

    # then the card says why and nothing moved; the plain post redirects to the school's board
    assert refused.status_code == 200
    html = refused.content.decode()
    assert 'data-testid="card-error"' in html
    assert "Неизвестный этап." in html
    assert moved.status_code == 302
    assert moved["Location"] == f"{BOARD}?partner={school.pk}"
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_the_heads_board_has_everyones_deals_of_the_chosen_partner(school, shop) -> None:
    # given deals of Вера and Олег at the shop, one at the school
    vera, oleg, head = manager(), manager(), UserFactory.create(role="head")
    deal_of(shop, "Верина", responsible=vera)
    deal_of(shop, "Олегова", responsible=oleg)
    deal_of(school, "Школьная", responsible=vera)

    # when the head chooses the shop; a manager tries the head's board
    response = logged_in(head).get(HEAD_BOARD, {"partner": str(shop.pk)})
    refused = logged_in(vera).get(HEAD_BOARD)

    # then both sellers' cards; the manager is refused
    assert sorted(board(response)[0][1]) == ["Верина", "Олегова"]
    assert refused.status_code == 403


@pytest.mark.parametrize(("url", "role"), [(BOARD, "manager"), (HEAD_BOARD, "head")])
def test_the_board_runs_the_same_queries_for_3_and_30_deals(school, url: str, role: str) -> None:
    # given a seller (and the head) with deals spread over the stages
    vera = manager()
    viewer = vera if role == "manager" else UserFactory.create(role=role)
    stages = open_stages(school)
    client = logged_in(viewer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"partner": str(school.pk)})
        assert response.status_code == 200
        return len(queries)

    for n in range(3):
        deal_of(school, f"Сделка {n}", responsible=vera, stage=stages[n % 4])
    few = count()
    for n in range(27):
        deal_of(school, f"Ещё {n}", responsible=manager(), stage=stages[n % 4])
        deal_of(school, f"Своя {n}", responsible=vera, stage=stages[n % 4])

    # then
    assert sum(len(rows) for _s, _n, rows in client.get(url).context["columns"]) >= 30
    assert count() == few
