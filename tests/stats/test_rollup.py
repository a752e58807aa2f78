"""The daily rollup of the manager statistics (stats.rollup) on the crafted world of
tests/stats/managers_world.py: after a run the figures of a period are the same as read live
(the medians within a bucket), each change to a past day is right before the next run (the
day is read live) and after it (from the rollup again)."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum

from crm.models import Deal
from crm.services import deal_open, deal_responsible_set, deal_win_late
from orders.models import Order
from orders.services import order_link_to_deal, order_payment_record, order_refund_record
from sales_queue.models import QueueEvent, QueueItem
from salesdesk.timezones import MOSCOW
from stats.histogram import bucket, histogram, histogram_median
from stats.managers import ManagerStats, Rolled, manager_daily, manager_stats, rolled_days
from stats.models import (
    DirtyDay,
    ManagerDay,
    ManagerDayCount,
    ManagerMonthCount,
    RollupDay,
    RollupMonth,
)
from stats.periods import Period
from stats.rollup import last_complete_day, rollup_day, rollup_run
from tests.accounts.factories import UserFactory
from tests.concurrency import run_concurrently
from tests.crm.factories import ContactFactory
from tests.orders.factories import OrderFactory
from tests.sales_queue.factories import QueueItemFactory
from tests.stats.managers_world import (
    PERIOD,
    T0,
    D,
    H,
    M,
    World,
    _deal,
    _paid_order,
    _touch,
    build_world,
)

pytestmark = pytest.mark.django_db

DAY_12, DAY_13, DAY_14, DAY_15 = (dt.date(2026, 11, n) for n in (12, 13, 14, 15))


@pytest.fixture
def world() -> World:
    return build_world()


def _rolled(world: World) -> None:
    result = rollup_run()
    assert result["rolled"] > 0
    assert set(PERIOD.dates()) <= rolled_days(PERIOD).days


def _by_id(rows: list[ManagerStats]) -> dict[Any, ManagerStats]:
    return {r.manager_id: r for r in rows}


def _close(approximate: dt.timedelta | None, exact: dt.timedelta | None) -> bool:
    if exact is None or approximate is None:
        return approximate is exact
    return abs(approximate - exact) <= exact * 0.15 + dt.timedelta(seconds=1)


def _assert_same_as_live(period: Period = PERIOD) -> dict[Any, ManagerStats]:
    """The period's figures as served (rollup and live days) equal the all-live ones: every
    count and sum exactly, the medians within a bucket."""
    served = _by_id(manager_stats(period=period))
    live = _by_id(manager_stats(period=period, rolled=Rolled()))
    assert served.keys() == live.keys()
    for pk, exact in live.items():
        row = served[pk]
        assert (row.taken, row.touches, row.won, row.lost, row.lost_reasons) == (
            exact.taken,
            exact.touches,
            exact.won,
            exact.lost,
            exact.lost_reasons,
        )
        assert (row.revenue, row.fees, row.commission) == (
            exact.revenue,
            exact.fees,
            exact.commission,
        )
        assert _close(row.first_touch_delay, exact.first_touch_delay)
        assert _close(row.deal_after, exact.deal_after)
    return served


# --- the histogram ------------------------------------------------------------------------------


def test_the_histogram_median_is_within_a_bucket_of_the_exact_one() -> None:
    seconds = [300, 900]
    merged = histogram(dt.timedelta(seconds=s) for s in seconds)
    assert bucket(dt.timedelta(seconds=300)) != bucket(dt.timedelta(seconds=900))
    assert _close(histogram_median(merged), dt.timedelta(seconds=600))
    odd = histogram(dt.timedelta(seconds=s) for s in (5, 3600, 7200))
    assert _close(histogram_median(odd), dt.timedelta(hours=1))
    assert histogram_median({}) is None
    under_a_second = histogram_median(histogram([dt.timedelta(0)]))
    assert under_a_second is not None and under_a_second <= dt.timedelta(seconds=1)


# --- the run ------------------------------------------------------------------------------------


def test_a_run_rolls_up_the_past_days_and_the_figures_stay_the_hand_worked_ones(
    world: World,
) -> None:
    _rolled(world)
    assert not DirtyDay.objects.filter(day__lte=last_complete_day(dt.datetime.now(tz=MOSCOW)))
    served = _assert_same_as_live()
    anna = served[world.anna.pk]
    # the hand-worked figures of test_managers, now from the rollup
    assert (anna.taken, anna.touches, anna.won, anna.lost) == (3, 4, 2, 3)
    assert anna.lost_reasons == {"too_expensive": 1, "not_interested": 1, "unreachable": 1}
    assert (anna.revenue, anna.fees, anna.commission) == (
        Decimal("3500.00"),
        Decimal("241.50"),
        Decimal("350.00"),
    )
    assert _close(anna.first_touch_delay, dt.timedelta(seconds=600))
    assert _close(anna.deal_after, dt.timedelta(hours=3))
    boris = served[world.boris.pk]
    assert (boris.taken, boris.touches, boris.won, boris.revenue) == (1, 2, 1, Decimal("1000.00"))
    # Anna's 13.11 in the rollup: D1 won, O1 1 000.00 paid with its 69.00 fee.
    day = ManagerDay.objects.get(manager=world.anna, day=DAY_13)
    assert (day.won, day.lost, day.revenue, day.fees) == (
        1,
        0,
        Decimal("1000.00"),
        Decimal("69.00"),
    )
    assert set(
        ManagerDayCount.objects.filter(manager=world.anna, day=DAY_12, kind="lost").values_list(
            "key", "n"
        )
    ) == {("too_expensive", 1), ("unreachable", 1), ("not_interested", 1)}


def test_the_daily_points_are_the_same_from_the_rollup(world: World) -> None:
    live = manager_daily(period=PERIOD, rolled=Rolled())
    _rolled(world)
    assert manager_daily(period=PERIOD) == live
    assert {p.day: (p.won, p.revenue) for p in live}[DAY_14] == (1, Decimal("2500.00"))


def test_a_second_run_changes_nothing(world: World) -> None:
    rollup_run()
    rows = sorted(ManagerDay.objects.values_list("manager_id", "day", "won", "revenue", "fees"))
    counts = sorted(ManagerDayCount.objects.values_list("manager_id", "day", "kind", "key", "n"))
    assert rollup_run() == {"rolled": 0, "dirty": 0}
    assert sorted(
        ManagerDay.objects.values_list("manager_id", "day", "won", "revenue", "fees")
    ) == (rows)
    assert (
        sorted(ManagerDayCount.objects.values_list("manager_id", "day", "kind", "key", "n"))
        == counts
    )


def test_a_run_rolls_up_at_most_a_batch_of_days_oldest_first(world: World) -> None:
    first = rollup_run(batch=3)
    assert first["rolled"] == 3
    days = sorted(RollupDay.objects.values_list("day", flat=True))
    assert days[0] == dt.date(2026, 11, 1) and len(days) == 3
    # a day rolled up and two not: the period mixes the rollup and live reads
    _assert_same_as_live(Period("range", dt.date(2026, 11, 2), dt.date(2026, 11, 6)))


def test_today_and_a_day_just_over_are_never_rolled_up(world: World) -> None:
    now = dt.datetime(2026, 11, 13, 0, 4, tzinfo=MOSCOW)
    assert last_complete_day(now) == dt.date(2026, 11, 11)
    rollup_run(now=now)
    assert max(RollupDay.objects.values_list("day", flat=True)) == dt.date(2026, 11, 11)
    rollup_run(now=now + 2 * M)
    assert max(RollupDay.objects.values_list("day", flat=True)) == DAY_12


# --- changes to past days -------------------------------------------------------------------


def _before_and_after_the_next_run(dirty_day: dt.date) -> tuple[Any, Any]:
    """The period's figures with the changed day read live, then after a run."""
    assert dirty_day not in rolled_days(PERIOD).days
    before = _assert_same_as_live()
    result = rollup_run()
    assert result["dirty"] >= 1
    assert dirty_day in rolled_days(PERIOD).days
    after = _assert_same_as_live()
    return before, after


def test_a_late_first_touch_changes_the_day_of_the_take(world: World) -> None:
    _rolled(world)
    a3 = QueueEvent.objects.get(manager=world.anna, created_at=T0 + 2 * H)
    assert a3.first_touch_at is None
    # A3, taken on 12.11 at 12:00, is touched a day later: its first touch is 24 h after.
    _touch(world.anna, T0 + 2 * H + D, item=a3.item)
    for rows in _before_and_after_the_next_run(DAY_12):
        anna = rows[world.anna.pk]
        assert anna.touches == 5
        # median(300 s, 900 s, 86 400 s) = 900 s
        assert _close(anna.first_touch_delay, dt.timedelta(seconds=900))


def test_a_hand_over_moves_the_days_of_the_deal_and_its_paid_orders(world: World) -> None:
    deal = _deal(world.product, world.anna, created_at=T0 + 3 * H, after=H)
    order = _paid_order(world.product, deal, "2000.00", T0 + D + H)
    _rolled(world)
    assert manager_stats(period=PERIOD, manager_ids=[world.anna.pk])[0].revenue == Decimal(
        "5500.00"
    )
    gleb = world.gleb
    deal_responsible_set(deal=deal, responsible=gleb)
    assert {DAY_12, DAY_13} <= set(DirtyDay.objects.values_list("day", flat=True))
    for rows in _before_and_after_the_next_run(DAY_13):
        assert rows[world.anna.pk].revenue == Decimal("3500.00")
        assert rows[gleb.pk].revenue == Decimal("2000.00")
        assert _close(rows[gleb.pk].deal_after, H)
    assert order.pk


def test_a_late_win_after_a_loss_moves_the_close(world: World) -> None:
    _rolled(world)
    d3 = Deal.objects.get(responsible=world.anna, lost_reason="unreachable")
    assert deal_win_late(queue_item_id=d3.queue_item_id, now=T0 + 3 * D) == 1
    for rows in _before_and_after_the_next_run(DAY_12):
        anna = rows[world.anna.pk]
        assert (anna.won, anna.lost) == (3, 2)
        assert anna.lost_reasons == {"too_expensive": 1, "not_interested": 1}


def test_a_reopening_clears_the_old_loss(world: World) -> None:
    _rolled(world)
    d3 = Deal.objects.get(responsible=world.anna, lost_reason="unreachable")
    item = d3.queue_item
    assert item is not None
    deal_open(
        queue_item_id=item.pk,
        partner_id=d3.partner_id,
        product_id=d3.product_id,
        order=item.order,
        responsible=world.boris,
        title=d3.title,
        source=d3.source,
        lead_created_at=d3.lead_created_at,
    )
    for rows in _before_and_after_the_next_run(DAY_12):
        assert (rows[world.anna.pk].won, rows[world.anna.pk].lost) == (2, 2)


def test_a_late_reported_payment_counts_on_its_day(world: World) -> None:
    deal = Deal.objects.get(responsible=world.anna, created_at=T0)  # D1
    order = OrderFactory.create(product=world.product, amount=Decimal("400.00"), created_at=T0)
    Order.objects.filter(pk=order.pk).update(deal=deal)
    _rolled(world)
    order_payment_record(order=Order.objects.get(pk=order.pk), paid_at=T0 + 2 * D)
    for rows in _before_and_after_the_next_run(DAY_14):
        assert rows[world.anna.pk].revenue == Decimal("3900.00")


def test_a_refund_lowers_the_revenue_of_the_payment_day(world: World) -> None:
    _rolled(world)
    o1 = Order.objects.get(deal__responsible=world.anna, paid_at=T0 + D)
    order_refund_record(order=o1, amount=Decimal("300.00"))
    for rows in _before_and_after_the_next_run(DAY_13):
        assert rows[world.anna.pk].revenue == Decimal("3200.00")


def test_linking_a_paid_order_counts_it_for_the_deal_manager(world: World) -> None:
    deal = Deal.objects.get(responsible=world.boris, status=Deal.Status.WON)
    contact = ContactFactory.create(partner=world.product.partner)
    Deal.objects.filter(pk=deal.pk).update(contact=contact)
    order = _paid_order(world.product, deal, "600.00", T0 + D)
    Order.objects.filter(pk=order.pk).update(deal=None, contact=contact)
    _rolled(world)
    order_link_to_deal(deal=deal, order_id=order.pk, actor=world.head)
    for rows in _before_and_after_the_next_run(DAY_13):
        assert rows[world.boris.pk].revenue == Decimal("1600.00")


def test_writes_of_today_log_nothing(world: World) -> None:
    rollup_run()
    DirtyDay.objects.all().delete()
    deal = Deal.objects.get(responsible=world.anna, created_at=T0)
    _touch(world.anna, dt.datetime.now(tz=MOSCOW), deal=deal)
    assert not DirtyDay.objects.exists()
    _touch(world.anna, T0 + D, deal=deal)
    assert list(DirtyDay.objects.values_list("day", flat=True)) == [DAY_13]


# --- the page ---------------------------------------------------------------------------------


def test_the_heads_page_over_a_rolled_up_year_takes_a_fixed_number_of_queries(
    world: World, client: Any, django_assert_num_queries: Any
) -> None:
    rollup_run()
    for _ in range(5):
        UserFactory.create(role="manager")
    client.force_login(world.head)
    today = dt.datetime.now(tz=MOSCOW).date()
    query = {
        "period": "range",
        "date_from": (today - dt.timedelta(days=364)).isoformat(),
        "date_to": today.isoformat(),
    }
    # session and user; the rolled-up days; the rollup's sums and keyed counts; the six live
    # queries of today; open tasks; the sellers with their rates; the chart's union; the
    # notification bell's unread count in the top bar (the bound: 15)
    with django_assert_num_queries(15):
        response = client.get("/head/stats/", query)
    assert response.status_code == 200
    # Anna's year, from the rollup: O1 1 000 + O4 3 000 − 500 + O8 1 500 (05.11) + O9 0
    assert "5\u00a0000,00\u00a0₽" in response.content.decode()


# --- the command and the schedule ------------------------------------------------------------


def test_the_command_prints_what_it_did_and_is_idempotent(world: World) -> None:
    out = io.StringIO()
    call_command("stats_rollup", "--days", "5", stdout=out)
    assert json.loads(out.getvalue()) == {"rolled": 5, "dirty": 0}
    out = io.StringIO()
    call_command("stats_rollup", stdout=out)
    first = json.loads(out.getvalue())
    assert first["rolled"] > 0
    out = io.StringIO()
    call_command("stats_rollup", stdout=out)
    assert json.loads(out.getvalue()) == {"rolled": 0, "dirty": 0}


def test_the_task_is_in_the_beat_schedule() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["stats-rollup"]
    assert entry["task"] == "stats.tasks.rollup_task"
    assert entry["schedule"] == 300.0
    assert entry["options"] == {"expires": 300.0}


# --- two runs at once -----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_roll_each_day_up_once_and_right() -> None:
    world = build_world()
    # the tasks and users of the world are now; the past days hold the figures
    deal = Deal.objects.get(responsible=world.anna, created_at=T0)
    results = run_concurrently(rollup_run, rollup_run, rollup_run)
    assert not [r for r in results if isinstance(r, BaseException)], results
    days = RollupDay.objects.count()
    assert days == (last_complete_day(dt.datetime.now(tz=MOSCOW)) - dt.date(2026, 11, 1)).days + 1
    assert sum(r["rolled"] for r in results) == days
    _assert_same_as_live()
    # a change and three runs at once: the day is recomputed, the figures right
    _touch(world.anna, T0 + D, deal=deal)
    results = run_concurrently(rollup_run, rollup_run, rollup_run)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r["dirty"] for r in results) == 1
    assert not DirtyDay.objects.filter(day=DAY_13).exists()
    assert manager_stats(period=PERIOD, manager_ids=[world.anna.pk])[0].touches == 5
    _assert_same_as_live()


# --- whole months ---------------------------------------------------------------------------


def test_a_whole_month_is_read_from_its_sums_until_one_of_its_days_changes() -> None:
    today = dt.datetime.now(tz=MOSCOW).date()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=31)).replace(day=1)
    period = Period("range", month, following - dt.timedelta(days=1))
    olga = UserFactory.create(role="manager", full_name="Ольга")
    # Takes on the 3rd, 10th and 20th, touched 2, 10 and 30 minutes after: median 600 s.
    items = []
    for day, minutes in ((3, 2), (10, 10), (20, 30)):
        at = dt.datetime.combine(month.replace(day=day), dt.time(11), tzinfo=MOSCOW)
        item = QueueItemFactory.create(
            holder=olga, taken_at=at, entered_at=at - H, state=QueueItem.State.DONE
        )
        QueueEvent.objects.create(
            item=item, kind=QueueEvent.Kind.TAKEN, manager=olga, created_at=at
        )
        _touch(olga, at + minutes * M, item=item)
        items.append((item, at))
    rollup_run(batch=400)
    assert RollupMonth.objects.filter(month=month).exists()
    served = rolled_days(period)
    assert served.whole_months() == [month]
    [row] = manager_stats(period=period, manager_ids=[olga.pk])
    assert (row.taken, row.touches) == (3, 3)
    assert _close(row.first_touch_delay, dt.timedelta(seconds=600))
    _assert_same_as_live(period)
    # A fourth take on the 20th, touched after 40 minutes: the 20th is read live, the month
    # from its other days' rows; then the run builds the month again.
    item, at = items[2]
    later = at + 2 * H
    stale = rolled_days(period)
    QueueEvent.objects.create(item=item, kind=QueueEvent.Kind.TAKEN, manager=olga, created_at=later)
    _touch(olga, later + 40 * M, item=item)
    assert rolled_days(period).whole_months() == []
    [row] = manager_stats(period=period, manager_ids=[olga.pk])
    # median(120, 600, 1800, 2400) = 1200 s
    assert (row.taken, row.touches) == (4, 4)
    assert _close(row.first_touch_delay, dt.timedelta(seconds=1200))
    _assert_same_as_live(period)
    # A run recomputing the day between a page's first query and its sums (the page still
    # takes the month as whole): the month's sums moved with the day, in its transaction.
    rollup_day(day=later.astimezone(MOSCOW).date())
    [row] = manager_stats(period=period, manager_ids=[olga.pk], rolled=stale)
    assert (row.taken, row.touches) == (4, 4)
    assert _close(row.first_touch_delay, dt.timedelta(seconds=1200))
    assert rollup_run()["dirty"] == 0  # the 20th is done; the touch's log row went with it
    assert rolled_days(period).whole_months() == [month]
    # the shifted sums are the month's days' rows summed
    summed = (
        ManagerDayCount.objects.filter(day__gte=period.first, day__lte=period.last)
        .values_list("manager_id", "kind", "key")
        .annotate(total=Sum("n"))
    )
    assert set(summed) == set(
        ManagerMonthCount.objects.filter(month=month).values_list("manager_id", "kind", "key", "n")
    )
    [row] = manager_stats(period=period, manager_ids=[olga.pk])
    assert (row.taken, row.touches) == (4, 4)
    assert _close(row.first_touch_delay, dt.timedelta(seconds=1200))
    assert (
        ManagerMonthCount.objects.get(
            month=month, manager=olga, kind="first_touch", key=str(bucket(dt.timedelta(minutes=40)))
        ).n
        == 1
    )
