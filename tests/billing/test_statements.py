"""Monthly statements: Moscow-time months, totals equal to the ledger's sums, frozen at the
close; a row's own created_at decides its month."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from billing.models import LedgerEntry, MonthlyStatement
from billing.months import current_month, month_bounds, next_month, previous_month
from billing.selectors import statement_for_month, statement_live_totals, statement_months
from billing.services import (
    fee_record_payment,
    fee_record_refund,
    statements_close_month,
)
from billing.tasks import close_statements_task
from partners.models import Partner
from salesdesk.errors import ApplicationError
from tests.billing.factories import handled_paid_order, mark_refunded
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

LAST_MONTH = previous_month(current_month())


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch):
    """``with at(moment): ...`` runs the block with ``timezone.now()`` returning ``moment``."""
    real_now = timezone.now

    @contextmanager
    def freeze(moment: dt.datetime) -> Iterator[None]:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        try:
            yield
        finally:
            monkeypatch.setattr(timezone, "now", real_now)

    return freeze


def paid_in(at, month: dt.date, *, day_offset: dt.timedelta, amount: str = "1000.00", partner=None):
    """An order handled and paid at ``month``'s start + ``day_offset``, its fee charged then."""
    start, _end = month_bounds(month)
    moment = start + day_offset
    order = handled_paid_order(
        partner=partner,
        amount=amount,
        paid_at=moment,
        created_at=moment - dt.timedelta(hours=2),
        due_at=moment - dt.timedelta(hours=1),
    )
    with at(moment):
        fee_record_payment(order=order)
    return order


def last_moment_of(month: dt.date) -> dt.datetime:
    """23:30 Moscow time on the month's last day."""
    _start, end = month_bounds(month)
    return end - dt.timedelta(minutes=30)


def test_a_payment_at_2330_moscow_on_the_last_day_belongs_to_that_month(at) -> None:
    partner = PartnerFactory.create()
    start, end = month_bounds(LAST_MONTH)

    order = paid_in(
        at, LAST_MONTH, day_offset=end - start - dt.timedelta(minutes=30), partner=partner
    )

    fee = LedgerEntry.objects.get(order=order)
    assert fee.created_at == last_moment_of(LAST_MONTH)
    assert fee.created_at.astimezone(dt.UTC).day == (end - dt.timedelta(days=1)).day  # 20:30 UTC
    assert statement_for_month(partner=partner, month=LAST_MONTH).fees == Decimal("69.00")
    assert statement_for_month(partner=partner, month=current_month()).fees == Decimal("0.00")


def test_a_payment_at_0030_moscow_on_the_first_belongs_to_the_new_month(at) -> None:
    # 00:30 Moscow on the 1st is still the previous day in UTC
    partner = PartnerFactory.create()

    paid_in(at, LAST_MONTH, day_offset=dt.timedelta(minutes=30), partner=partner)

    assert statement_for_month(partner=partner, month=LAST_MONTH).orders_handled == 1
    assert (
        statement_for_month(partner=partner, month=previous_month(LAST_MONTH)).orders_handled == 0
    )


def test_statement_totals_equal_the_ledgers_sums(at) -> None:
    # given: three handled orders, one partly refunded, one fully refunded, all within the month
    partner = PartnerFactory.create()
    day = dt.timedelta(days=1)
    a = paid_in(at, LAST_MONTH, day_offset=day, amount="1000.00", partner=partner)
    b = paid_in(at, LAST_MONTH, day_offset=2 * day, amount="20000.00", partner=partner)
    c = paid_in(at, LAST_MONTH, day_offset=3 * day, amount="50000.00", partner=partner)
    start, _end = month_bounds(LAST_MONTH)
    with at(start + 4 * day):
        fee_record_refund(order=mark_refunded(b, "15000.00"))
        fee_record_refund(order=mark_refunded(c, "50000.00"))
    paid_in(at, previous_month(LAST_MONTH), day_offset=day, partner=partner)  # another month
    paid_in(at, LAST_MONTH, day_offset=day)  # another partner

    # when
    statement = statement_for_month(partner=partner, month=LAST_MONTH)

    # then
    rows = LedgerEntry.objects.filter(
        partner=partner, created_at__gte=start, created_at__lt=month_bounds(LAST_MONTH)[1]
    )
    assert statement.total == rows.aggregate(s=Sum("amount"))["s"] == Decimal("414.00")
    assert statement.fees == Decimal("69.00") + Decimal("1380.00") + Decimal("2500.00")
    assert statement.reversals == Decimal("-1035.00") + Decimal("-2500.00")
    assert statement.adjustments == Decimal("0.00")
    assert statement.orders_handled == 3
    assert statement.paid == Decimal("71000.00")
    assert {a.pk} < set(rows.values_list("order_id", flat=True))
    assert statement.closed is False


def test_closing_a_month_freezes_its_totals(at) -> None:
    partner = PartnerFactory.create()
    order = paid_in(at, LAST_MONTH, day_offset=dt.timedelta(days=2), partner=partner)

    closed = statements_close_month(month=LAST_MONTH)

    assert closed >= 1
    frozen = statement_for_month(partner=partner, month=LAST_MONTH)
    assert (frozen.closed, frozen.fees, frozen.total, frozen.orders_handled) == (
        True,
        Decimal("69.00"),
        Decimal("69.00"),
        1,
    )

    # when: a row is back-dated into the closed month (a data repair), and the month is closed again
    LedgerEntry.objects.create(
        partner=partner,
        order=order,
        kind="adjustment",
        amount=Decimal("-10.00"),
        base_amount=Decimal("1000.00"),
        policy=LedgerEntry.objects.get(order=order).policy,
        created_at=month_bounds(LAST_MONTH)[0] + dt.timedelta(days=3),
    )
    assert statements_close_month(month=LAST_MONTH) == 0

    # then: the statement is what it was at the close; the ledger itself has the new row
    again = statement_for_month(partner=partner, month=LAST_MONTH)
    assert again == frozen
    assert statement_live_totals(partner=partner, month=LAST_MONTH).total == Decimal("59.00")
    assert MonthlyStatement.objects.filter(partner=partner, month=LAST_MONTH).count() == 1


def test_a_refund_after_the_close_lands_in_the_open_month(at) -> None:
    partner = PartnerFactory.create()
    order = paid_in(at, LAST_MONTH, day_offset=dt.timedelta(days=2), partner=partner)
    statements_close_month(month=LAST_MONTH)

    fee_record_refund(order=mark_refunded(order, "1000.00"))

    assert statement_for_month(partner=partner, month=LAST_MONTH).total == Decimal("69.00")
    this_month = statement_for_month(partner=partner, month=current_month())
    assert (this_month.reversals, this_month.total, this_month.orders_handled) == (
        Decimal("-69.00"),
        Decimal("-69.00"),
        0,
    )


def test_every_partner_that_existed_gets_a_statement_even_without_charges(at) -> None:
    quiet = PartnerFactory.create()
    Partner.objects.filter(pk=quiet.pk).update(created_at=month_bounds(LAST_MONTH)[0])
    newcomer = PartnerFactory.create()  # joined after the month

    statements_close_month(month=LAST_MONTH)

    statement = MonthlyStatement.objects.get(partner=quiet, month=LAST_MONTH)
    assert (statement.orders_handled, statement.total) == (0, Decimal("0.00"))
    assert not MonthlyStatement.objects.filter(partner=newcomer).exists()


def test_the_current_month_cannot_be_closed() -> None:
    with pytest.raises(ApplicationError) as raised:
        statements_close_month(month=current_month())

    assert raised.value.code == "month_not_over"
    assert not MonthlyStatement.objects.exists()


def test_a_month_is_not_closed_in_the_first_minutes_after_it_ends(at) -> None:
    _start, end = month_bounds(LAST_MONTH)
    paid_in(at, LAST_MONTH, day_offset=dt.timedelta(days=1))

    with at(end + dt.timedelta(minutes=2)), pytest.raises(ApplicationError):
        statements_close_month(month=LAST_MONTH)
    with at(end + dt.timedelta(minutes=10)):
        assert statements_close_month(month=LAST_MONTH) == MonthlyStatement.objects.count() > 0


def test_the_beat_job_closes_the_month_just_over_and_catches_up_missed_ones(at) -> None:
    partner = PartnerFactory.create()
    three_ago = previous_month(previous_month(LAST_MONTH))
    Partner.objects.filter(pk=partner.pk).update(created_at=month_bounds(three_ago)[0])
    paid_in(at, three_ago, day_offset=dt.timedelta(days=1), partner=partner)
    statements_close_month(month=three_ago)

    result = close_statements_task()

    two_ago = next_month(three_ago)
    assert set(result) == {f"{m:%Y-%m}" for m in (two_ago, LAST_MONTH)}
    assert set(
        MonthlyStatement.objects.filter(partner=partner).values_list("month", flat=True)
    ) == {three_ago, two_ago, LAST_MONTH}
    assert close_statements_task() == {f"{LAST_MONTH:%Y-%m}": 0}


def test_the_beat_schedule_runs_the_close_at_0010_moscow_on_the_first() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["billing-close-statements"]
    schedule = entry["schedule"]

    assert entry["task"] == "billing.tasks.close_statements_task"
    assert settings.CELERY_TIMEZONE == "Europe/Moscow"
    assert (schedule.minute, schedule.hour, schedule.day_of_month) == ({10}, {0}, {1})  # type: ignore[attr-defined]


def test_the_command_closes_a_given_month_and_prints_json(at) -> None:
    partner = PartnerFactory.create()
    paid_in(at, LAST_MONTH, day_offset=dt.timedelta(days=1), partner=partner)
    out = StringIO()

    call_command("close_statements", "--month", f"{LAST_MONTH:%Y-%m}", stdout=out)

    assert json.loads(out.getvalue().splitlines()[-1]) == {"months": {f"{LAST_MONTH:%Y-%m}": 1}}
    assert MonthlyStatement.objects.get(partner=partner).fees == Decimal("69.00")


@pytest.mark.parametrize("bad", ["2026-13", "26-11", "1999-12", "next"])
def test_the_command_refuses_a_bad_month(bad: str) -> None:
    with pytest.raises(CommandError):
        call_command("close_statements", "--month", bad, stdout=StringIO())


def test_the_statements_list_runs_from_the_first_charge_to_the_current_month(at) -> None:
    partner = PartnerFactory.create()
    two_ago = previous_month(LAST_MONTH)
    paid_in(at, two_ago, day_offset=dt.timedelta(days=1), partner=partner)
    statements_close_month(month=two_ago)

    months = statement_months(partner=partner)

    assert [s.month for s in months] == [current_month(), LAST_MONTH, two_ago]
    assert [s.closed for s in months] == [False, False, True]
    assert months[-1].fees == Decimal("69.00")
