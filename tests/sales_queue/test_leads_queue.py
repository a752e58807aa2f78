"""Leads in the sales queue: a lead enters at once (no grace), leads and unpaid orders are taken
in one order of arrival, taking a lead opens its deal titled with the list's name, and a lead of
a product the sales department does not work is recorded but not queued."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.leads import lead_contact_clean
from crm.models import Deal, Lead
from sales_queue.models import QueueEvent, QueueItem
from sales_queue.services import queue_sweep_due_orders, queue_take_next
from sales_queue.services.leads import lead_submit
from tests.concurrency import failures, run_concurrently
from tests.crm.lead_factories import lead, lead_list
from tests.orders.factories import OrderFactory
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager

pytestmark = pytest.mark.django_db


def test_a_lead_enters_the_queue_at_once() -> None:
    # when
    got = lead(now=NOON)

    # then
    item = QueueItem.objects.get(lead=got)
    assert (item.source, item.state, item.order_id) == ("lead", "queued", None)
    assert item.available_at == NOON and item.entered_at == NOON
    assert item.events.filter(kind=QueueEvent.Kind.ENTERED).count() == 1


def test_a_lead_of_a_product_the_sales_department_does_not_work_is_kept_but_not_queued() -> None:
    off = lead_list(product=ProductFactory.create())  # switched off, in draft
    got = lead(of=off, now=NOON)
    assert Lead.objects.filter(pk=got.pk).exists()
    assert not QueueItem.objects.filter(lead=got).exists()


def test_taking_a_lead_opens_its_deal_titled_with_the_lists_name() -> None:
    # given
    made = lead_list(name="Вебинар по Python")
    got = lead(
        of=made, name="Ольга", phone="+79123456789", source="VK", now=NOON - dt.timedelta(minutes=3)
    )
    seller = manager()

    # when
    item = queue_take_next(manager=seller, now=NOON)

    # then
    assert item is not None and item.lead_id == got.pk
    deal = Deal.objects.get(queue_item=item)
    assert deal.title == "Вебинар по Python"
    assert deal.source == "VK"
    assert deal.order_id is None
    assert (deal.contact_id, deal.contact_name, deal.contact_phone) == (
        got.contact_id,
        "Ольга",
        "+79123456789",
    )
    assert deal.lead_created_at == NOON - dt.timedelta(minutes=3)
    assert deal.responsible_id == seller.pk


def test_a_lead_without_a_source_opens_a_deal_whose_channel_says_lead() -> None:
    lead(now=NOON)
    item = queue_take_next(manager=manager(), now=NOON)
    assert item is not None
    assert Deal.objects.get(queue_item=item).source in ("Заявка", "Lead")


def test_leads_and_unpaid_orders_are_taken_in_one_order_of_arrival() -> None:
    # given: one partner's order due 30 min ago, a lead 20 min ago, an order due 10 min ago
    product = ProductFactory.create(on_sale=True)
    made = lead_list(product=product)
    for minutes in (30, 10):
        OrderFactory.create(
            product=product,
            created_at=NOON - dt.timedelta(minutes=minutes + 60),
            due_at=NOON - dt.timedelta(minutes=minutes),
        )
    queue_sweep_due_orders(now=NOON - dt.timedelta(minutes=25))
    lead(of=made, now=NOON - dt.timedelta(minutes=20))
    queue_sweep_due_orders(now=NOON)

    # when
    seller = manager()
    taken = []
    for _ in range(3):
        item = queue_take_next(manager=seller, now=NOON)
        assert item is not None
        taken.append(item.source)
        QueueItem.objects.filter(pk=item.pk).update(state=QueueItem.State.DONE)

    # then
    assert taken == ["order", "lead", "order"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_external_id_make_one_lead_and_one_queue_item() -> None:
    # given
    made = lead_list()
    contact = lead_contact_clean(name="Ольга", phone="+79123456789")

    # when: 8 threads post the same lead at once
    def post() -> bool:
        return lead_submit(
            lead_list=made, contact=contact, origin="api", external_id="L-42", now=NOON
        ).created

    results = run_concurrently(*[post] * 8)

    # then
    assert not failures(results)
    assert results.count(True) == 1
    assert Lead.objects.filter(external_id="L-42").count() == 1
    assert QueueItem.objects.filter(source="lead").count() == 1
