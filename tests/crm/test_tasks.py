"""Automatic tasks: each creation or change of a deal writes one task for its responsible
employee, with the change in words (Russian, rendered when written); the tasks API and pages
per the contract; the head's monitor counted by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from billing.services import order_pay
from crm.models import Deal, Stage, Task
from crm.services import deal_open, deal_stage_move, deals_close, stages_ensure
from sales_queue.models import QueueItem
from sales_queue.services import order_cancel, queue_reassign, queue_take_next, queue_touch
from tests.accounts.factories import ApiKeyFactory, UserFactory
from tests.clients import logged_in, staff_api
from tests.crm.factories import DealFactory, TaskFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)
TITLE = "Курс рисования"


@pytest.fixture
def ivan():
    return manager(full_name="Иван Петров")


@pytest.fixture
def held(ivan) -> QueueItem:
    """Иван took the order for «Курс рисования» at noon."""
    queued_item(product=ProductFactory.create(on_sale=True, name=TITLE))
    item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    return item


def tasks_of(user) -> list[tuple[str, str]]:
    return list(
        Task.objects.filter(assignee=user)
        .order_by("created_at", "kind")
        .values_list("kind", "text")
    )


def touch(ivan, item, **kwargs):
    defaults = {"channel": "phone", "outcome": "reached", "now": NOON + MINUTE}
    return queue_touch(manager=ivan, item_id=item.pk, **{**defaults, **kwargs})


# --- one task per kind of change -------------------------------------------------------------


def test_a_take_opens_the_deal_with_a_task_for_the_manager(ivan, held) -> None:
    # then
    deal = Deal.objects.get(queue_item=held)
    assert tasks_of(ivan) == [
        ("created", f"Новая сделка «{TITLE}»: свяжитесь с покупателем"),
    ]
    task = Task.objects.get()
    assert (task.deal_id, task.partner_id, task.due_at, task.done) == (
        deal.pk,
        deal.partner_id,
        None,
        False,
    )


def test_the_heads_reassign_gives_the_new_manager_a_task(ivan, held) -> None:
    # given
    petr = manager(full_name="Пётр Смирнов")
    head = UserFactory.create(role="head")

    # when
    queue_reassign(head=head, item_id=held.pk, to_manager=petr)

    # then: Пётр is told; Иван keeps only the task of the take
    assert tasks_of(petr) == [
        (
            "responsible_changed",
            f"Сделка «{TITLE}» передана вам (прежний ответственный: Иван Петров)",
        )
    ]
    assert [k for k, _t in tasks_of(ivan)] == ["created"]


def test_a_take_by_another_manager_hands_the_deal_over_with_one_task(ivan, held) -> None:
    # given: the item went back to the queue
    petr = manager(full_name="Пётр Смирнов")
    deal = Deal.objects.get(queue_item=held)

    # when: Пётр's take opens the same deal (twice: the second changes nothing)
    for _ in range(2):
        deal_open(
            queue_item_id=held.pk,
            partner_id=deal.partner_id,
            product_id=deal.product_id,
            order=held.order,
            responsible=petr,
            title=deal.title,
            source="",
            lead_created_at=deal.lead_created_at,
        )

    # then
    assert [k for k, _t in tasks_of(petr)] == ["responsible_changed"]


def test_a_closed_deal_opened_again_by_a_take_says_so_once(ivan, held) -> None:
    # given: the order was withdrawn (1 task), then the item came back
    deal = Deal.objects.get(queue_item=held)
    deals_close(queue_item_ids=[held.pk], status="withdrawn", now=NOON + MINUTE)

    # when
    for _ in range(2):
        deal_open(
            queue_item_id=held.pk,
            partner_id=deal.partner_id,
            product_id=deal.product_id,
            order=held.order,
            responsible=ivan,
            title=deal.title,
            source="",
            lead_created_at=deal.lead_created_at,
        )

    # then
    assert sorted(k for k, _t in tasks_of(ivan)) == ["created", "reopened", "withdrawn"]
    assert Task.objects.get(kind="reopened").text == f"Сделка «{TITLE}» снова открыта"


def test_a_stage_move_by_hand_is_a_task_and_a_move_to_the_same_stage_is_not() -> None:
    # given: a deal on «Новая»
    deal = DealFactory.create(title="Курс лепки")
    contact_made = stages_ensure(partner_id=deal.partner_id)[1]

    # when
    deal_stage_move(deal=deal, stage=contact_made, actor=deal.responsible)
    deal_stage_move(deal=deal, stage=contact_made, actor=deal.responsible)

    # then
    assert tasks_of(deal.responsible) == [
        ("stage_changed", "Сделка «Курс лепки» перешла с этапа «Новая» на «Контакт установлен»")
    ]


def test_a_deal_lost_by_hand_names_the_reason() -> None:
    deal = DealFactory.create(title="Курс лепки")
    lost = Stage.objects.get(partner_id=deal.partner_id, kind="lost")

    deal_stage_move(deal=deal, stage=lost, actor=deal.responsible, reason="too_expensive")

    assert tasks_of(deal.responsible) == [("lost", "Сделка «Курс лепки» проиграна: Слишком дорого")]


def test_a_touch_is_a_task(ivan, held) -> None:
    touch(ivan, held)

    assert Task.objects.get(assignee=ivan, kind="touch").text == (
        f"Касание по сделке «{TITLE}»: Телефон, дозвонились"
    )


def test_a_callback_is_a_task_due_at_the_agreed_time(ivan, held) -> None:
    # when: Анна asked to be called back at 14:00
    at = NOON + dt.timedelta(hours=2)
    touch(ivan, held, channel="telegram", outcome="callback", callback_at=at)

    # then
    task = Task.objects.get(kind="callback")
    assert (task.assignee_id, task.due_at) == (ivan.pk, at)
    assert task.text == f"Перезвонить по сделке «{TITLE}» (Telegram)"


def test_a_refusal_loses_the_deal_with_one_lost_task_even_if_closed_again(ivan, held) -> None:
    # when: refused, then the queue closes the same item again
    touch(ivan, held, outcome="refused", reason="no_time")
    deals_close(queue_item_ids=[held.pk], status="lost", now=NOON + 2 * MINUTE, reason="no_time")

    # then: the touch and the loss, each once
    assert sorted(k for k, _t in tasks_of(ivan)) == ["created", "lost", "touch"]
    assert Task.objects.filter(kind="lost").get().text == (
        f"Сделка «{TITLE}» проиграна: Нет времени"
    )


def test_a_payment_wins_the_deal_with_one_task_however_often_it_is_reported(ivan, held) -> None:
    # when: paid at 12:10, reported twice
    for _ in range(2):
        order_pay(order=held.order, paid_at=NOON + 10 * MINUTE)

    # then
    assert Task.objects.filter(kind="won").count() == 1
    assert Task.objects.get(kind="won").text == f"Сделка «{TITLE}» выиграна"
    assert Task.objects.get(kind="won").assignee_id == ivan.pk


def test_a_payment_after_a_loss_is_a_late_win_task(ivan, held) -> None:
    # given: lost at 12:01
    touch(ivan, held, outcome="refused", reason="not_interested")

    # when: Анна paid the next day
    order_pay(order=held.order, paid_at=NOON + dt.timedelta(days=1))

    # then
    assert Task.objects.get(kind="won_late").text == (
        f"Сделка «{TITLE}» всё-таки выиграна: покупатель оплатил после закрытия"
    )
    assert Deal.objects.get(queue_item=held).status == "won"


def test_a_cancelled_order_withdraws_the_deal_with_one_task(ivan, held) -> None:
    order_cancel(order=held.order)
    order_cancel(order=held.order)

    assert Task.objects.filter(kind="withdrawn", assignee=ivan).count() == 1


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def two_managers():
    ivan, petr = manager(full_name="Иван"), manager(full_name="Пётр")
    mine = TaskFactory.create(assignee=ivan, text="Моя задача")
    done = TaskFactory.create(assignee=ivan, text="Готово", done_at=timezone.now())
    theirs = TaskFactory.create(assignee=petr, text="Чужая задача")
    return ivan, petr, mine, done, theirs


def test_a_manager_lists_their_own_tasks_open_or_done(two_managers) -> None:
    ivan, _petr, mine, done, _theirs = two_managers
    api = staff_api(ivan)

    everything = api.get("/api/v1/tasks/").json()
    open_ = api.get("/api/v1/tasks/?done=false").json()
    closed = api.get("/api/v1/tasks/?done=true").json()

    assert {r["id"] for r in everything["results"]} == {str(mine.pk), str(done.pk)}
    assert [r["id"] for r in open_["results"]] == [str(mine.pk)]
    assert [r["id"] for r in closed["results"]] == [str(done.pk)]
    row = open_["results"][0]
    assert set(row) == {"id", "deal", "text", "done", "created_at", "due_at", "kind"}
    assert (row["deal"], row["text"], row["done"]) == (str(mine.deal_id), "Моя задача", False)
    assert open_["next"] is None


def test_the_head_lists_every_task(two_managers) -> None:
    response = staff_api(UserFactory.create(role="head")).get("/api/v1/tasks/?done=false")

    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize("done", ["maybe", "null", "None"])
def test_a_bad_done_value_is_a_400(two_managers, done: str) -> None:
    response = staff_api(two_managers[0]).get(f"/api/v1/tasks/?done={done}")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_qa_and_partners_are_refused(two_managers) -> None:
    _key, raw = ApiKeyFactory.issue()
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    theirs = two_managers[4]

    for api in (staff_api(UserFactory.create(role="qa")), partner):
        assert api.get("/api/v1/tasks/").status_code == 403
        assert api.post(f"/api/v1/tasks/{theirs.pk}/done/").status_code == 403
    theirs.refresh_from_db()
    assert theirs.done_at is None


def test_marking_done_is_idempotent(two_managers) -> None:
    ivan, _petr, mine, _done, _theirs = two_managers
    api = staff_api(ivan)

    first = api.post(f"/api/v1/tasks/{mine.pk}/done/")
    mine.refresh_from_db()
    done_at = mine.done_at
    second = api.post(f"/api/v1/tasks/{mine.pk}/done/")

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["done"] is True
    mine.refresh_from_db()
    assert (mine.done_at, mine.done_by_id) == (done_at, ivan.pk)


def test_another_managers_task_is_a_404_and_stays_open(two_managers) -> None:
    ivan, _petr, _mine, _done, theirs = two_managers

    response = staff_api(ivan).post(f"/api/v1/tasks/{theirs.pk}/done/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.done_at is None


def test_the_head_may_mark_any_task_done(two_managers) -> None:
    head = UserFactory.create(role="head")
    theirs = two_managers[4]

    response = staff_api(head).post(f"/api/v1/tasks/{theirs.pk}/done/")

    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.done_by_id == head.pk


def test_the_list_runs_a_bounded_number_of_queries(
    two_managers, django_assert_max_num_queries
) -> None:
    ivan = two_managers[0]
    TaskFactory.create_batch(30, assignee=ivan)
    api = staff_api(ivan)

    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/tasks/?done=false")

    assert len(response.json()["results"]) == 31


# --- the pages -------------------------------------------------------------------------------


def test_the_manager_sees_their_open_tasks_with_the_overdue_in_red(
    two_managers, django_assert_max_num_queries
) -> None:
    # given: one more of Иван's, due an hour ago; and 30 more to check the query count
    ivan = two_managers[0]
    TaskFactory.create(
        assignee=ivan, text="Перезвонить Анне", due_at=timezone.now() - dt.timedelta(hours=1)
    )
    TaskFactory.create_batch(30, assignee=ivan)
    client = logged_in(ivan)

    # when
    with django_assert_max_num_queries(10):
        page = client.get("/workspace/tasks/").content.decode()

    # then
    assert page.count('data-testid="task-row"') == 32
    assert "Моя задача" in page and "Чужая задача" not in page and "Готово" not in page
    assert page.count('data-testid="task-overdue"') == 1
    assert "/workspace/deals/" in page
    assert "Задачи" in page
    done_tab = client.get("/workspace/tasks/?tab=done").content.decode()
    assert "Готово" in done_tab and "Моя задача" not in done_tab


def test_the_manager_marks_a_task_done_with_htmx(two_managers) -> None:
    ivan, _petr, mine, _done, theirs = two_managers
    client = logged_in(ivan)

    response = client.post(f"/workspace/tasks/{mine.pk}/done/", HTTP_HX_REQUEST="true")
    other = client.post(f"/workspace/tasks/{theirs.pk}/done/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'data-testid="task-done"' in response.content.decode()
    assert other.status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.done_at is not None, theirs.done_at) == (True, None)


def test_the_task_pages_refuse_the_wrong_roles(two_managers) -> None:
    qa = logged_in(UserFactory.create(role="qa"))
    ivan = logged_in(two_managers[0])

    assert qa.get("/workspace/tasks/").status_code == 403
    assert qa.get("/head/tasks/").status_code == 403
    assert ivan.get("/head/tasks/").status_code == 403


def test_the_monitor_counts_open_and_overdue_per_manager(django_assert_max_num_queries) -> None:
    # given: Иван has 3 open tasks (one due an hour ago, one due tomorrow) and 1 done an hour
    # ago; Пётр has 1 open task written 2 hours ago; Мария has none
    now = timezone.now()
    ivan = manager(full_name="Иван")
    petr = manager(full_name="Пётр")
    maria = manager(full_name="Мария")
    TaskFactory.create(assignee=ivan, due_at=now - dt.timedelta(hours=1))
    TaskFactory.create(assignee=ivan, due_at=now + dt.timedelta(days=1))
    TaskFactory.create(assignee=ivan, created_at=now - dt.timedelta(days=2))
    TaskFactory.create(
        assignee=ivan,
        created_at=now - dt.timedelta(days=3),
        done_at=now - dt.timedelta(hours=1),
        due_at=now - dt.timedelta(days=2),
    )
    written = now - dt.timedelta(hours=2)
    TaskFactory.create(assignee=petr, created_at=written)
    TaskFactory.create_batch(20, assignee=petr, created_at=written - dt.timedelta(days=1))
    client = logged_in(UserFactory.create(role="head"))

    # when
    with django_assert_max_num_queries(10):
        response = client.get("/head/tasks/")

    # then: Иван 3 open, 1 overdue; Пётр 21 open, 0 overdue; Мария 0, 0
    rows = {r["manager"].pk: r for r in response.context["rows"]}
    assert (rows[ivan.pk]["open"], rows[ivan.pk]["overdue"]) == (3, 1)
    assert (rows[petr.pk]["open"], rows[petr.pk]["overdue"]) == (21, 0)
    assert (rows[maria.pk]["open"], rows[maria.pk]["overdue"], rows[maria.pk]["last_activity"]) == (
        0,
        0,
        None,
    )
    assert rows[petr.pk]["last_activity"] == written
    assert response.context["totals"] == {"open": 24, "overdue": 1}
    page = response.content.decode()
    assert "Монитор задач" in page
    assert page.count('data-testid="task-row"') == 24

    # and: filtered by manager, the open tasks are Иван's three
    only_ivan = client.get(f"/head/tasks/?manager={ivan.pk}")
    assert only_ivan.content.decode().count('data-testid="task-row"') == 3


def test_a_task_links_the_deal_page_the_reader_may_open(client: Client) -> None:
    # given
    task = TaskFactory.create()
    head = UserFactory.create(role="head")

    # when
    client.force_login(task.assignee)
    mine = client.get("/workspace/tasks/").content.decode()
    client.force_login(head)
    monitor = client.get("/head/tasks/").content.decode()

    # then
    assert f'href="/workspace/deals/{task.deal_id}/"' in mine
    assert f'href="/head/deals/{task.deal_id}/"' in monitor
    assert client.get(f"/head/deals/{task.deal_id}/").status_code == 200
