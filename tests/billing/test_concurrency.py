"""Real threads against PostgreSQL: duplicate, simultaneous payment and refund events still
leave exactly one fee and one reversal."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.services import api_key_create
from billing.models import LedgerEntry
from billing.services import fee_record_payment, fee_record_refund
from orders.models import Order
from tests.billing.factories import enter_sales_department, mark_refunded
from tests.concurrency import failures, run_concurrently
from tests.orders.factories import OrderFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EVENTS = 100
# PostgreSQL's default max_connections is 100 and the suite's main connection (and other test
# runs on the same server) hold some: at most this many events hit the database at once.
CONNECTIONS = 20


def test_100_simultaneous_payment_events_charge_one_fee() -> None:
    # given: an order the sales department handled, still unpaid
    order = OrderFactory.create(overdue=True, amount=Decimal("1005.00"))
    enter_sales_department(order)
    paid_at = order.due_at + (order.due_at - order.created_at) / 4
    _key, raw = api_key_create(partner=order.partner)
    statuses: list[int] = []

    def payment_event() -> None:
        # The storefront's duplicate webhooks, all at once, through the API.
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        response = client.post(
            f"/api/v1/orders/{order.pk}/pay/",
            {"paid_at": paid_at.isoformat(), "amount": "1005.00"},
            format="json",
        )
        statuses.append(response.status_code)

    # when
    errors = failures(run_concurrently(*[payment_event] * EVENTS, max_parallel=CONNECTIONS))

    # then: every event is answered 200 (a duplicate is a success), one fee row
    assert errors == []
    assert statuses == [200] * EVENTS
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    fees = list(LedgerEntry.objects.filter(order=order).values_list("kind", "amount"))
    assert fees == [("fee", Decimal("69.35"))]


def test_100_simultaneous_charges_of_a_paid_order_write_one_fee_row() -> None:
    order = OrderFactory.create(overdue=True)
    enter_sales_department(order)
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.PAID,
        paid_at=order.due_at + (order.due_at - order.created_at),
        paid_amount=order.amount,
    )

    errors = failures(
        run_concurrently(
            *[lambda: fee_record_payment(order=order)] * EVENTS, max_parallel=CONNECTIONS
        )
    )

    assert errors == []
    assert LedgerEntry.objects.filter(order=order).count() == 1


def test_simultaneous_refund_events_write_one_reversal() -> None:
    order = OrderFactory.create(overdue=True, amount=Decimal("20000.00"))
    enter_sales_department(order)
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.PAID,
        paid_at=order.due_at + (order.due_at - order.created_at),
        paid_amount=order.amount,
    )
    order.refresh_from_db()
    fee_record_payment(order=order)
    order = mark_refunded(order, "15000.00")

    errors = failures(
        run_concurrently(
            *[lambda: fee_record_refund(order=order)] * EVENTS, max_parallel=CONNECTIONS
        )
    )

    assert errors == []
    assert sorted(LedgerEntry.objects.filter(order=order).values_list("kind", "amount")) == [
        ("fee", Decimal("1380.00")),
        ("reversal", Decimal("-1035.00")),
    ]
