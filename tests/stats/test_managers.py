"""manager_stats on the crafted world of tests/stats/managers_world.py (figures by hand there)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from stats.managers import manager_daily, manager_stats, totals
from tests.accounts.factories import UserFactory
from tests.stats.managers_world import EMPTY_PERIOD, PERIOD, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _by_id(rows: list[Any]) -> dict[Any, Any]:
    return {r.manager_id: r for r in rows}


def test_every_figure_of_each_manager_is_the_hand_worked_one(world: World) -> None:
    rows = _by_id(manager_stats(period=PERIOD))

    anna = rows[world.anna.pk]
    assert (anna.taken, anna.touches) == (3, 4)
    assert anna.first_touch_delay_seconds == 600
    assert anna.deal_after_seconds == 3 * 3600
    assert (anna.won, anna.lost) == (2, 3)
    assert anna.lost_reasons == {"too_expensive": 1, "not_interested": 1, "unreachable": 1}
    assert anna.conversion == Decimal("0.4000")
    assert anna.revenue == Decimal("3500.00")
    assert anna.fees == Decimal("241.50")
    assert anna.commission_percent == Decimal("10.00")
    assert anna.commission == Decimal("350.00")
    assert (anna.open_tasks, anna.overdue_tasks) == (3, 1)
    assert anna.is_active

    boris = rows[world.boris.pk]
    assert (boris.taken, boris.touches, boris.first_touch_delay_seconds) == (1, 2, 600)
    assert (boris.won, boris.lost, boris.conversion) == (1, 0, Decimal("1.0000"))
    assert boris.deal_after_seconds is None
    assert (boris.revenue, boris.fees) == (Decimal("1000.00"), Decimal("0.00"))
    assert (boris.commission_percent, boris.commission) == (Decimal("5"), Decimal("50.00"))
    assert (boris.open_tasks, boris.overdue_tasks) == (0, 0)

    vera = rows[world.vera.pk]
    assert not vera.is_active
    assert (vera.taken, vera.touches, vera.first_touch_delay) == (1, 0, None)

    gleb = rows[world.gleb.pk]
    assert (gleb.taken, gleb.touches, gleb.won, gleb.lost) == (0, 0, 0, 0)
    assert gleb.conversion is None
    assert (gleb.revenue, gleb.fees, gleb.commission) == (Decimal("0.00"),) * 3

    # Dmitry left and did nothing in the period; the head and QA are no sellers.
    assert set(rows) == {world.anna.pk, world.boris.pk, world.vera.pk, world.gleb.pk}


def test_the_totals_add_up_the_rows(world: World) -> None:
    # taken 3 + 1 + 1; touches 4 + 2; won 2 + 1; lost 3; revenue 3 500 + 1 000;
    # commission 350 + 50; conversion 3 / 6.
    total = totals(manager_stats(period=PERIOD))
    assert (total.taken, total.touches, total.won, total.lost) == (5, 6, 3, 3)
    assert total.conversion == Decimal("0.5000")
    assert (total.revenue, total.fees, total.commission) == (
        Decimal("4500.00"),
        Decimal("241.50"),
        Decimal("400.00"),
    )
    assert total.lost_reasons == {"too_expensive": 1, "not_interested": 1, "unreachable": 1}


def test_an_empty_period_shows_the_active_sellers_with_zeros(world: World) -> None:
    rows = _by_id(manager_stats(period=EMPTY_PERIOD))
    # Vera left and did nothing then: gone; the open tasks are now, whatever the period.
    assert set(rows) == {world.anna.pk, world.boris.pk, world.gleb.pk}
    anna = rows[world.anna.pk]
    assert (anna.taken, anna.touches, anna.won, anna.lost, anna.conversion) == (0, 0, 0, 0, None)
    assert (anna.revenue, anna.fees, anna.commission) == (Decimal("0.00"),) * 3
    assert anna.first_touch_delay is None and anna.deal_after is None
    assert anna.open_tasks == 3


def test_one_managers_figures_alone(world: World) -> None:
    rows = manager_stats(period=PERIOD, manager_ids=[world.boris.pk])
    assert [r.manager_id for r in rows] == [world.boris.pk]
    assert rows[0].revenue == Decimal("1000.00")


def test_the_daily_points_hold_wins_and_revenue_by_moscow_day(world: World) -> None:
    points = {p.day: p for p in manager_daily(period=PERIOD)}
    assert len(points) == 7
    # 12.11: Boris's DB1 won, OB1 paid 1 000 (and O9 paid, refunded in full: 0);
    # 13.11: D1 won, O1 1 000; 14.11: D4 won late, O4 3 000 − 500.
    assert (points[dt.date(2026, 11, 12)].won, points[dt.date(2026, 11, 12)].revenue) == (
        1,
        Decimal("1000.00"),
    )
    assert (points[dt.date(2026, 11, 13)].won, points[dt.date(2026, 11, 13)].revenue) == (
        1,
        Decimal("1000.00"),
    )
    assert (points[dt.date(2026, 11, 14)].won, points[dt.date(2026, 11, 14)].revenue) == (
        1,
        Decimal("2500.00"),
    )
    assert sum(p.won for p in points.values()) == 3


def _many_managers(n: int) -> None:
    for _ in range(n):
        UserFactory.create(role="manager")


@pytest.mark.parametrize("managers", [2, 20])
def test_the_number_of_queries_does_not_grow_with_the_managers(
    world: World, managers: int, django_assert_num_queries: Any
) -> None:
    _many_managers(managers)
    with django_assert_num_queries(9):
        rows = manager_stats(period=PERIOD)
    assert len(rows) == 4 + managers
    # which days are rolled up (none here), then the one union of the per-day aggregates
    with django_assert_num_queries(2):
        manager_daily(period=PERIOD)
