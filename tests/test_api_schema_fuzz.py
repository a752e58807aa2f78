"""Schemathesis over the whole API schema, once with a partner's API key and once with the
head of sales' token: whatever a client sends, the answer is never a 5xx and is what the
schema (``/api/schema/``) says — a declared status code, content type, body and headers — and
what the schema calls invalid is refused.

Bounded and deterministic: ``MAX_EXAMPLES`` cases per operation, derandomized, no example
database; the requests go straight into the WSGI application, in the test's transaction.
Each operation is its own test with fresh data (:func:`world`), so what one operation changes
(an approval, a take, a deletion) cannot change the next one's answers.

A uuid in a path is aimed at a real object of the world in three cases out of four (chosen
by the generated value, so the same every run); the fourth stays random and must be a 404.

Not checked: ``positive_data_acceptance`` ("a schema-valid request is accepted"). Rules the
schema cannot state refuse schema-valid requests by design: an order's product must exist, a
slot must be in the future, a product's price above zero.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from partners.models import SalesStatus
from salesdesk.wsgi import application
from tests.accounts.factories import UserFactory
from tests.clients import partner_api, staff_api
from tests.crm.factories import ContactFactory, DealFactory, TaskFactory
from tests.crm.lead_factories import lead, lead_list
from tests.orders.factories import OrderFactory
from tests.partners.factories import (
    ProductFactory,
    call_started,
    product_in_status,
    slot_create,
)
from tests.sales_queue.factories import QueueItemFactory

MAX_EXAMPLES = 15

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

fuzz = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(db: Any) -> Iterator[dict[str, Any]]:
    """A partner with products in several states, orders, a queued item, a deal with its
    contact and task, a booked call and an open slot; the head of sales who approves them."""
    # The requests run in the test's transaction: Django must not close the connection at the
    # end of each request, as it does in production.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        head = UserFactory.create(role="head")
        product = ProductFactory.create(on_sale=True)
        partner = product.partner
        submitted = product_in_status(SalesStatus.SUBMITTED, partner=partner, head=head)
        booked = call_started(
            [product_in_status(SalesStatus.SUBMITTED, partner=partner, head=head)], head=head
        )
        order = OrderFactory.create(product=product)
        item = QueueItemFactory.create(order=OrderFactory.create(product=product, overdue=True))
        deal = DealFactory.create(product=product, queue_item=item, order=item.order)
        a_lead = lead(of=lead_list(product=product), external_id="crm-1")
        ids = {
            "/api/v1/alignment-slots/{id}/": slot_create(head=head, in_days=3).pk,
            "/api/v1/call-bookings/{id}/": booked.pk,
            "/api/v1/contacts/{contact_id}/": ContactFactory.create(partner=partner).pk,
            "/api/v1/deals/{id}/": deal.pk,
            "/api/v1/leads/{id}/": a_lead.pk,
            "/api/v1/lead-lists/{id}/": lead_list(product=product, name="Вебинар").pk,
            "/api/v1/orders/{order_id}/": order.pk,
            "/api/v1/partners/{id}/": partner.pk,
            "/api/v1/products/{id}/sales-department/": submitted.pk,
            "/api/v1/products/{id}/": product.pk,
            "/api/v1/queue/items/{item_id}/": item.pk,
            "/api/v1/tasks/{id}/": TaskFactory.create(deal=deal, assignee=deal.responsible).pk,
            "/api/v1/staff/{id}/": UserFactory.create(role="caller", is_trainee=True).pk,
        }
        yield {
            "partner": partner_api(partner),
            "head": staff_api(head),
            "ids": ids,
        }
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _aim_at_the_world(case: Any, ids: dict[str, Any]) -> None:
    """Point a generated uuid in the path at the world's object, three times out of four."""
    for name, value in (case.path_parameters or {}).items():
        try:
            uuid.UUID(str(value))
        except ValueError:
            continue  # a malformed id stays: it must be a 404
        if zlib.crc32(str(value).encode()) % 4 == 0:
            continue
        for prefix, pk in ids.items():
            if case.operation.path.startswith(prefix) and f"{{{name}}}" in prefix:
                case.path_parameters = {**case.path_parameters, name: str(pk)}
                break


def _call_and_validate(case: Any, world: dict[str, Any], caller: str) -> None:
    _aim_at_the_world(case, world["ids"])
    # Whatever credentials were generated, the caller's own are sent.
    authorization = world[caller]._credentials["HTTP_AUTHORIZATION"]
    case.headers = {**(case.headers or {}), "Authorization": authorization}
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@fuzz
def test_every_operation_answers_as_the_schema_says_to_a_partner_key(
    case: Any, world: dict[str, Any]
) -> None:
    _call_and_validate(case, world, "partner")


@schema.parametrize()
@fuzz
def test_every_operation_answers_as_the_schema_says_to_the_head_of_sales(
    case: Any, world: dict[str, Any]
) -> None:
    _call_and_validate(case, world, "head")


def test_every_operation_declares_the_401_an_anonymous_caller_gets(api_client: Any) -> None:
    operations = [
        (method, path)
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 40

    for method, path in operations:
        declared = schema.raw_schema["paths"][path][method]["responses"]
        url = path.replace("{month}", "2026-01")
        for name in ("id", "order_id", "contact_id", "item_id"):
            url = url.replace(f"{{{name}}}", str(uuid.uuid4()))

        response = getattr(api_client, method)(url, {} if method == "get" else None)

        assert response.status_code == 401, (method, path, response.content)
        assert response.json()["code"] == "not_authenticated"
        assert "401" in declared, (method, path)
