"""The deal pages: a seller's «Мои сделки» and a deal's page, the head's list, the partner
cabinet's read-only list. Who sees a deal: its responsible seller and the head; anyone else
gets a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from crm.models import Deal, Stage, StageChange
from crm.services import stage_of_kind, stages_ensure
from orders.models import Order
from sales_queue.services import queue_take_next
from tests.accounts.factories import UserFactory
from tests.clients import logged_in
from tests.crm.factories import DealFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item
from web.crm.deals_views import duration_words

pytestmark = pytest.mark.django_db

MY = "/workspace/deals/"
HEAD = "/head/deals/"
CABINET = "/cabinet/deals/"


def titles(response: Any) -> list[str]:
    return [d.title for d in response.context["page"].object_list]


# --- «Сделка через» in words -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (30, "меньше минуты"),
        (15 * 60, "15 мин"),
        (2 * 3600 + 15 * 60 + 59, "2 ч 15 мин"),
        (3 * 86400 + 4 * 3600 + 5 * 60, "3 дн. 4 ч"),
    ],
)
def test_deal_after_in_words(seconds: int, words: str) -> None:
    with translation.override("ru"):
        assert duration_words(seconds) == words


# --- «Мои сделки» -------------------------------------------------------------------------------


def test_a_manager_sees_only_their_deals_newest_change_first() -> None:
    # given two deals of Вера and one of Олег
    vera, oleg = manager(), manager()
    older = DealFactory.create(responsible=vera, title="Курс A")
    newer = DealFactory.create(responsible=vera, title="Курс B")
    DealFactory.create(responsible=oleg, title="Курс Олега")
    Deal.objects.filter(pk=older.pk).update(updated_at=newer.updated_at + dt.timedelta(minutes=1))

    # when
    response = logged_in(vera).get(MY)

    # then the last changed first, Олег's deal absent
    assert response.status_code == 200
    assert titles(response) == ["Курс A", "Курс B"]
    assert "Мои сделки" in response.content.decode()


def test_filters_stage_status_and_search_by_name_phone_email() -> None:
    # given
    vera = manager()
    anna = DealFactory.create(
        responsible=vera, title="Анна", contact_name="Анна Смирнова", contact_phone="+79161112233"
    )
    boris = DealFactory.create(
        responsible=vera,
        title="Борис",
        contact_name="Борис Петров",
        contact_phone="+79035556677",
        contact_email="boris@example.com",
    )
    second = Stage.objects.get(partner=boris.partner, name="Контакт установлен")
    Deal.objects.filter(pk=boris.pk).update(stage=second)
    DealFactory.create(
        responsible=vera, title="Выигранная", status=Deal.Status.WON, contact_name="Вика"
    )
    client = logged_in(vera)

    # when / then
    assert titles(client.get(MY, {"stage": "Контакт установлен"})) == ["Борис"]
    assert titles(client.get(MY, {"status": "won"})) == ["Выигранная"]
    assert titles(client.get(MY, {"q": "смирнова"})) == ["Анна"]
    assert titles(client.get(MY, {"q": "8 (903) 555-66-77"})) == ["Борис"]
    assert titles(client.get(MY, {"q": "BORIS@"})) == ["Борис"]
    # a bad filter value is dropped, not a 500
    assert client.get(MY, {"status": "nonsense"}).status_code == 200
    assert anna.pk


def test_filters_partner_product_and_days_without_touches() -> None:
    # given Вера's deals: two of one school's products, one of a shop, one of Олег's
    vera = manager()
    school, shop = PartnerFactory.create(name="Школа"), PartnerFactory.create(name="Магазин")
    python_course = ProductFactory.create(partner=school, name="Python")
    go_course = ProductFactory.create(partner=school, name="Go")
    lamp = ProductFactory.create(partner=shop, name="Лампа")
    now = dt.datetime.now(dt.UTC)
    touched_today = DealFactory.create(
        responsible=vera, partner=school, product=python_course, title="Сегодня"
    )
    waited_3 = DealFactory.create(responsible=vera, partner=school, product=go_course, title="3")
    waited_8 = DealFactory.create(responsible=vera, partner=shop, product=lamp, title="8")
    never_touched_5 = DealFactory.create(responsible=vera, partner=shop, product=lamp, title="5")
    won_long_ago = DealFactory.create(
        responsible=vera, partner=shop, product=lamp, title="Выиграна", status=Deal.Status.WON
    )
    DealFactory.create(responsible=manager(), partner=shop, product=lamp, title="Олега")
    Deal.objects.filter(pk=touched_today.pk).update(last_touch_at=now - dt.timedelta(hours=3))
    Deal.objects.filter(pk=waited_3.pk).update(last_touch_at=now - dt.timedelta(days=3, hours=1))
    Deal.objects.filter(pk=waited_8.pk).update(last_touch_at=now - dt.timedelta(days=8))
    # never touched: the wait counts from the deal's opening
    Deal.objects.filter(pk=never_touched_5.pk).update(
        last_touch_at=None, created_at=now - dt.timedelta(days=5, hours=2)
    )
    Deal.objects.filter(pk=won_long_ago.pk).update(last_touch_at=now - dt.timedelta(days=30))
    client = logged_in(vera)

    # when / then: the partner and product choices are those of Вера's own deals
    form = client.get(MY).context["form"]
    assert [label for _v, label in form.fields["partner"].choices][1:] == ["Магазин", "Школа"]
    assert [label for _v, label in form.fields["product"].choices][1:] == [
        "Go",
        "Python",
        "Лампа",
    ]
    assert sorted(titles(client.get(MY, {"partner": str(school.pk)}))) == ["3", "Сегодня"]
    assert sorted(titles(client.get(MY, {"product": str(lamp.pk)}))) == ["5", "8", "Выиграна"]
    # idle: open deals only, at least N whole days since the last touch (or the opening)
    assert sorted(titles(client.get(MY, {"idle": "2"}))) == ["3", "5", "8"]
    assert sorted(titles(client.get(MY, {"idle": "5"}))) == ["5", "8"]
    assert titles(client.get(MY, {"idle": "7"})) == ["8"]
    # a product of another partner's deals is not a choice: the filter is dropped, not a 500
    other = ProductFactory.create()
    assert client.get(MY, {"product": str(other.pk), "idle": "x"}).status_code == 200


def test_the_list_is_paginated_by_50_with_bounded_queries(django_assert_max_num_queries) -> None:
    # given 60 deals of one manager
    vera = manager()
    product = ProductFactory.create()
    DealFactory.create_batch(60, responsible=vera, product=product)
    client = logged_in(vera)

    # when: session, user, stage names, count, page (and a margin for the menu)
    with django_assert_max_num_queries(8):
        first = client.get(MY)
    second = client.get(MY, {"page": 2})

    # then
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10


def test_the_head_and_cabinet_lists_and_a_deal_page_have_bounded_queries(
    django_assert_max_num_queries,
) -> None:
    # given 60 deals of one partner across three managers, each with a stage change
    product = ProductFactory.create()
    people = [manager() for _ in range(3)]
    deals = [DealFactory.create(product=product, responsible=people[n % 3]) for n in range(60)]
    second = Stage.objects.get(partner=product.partner, name="Презентация")
    StageChange.objects.bulk_create(
        StageChange(deal=d, from_stage=d.stage, to_stage=second) for d in deals
    )
    head = logged_in(UserFactory.create(role="head"))
    cabinet = logged_in(UserFactory.create(role="partner_owner", partner=product.partner))

    # then: session, user, the filters' choices, count, page; for the deal page the deal,
    # the funnel, the history, the touches
    with django_assert_max_num_queries(10):
        assert head.get(HEAD).status_code == 200
    with django_assert_max_num_queries(8):
        assert cabinet.get(CABINET).status_code == 200
    with django_assert_max_num_queries(10):
        assert head.get(f"{HEAD}{deals[0].pk}/").status_code == 200


def test_others_cannot_open_the_sellers_pages() -> None:
    partner_owner = UserFactory.create(role="partner_owner")
    assert logged_in(partner_owner).get(MY).status_code in (403, 404)
    assert logged_in(UserFactory.create(role="head")).get(MY).status_code == 403


# --- a deal's page -------------------------------------------------------------------------------


def test_the_deal_page_shows_the_deal() -> None:
    # given a paid deal opened 2 h 15 min after its order
    vera = manager(full_name="Вера Лебедева")
    order = OrderFactory.create(
        status=Order.Status.PAID,
        paid_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        amount=Decimal("15000.00"),
        paid_amount=Decimal("15000.00"),
        external_id="ord-77",
    )
    deal = DealFactory.create(
        responsible=vera, product=order.product, order=order, contact_whatsapp="+79123456789"
    )
    Order.objects.filter(pk=order.pk).update(deal=deal)  # linked when paid (built paid here)
    Deal.objects.filter(pk=deal.pk).update(
        lead_created_at=deal.created_at - dt.timedelta(hours=2, minutes=15)
    )

    # when
    response = logged_in(vera).get(f"{MY}{deal.pk}/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 ч 15 мин" in html
    assert "tel:+79123456789" in html
    assert "https://wa.me/79123456789" in html
    assert "https://t.me/anna_smirnova" in html
    assert "mailto:anna@example.com" in html
    assert "vk_ads" in html
    assert "ord-77" in html and "15\xa0000,00\xa0₽" in html
    assert "2 марта" in html  # paid at 09:00 UTC, shown in Moscow time
    assert "12:00" in html
    assert "Вера Лебедева" in html


def test_another_manager_and_a_partner_get_404_the_head_sees_it() -> None:
    deal = DealFactory.create()
    owner = UserFactory.create(role="partner_owner", partner=deal.partner)

    assert logged_in(manager()).get(f"{MY}{deal.pk}/").status_code == 404
    assert logged_in(manager()).post(f"{MY}{deal.pk}/stage/", {}).status_code == 404
    assert logged_in(owner).get(f"{MY}{deal.pk}/").status_code in (403, 404)
    assert logged_in(UserFactory.create(role="head")).get(f"{HEAD}{deal.pk}/").status_code == 200
    assert logged_in(deal.responsible).get(f"{HEAD}{deal.pk}/").status_code == 403


def test_a_stage_change_through_the_page_is_recorded() -> None:
    # given
    deal = DealFactory.create()
    second = Stage.objects.get(partner=deal.partner, name="Презентация")

    # when (htmx)
    response = logged_in(deal.responsible).post(
        f"{MY}{deal.pk}/stage/", {"stage": str(second.pk)}, HTTP_HX_REQUEST="true"
    )

    # then the card comes back with the new stage and its history row
    assert response.status_code == 200
    assert response.templates[0].name == "crm/_deal_stage.html"
    deal.refresh_from_db()
    assert deal.stage == second
    change = StageChange.objects.get(deal=deal)
    assert (change.to_stage, change.actor) == (second, deal.responsible)
    assert "Презентация" in response.content.decode()


def test_lost_needs_a_reason_and_the_error_shows_inline() -> None:
    # given
    deal = DealFactory.create()
    lost = stage_of_kind(partner_id=deal.partner_id, kind=Stage.Kind.LOST)
    client = logged_in(deal.responsible)
    url = f"{MY}{deal.pk}/stage/"

    # when without a reason
    refused = client.post(url, {"stage": str(lost.pk)}, HTTP_HX_REQUEST="true")

    # then nothing moves and the card says why
    assert 'data-testid="stage-error"' in refused.content.decode()
    deal.refresh_from_db()
    assert deal.status == Deal.Status.OPEN

    # when with one (a plain post redirects back to the page)
    done = client.post(url, {"stage": str(lost.pk), "reason": "too_expensive"})
    assert done.status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.stage) == (Deal.Status.LOST, lost)

    # and a closed deal refuses any move, shown on the page with its 409
    again = client.post(url, {"stage": str(stages_ensure(partner_id=deal.partner_id)[0].pk)})
    assert again.status_code == 409
    assert 'data-testid="stage-error"' in again.content.decode()


def test_the_held_item_links_its_deal_which_cannot_be_won_by_hand() -> None:
    # given a manager holding an order taken from the queue
    ivan = manager()
    queued_item(amount="1000.00")
    item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    deal = Deal.objects.get(queue_item=item)
    won = stage_of_kind(partner_id=deal.partner_id, kind=Stage.Kind.WON)

    # the workspace links the deal
    assert f"/workspace/deals/{deal.pk}/" in logged_in(ivan).get("/workspace/").content.decode()

    response = logged_in(deal.responsible).post(
        f"{MY}{deal.pk}/stage/", {"stage": str(won.pk)}, HTTP_HX_REQUEST="true"
    )

    assert 'data-testid="stage-error"' in response.content.decode()
    deal.refresh_from_db()
    assert deal.status == Deal.Status.OPEN


# --- the head's list ----------------------------------------------------------------------


def test_the_head_sees_every_deal_and_filters_by_partner_and_responsible() -> None:
    vera, oleg = manager(), manager()
    a = DealFactory.create(responsible=vera, title="A")
    DealFactory.create(responsible=oleg, title="B")
    client = logged_in(UserFactory.create(role="head"))

    assert sorted(titles(client.get(HEAD))) == ["A", "B"]
    assert titles(client.get(HEAD, {"partner": str(a.partner_id)})) == ["A"]
    assert titles(client.get(HEAD, {"responsible": str(oleg.pk)})) == ["B"]
    assert logged_in(vera).get(HEAD).status_code == 403


# --- the partner cabinet ---------------------------------------------------------------------


def test_the_cabinet_lists_its_own_deals_read_only_with_a_status_filter() -> None:
    # given two deals of the partner, one of another
    partner = PartnerFactory.create()
    product = ProductFactory.create(partner=partner)
    DealFactory.create(product=product, title="Открытая")
    DealFactory.create(product=product, title="Выигранная", status=Deal.Status.WON)
    DealFactory.create(title="Чужая")
    client = logged_in(UserFactory.create(role="partner_owner", partner=partner))

    # when / then
    assert sorted(titles(client.get(CABINET))) == ["Выигранная", "Открытая"]
    assert titles(client.get(CABINET, {"status": "won"})) == ["Выигранная"]
    html = client.get(CABINET).content.decode()
    assert "/stage/" not in html and "csrfmiddlewaretoken" not in html.split("<main")[-1]
    assert client.post(CABINET, {}).status_code == 405
    assert logged_in(manager()).get(CABINET).status_code in (403, 404)


# --- the head's funnel page: QA looks, only the head edits ---------------------------------------

DEFAULTS = ["Новая", "Контакт установлен", "Презентация", "Ожидает оплату", "Выиграна", "Проиграна"]


def funnel(partner: Any) -> list[str]:
    return [s.name for s in Stage.objects.filter(partner=partner).order_by("position")]


@pytest.fixture
def head() -> Client:
    return logged_in(UserFactory.create(role="head"))


def test_the_head_chooses_a_partner_and_sees_its_funnel(head: Client) -> None:
    partner = PartnerFactory.create(name="Школа рисования")

    index = head.get("/head/stages/")
    chosen = head.get("/head/stages/", {"partner": str(partner.pk)})
    page = head.get(f"/head/stages/{partner.pk}/")

    assert index.status_code == 200 and "Школа рисования" in index.content.decode()
    assert chosen.status_code == 302
    assert chosen["Location"] == f"/head/stages/{partner.pk}/"
    assert [s.name for s in page.context["stages"]] == DEFAULTS


def test_the_head_renames_adds_and_moves_stages(head: Client) -> None:
    # given
    partner = PartnerFactory.create()
    stages = {s.name: s for s in stages_ensure(partner_id=partner.pk)}
    url = f"/head/stages/{partner.pk}/"

    # when
    renamed = head.post(
        url, {"action": "rename", "stage": stages["Презентация"].pk, "name": "Демо"}
    )
    added = head.post(url, {"action": "add", "name": "Договор"})
    moved = head.post(url, {"action": "up", "stage": stages["Новая"].pk})  # already first
    moved_down = head.post(url, {"action": "down", "stage": stages["Новая"].pk})

    # then the new stage goes last of the open ones, before won and lost
    assert [r.status_code for r in (renamed, added, moved, moved_down)] == [302] * 4
    assert funnel(partner) == [
        "Контакт установлен",
        "Новая",
        "Демо",
        "Ожидает оплату",
        "Договор",
        "Выиграна",
        "Проиграна",
    ]


def test_refusals_are_shown_on_the_page(head: Client) -> None:
    partner = PartnerFactory.create()
    stages = {s.name: s for s in stages_ensure(partner_id=partner.pk)}
    url = f"/head/stages/{partner.pk}/"

    renamed = head.post(url, {"action": "rename", "stage": stages["Новая"].pk, "name": " Демо "})
    duplicate = head.post(
        url, {"action": "rename", "stage": stages["Презентация"].pk, "name": "Демо"}
    )
    terminal = head.post(url, {"action": "up", "stage": stages["Выиграна"].pk})
    empty = head.post(url, {"action": "add", "name": "  "})
    foreign = head.post(
        url,
        {
            "action": "rename",
            "stage": stages_ensure(partner_id=PartnerFactory.create().pk)[0].pk,
            "name": "X",
        },
    )

    assert renamed.status_code == 302  # the name is trimmed
    assert duplicate.status_code == 400
    assert 'data-testid="stage-error"' in duplicate.content.decode()
    assert terminal.status_code == 409
    assert empty.status_code == 400
    assert foreign.status_code == 400
    assert funnel(partner) == ["Демо", *DEFAULTS[1:]]


def test_qa_looks_a_manager_and_a_partner_are_refused() -> None:
    partner = PartnerFactory.create()
    first = stages_ensure(partner_id=partner.pk)[0]
    url = f"/head/stages/{partner.pk}/"
    body = {"action": "rename", "stage": first.pk, "name": "Взлом"}
    qa = logged_in(UserFactory.create(role="qa"))

    assert qa.get(url).status_code == 200
    assert "stage-rename" not in qa.get(url).content.decode()
    assert qa.post(url, body).status_code == 403
    assert logged_in(manager()).get(url).status_code == 403
    assert logged_in(manager()).post(url, body).status_code == 403
    assert (
        logged_in(UserFactory.create(role="partner_owner", partner=partner)).get(url).status_code
        == 403
    )
    assert funnel(partner) == DEFAULTS
