"""The head's signals of under-reported payments, per partner and Moscow month: a hand-built
March 2026 with every number worked out below. Grace 60 minutes, every order 1000.00."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from billing.selectors import LATE_REPORT_AFTER, head_under_reporting
from billing.services import order_pay, order_refund
from orders.models import Order
from partners.models import Partner
from sales_queue.models import QueueItem
from salesdesk.timezones import MOSCOW
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import QueueItemFactory, manager

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=MOSCOW)
DUE = T0 + dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``with at(moment): ...`` — billing's clock reads ``moment`` (ledger rows, records)."""
    real_now = timezone.now

    @contextmanager
    def freeze(moment: dt.datetime) -> Iterator[None]:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        try:
            yield
        finally:
            monkeypatch.setattr(timezone, "now", real_now)

    return freeze


def an_order(partner: Partner, *, taken: bool) -> Order:
    product = ProductFactory.create(partner=partner, on_sale=True, grace_period_minutes=60)
    order = OrderFactory.create(
        product=product, amount=Decimal("1000.00"), created_at=T0, due_at=DUE
    )
    if taken:
        QueueItemFactory.create(
            order=order, state="active", holder=manager(), taken_at=DUE + 10 * MIN
        )
    else:
        QueueItemFactory.create(order=order)
    return order


def pay(
    at: Any, order: Order, *, paid_at: dt.datetime, recorded_at: dt.datetime, amount: str = ""
) -> Order:
    with at(recorded_at):
        return order_pay(
            order=order,
            paid_at=paid_at,
            amount=Decimal(amount) if amount else None,
            now=recorded_at,
        )


@pytest.fixture
def march(at: Any) -> tuple[Partner, Partner]:
    school = PartnerFactory.create(name="Школа А")
    # 1. worked, paid at due + 30 min, reported a minute later: charged 69.00
    pay(at, an_order(school, taken=True), paid_at=DUE + 30 * MIN, recorded_at=DUE + 31 * MIN)
    # 2. worked, "paid" 5 min before due_at, reported two days later: late while worked
    pay(
        at,
        an_order(school, taken=True),
        paid_at=DUE - 5 * MIN,
        recorded_at=DUE + dt.timedelta(days=2),
    )
    # 3. untaken, paid 500.00 of 1000.00: below the order amount
    pay(
        at,
        an_order(school, taken=False),
        paid_at=DUE + 30 * MIN,
        recorded_at=DUE + 30 * MIN,
        amount="500.00",
    )
    # 4. worked, paid 0.01 of 1000.00 (charged 69.00 on 1000.00), then refunded on 10 March
    charged = pay(
        at,
        an_order(school, taken=True),
        paid_at=DUE + 30 * MIN,
        recorded_at=DUE + 31 * MIN,
        amount="0.01",
    )
    refunded_at = dt.datetime(2026, 3, 10, 12, 0, tzinfo=MOSCOW)
    with at(refunded_at):
        order_refund(order=charged, now=refunded_at)
    # 5. untaken, reported three days late: late, but nobody was working it — no signal
    pay(
        at,
        an_order(school, taken=False),
        paid_at=DUE + 30 * MIN,
        recorded_at=DUE + dt.timedelta(days=3),
    )
    shop = PartnerFactory.create(name="Магазин Б")
    pay(at, an_order(shop, taken=True), paid_at=DUE + 30 * MIN, recorded_at=DUE + 31 * MIN)
    return school, shop


def test_late_reporting_means_more_than_24_hours() -> None:
    assert dt.timedelta(hours=24) == LATE_REPORT_AFTER


@pytest.mark.usefixtures("march")
def test_the_signals_are_counted_per_partner_and_month() -> None:
    rows = {(r.partner.name, r.month): r for r in head_under_reporting(year=2026)}

    assert set(rows) == {("Магазин Б", dt.date(2026, 3, 1)), ("Школа А", dt.date(2026, 3, 1))}
    a = rows[("Школа А", dt.date(2026, 3, 1))]
    # 5 payments; 1 late while worked (1/5 = 20.0 %); 2 below the amount (40.0 %);
    # 2 charged (orders 1 and 4), 1 of them refunded (50.0 %)
    assert (a.payments, a.late_while_worked, a.below_amount, a.charged, a.refunded_charged) == (
        5,
        1,
        2,
        2,
        1,
    )
    assert (a.late_share, a.below_share, a.refunded_share) == (
        Decimal("20.0"),
        Decimal("40.0"),
        Decimal("50.0"),
    )
    b = rows[("Магазин Б", dt.date(2026, 3, 1))]
    assert (b.payments, b.late_while_worked, b.below_amount, b.charged, b.refunded_charged) == (
        1,
        0,
        0,
        1,
        0,
    )
    assert b.refunded_share == Decimal("0.0")
    assert head_under_reporting(year=2025) == []


def test_a_payment_reported_exactly_24_hours_late_is_not_late(at: Any) -> None:
    school = PartnerFactory.create()
    pay(
        at,
        an_order(school, taken=True),
        paid_at=DUE + 30 * MIN,
        recorded_at=DUE + 30 * MIN + LATE_REPORT_AFTER,
    )

    (row,) = head_under_reporting(year=2026)

    assert (row.payments, row.late_while_worked) == (1, 0)


def test_the_head_page_shows_the_signals(client: Client, march: tuple[Partner, Partner]) -> None:
    client.force_login(UserFactory.create(role="head"))

    html = client.get("/head/billing/", {"year": 2026}).content.decode()

    assert html.count('data-testid="signal-row"') == 2
    assert "1 (20,0%)" in html and "2 (40,0%)" in html and "1 (50,0%)" in html
    assert "Март 2026" in html and "2026-03" not in html


def test_a_year_without_payments_shows_no_signals(client: Client) -> None:
    client.force_login(UserFactory.create(role="head"))

    html = client.get("/head/billing/", {"year": 2001}).content.decode()

    assert 'data-testid="signal-row"' not in html


def test_in_this_world_only_orders_taken_before_their_payment_close_as_won(
    march: tuple[Partner, Partner],
) -> None:
    school, _shop = march

    reasons = sorted(
        QueueItem.objects.filter(partner=school).values_list("outcome_reason", flat=True)
    )

    assert reasons == [
        "paid",
        "paid",
        "paid_before_work",
        "paid_before_work",
        "paid_within_grace",
    ]
