"""Property-based fuzzing of the orders API from its own OpenAPI schema: whatever a storefront
sends, the answer is never a 5xx. Deterministic (derandomized), bounded, no network: the
requests go straight into the WSGI application."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from accounts.services import api_key_create
from salesdesk.wsgi import application
from tests.orders.factories import OrderFactory
from tests.partners.factories import PartnerFactory, ProductFactory

MAX_EXAMPLES = 30


@pytest.fixture
def orders_schema(db: Any) -> Iterator[Any]:
    # The test's transaction holds the data the requests read: Django must not close the
    # connection at the end of each request, as it does in production.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def storefront(db: Any) -> dict[str, Any]:
    partner = PartnerFactory.create()
    _key, raw = api_key_create(partner=partner)
    product = ProductFactory.create(on_sale=True, partner=partner, external_id="course-1")
    order = OrderFactory.create(product=product)
    return {"key": raw, "order": order}


schema = schemathesis.pytest.from_fixture("orders_schema").include(path_regex=r"^/api/v1/orders/")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_orders_api_never_answers_with_a_server_error(case: Any, storefront: Any) -> None:
    if "order_id" in (case.path_parameters or {}):
        # Aim at a real order of this partner, so pay/cancel/refund bodies reach the services.
        case.path_parameters = {**case.path_parameters, "order_id": str(storefront["order"].pk)}

    # The generated (usually invalid) credentials are replaced: the fuzzing is of the orders
    # endpoints themselves, with a valid partner key.
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {storefront['key']}"}

    response = case.call()

    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text)
    assert isinstance(response.json(), dict)
