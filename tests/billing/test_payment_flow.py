"""The fee end to end, through the storefront's API: an order is created, sits unpaid past its
grace period, the sweep queues it, the storefront reports the payment — and the order shows
its fee, the charges list has the one row, refunds bring the net fee down."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import LedgerEntry
from crm.models import Deal
from sales_queue.models import QueueEvent, QueueItem
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def storefront(partner_client: Any) -> tuple[Any, Any]:
    client, partner = partner_client()
    return client, ProductFactory.create(on_sale=True, partner=partner, grace_period_minutes=60)


def create_order(client: Any, product: Any, *, amount: str, minutes_ago: int) -> dict[str, Any]:
    created = timezone.now() - dt.timedelta(minutes=minutes_ago)
    response = client.post(
        "/api/v1/orders/",
        {
            "external_id": f"shop-{minutes_ago}-{amount}",
            "product": str(product.pk),
            "amount": amount,
            "currency": "RUB",
            "customer": {"name": "Пётр", "phone": "8 (912) 345-67-89"},
            "created_at": created.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def sweep() -> None:
    call_command("sweep_queue", stdout=StringIO())


def take(order: dict[str, Any]) -> None:
    """A manager takes the order's item now (work starts: from here a payment owes the fee)."""
    QueueItem.objects.filter(order_id=order["id"]).update(
        state="active", holder=manager(), taken_at=timezone.now()
    )


def test_an_order_paid_after_the_sales_department_took_it_owes_the_fee_once(storefront) -> None:
    client, product = storefront
    order = create_order(client, product, amount="1005.00", minutes_ago=90)
    sweep()
    assert client.get(f"/api/v1/orders/{order['id']}/").json()["sales_status"] == "queued"
    take(order)

    first = client.post(f"/api/v1/orders/{order['id']}/pay/", {}, format="json")
    again = client.post(f"/api/v1/orders/{order['id']}/pay/", {}, format="json")

    assert first.status_code == again.status_code == 200
    assert first.json()["fee"] == again.json()["fee"] == "69.35"
    assert first.json()["sales_status"] == "closed"
    charges = client.get("/api/v1/charges/", {"order": order["id"]}).json()
    rows = charges["results"] if isinstance(charges, dict) else charges
    assert [(row["kind"], row["amount"]) for row in rows] == [("fee", "69.35")]
    item = QueueItem.objects.get(order_id=order["id"])
    assert (item.state, item.outcome) == ("done", "won")
    assert QueueEvent.objects.filter(item=item, kind="closed").count() == 1


def test_a_payment_made_within_the_grace_period_owes_nothing_even_when_reported_late(
    storefront,
) -> None:
    client, product = storefront
    order = create_order(client, product, amount="5000.00", minutes_ago=120)
    sweep()
    paid_at = timezone.now() - dt.timedelta(minutes=90)  # 30 min after creation, before due

    paid = client.post(
        f"/api/v1/orders/{order['id']}/pay/", {"paid_at": paid_at.isoformat()}, format="json"
    ).json()

    assert paid["fee"] is None
    assert not LedgerEntry.objects.filter(order_id=order["id"]).exists()
    assert QueueItem.objects.get(order_id=order["id"]).state == "withdrawn"


def test_an_order_paid_before_it_was_due_never_reaches_the_sales_department(storefront) -> None:
    client, product = storefront
    order = create_order(client, product, amount="5000.00", minutes_ago=10)

    paid = client.post(f"/api/v1/orders/{order['id']}/pay/", {}, format="json").json()
    sweep()

    assert (paid["fee"], paid["sales_status"]) == (None, "none")
    assert not QueueItem.objects.filter(order_id=order["id"]).exists()


def test_refunds_bring_the_net_fee_to_the_fee_on_what_was_kept(storefront) -> None:
    client, product = storefront
    order = create_order(client, product, amount="20000.00", minutes_ago=90)
    sweep()
    take(order)
    client.post(f"/api/v1/orders/{order['id']}/pay/", {}, format="json")

    partial = client.post(
        f"/api/v1/orders/{order['id']}/refund/", {"amount": "15000.00"}, format="json"
    ).json()
    # 6.9% of the 5000.00 kept
    assert partial["fee"] == "345.00"

    full = client.post(f"/api/v1/orders/{order['id']}/refund/", {}, format="json").json()
    assert full["status"] == "refunded"
    assert full["fee"] == "0.00"
    kinds = list(
        LedgerEntry.objects.filter(order_id=order["id"])
        .order_by("created_at", "id")
        .values_list("kind", "amount")
    )
    assert kinds == [
        ("fee", Decimal("1380.00")),
        ("reversal", Decimal("-1035.00")),
        ("reversal", Decimal("-345.00")),
    ]


def test_a_cancelled_order_leaves_the_queue_and_its_deal_is_withdrawn(
    storefront, staff_client: Any
) -> None:
    client, product = storefront
    order = create_order(client, product, amount="3000.00", minutes_ago=90)
    sweep()
    _api, manager = staff_client(role="manager")
    item = QueueItem.objects.get(order_id=order["id"])
    QueueItem.objects.filter(pk=item.pk).update(
        state="active", holder=manager, taken_at=timezone.now()
    )
    Deal.objects.create(
        partner=product.partner,
        responsible=manager,
        queue_item=item,
        title="x",
        lead_created_at=timezone.now(),
    )

    cancelled = client.post(f"/api/v1/orders/{order['id']}/cancel/", {}, format="json").json()

    assert (cancelled["status"], cancelled["fee"]) == ("cancelled", None)
    item.refresh_from_db()
    assert (item.state, item.holder_id) == ("withdrawn", manager.pk)
    assert Deal.objects.get(queue_item=item).status == "withdrawn"
    event = QueueEvent.objects.get(item=item, kind="closed")
    assert event.manager_id == manager.pk
    # the manager is free to take the next order
    assert not QueueItem.objects.filter(holder=manager, state="active").exists()
