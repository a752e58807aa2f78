"""Every open deal has a next step with a date: the first is set when the deal opens (contact
the buyer within the hour of the take); the responsible seller or the head changes it (a task
due then); «Мои сделки» sorts open deals by it, overdue first and in red; each deal shows the
days the buyer has waited since the last touch, with a mark worsening at 2, 3–4, 5–6, 7+ days."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Deal, Task
from crm.services import deal_next_step_set, deal_stage_move, stage_of_kind
from sales_queue.services import queue_take_next, queue_touch
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
from salesdesk.timezones import moscow_day
from tests.accounts.factories import UserFactory
from tests.clients import logged_in
from tests.crm.factories import DealFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import MSK, NOON, manager, queued_item
from web.crm.deals_views import wait_days, wait_mark

pytestmark = pytest.mark.django_db

MY = "/workspace/deals/"
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


# --- the first next step and the last touch ---------------------------------------------------


def test_a_take_sets_the_first_next_step_an_hour_later_and_a_touch_its_last_touch() -> None:
    # given an order in the queue
    ivan = manager()
    queued_item(product=ProductFactory.create(on_sale=True, name="Курс рисования"))

    # when Иван takes it at noon (Moscow) and reaches the buyer at 12:07
    item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    deal = Deal.objects.get(queue_item=item)
    opened = (deal.next_step, deal.next_step_at, deal.last_touch_at)
    queue_touch(
        manager=ivan,
        item_id=item.pk,
        channel="phone",
        outcome="reached",
        now=NOON + dt.timedelta(minutes=7),
    )
    deal.refresh_from_db()

    # then the first step is «Связаться с покупателем» at 13:00 Moscow, no touch yet;
    # after the touch the deal remembers it
    assert opened == ("Связаться с покупателем", dt.datetime(2026, 11, 20, 13, 0, tzinfo=MSK), None)
    assert deal.last_touch_at == dt.datetime(2026, 11, 20, 12, 7, tzinfo=MSK)


# --- setting the next step ----------------------------------------------------------------------


def test_the_seller_sets_the_next_step_and_gets_a_task_due_then() -> None:
    # given Вера's open deal
    vera = manager()
    deal = DealFactory.create(responsible=vera, title="Курс A")
    at = NOON + DAY + 2 * HOUR  # Saturday 14:00 Moscow

    # when she plans to call after the webinar
    deal_next_step_set(deal=deal, actor=vera, text="  Позвонить после вебинара ", at=at, now=NOON)

    # then the deal has the step and her task is due then
    deal.refresh_from_db()
    assert (deal.next_step, deal.next_step_at) == ("Позвонить после вебинара", at)
    task = Task.objects.get(deal=deal, kind=Task.Kind.NEXT_STEP)
    assert (task.assignee_id, task.due_at, task.text) == (
        vera.pk,
        at,
        "Следующий шаг по сделке «Курс A»: Позвонить после вебинара",
    )


def test_earlier_today_is_allowed_and_the_head_may_set_it_too() -> None:
    # given Вера's deal and the head
    vera, head = manager(), UserFactory.create(role="head")
    deal = DealFactory.create(responsible=vera)

    # when the head sets a step at 09:00 of today (it is noon)
    deal_next_step_set(deal=deal, actor=head, text="Перезвонить", at=NOON - 3 * HOUR, now=NOON)

    # then it is kept: an overdue step of today, the task goes to Вера
    deal.refresh_from_db()
    assert deal.next_step_at == NOON - 3 * HOUR
    assert Task.objects.get(kind=Task.Kind.NEXT_STEP).assignee_id == vera.pk


YESTERDAY_2359 = dt.datetime(2026, 11, 19, 23, 59, tzinfo=MSK)


@pytest.mark.parametrize(
    ("text", "at", "field"),
    [
        ("", NOON + HOUR, "text"),
        ("   ", NOON + HOUR, "text"),
        ("я" * 201, NOON + HOUR, "text"),
        ("Перезвонить", None, "at"),
        ("Перезвонить", YESTERDAY_2359, "at"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(text: str, at: Any, field: str) -> None:
    # given Вера's deal with its first step
    vera = manager()
    deal = DealFactory.create(responsible=vera, next_step="Связаться", next_step_at=NOON + HOUR)

    # when
    with pytest.raises(ApplicationError) as refused:
        deal_next_step_set(deal=deal, actor=vera, text=text, at=at, now=NOON)

    # then a 400 naming the field; the deal and the tasks are as they were
    assert (refused.value.status_code, list(refused.value.details)) == (400, [field])
    deal.refresh_from_db()
    assert (deal.next_step, deal.next_step_at) == ("Связаться", NOON + HOUR)
    assert not Task.objects.filter(kind=Task.Kind.NEXT_STEP).exists()


def test_another_seller_gets_not_found_and_a_closed_deal_a_conflict() -> None:
    # given Вера's deal, Олег, and a won deal of Веры
    vera, oleg = manager(), manager()
    deal = DealFactory.create(responsible=vera)
    won = DealFactory.create(responsible=vera)
    deal_stage_move(
        deal=won, stage=stage_of_kind(partner_id=won.partner_id, kind="won"), actor=vera
    )

    # when / then
    with pytest.raises(NotFoundError):
        deal_next_step_set(deal=deal, actor=oleg, text="Чужая", at=NOON + HOUR, now=NOON)
    with pytest.raises(ConflictError) as closed:
        deal_next_step_set(deal=won, actor=vera, text="Поздно", at=NOON + HOUR, now=NOON)
    assert closed.value.code == "deal_closed"
    assert not Task.objects.filter(kind=Task.Kind.NEXT_STEP).exists()


def test_the_deal_page_sets_the_step_by_htmx_and_shows_errors_on_the_card() -> None:
    # given Вера's deal page
    vera, oleg = manager(), manager()
    deal = DealFactory.create(responsible=vera)
    client = logged_in(vera)
    url = f"{MY}{deal.pk}/next-step/"
    tomorrow = timezone.localtime(timezone.now(), MSK).date() + DAY
    when = f"{tomorrow:%Y-%m-%d}T10:30"

    # when she posts a step by htmx, then an empty one
    done = client.post(url, {"text": "Отправить договор", "at": when}, HTTP_HX_REQUEST="true")
    empty = client.post(url, {"text": "", "at": when}, HTTP_HX_REQUEST="true")
    foreign = logged_in(oleg).post(url, {"text": "Чужая", "at": when})

    # then the card comes back with the step (10:30 Moscow), then with the error; Олег: 404
    assert done.status_code == 200
    assert "Отправить договор" in done.content.decode()
    assert f"{moscow_day(tomorrow)}, 10:30" in done.content.decode()
    assert empty.status_code == 200
    assert "Напишите, какой следующий шаг." in empty.content.decode()
    assert foreign.status_code == 404
    deal.refresh_from_db()
    assert deal.next_step == "Отправить договор"
    assert deal.next_step_at == dt.datetime.combine(tomorrow, dt.time(10, 30), tzinfo=MSK)
    page = client.get(f"{MY}{deal.pk}/").content.decode()
    assert 'data-testid="next-step-form"' in page


# --- «Мои сделки»: the order, overdue in red ---------------------------------------------------


def test_open_deals_sort_by_next_step_overdue_first_and_overdue_is_red() -> None:
    # given Вера's deals: steps in 2 h, an overdue one (yesterday), in 1 h; and a won deal
    vera = manager()
    now = timezone.now()
    DealFactory.create(responsible=vera, title="Через два часа", next_step_at=now + 2 * HOUR)
    DealFactory.create(responsible=vera, title="Просрочена", next_step_at=now - DAY)
    DealFactory.create(responsible=vera, title="Через час", next_step_at=now + HOUR)
    won = DealFactory.create(responsible=vera, title="Выиграна", next_step_at=now - 2 * DAY)
    deal_stage_move(
        deal=won, stage=stage_of_kind(partner_id=won.partner_id, kind="won"), actor=vera
    )

    # when
    response = logged_in(vera).get(MY)

    # then the overdue one first, then by date, the closed one last; only the overdue is red
    titles = [d.title for d in response.context["page"].object_list]
    assert titles == ["Просрочена", "Через час", "Через два часа", "Выиграна"]
    html = response.content.decode()
    assert html.count('data-overdue="1"') == 1
    assert re.search(r'class="next-step nowrap overdue"[^>]*>[^<]*</span>', html)
    assert [row.overdue for row in response.context["rows"]] == [True, False, False, False]


# --- days without touches -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("waited", "days", "mark"),
    [
        (DAY + 23 * HOUR + dt.timedelta(minutes=59), 1, "wait-0"),
        (2 * DAY, 2, "wait-2"),
        (3 * DAY - dt.timedelta(seconds=1), 2, "wait-2"),
        (3 * DAY, 3, "wait-3"),
        (5 * DAY, 5, "wait-5"),
        (7 * DAY, 7, "wait-7"),
    ],
)
def test_the_wait_boundaries(waited: dt.timedelta, days: int, mark: str) -> None:
    # given a deal last touched ``waited`` before now
    deal = Deal(created_at=NOON - 30 * DAY, last_touch_at=NOON - waited)

    # then whole days count, and the mark changes at 2, 3, 5 and 7
    assert (wait_days(deal, NOON), wait_mark(wait_days(deal, NOON))) == (days, mark)


def test_with_no_touch_the_wait_counts_from_the_deal_opening() -> None:
    deal = Deal(created_at=NOON - 4 * DAY - HOUR, last_touch_at=None)
    assert (wait_days(deal, NOON), wait_mark(4)) == (4, "wait-3")


@pytest.mark.parametrize(
    ("days", "mark"),
    [
        (1, "wait-0"),
        (2, "wait-2"),
        (3, "wait-3"),
        (4, "wait-3"),
        (5, "wait-5"),
        (6, "wait-5"),
        (7, "wait-7"),
    ],
)
def test_each_row_shows_the_days_without_touches_and_its_mark(days: int, mark: str) -> None:
    # given Вера's deal last touched ``days`` days and an hour ago
    vera = manager()
    last = timezone.now() - days * DAY - HOUR
    deal = DealFactory.create(responsible=vera, last_touch_at=last, next_step_at=last + DAY)

    # when she opens her list and the deal
    listed = logged_in(vera).get(MY).content.decode()
    page = logged_in(vera).get(f"{MY}{deal.pk}/").content.decode()

    # then both say «N дн. без касаний» with the mark's class
    expected = f'<span class="wait {mark}" data-testid="deal-wait">{days} дн. без касаний</span>'
    assert expected in listed
    assert expected in page


# --- bounded queries ----------------------------------------------------------------------------


def test_the_list_runs_the_same_queries_for_3_and_30_deals() -> None:
    vera = manager()
    client = logged_in(vera)
    now = timezone.now()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(MY).status_code == 200
        return len(queries)

    for n in range(3):
        DealFactory.create(responsible=vera, next_step_at=now + n * HOUR, last_touch_at=now)
    few = count()
    for n in range(27):
        DealFactory.create(responsible=vera, next_step_at=now - n * HOUR)
    assert count() == few


# --- the data migration -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_open_deals_a_first_step_and_every_deal_its_last_touch() -> None:
    # given, before the migration, an open deal whose item had touches at 10:00 and 11:30, an
    # open deal without an item, and a won one
    executor = MigrationExecutor(connection)
    executor.migrate([("crm", "0007_task")])
    old = executor.loader.project_state([("crm", "0007_task")]).apps
    try:
        Partner, Product = (
            old.get_model("partners", "Partner"),
            old.get_model("partners", "Product"),
        )
        User, Item = old.get_model("accounts", "User"), old.get_model("queue", "QueueItem")
        Deal_, Touch = old.get_model("crm", "Deal"), old.get_model("queue", "Touch")
        Stage_ = old.get_model("crm", "Stage")
        partner = Partner.objects.create(name="Школа")
        product = Product.objects.create(partner=partner, name="Курс", price="1000.00")
        stage = Stage_.objects.create(partner=partner, name="Новая", position=1, kind="open")
        vera = User.objects.create(email="vera@example.com", role="manager")
        order = old.get_model("orders", "Order").objects.create(
            partner=partner,
            product=product,
            external_id="o-1",
            amount="1000.00",
            customer_name="Анна",
            created_at=NOON - 5 * HOUR,
            due_at=NOON - 4 * HOUR,
        )
        item = Item.objects.create(partner=partner, product=product, order=order)
        for at in (NOON - 2 * HOUR, NOON - 30 * dt.timedelta(minutes=1)):
            Touch.objects.create(
                item=item, manager=vera, channel="phone", outcome="reached", created_at=at
            )

        def deal(title: str, **fields: Any) -> Any:
            row = Deal_.objects.create(
                partner=partner,
                responsible=vera,
                title=title,
                lead_created_at=NOON,
                stage=stage,
                **fields,
            )
            Deal_.objects.filter(pk=row.pk).update(created_at=NOON - DAY)
            return row.pk

        touched = deal("С касаниями", queue_item=item)
        bare = deal("Без заказа")
        won = deal("Выиграна", status="won")

        # when
        executor = MigrationExecutor(connection)
        executor.migrate([("crm", "0008_deal_next_step_last_touch")])
        new = executor.loader.project_state([("crm", "0008_deal_next_step_last_touch")]).apps
        rows = {
            row["pk"]: (row["next_step"], row["next_step_at"], row["last_touch_at"])
            for row in new.get_model("crm", "Deal").objects.values(
                "pk", "next_step", "next_step_at", "last_touch_at"
            )
        }
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )

    # then the open ones: «Связаться с покупателем» a day after they opened (= noon today);
    # the last touch is the item's latest (11:30); the won deal gets no step
    assert rows[touched] == ("Связаться с покупателем", NOON, NOON - dt.timedelta(minutes=30))
    assert rows[bare] == ("Связаться с покупателем", NOON, None)
    assert rows[won] == ("", None, None)
