"""Take next: one item at a time, own callbacks first, oldest first, working hours."""

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from crm.models import Deal, StageChange, Task
from crm.services import stages_ensure
from partners.models import Questionnaire
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.selectors import queue_current
from sales_queue.services import queue_take_next
from sales_queue.services.deals import open_deal
from sales_queue.services.supply import queue_items_sync_workable
from salesdesk.errors import ApplicationError, ConflictError
from tests.crm.lead_factories import lead, lead_list
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import MSK, NOON, manager, queued_item

MINUTE = dt.timedelta(minutes=1)

pytestmark = pytest.mark.django_db


def test_the_oldest_available_item_is_taken_first() -> None:
    # given
    newer = queued_item(entered_at=NOON - dt.timedelta(minutes=10))
    older = queued_item(entered_at=NOON - dt.timedelta(minutes=50))
    ivan = manager()

    # when
    taken = queue_take_next(manager=ivan, now=NOON)

    # then
    assert taken is not None and taken.pk == older.pk
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.state, older.holder_id, older.taken_at) == ("active", ivan.pk, NOON)
    assert newer.state == "queued" and newer.holder_id is None
    assert QueueEvent.objects.filter(item=older, kind="taken", manager=ivan).count() == 1


def test_taking_opens_a_deal_for_the_manager() -> None:
    item = queued_item(customer_name="Мария", customer_phone="+79001112233")
    ivan = manager()

    queue_take_next(manager=ivan, now=NOON)

    deal = Deal.objects.get(queue_item=item)
    assert deal.responsible == ivan
    assert deal.partner_id == item.partner_id and deal.order_id == item.order_id
    assert (deal.contact_name, deal.contact_phone) == ("Мария", "+79001112233")
    assert deal.title == item.product.name and deal.status == "open"


def test_an_item_back_in_the_queue_reopens_its_deal_for_the_next_manager() -> None:
    # given: Иван took the order, then the product was switched off and on again
    item = queued_item()
    ivan, maria = manager(), manager()
    queue_take_next(manager=ivan, now=NOON)
    QueueItem.objects.filter(pk=item.pk).update(state="queued", holder=None)
    Deal.objects.filter(queue_item=item).update(status="withdrawn", closed_at=NOON)

    # when
    queue_take_next(manager=maria, now=NOON)

    # then: still one deal, open again, Мария's
    deal = Deal.objects.get(queue_item=item)
    assert (deal.status, deal.closed_at, deal.responsible) == ("open", None, maria)


def test_a_manager_holding_an_item_cannot_take_another() -> None:
    queued_item()
    queued_item()
    ivan = manager()
    first = queue_take_next(manager=ivan, now=NOON)
    assert first is not None

    with pytest.raises(ConflictError) as refused:
        queue_take_next(manager=ivan, now=NOON)

    assert refused.value.code == "already_holding"
    assert refused.value.details == {"item": str(first.pk)}
    assert QueueItem.objects.filter(holder=ivan, state="active").count() == 1


def test_an_item_given_meanwhile_by_another_path_is_already_holding_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: Ivan holds an item, and his take does not see it in time (as when the head's
    # reassign commits between the take's check and its claim)
    items = [queued_item(), queued_item()]
    ivan = manager()
    held = queue_take_next(manager=ivan, now=NOON)
    assert held is not None
    waiting = next(item for item in items if item.pk != held.pk)
    monkeypatch.setattr("sales_queue.services.take._refuse_if_holding", lambda manager: None)

    # when: the claim runs into the one-active-item index
    with pytest.raises(ConflictError) as refused:
        queue_take_next(manager=ivan, now=NOON)

    # then: a 409 naming the held item; the whole take rolled back
    assert refused.value.code == "already_holding"
    assert refused.value.details == {"item": str(held.pk)}
    waiting.refresh_from_db()
    assert (waiting.state, waiting.holder_id) == ("queued", None)
    assert QueueEvent.objects.filter(kind="taken").count() == 1


def test_an_empty_queue_gives_nothing() -> None:
    assert queue_take_next(manager=manager(), now=NOON) is None


def test_items_not_yet_available_wait() -> None:
    queued_item(available_at=NOON + dt.timedelta(minutes=1))

    assert queue_take_next(manager=manager(), now=NOON) is None


def test_own_due_callbacks_come_before_the_queue() -> None:
    ivan = manager()
    queued_item(entered_at=NOON - dt.timedelta(days=1))  # very old queue item
    callback = queued_item(
        state="scheduled", holder=ivan, available_at=NOON - dt.timedelta(minutes=1)
    )

    taken = queue_take_next(manager=ivan, now=NOON)

    assert taken is not None and taken.pk == callback.pk


def test_someone_elses_callback_and_a_future_callback_are_not_given() -> None:
    ivan, maria = manager(), manager()
    queued_item(state="scheduled", holder=maria, available_at=NOON - dt.timedelta(hours=1))
    queued_item(state="scheduled", holder=ivan, available_at=NOON + dt.timedelta(hours=1))

    assert queue_take_next(manager=ivan, now=NOON) is None


def test_due_callbacks_are_given_oldest_first() -> None:
    ivan = manager()
    later = queued_item(state="scheduled", holder=ivan, available_at=NOON - dt.timedelta(minutes=5))
    earlier = queued_item(
        state="scheduled", holder=ivan, available_at=NOON - dt.timedelta(minutes=30)
    )

    assert queue_take_next(manager=ivan, now=NOON).pk == earlier.pk  # type: ignore[union-attr]
    assert later.pk != earlier.pk


@pytest.mark.parametrize(
    "change",
    [
        {"sales_enabled": False},
        {"sales_status": "blocked"},
        {"sales_status": "refused"},
    ],
)
def test_items_of_products_that_no_longer_feed_the_queue_are_skipped(change) -> None:
    product = ProductFactory.create(on_sale=True)
    queued_item(product=product)
    type(product).objects.filter(pk=product.pk).update(**change)
    # What every service changing a product does in its transaction (supply.py).
    queue_items_sync_workable(partner=product.partner, product=product)

    assert queue_take_next(manager=manager(), now=NOON) is None


def test_items_of_a_blocked_partner_are_skipped() -> None:
    item = queued_item()
    item.partner.status = "blocked"
    item.partner.save()
    queue_items_sync_workable(partner=item.partner)

    assert queue_take_next(manager=manager(), now=NOON) is None


@pytest.mark.parametrize("role", ["partner_owner", "head", "qa"])
def test_only_sellers_take_items(role) -> None:
    queued_item()

    with pytest.raises(ApplicationError) as refused:
        queue_take_next(manager=manager(role=role), now=NOON)

    assert refused.value.code == "not_a_manager"


# --- working hours: 09:00-21:00 Moscow; the server clock is UTC ---------------------------------

UTC = dt.UTC


@pytest.mark.parametrize(
    ("moscow", "open_"),
    [
        (dt.time(8, 59, 59), False),
        (dt.time(9, 0, 0), True),
        (dt.time(20, 59, 59), True),
        (dt.time(21, 0, 0), False),
        (dt.time(3, 0, 0), False),
    ],
)
def test_working_hour_boundaries(moscow, open_) -> None:
    queued_item(entered_at=dt.datetime(2026, 11, 19, 12, 0, tzinfo=MSK))
    # Moscow is UTC+3: 09:00 MSK is 06:00 UTC.
    now = dt.datetime.combine(dt.date(2026, 11, 20), moscow, tzinfo=MSK).astimezone(UTC)

    if open_:
        assert queue_take_next(manager=manager(), now=now) is not None
    else:
        with pytest.raises(ConflictError) as refused:
            queue_take_next(manager=manager(), now=now)
        assert refused.value.code == "outside_working_hours"
        assert refused.value.details["hours"] == "09:00-21:00"


def test_working_hours_are_configurable(settings) -> None:
    from salesdesk.config import parse_working_hours

    settings.SALES_WORKING_HOURS = parse_working_hours("10:00-18:00")
    queued_item(entered_at=NOON - dt.timedelta(hours=5))

    with pytest.raises(ConflictError):
        queue_take_next(manager=manager(), now=NOON.replace(hour=9, minute=30))
    assert queue_take_next(manager=manager(), now=NOON.replace(hour=10)) is not None


def test_the_database_refuses_a_second_active_item_for_one_manager() -> None:
    ivan = manager()
    queued_item(state="active", holder=ivan)
    other = queued_item()

    with pytest.raises(IntegrityError), transaction.atomic():
        QueueItem.objects.filter(pk=other.pk).update(state="active", holder=ivan)


def test_current_is_the_held_item() -> None:
    ivan = manager()
    assert queue_current(manager=ivan) is None
    item = queued_item()

    queue_take_next(manager=ivan, now=NOON)

    assert queue_current(manager=ivan).pk == item.pk  # type: ignore[union-attr]


@pytest.mark.postgres
@pytest.mark.parametrize("source", ["vk_ads", ""])
@pytest.mark.parametrize("kind", ["order", "lead"])
def test_a_take_on_postgresql_opens_the_deal_in_its_one_statement_as_crm_would(
    kind: str, source: str
) -> None:
    # given two twin items (orders or leads) of a partner whose funnel exists, one taken
    # through the take's one statement, the other's deal opened by crm's deal_open (the path
    # of SQLite and of a partner's first deal)
    product = ProductFactory.create(on_sale=True, name="Курс «Акварель» 100%")
    stages_ensure(partner_id=product.partner_id)
    Questionnaire.objects.create(product=product, price_and_payment="29 900 ₽", faq=" \n")
    if kind == "order":
        buyer: dict[str, Any] = {
            "customer_name": "Мария",
            "customer_phone": "+79001112233",
            "source": source,
        }
        pair = [queued_item(product=product, **buyer) for _n in range(2)]
    else:
        listed = lead_list(product=product, name="Вебинар")
        made = [lead(of=listed, source=source, now=NOON - MINUTE) for _n in range(2)]
        pair = [QueueItem.objects.get(lead=one) for one in made]
    ivan = manager()

    # when
    with CaptureQueriesContext(connection) as statements:
        item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    taken, twin = sorted(pair, key=lambda i: i.pk != item.pk)
    twin.taken_at = NOON
    open_deal(twin, ivan, first_take=True)

    # then the take was one statement (besides the transaction's own: BEGIN and COMMIT, here
    # inside the test's transaction a savepoint; and, the first time on a connection, the
    # claim's PREPARE)
    sent = [q["sql"] for q in statements.captured_queries]
    own = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "PREPARE")
    assert len([sql for sql in sent if not sql.startswith(own)]) == 1, sent
    # and its deal, stage change and task are what crm writes for the twin
    deals = [Deal.objects.get(queue_item=taken), Deal.objects.get(queue_item=twin)]
    varying = {"id", "queue_item", "order", "created_at", "updated_at"}
    fields = [f.attname for f in Deal._meta.concrete_fields if f.name not in varying]
    assert [getattr(deals[0], f) for f in fields] == [getattr(deals[1], f) for f in fields]
    assert deals[0].order_id == taken.order_id and deals[1].order_id == twin.order_id
    assert deals[0].created_at >= NOON - MINUTE  # the clock, not the take
    assert deals[0].title == ("Вебинар" if kind == "lead" else product.name)
    assert deals[0].source == source or deals[0].source in ("Неоплаченный заказ", "Заявка")
    assert deals[0].contact_name and deals[0].description.startswith("1. ")
    changes = [
        list(StageChange.objects.filter(deal=deal).values_list("from_stage", "to_stage", "actor"))
        for deal in deals
    ]
    assert changes[0] == changes[1] == [(None, deals[0].stage_id, None)]
    tasks = [
        list(Task.objects.filter(deal=deal).values_list("assignee", "kind", "text", "due_at"))
        for deal in deals
    ]
    assert tasks[0] == tasks[1] and len(tasks[0]) == 1
    assert deals[0].title in tasks[0][0][2]
