"""The data migration links each paid order of the past to its own deal (the most recent one),
leaving unpaid orders and orders without a deal alone — on PostgreSQL and SQLite alike."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("orders", "0007_link_orders_to_contacts"),
    ("crm", "0010_task_kinds_next_step_and_field_changed"),
]
AFTER = [("orders", "0008_order_deal")]


@pytest.fixture
def old_apps() -> Any:
    """The apps as they were before the migration; the latest schema is restored after."""
    yield migrate(BEFORE)
    migrate(latest())


def test_paid_orders_are_linked_to_their_latest_deal(old_apps) -> None:
    # given orders of a partner: paid with two deals, refunded with one, unpaid with one, paid
    # without a deal
    Partner = old_apps.get_model("partners", "Partner")
    Product = old_apps.get_model("partners", "Product")
    Order = old_apps.get_model("orders", "Order")
    Deal = old_apps.get_model("crm", "Deal")
    User = old_apps.get_model("accounts", "User")
    partner = Partner.objects.create(name="Школа")
    product = Product.objects.create(partner=partner, name="Курс", price="1000.00")
    seller = User.objects.create(email="ivan@example.com", role="manager")
    start = timezone.now() - dt.timedelta(days=1)

    def order(name: str, status: str) -> Any:
        paid = {"paid_at": start, "paid_amount": "1000.00"} if status != "pending" else {}
        refunded = (
            {"refunded_amount": "1000.00", "refunded_at": start} if status == "refunded" else {}
        )
        return Order.objects.create(
            partner=partner,
            product=product,
            external_id=name,
            amount="1000.00",
            created_at=start - dt.timedelta(hours=1),
            due_at=start,
            customer_name="Анна",
            status=status,
            **paid,
            **refunded,
        )

    def deal(of: Any) -> Any:
        return Deal.objects.create(
            partner=partner, responsible=seller, order=of, title="Курс", lead_created_at=start
        )

    paid, refunded, pending = (
        order("paid", "paid"),
        order("refunded", "refunded"),
        order("pending", "pending"),
    )
    order("alone", "paid")
    latest = deal(paid)
    earlier = deal(paid)
    Deal.objects.filter(pk=earlier.pk).update(created_at=start - dt.timedelta(hours=1))
    refunded_deal = deal(refunded)
    deal(pending)

    # when the migration runs
    new_apps = migrate(AFTER)

    # then
    deal_of = {
        o.external_id: o.deal_id for o in new_apps.get_model("orders", "Order").objects.all()
    }
    assert deal_of == {
        "paid": latest.pk,
        "refunded": refunded_deal.pk,
        "pending": None,
        "alone": None,
    }
