"""The one-order answer of the intake, detail and event endpoints (``order_output``) is what
``OrderOutputSerializer`` gives, field for field, whatever state the order is in."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from billing.selectors import order_with_fee_get
from orders.models import Order
from tests.orders.factories import OrderFactory
from web.orders.serializers import OrderOutputSerializer, order_output

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"status": Order.Status.PAID, "paid_amount": Decimal("999.50")},
        {
            "status": Order.Status.PAID,
            "paid_amount": Decimal("1000"),
            "refunded_amount": Decimal("10.10"),
        },
        {"payment_url": "https://shop.example.com/pay/1", "source": "vk_ads"},
        {"customer_telegram": "@anna", "customer_whatsapp": "+79123456789"},
    ],
)
@pytest.mark.parametrize("fee", [None, Decimal("69"), Decimal("-12.345")])
def test_order_output_is_the_serializers_dict(fields: dict[str, object], fee: object) -> None:
    if "paid_amount" in fields:
        fields = {**fields, "paid_at": timezone.now() - dt.timedelta(minutes=5, microseconds=7)}
    order = OrderFactory.create(**fields)
    shown = order_with_fee_get(partner=order.partner, order_id=order.pk)
    shown.net_fee = fee  # type: ignore[attr-defined]

    expected = OrderOutputSerializer(shown).data
    assert order_output(shown) == expected
    assert json.loads(JSONRenderer().render(order_output(shown))) == json.loads(
        JSONRenderer().render(expected)
    )
    assert list(order_output(shown)) == list(expected)


def test_the_detail_endpoint_answers_as_the_list_does(partner_client) -> None:
    client, partner = partner_client()
    order = OrderFactory.create(partner=partner, product__partner=partner)

    (listed,) = client.get("/api/v1/orders/").json()["results"]
    assert client.get(f"/api/v1/orders/{order.pk}/").json() == listed
