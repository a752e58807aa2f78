"""The partner's report "what the sales department brought": every figure of a crafted world
(tests/stats/partner_report_world.py) computed by hand, the API's shape and refusals, the
agreement with billing's statements, and the second partner who sees none of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from billing.models import LedgerEntry
from billing.months import format_month
from billing.selectors import statement_for_month
from billing.services import order_pay
from stats.partner_report import Figures, partner_sales_report, report_period
from stats.periods import Period
from tests.orders.factories import OrderFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import MSK, QueueItemFactory, manager
from tests.stats import partner_report_world as world_module
from tests.stats.partner_report_world import OCTOBER, PYTHON, SEPTEMBER, SQL, World

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/sales-department/"
SEPT = {"date_from": "2025-09-01", "date_to": "2025-09-30"}
CONTRACT_KEYS = {
    "orders",
    "paid_in_grace",
    "sent_to_sales",
    "taken",
    "won",
    "revenue_recovered",
    "fees",
}


@pytest.fixture
def world() -> World:
    return world_module.build()


def figures(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in SEPTEMBER}


def as_api(f: Figures) -> dict[str, Any]:
    share = f.share_recovered
    return {
        **{name: getattr(f, name) for name in SEPTEMBER if name not in ("share_recovered",)},
        "revenue_recovered": f"{f.revenue_recovered:.2f}",
        "fees": f"{f.fees:.2f}",
        "share_recovered": None if share is None else f"{share:.1f}",
    }


def september() -> Period:
    return Period("range", dt.date(2025, 9, 1), dt.date(2025, 9, 30))


# --- the selector ----------------------------------------------------------------------------


def test_the_september_totals_are_the_hand_worked_ones(world: World) -> None:
    report = partner_sales_report(partner=world.partner, period=september())

    assert as_api(report.totals) == SEPTEMBER


def test_per_product_figures_are_the_hand_worked_ones(world: World) -> None:
    report = partner_sales_report(partner=world.partner, period=september())

    # sorted by name: «Курс Python» before «Курс SQL»
    assert [p.name for p in report.products] == ["Курс Python", "Курс SQL"]
    assert [p.product_id for p in report.products] == [world.python.pk, world.sql.pk]
    assert as_api(report.products[0].figures) == PYTHON
    assert as_api(report.products[1].figures) == SQL


def test_every_month_of_the_period_has_a_row_and_they_add_up(world: World) -> None:
    period = Period("range", dt.date(2025, 8, 15), dt.date(2025, 10, 31))

    report = partner_sales_report(partner=world.partner, period=period)

    # August has nothing (a row of zeros), September and October as worked by hand
    assert [m.month for m in report.months] == [
        dt.date(2025, 8, 1),
        dt.date(2025, 9, 1),
        dt.date(2025, 10, 1),
    ]
    assert report.months[0].figures == Figures()
    assert report.months[0].figures.share_recovered is None
    assert as_api(report.months[1].figures) == SEPTEMBER
    assert as_api(report.months[2].figures) == OCTOBER
    # both months: 10 orders, 8 sent, 5 won → 62.5 %; 9 005 + 1 000 kept; 621.35 + 69.00 fees
    total = as_api(report.totals)
    assert (total["orders"], total["sent_to_sales"], total["won"]) == (10, 8, 5)
    assert total["share_recovered"] == "62.5"
    assert (total["revenue_recovered"], total["fees"]) == ("10005.00", "690.35")


def test_the_fees_agree_with_the_statement_of_a_month_of_its_own_orders(world: World) -> None:
    # September's ledger rows are all of September's orders (dated at their payments and
    # refunds in September): the statement's total is the report's fees.
    report = partner_sales_report(partner=world.partner, period=september())
    statement = statement_for_month(partner=world.partner, month=dt.date(2025, 9, 1))

    assert statement.total == report.totals.fees == Decimal("621.35")
    # 69.35 + 207.00 + 1380.00 + 60.00 charged, −1035.00 − 60.00 reversed
    assert statement.fees == Decimal("1716.35")
    assert statement.reversals == Decimal("-1095.00")
    october = statement_for_month(partner=world.partner, month=dt.date(2025, 10, 1))
    assert october.total == Decimal("69.00")


def test_an_order_of_the_31st_paid_on_the_1st_is_in_the_cohort_month_not_the_statement() -> None:
    # given an order created 30 September 23:30 Moscow (20:30 UTC), due 00:30 on 1 October,
    # taken at 00:35 and paid at 01:30 on 1 October: fee 69.00 written on 1 October
    product = ProductFactory.create(on_sale=True, grace_period_minutes=60)
    order = OrderFactory.create(
        product=product, created_at=dt.datetime(2025, 9, 30, 23, 30, tzinfo=MSK)
    )
    QueueItemFactory.create(
        order=order,
        state="active",
        holder=manager(),
        taken_at=order.due_at + dt.timedelta(minutes=5),
    )
    paid = order_pay(order=order, paid_at=order.due_at + dt.timedelta(hours=1))
    LedgerEntry.objects.filter(order=order).update(created_at=paid.paid_at)
    partner = product.partner

    # then the report puts it in September (its creation), the statements in October
    sept = partner_sales_report(partner=partner, period=september())
    octo = partner_sales_report(
        partner=partner, period=Period("range", dt.date(2025, 10, 1), dt.date(2025, 10, 31))
    )
    assert (sept.totals.orders, sept.totals.won, sept.totals.fees) == (1, 1, Decimal("69.00"))
    assert (octo.totals.orders, octo.totals.fees) == (0, Decimal("0.00"))
    assert statement_for_month(partner=partner, month=dt.date(2025, 9, 1)).total == Decimal("0.00")
    assert statement_for_month(partner=partner, month=dt.date(2025, 10, 1)).total == Decimal(
        "69.00"
    )


def test_the_report_is_one_query(world: World, django_assert_num_queries: Any) -> None:
    period = Period("range", dt.date(2025, 1, 1), dt.date(2025, 12, 31))

    with django_assert_num_queries(1):
        partner_sales_report(partner=world.partner, period=period)


def test_an_empty_period_is_all_zeros_and_no_share() -> None:
    report = partner_sales_report(partner=PartnerFactory.create(), period=september())

    assert report.totals == Figures()
    assert report.totals.share_recovered is None
    assert report.products == []
    assert [m.month for m in report.months] == [dt.date(2025, 9, 1)]


def test_with_no_dates_the_period_is_this_month_and_the_eleven_before() -> None:
    now = dt.datetime(2026, 3, 10, 1, 0, tzinfo=MSK)

    period = report_period({}, now=now)

    assert (period.first, period.last) == (dt.date(2025, 4, 1), dt.date(2026, 3, 10))
    assert report_period({"period": "12m"}, now=now) == period
    assert report_period({"period": "month"}, now=now).first == dt.date(2026, 3, 1)


# --- the API ---------------------------------------------------------------------------------


def test_the_api_answers_the_contract_keys_and_the_breakdowns(world: World, partner_client) -> None:
    client, _partner = partner_client(world.partner)

    response = client.get(URL, SEPT)

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= CONTRACT_KEYS
    assert figures(body) == SEPTEMBER
    assert (body["date_from"], body["date_to"]) == ("2025-09-01", "2025-09-30")
    assert [(p["product"], p["name"]) for p in body["products"]] == [
        (str(world.python.pk), "Курс Python"),
        (str(world.sql.pk), "Курс SQL"),
    ]
    assert figures(body["products"][0]) == PYTHON
    assert figures(body["products"][1]) == SQL
    assert [m["month"] for m in body["months"]] == ["2025-09"]
    assert figures(body["months"][0]) == SEPTEMBER


def test_the_api_with_no_dates_covers_twelve_months(partner_client) -> None:
    client, _partner = partner_client()

    body = client.get(URL).json()

    first = dt.date.fromisoformat(body["date_from"])
    last = dt.date.fromisoformat(body["date_to"])
    assert first.day == 1
    assert len(body["months"]) == 12
    assert body["months"][-1]["month"] == format_month(last)
    assert body["share_recovered"] is None
    assert body["orders"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2025-13-01", "date_to": "2025-12-31"}, "date_from"),
        ({"date_from": "2025-09-01", "date_to": "yesterday"}, "date_to"),
        ({"date_from": "2025-09-30", "date_to": "2025-09-01"}, "date_to"),
        ({"date_from": "2020-01-01", "date_to": "2025-09-01"}, "date_from"),
        ({"period": "decade"}, "period"),
    ],
)
def test_bad_dates_are_a_400_naming_the_field(partner_client, params, field) -> None:
    client, _partner = partner_client()

    response = client.get(URL, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["details"]


@pytest.mark.parametrize("role", ["manager", "head", "qa"])
def test_staff_tokens_are_refused(staff_client, role) -> None:
    client, _user = staff_client(role=role)

    response = client.get(URL, SEPT)

    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "details"}


def test_anonymous_is_refused(api_client) -> None:
    assert api_client.get(URL, SEPT).status_code in (401, 403)


def test_a_second_partner_sees_none_of_the_firsts_numbers(world: World, partner_client) -> None:
    client, _partner = partner_client(world.other_partner)

    body = client.get(URL, SEPT).json()

    # the other partner's one order: sent, taken, won, 1 000.00 kept, fee 69.00
    assert (body["orders"], body["sent_to_sales"], body["won"]) == (1, 1, 1)
    assert (body["revenue_recovered"], body["fees"]) == ("1000.00", "69.00")
    names = {p["name"] for p in body["products"]}
    assert not names & {"Курс Python", "Курс SQL"}


def test_the_api_query_count_is_bounded(
    world: World, partner_client, django_assert_max_num_queries
) -> None:
    client, _partner = partner_client(world.partner)

    with django_assert_max_num_queries(4):
        response = client.get(URL, {"date_from": "2025-01-01", "date_to": "2025-12-31"})

    assert response.status_code == 200
