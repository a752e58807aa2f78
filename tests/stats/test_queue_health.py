"""Queue health over time (stats.queue_health and /head/stats/queue/): a crafted day of the
queue driven through the real services on a moving clock, every figure worked out by hand.

Working hours 09:00–21:00, retry pause 30 min. Day D = Friday 20 Nov 2026 (Moscow), period D..D
(hourly buckets), now = D+1 10:00. Partners P1 (products A1, A2) and P2 (product B1).

    I0 B1  entered D-1 22:00; order cancelled D 08:10 (withdrawn) — waited [D-1 22:00, 08:10)
    I1 A1  entered 08:30 (before opening); m1 takes 09:05; «no answer» 09:20 (retry, back at
           09:50); m1 takes it again 10:05; refused 10:10 — waited [08:30, 09:05), [09:50, 10:05)
    I2 A2  entered 09:30; m2 takes 10:00; callback 10:15 for 14:00 (not waiting); m2 takes the
           callback 14:00; refused 14:05 — waited [09:30, 10:00)
    I3 A1  entered 11:00; order cancelled 11:20 untaken (withdrawn) — waited [11:00, 11:20)
    I4 B1  entered 12:00; m1 takes 13:30; releases 13:45; m2 takes 14:10; refused 14:20 —
           waited [12:00, 13:30), [13:45, 14:10)
    I5 B1  entered 20:50 (ten minutes before closing); m1 takes D+1 09:40 — waited
           [20:50, D+1 09:40)
    I6 A1  entered 21:30 (after closing); still waiting now

Take-next order checks out at each take (the oldest available first, a due callback before it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from orders.models import Order
from partners.models import Product
from sales_queue.hours import add_working_time, working_time_between
from sales_queue.models import QueueItem
from sales_queue.services import order_cancel, queue_release, queue_take_next, queue_touch
from salesdesk.config import parse_working_hours
from salesdesk.errors import ApplicationError
from stats.periods import Period, period_from
from stats.queue_health import (
    QUERIES,
    QueueHealth,
    queue_health_over_time,
)
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import MSK, manager, queued_item

pytestmark = pytest.mark.django_db

D = dt.date(2026, 11, 20)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=MSK)


NEXT = D + dt.timedelta(days=1)
NOW = at(NEXT, 10)


@pytest.fixture(autouse=True)
def _rules(settings: Any) -> None:
    settings.SALES_WORKING_HOURS = parse_working_hours("09:00-21:00")
    settings.SALES_RETRY_DELAY_MINUTES = 30


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, dt.datetime]:
    state = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: state["now"].astimezone(dt.UTC))
    return state


class World:
    def __init__(self, clock: dict[str, dt.datetime]) -> None:
        self.clock = clock
        self.p1 = PartnerFactory.create(name="Школа Альфа")
        self.p2 = PartnerFactory.create(name="Магазин Бета")
        self.a1 = ProductFactory.create(on_sale=True, partner=self.p1, name="Курс А1")
        self.a2 = ProductFactory.create(on_sale=True, partner=self.p1, name="Курс А2")
        self.b1 = ProductFactory.create(on_sale=True, partner=self.p2, name="Товар Б1")
        self.m1 = manager(full_name="Иван")
        self.m2 = manager(full_name="Пётр")
        self.items: dict[str, QueueItem] = {}

    def enter(self, name: str, product: Product, moment: dt.datetime) -> None:
        self.items[name] = queued_item(product=product, entered_at=moment)

    def take(self, who: Any, name: str, moment: dt.datetime) -> None:
        self.clock["now"] = moment
        taken = queue_take_next(manager=who, now=moment)
        assert taken is not None and taken.pk == self.items[name].pk, name

    def touch(self, who: Any, name: str, moment: dt.datetime, outcome: str, **extra: Any) -> None:
        self.clock["now"] = moment
        queue_touch(
            manager=who,
            item_id=self.items[name].pk,
            channel="phone",
            outcome=outcome,
            now=moment,
            **extra,
        )

    def cancel(self, name: str, moment: dt.datetime) -> None:
        self.clock["now"] = moment
        order = self.items[name].order
        assert order is not None
        order_cancel(order=Order.objects.get(pk=order.pk), now=moment)

    def release(self, who: Any, name: str, moment: dt.datetime) -> None:
        self.clock["now"] = moment
        queue_release(manager=who, item_id=self.items[name].pk)


@pytest.fixture
def world(clock: dict[str, dt.datetime]) -> World:
    w = World(clock)
    w.enter("I0", w.b1, at(D - dt.timedelta(days=1), 22))
    w.cancel("I0", at(D, 8, 10))
    w.enter("I1", w.a1, at(D, 8, 30))
    w.take(w.m1, "I1", at(D, 9, 5))
    w.touch(w.m1, "I1", at(D, 9, 20), "no_answer")
    w.enter("I2", w.a2, at(D, 9, 30))
    w.take(w.m2, "I2", at(D, 10))
    w.take(w.m1, "I1", at(D, 10, 5))
    w.touch(w.m1, "I1", at(D, 10, 10), "refused", reason="not_interested")
    w.touch(w.m2, "I2", at(D, 10, 15), "callback", callback_at=at(D, 14))
    w.enter("I3", w.a1, at(D, 11))
    w.cancel("I3", at(D, 11, 20))
    w.enter("I4", w.b1, at(D, 12))
    w.take(w.m1, "I4", at(D, 13, 30))
    w.release(w.m1, "I4", at(D, 13, 45))
    w.take(w.m2, "I2", at(D, 14))  # the callback, due: it comes before I4
    w.touch(w.m2, "I2", at(D, 14, 5), "refused", reason="too_expensive")
    w.take(w.m2, "I4", at(D, 14, 10))
    w.touch(w.m2, "I4", at(D, 14, 20), "refused", reason="no_time")
    w.enter("I5", w.b1, at(D, 20, 50))
    w.enter("I6", w.a1, at(D, 21, 30))
    w.take(w.m1, "I5", at(NEXT, 9, 40))
    clock["now"] = NOW
    return w


def day(first: dt.date = D, last: dt.date = D) -> Period:
    return Period("range", first, last)


def health(params: dict[str, Any] | None = None, period: Period | None = None) -> QueueHealth:
    return queue_health_over_time(period=period or day(), params=params or {}, now=NOW)


H = 3600


# --- working time -----------------------------------------------------------------------------


def test_the_working_clock_stops_at_closing_and_runs_on_from_the_opening() -> None:
    # 20:50 + 60 working minutes: 10 to 21:00, 50 from 09:00 → 09:50 next day
    assert add_working_time(at(D, 20, 50), dt.timedelta(hours=1)) == at(NEXT, 9, 50)
    # from the night: the clock starts at 09:00
    assert add_working_time(at(D, 3), dt.timedelta(hours=1)) == at(D, 10)
    assert working_time_between(at(D, 20, 50), at(NEXT, 9, 40)) == dt.timedelta(minutes=50)
    assert working_time_between(at(D, 22), at(NEXT, 8)) == dt.timedelta()


def test_round_the_clock_hours_count_every_minute(settings: Any) -> None:
    settings.SALES_WORKING_HOURS = parse_working_hours("00:00-24:00")
    assert add_working_time(at(D, 23, 30), dt.timedelta(hours=1)) == at(NEXT, 0, 30)
    assert working_time_between(at(D, 23, 30), at(NEXT, 0, 30)) == dt.timedelta(hours=1)


# --- the crafted day --------------------------------------------------------------------------


def test_length_and_oldest_age_at_the_end_of_each_hour(world: World) -> None:
    result = health()

    assert result.bucket == "hour"
    assert [p.start for p in result.points] == [at(D, h) for h in range(24)]
    by_end = {p.at: (p.length, p.oldest_seconds) for p in result.points}
    # 01:00–08:00: I0 (entered D-1 22:00) waits until its order is cancelled at 08:10
    assert by_end[at(D, 1)] == (1, 3 * H)
    assert by_end[at(D, 8)] == (1, 10 * H)
    # 09:00: I0 gone; I1 waits since 08:30
    assert by_end[at(D, 9)] == (1, 30 * 60)
    # 10:00: I2 taken at 10:00 sharp (no longer waiting); I1 back since 09:50, entered 08:30
    assert by_end[at(D, 10)] == (1, 90 * 60)
    # 11:00: I3 entered at 11:00 sharp; 12:00: I3 withdrawn, I4 entered at 12:00 sharp
    assert by_end[at(D, 11)] == (1, 0)
    assert by_end[at(D, 12)] == (1, 0)
    # 13:00: I4 for an hour; 14:00: I4 released at 13:45, its age counts from 12:00
    assert by_end[at(D, 13)] == (1, H)
    assert by_end[at(D, 14)] == (1, 2 * H)
    # 15:00–20:00: nobody waits (I2 is a callback, then closed)
    for hour in range(15, 21):
        assert by_end[at(D, hour)] == (0, None)
    # 21:00: I5 for ten minutes; 22:00 – midnight: I5 and I6, I5 the oldest
    assert by_end[at(D, 21)] == (1, 10 * 60)
    assert by_end[at(D, 22)] == (2, 70 * 60)
    assert by_end[at(NEXT, 0)] == (2, 3 * H + 10 * 60)


def test_intake_per_hour_and_share_taken_within_the_hour(world: World) -> None:
    result = health()

    intake = {p.start.hour: p.intake for p in result.points if p.intake}
    # I1 08:30, I2 09:30, I3 11:00, I4 12:00, I5 20:50, I6 21:30; I0 entered the day before
    assert intake == {8: 1, 9: 1, 11: 1, 12: 1, 20: 1, 21: 1}
    assert result.intake == 6
    assert result.intake_per_hour == Decimal("0.25")  # 6 in 24 hours
    assert result.points[9].intake_per_hour == Decimal("1.00")

    # I1 (08:30) and I6 (21:30) entered outside working hours: not counted.
    # I2: taken after 30 min → within. I3: withdrawn at 11:20, before its hour ran out: left out.
    # I4: first taken after 90 min → missed. I5: 20:50 → taken 09:40 next day, 50 working min.
    share = {p.start.hour: (p.share.within, p.share.counted) for p in result.points}
    assert share[8] == (0, 0)
    assert share[9] == (1, 1)
    assert share[11] == (0, 0)
    assert share[12] == (0, 1)
    assert share[20] == (1, 1)
    assert share[21] == (0, 0)
    assert (result.share.within, result.share.counted) == (2, 3)
    assert result.share.percent == Decimal("66.7")
    assert result.points[11].share.percent is None


def test_the_tables_per_partner_and_product(world: World) -> None:
    result = health()

    # now (D+1 10:00) only I6 waits (I5 is held by m1): since D 21:30, 12 h 30 min
    assert (result.length, result.oldest_seconds) == (1, 12 * H + 30 * 60)
    partners = {
        r.name: (r.intake, r.share.within, r.share.counted, r.length, r.oldest_seconds)
        for r in result.by_partner
    }
    assert partners == {
        # P1: I1, I2, I3, I6 entered; I2 counted and within; I6 waiting now
        "Школа Альфа": (4, 1, 1, 1, 12 * H + 30 * 60),
        # P2: I4 (missed), I5 (within); nothing waiting now (I0 entered before the period)
        "Магазин Бета": (2, 1, 2, 0, None),
    }
    products = {
        r.name: (r.partner_name, r.intake, r.share.percent, r.length) for r in result.by_product
    }
    assert products == {
        "Курс А1": ("Школа Альфа", 3, None, 1),
        "Курс А2": ("Школа Альфа", 1, Decimal("100.0"), 0),
        "Товар Б1": ("Магазин Бета", 2, Decimal("50.0"), 0),
    }
    rows = {r.name: r for r in result.by_partner}
    assert rows["Школа Альфа"].intake_per_hour == Decimal("0.17")  # 4 / 24


def test_a_partner_filter_sees_only_that_partners_items(world: World) -> None:
    result = health({"partner": str(world.p2.pk)})

    # P2: I0 until 08:10, I4, I5
    assert result.intake == 2
    assert (result.share.within, result.share.counted) == (1, 2)
    by_end = {p.at: (p.length, p.oldest_seconds) for p in result.points}
    assert by_end[at(D, 8)] == (1, 10 * H)
    assert by_end[at(D, 9)] == (0, None)  # I1 is P1's
    assert by_end[at(D, 22)] == (1, 70 * 60)  # I5 alone
    assert [r.name for r in result.by_partner] == ["Магазин Бета"]
    assert (result.length, result.oldest_seconds) == (0, None)
    # the product list narrows to the partner's products
    assert [name for _pk, name, _p in result.products] == ["Товар Б1"]


def test_a_product_filter_sees_only_that_product(world: World) -> None:
    result = health({"product": str(world.a1.pk)})

    # A1: I1 08:30 (outside hours), I3 11:00 (withdrawn before its hour), I6 21:30
    assert result.intake == 3
    assert result.share.counted == 0 and result.share.percent is None
    by_end = {p.at: p.length for p in result.points}
    assert by_end[at(D, 10)] == 1  # I1 back from its retry pause
    assert by_end[at(D, 22)] == 1  # I6
    assert [r.name for r in result.by_product] == ["Курс А1"]
    assert result.length == 1


def test_an_unknown_or_malformed_filter_is_a_400_naming_the_field(world: World) -> None:
    with pytest.raises(ApplicationError) as bad:
        health({"partner": "nope"})
    assert bad.value.status_code == 400 and "partner" in bad.value.details
    with pytest.raises(ApplicationError) as other:
        # B1 is not one of P1's products
        health({"partner": str(world.p1.pk), "product": str(world.b1.pk)})
    assert "product" in other.value.details


def test_longer_periods_go_day_by_day(world: World) -> None:
    result = health(period=day(D - dt.timedelta(days=7), D))

    assert result.bucket == "day" and len(result.points) == 8
    last, before = result.points[-1], result.points[-2]
    # at the end of D (midnight): I5 and I6, I5 since 20:50
    assert (last.at, last.length, last.oldest_seconds) == (at(NEXT, 0), 2, 3 * H + 10 * 60)
    assert (last.intake, last.intake_per_hour) == (6, Decimal("0.25"))
    # at the end of D-1: I0 since 22:00
    assert (before.length, before.oldest_seconds, before.intake) == (1, 2 * H, 1)
    assert result.intake == 7 and (result.share.within, result.share.counted) == (2, 3)


def test_an_empty_period_shows_zeros_and_no_shares(world: World) -> None:
    empty = day(D - dt.timedelta(days=5), D - dt.timedelta(days=5))
    result = health(period=empty)

    assert len(result.points) == 24
    assert all(p.length == 0 and p.oldest_seconds is None and p.intake == 0 for p in result.points)
    assert result.intake == 0 and result.share.percent is None
    # the table still shows the queue as it is now (I6, of A1 / P1)
    assert [(r.name, r.intake, r.length) for r in result.by_product] == [("Курс А1", 0, 1)]


def test_today_stops_at_now_and_an_item_whose_hour_runs_is_not_counted_yet(
    clock: dict[str, dt.datetime],
) -> None:
    product = ProductFactory.create(on_sale=True)
    queued_item(product=product, entered_at=at(D, 10))
    now = at(D, 10, 30)
    clock["now"] = now

    result = queue_health_over_time(period=period_from({"period": "today"}, now=now), now=now)

    # buckets 00:00 … 10:00, the last one measured now
    assert len(result.points) == 11 and result.points[-1].at == now
    assert (result.points[-1].length, result.points[-1].oldest_seconds) == (1, 30 * 60)
    assert result.intake == 1 and result.share.counted == 0
    # 1 item in the 10.5 hours so far
    assert result.intake_per_hour == Decimal("0.10")


def test_a_period_too_large_to_read_says_so_instead_of_guessing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("stats.queue_health.MAX_ITEMS", 3)
    result = health()

    assert result.too_many and result.points == []
    assert result.length == 1  # the current queue is still one aggregate


def test_a_fixed_number_of_queries_whatever_the_data(
    world: World, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(QUERIES):
        health()
    for hour in range(9, 20):
        queued_item(product=world.b1, entered_at=at(D, hour, 1))
    with django_assert_num_queries(QUERIES):
        more = health(period=day(D - dt.timedelta(days=7), D))
    assert more.intake == 7 + 11


def test_partners_are_listed_for_the_filter(world: World) -> None:
    result = health()
    assert {name for _pk, name in result.partners} >= {"Школа Альфа", "Магазин Бета"}
