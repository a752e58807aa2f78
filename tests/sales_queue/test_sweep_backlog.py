"""No backlog flood (DESIGN.md, "Grace period"): an order received while its product's sales
department was not active is never queued later, and an order older than
``SALES_MAX_ORDER_AGE_DAYS`` (14) when the sweep runs is not queued; the timeline says why."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from billing.selectors import order_timeline
from orders.contacts import Customer
from orders.models import Order
from orders.services import order_create
from partners.models import Partner, Product, SalesStatus
from sales_queue.models import QueueItem
from sales_queue.services import queue_sweep_due_orders
from sales_queue.services.supply import sales_settings_update
from sales_queue.services.sweep import sweep_params, sweep_sql
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import MSK, NOON

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def receive(product: Product, external_id: str, *, now: dt.datetime, created_at=None) -> Order:
    """An order through the intake service, as the storefront pushes it at ``now``."""
    return order_create(
        partner=product.partner,
        product=product,
        external_id=external_id,
        amount=Decimal("1000.00"),
        customer=Customer(name="Анна Смирнова", phone="+79123456789"),
        created_at=created_at,
        now=now,
    ).order


def approve(product: Product) -> None:
    # Straight in the database: the approval's own rules (the alignment call) are not the
    # subject here, only that the product feeds the queue from now on.
    Product.objects.filter(pk=product.pk).update(
        sales_enabled=True, sales_status=SalesStatus.APPROVED
    )


def kinds(order: Order) -> list[str]:
    order = Order.objects.get(pk=order.pk)
    return [e.kind for e in order_timeline(partner=order.partner, order=order)]


def test_intake_records_whether_the_product_fed_the_queue() -> None:
    on = ProductFactory.create(on_sale=True)
    draft = ProductFactory.create(partner=on.partner)
    switched_off = ProductFactory.create(on_sale=True, partner=on.partner, sales_enabled=False)
    blocked = ProductFactory.create(on_sale=True, partner=on.partner)
    Product.objects.filter(pk=blocked.pk).update(sales_status=SalesStatus.BLOCKED)

    orders = {
        name: receive(product, name, now=timezone.now())
        for name, product in [
            ("on", on),
            ("draft", draft),
            ("off", switched_off),
            ("blocked", blocked),
        ]
    }

    assert {name: o.sales_active_at_intake for name, o in orders.items()} == {
        "on": True,
        "draft": False,
        "off": False,
        "blocked": False,
    }


def test_an_order_of_a_blocked_partner_is_recorded_as_received_while_off() -> None:
    product = ProductFactory.create(on_sale=True)
    Partner.objects.filter(pk=product.partner_id).update(status=Partner.Status.BLOCKED)

    order = receive(product, "p-1", now=timezone.now())

    assert order.sales_active_at_intake is False


def test_an_order_received_while_the_product_was_in_draft_is_never_queued_after_approval():
    # given: an order received at 10:00 while the product still waited for approval
    product = ProductFactory.create(grace_period_minutes=60)
    received = NOON - dt.timedelta(hours=2)
    backlog = receive(product, "old-1", now=received, created_at=received)
    # when: the head approves at 11:00, and a new order arrives at 11:00 too
    approve(product)
    fresh = receive(product, "new-1", now=NOON - dt.timedelta(hours=1))

    # then: at noon both are past due (10:00+60 min, 11:00+60 min) but only the new one enters
    assert queue_sweep_due_orders(now=NOON) == 1
    assert list(QueueItem.objects.values_list("order_id", flat=True)) == [fresh.pk]
    assert queue_sweep_due_orders(now=NOON + 30 * DAY) == 0
    assert "not_queued_inactive" in kinds(backlog)
    assert "not_queued_inactive" not in kinds(fresh)


def test_an_order_received_while_the_product_was_switched_off_is_never_queued_after_it_is_on():
    # given: an approved product the partner had switched off when the order arrived
    product = ProductFactory.create(on_sale=True, sales_enabled=False)
    backlog = receive(product, "off-1", now=NOON - dt.timedelta(hours=3))

    # when: the partner switches it on again
    sales_settings_update(product=product, actor=None, enabled=True)

    # then
    assert Product.objects.get(pk=product.pk).feeds_queue
    assert queue_sweep_due_orders(now=NOON) == 0
    assert not QueueItem.objects.filter(order=backlog).exists()


def test_an_order_received_while_on_and_switched_off_during_its_grace_is_queued_when_back_on():
    # given: received while the product fed the queue, switched off before it fell due
    product = ProductFactory.create(on_sale=True, grace_period_minutes=60)
    order = receive(product, "on-1", now=NOON - dt.timedelta(hours=3))
    sales_settings_update(product=product, actor=None, enabled=False)
    assert queue_sweep_due_orders(now=NOON - dt.timedelta(hours=1)) == 0

    # when
    sales_settings_update(product=product, actor=None, enabled=True)

    # then: the rule is about when the order was received, not about the switch
    assert queue_sweep_due_orders(now=NOON) == 1
    assert QueueItem.objects.get().order_id == order.pk


def test_an_order_20_days_old_is_not_queued_and_one_13_days_old_is() -> None:
    # given: two unpaid orders of a product that fed the queue, created 20 and 13 days
    # before the sweep (grace 60 minutes, so both long past due)
    product = ProductFactory.create(on_sale=True, grace_period_minutes=60)
    old = OrderFactory.create(product=product, created_at=NOON - 20 * DAY)
    recent = OrderFactory.create(product=product, created_at=NOON - 13 * DAY)

    # when
    queued = queue_sweep_due_orders(now=NOON)

    # then
    assert queued == 1
    assert QueueItem.objects.get().order_id == recent.pk
    assert "not_queued_too_old" in kinds(old)
    assert "not_queued_too_old" not in kinds(recent)


def test_the_age_limit_is_exactly_14_days_from_creation() -> None:
    # 14 days to the second is still young enough; one second more is too old.
    product = ProductFactory.create(on_sale=True, grace_period_minutes=0)
    edge = OrderFactory.create(product=product, created_at=NOON - 14 * DAY)
    OrderFactory.create(product=product, created_at=NOON - 14 * DAY - dt.timedelta(seconds=1))

    assert queue_sweep_due_orders(now=NOON) == 1
    assert QueueItem.objects.get().order_id == edge.pk


def test_the_age_limit_is_a_setting(settings) -> None:
    settings.SALES_MAX_ORDER_AGE_DAYS = 30
    product = ProductFactory.create(on_sale=True)
    OrderFactory.create(product=product, created_at=NOON - 20 * DAY)

    assert queue_sweep_due_orders(now=NOON) == 1


def test_the_timeline_says_when_the_order_became_too_old(settings) -> None:
    # given: an order created on 1 November at 12:00 Moscow time, never queued
    created = dt.datetime(2026, 11, 1, 12, 0, tzinfo=MSK)
    order = OrderFactory.create(created_at=created)

    # when
    entries = order_timeline(partner=order.partner, order=order)

    # then: it turned too old 14 days later, on 15 November at 12:00
    too_old = [e for e in entries if e.kind == "not_queued_too_old"]
    assert [e.at for e in too_old] == [dt.datetime(2026, 11, 15, 12, 0, tzinfo=MSK)]
    assert "14" in too_old[0].label


def test_an_order_paid_before_it_turned_too_old_says_nothing_about_age() -> None:
    created = NOON - 20 * DAY
    order = OrderFactory.create(
        created_at=created,
        status=Order.Status.PAID,
        paid_at=created + 2 * DAY,
        paid_amount=Decimal("1000.00"),
    )

    assert "not_queued_too_old" not in kinds(order)


def test_a_queued_order_says_nothing_about_why_it_was_not_queued() -> None:
    product = ProductFactory.create(on_sale=True)
    order = OrderFactory.create(product=product, created_at=NOON - 2 * DAY)
    queue_sweep_due_orders(now=NOON)

    entries = kinds(order)

    assert not {"not_queued_inactive", "not_queued_too_old"} & set(entries)


def test_the_timeline_page_shows_the_reason_in_russian(client) -> None:
    owner = UserFactory.create(role="partner_owner")
    product = ProductFactory.create(partner=owner.partner)
    order = receive(product, "draft-1", now=timezone.now())
    client.force_login(owner)

    page = client.get(f"/cabinet/orders/{order.pk}/")

    assert page.status_code == 200
    assert "получен, когда отдел продаж был выключен" in page.content.decode()


@pytest.mark.postgres
def test_the_sweep_can_read_the_partial_index_over_the_last_14_days() -> None:
    # On a test's near-empty tables the planner would rightly scan sequentially; with that
    # priced out, what remains shows that the sweep's WHERE implies the index's predicate.
    select, _insert = sweep_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + select, sweep_params(now=NOON, batch_size=5000))
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "order_due_pending_idx" in plan
    assert "due_at >=" in plan  # the age limit bounds the index range, not only a filter
