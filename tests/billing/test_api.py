"""GET /api/v1/charges/ and /api/v1/statements/{YYYY-MM}/(csv/): partner keys only, each
partner sees only its own rows; bad input is a clear 4xx."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest

from billing.models import LedgerEntry
from billing.months import current_month, format_month, month_bounds, next_month, previous_month
from billing.services import fee_record_payment, fee_record_refund, statements_close_month
from tests.billing.factories import handled_paid_order, mark_refunded

pytestmark = pytest.mark.django_db

THIS_MONTH = format_month(current_month())


def charged(partner, amount: str = "1000.00", **kwargs):
    order = handled_paid_order(partner=partner, amount=amount, **kwargs)
    fee_record_payment(order=order)
    return order


# --- charges ---------------------------------------------------------------------------------


def test_charges_list_the_partners_rows_with_negative_reversals(partner_client) -> None:
    client, partner = partner_client()
    order = charged(partner, "20000.00")
    fee_record_refund(order=mark_refunded(order, "15000.00"))

    response = client.get("/api/v1/charges/", {"order": str(order.pk)})

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"results", "next"}
    assert sorted((r["kind"], r["amount"]) for r in body["results"]) == [
        ("fee", "1380.00"),
        ("reversal", "-1035.00"),
    ]
    assert all(set(r) == {"order", "kind", "amount", "created_at"} for r in body["results"])
    assert {r["order"] for r in body["results"]} == {str(order.pk)}


def test_charges_filter_by_order_and_kind(partner_client) -> None:
    client, partner = partner_client()
    first = charged(partner)
    second = charged(partner, "2000.00")
    fee_record_refund(order=mark_refunded(second, "2000.00"))

    by_order = client.get("/api/v1/charges/", {"order": str(first.pk)}).json()["results"]
    by_kind = client.get("/api/v1/charges/", {"kind": "reversal"}).json()["results"]

    assert [r["amount"] for r in by_order] == ["69.00"]
    assert [(r["order"], r["amount"]) for r in by_kind] == [(str(second.pk), "-138.00")]


def test_charges_page_with_a_cursor(partner_client) -> None:
    client, partner = partner_client()
    for _ in range(3):
        charged(partner)

    first = client.get("/api/v1/charges/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert second["next"] is None


def test_a_second_partner_sees_none_of_the_first_partners_charges(partner_client) -> None:
    _client, victim = partner_client()
    order = charged(victim)
    client, _other = partner_client()

    assert client.get("/api/v1/charges/").json()["results"] == []
    assert client.get("/api/v1/charges/", {"order": str(order.pk)}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"order": "not-a-uuid"}, "order"),
        ({"kind": "bonus"}, "kind"),
        ({"month": "2026-13"}, "month"),
        ({"oder": str(uuid.uuid4())}, "oder"),
    ],
)
def test_bad_charge_filters_are_a_400(partner_client, params, field) -> None:
    client, partner = partner_client()
    charged(partner)

    response = client.get("/api/v1/charges/", params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and field in body["details"]


def test_staff_get_403_on_charges_and_statements(staff_client) -> None:
    client, _user = staff_client(role="head")

    for url in (
        "/api/v1/charges/",
        f"/api/v1/statements/{THIS_MONTH}/",
        f"/api/v1/statements/{THIS_MONTH}/csv/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("ask_for_csv", [{"format": "csv"}, {"HTTP_ACCEPT": "text/csv"}])
def test_an_error_of_the_csv_statement_is_json_even_when_csv_was_asked_for(
    partner_client, staff_client, ask_for_csv
) -> None:
    partner, _partner = partner_client()
    head, _head = staff_client(role="head")
    query = {k: v for k, v in ask_for_csv.items() if k == "format"}
    headers = {k: v for k, v in ask_for_csv.items() if k != "format"}

    refused = head.get(f"/api/v1/statements/{THIS_MONTH}/csv/", query, **headers)
    malformed = partner.get("/api/v1/statements/2026-13/csv/", query, **headers)

    assert refused.status_code == 403 and refused["Content-Type"] == "application/json"
    assert refused.json()["code"] == "permission_denied"
    assert malformed.status_code == 400 and malformed["Content-Type"] == "application/json"
    assert malformed.json()["code"] == "invalid_month"


def test_anonymous_get_401(api_client) -> None:
    assert api_client.get("/api/v1/charges/").status_code == 401


# --- statements ------------------------------------------------------------------------------


def test_the_current_month_shows_live_totals(partner_client) -> None:
    client, partner = partner_client()
    order = charged(partner, "20000.00")
    charged(partner, "500.00")
    fee_record_refund(order=mark_refunded(order, "15000.00"))

    response = client.get(f"/api/v1/statements/{THIS_MONTH}/")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "month": THIS_MONTH,
        "orders_handled": 2,
        "paid": "20500.00",
        "fees": "1440.00",
        "reversals": "-1035.00",
        "adjustments": "0.00",
        "total": "405.00",
        "closed": False,
    }


def test_a_closed_month_shows_its_frozen_statement(partner_client) -> None:
    client, partner = partner_client()
    last = previous_month(current_month())
    moment = month_bounds(last)[0] + dt.timedelta(days=3)
    order = handled_paid_order(
        partner=partner,
        paid_at=moment,
        created_at=moment - dt.timedelta(hours=2),
        due_at=moment - dt.timedelta(hours=1),
    )
    fee = fee_record_payment(order=order)
    assert fee is not None
    LedgerEntry.objects.filter(pk=fee.pk).update(created_at=moment)
    statements_close_month(month=last)

    body = client.get(f"/api/v1/statements/{format_month(last)}/").json()

    assert (body["closed"], body["fees"], body["total"], body["orders_handled"]) == (
        True,
        "69.00",
        "69.00",
        1,
    )


@pytest.mark.parametrize("month", ["2026-1", "2026-13", "202611", "november", "2026-00"])
def test_a_wrong_month_format_is_a_400(partner_client, month) -> None:
    client, _partner = partner_client()

    response = client.get(f"/api/v1/statements/{month}/")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_month"


def test_a_future_month_is_a_400(partner_client) -> None:
    client, _partner = partner_client()
    future = format_month(next_month(current_month()))

    for url in (f"/api/v1/statements/{future}/", f"/api/v1/statements/{future}/csv/"):
        response = client.get(url)
        assert response.status_code == 400
        assert response.json()["code"] == "future_month"


def test_a_month_before_billing_began_is_a_400(partner_client) -> None:
    client, _partner = partner_client()

    response = client.get("/api/v1/statements/1999-12/")

    assert response.status_code == 400
    assert response.json()["code"] == "month_out_of_range"


def test_a_second_partner_gets_an_empty_statement(partner_client) -> None:
    _client, victim = partner_client()
    charged(victim)
    client, _other = partner_client()

    body = client.get(f"/api/v1/statements/{THIS_MONTH}/").json()
    csv_rows = list(
        csv.reader(
            io.StringIO(client.get(f"/api/v1/statements/{THIS_MONTH}/csv/").content.decode())
        )
    )

    assert (body["orders_handled"], body["total"]) == (0, "0.00")
    assert len(csv_rows) == 1  # the header only


def test_the_statement_csv_lists_the_months_rows(partner_client) -> None:
    client, partner = partner_client()
    order = charged(partner, "20000.00", external_id="=HYPERLINK(1)")
    fee_record_refund(order=mark_refunded(order, "15000.00"))

    response = client.get(f"/api/v1/statements/{THIS_MONTH}/csv/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"statement-{THIS_MONTH}.csv" in response["Content-Disposition"]
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == ["created_at", "order", "order_external_id", "kind", "amount", "computed_on"]
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        (str(order.pk), "'=HYPERLINK(1)", "fee", "1380.00", "20000.00"),
        (str(order.pk), "'=HYPERLINK(1)", "reversal", "-1035.00", "5000.00"),
    ]
    assert sum(Decimal(r[4]) for r in rows) == Decimal(
        client.get(f"/api/v1/statements/{THIS_MONTH}/").json()["total"]
    )


def test_the_csv_can_be_asked_for_as_text_csv(partner_client) -> None:
    client, partner = partner_client()
    charged(partner)

    response = client.get(f"/api/v1/statements/{THIS_MONTH}/csv/", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response.content.decode().count("\r\n") == 2


def test_the_schema_documents_the_billing_endpoints(client) -> None:
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    assert {
        "/api/v1/charges/",
        "/api/v1/statements/{month}/",
        "/api/v1/statements/{month}/csv/",
    } <= set(paths)
