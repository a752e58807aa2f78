"""The database connection dropped (issue 14, "Faults"): the request whose connection dies
mid-transaction gets a clean JSON 500, nothing of it is left half-written, and the next request
works.

The shipped web setup (gunicorn, uvicorn worker, ``DEBUG`` off) on the test database; the test
decides where the request stops: it holds an uncommitted order with the same external id, so
the request's ``INSERT`` waits on it after the request has written the buyer's contact, and
then ends that backend with ``pg_terminate_backend``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.db import connection

from crm.models import Contact
from orders.models import Order
from tests.accounts.factories import ApiKeyFactory
from tests.partners.factories import ProductFactory
from tests.processes import (
    http_request,
    shared_database_url,
    stop_group,
    subprocess_env,
    wait_for,
    web_server,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EXTERNAL_ID = "dropped-1"


def _order_body(product: Any) -> dict[str, Any]:
    return {
        "external_id": EXTERNAL_ID,
        "product": str(product.pk),
        "amount": "1000.00",
        "currency": "RUB",
        "customer": {"name": "Анна Смирнова", "phone": "+79123456789"},
    }


def _hold_the_external_id(blocker: Any, product: Any) -> None:
    """An uncommitted order of the same partner and external id in another session: the
    request's INSERT waits on its unique index until that session ends."""
    with blocker.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_order
                (id, partner_id, product_id, external_id, amount, currency, customer_name,
                 customer_email, customer_phone, customer_telegram, customer_whatsapp,
                 created_at, received_at, due_at, status, refunded_amount, intake_payload,
                 sales_active_at_intake)
            VALUES (gen_random_uuid(), %s, %s, %s, 1000.00, 'RUB', 'Held', '', '', '', '',
                    now(), now(), now(), 'pending', 0, '{}'::jsonb, false)
            """,
            [str(product.partner_id), str(product.pk), EXTERNAL_ID],
        )


def _waiting_inserts() -> list[int]:
    """The backends whose ``INSERT`` into the orders waits on a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pid FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'
               AND query ILIKE '%%INSERT INTO%%orders_order%%'
            """
        )
        return [row[0] for row in cursor.fetchall()]


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_dropped_mid_request_is_a_clean_json_500_and_the_next_request_works(
    tmp_path: Path,
) -> None:
    # given: a storefront's key and product, and the web server
    product = ProductFactory.create(on_sale=True)
    _key, raw = ApiKeyFactory.issue(partner=product.partner)
    auth = {"Authorization": f"Bearer {raw}"}
    web, port = web_server(subprocess_env(redis_url=None, var_dir=tmp_path), tmp_path / "web.log")
    blocker = psycopg2.connect(shared_database_url())
    try:
        _hold_the_external_id(blocker, product)
        answers: list[tuple[int, Any]] = []
        request = threading.Thread(
            target=lambda: answers.append(
                http_request(port, "POST", "/api/v1/orders/", _order_body(product), auth)
            )
        )

        # when: the order's INSERT waits (the contact already written), and its backend dies
        request.start()
        waiting = wait_for(_waiting_inserts, what="the request's INSERT to wait")
        _terminate(waiting[0])
        blocker.rollback()
        request.join(timeout=60)

        # then: a clean JSON 500, and nothing of the request was written
        assert answers and answers[0][0] == 500, answers
        status, body = answers[0]
        assert set(body) == {"code", "message", "details"} and body["code"] == "server_error"
        assert not Order.objects.filter(partner=product.partner).exists()
        assert not Contact.objects.filter(partner=product.partner).exists()

        # when: the storefront sends the order again
        status, created = http_request(port, "POST", "/api/v1/orders/", _order_body(product), auth)

        # then: it is taken whole, once
        assert status == 201, created
        assert Order.objects.filter(partner=product.partner).count() == 1
        assert Contact.objects.filter(partner=product.partner).count() == 1

        status, read = http_request(port, "GET", f"/api/v1/orders/{created['id']}/", None, auth)
        assert status == 200 and read["external_id"] == EXTERNAL_ID, read
    finally:
        blocker.close()
        stop_group(web)
