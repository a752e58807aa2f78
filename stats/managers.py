"""Manager statistics: per seller and period, the head's dashboard, a manager's own page, the
``/api/v1/stats/managers/`` endpoint and the exports all read :func:`manager_stats`.

Every figure is an SQL aggregate grouped by manager. The complete past Moscow days of a period
that the daily rollup holds (``stats.rollup``: rolled up and not changed since) are summed from
it; every other day — today, a day not rolled up yet, a day changed since — is read live from
the source tables by the queries below restricted to those days. The number of queries is fixed
whatever the number of managers, days, deals or orders: nine when no day is rolled up (the live
queries, the open tasks, the sellers with their rates and QA scores, the rolled-up days),
eleven with the rollup's sums and keyed counts. The two medians are exact when the whole
period is read live; when it mixes rolled-up days they come from merged log-spaced
histograms (``stats.histogram``), within 15 % (one bucket) of the exact median.

The figures:

* ``taken`` — ``QueueEvent(kind=taken)`` rows of the manager in the period; with it (same
  query) ``first_touch_delay``: the median time from each of those takes to the taker's first
  touch of the item after it (takes never touched do not count);
* ``touches`` — ``Touch`` rows by the manager in the period (on queue items and on deals);
* ``deal_after`` — the median «Сделка через» (``deal.created_at − deal.lead_created_at``) of
  the deals opened in the period that the manager is responsible for;
* ``won`` / ``lost`` — the manager's deals whose ``closed_at`` falls in the period with that
  status now (a late win moves ``closed_at`` to the win, so it counts as won then and the
  earlier loss no longer counts; withdrawn deals count neither way). A loss's reason is its
  lost stage change's (``crm.StageChange.reason`` — written for refusals, ``unreachable``
  and hand moves alike), else the queue item's ``outcome_reason``;
* ``revenue`` — the paid orders linked to the manager's deals (``orders.Order.deal``) with
  ``paid_at`` in the period, each counted at its amount net of refunds (``amount −
  refunded_amount``; nothing for an order refunded in full);
* ``fees`` — the billing ledger rows (fees, reversals, adjustments) created in the period for
  orders linked to the manager's deals;
* ``commission`` — ``revenue × rate / 100`` (the head's rate for the manager, else
  ``SALES_COMMISSION_PERCENT``), rounded half up to the kopeck;
* ``open_tasks`` / ``overdue_tasks`` — the manager's open tasks now, and those past due;
* ``qa_score`` / ``qa_reviews`` — quality assurance's reviews of the manager's calls scored in
  the period (``quality.Review.reviewed_at``; read live with the sellers' query, whatever the
  rollup): how many, and the mean of their scores rounded half up to two places (a review
  where no item applied has no score: counted, not averaged; ``None`` without a score).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import SELLER_ROLES, User
from billing.models import LedgerEntry
from crm.models import Deal, Task
from orders.models import Order
from quality.scoring import qa_mean
from quality.selectors import qa_score_columns
from sales_queue.models import QueueEvent, Touch
from salesdesk.money import KOPECK, ZERO
from salesdesk.timezones import MOSCOW
from stats.aggregates import Median
from stats.histogram import histogram, histogram_median
from stats.models import (
    DirtyDay,
    ManagerDay,
    ManagerDayCount,
    ManagerMonthCount,
    RollupDay,
    RollupMonth,
)
from stats.periods import Period

HUNDRED = Decimal(100)
RATIO = Decimal("0.0001")
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)


@dataclass
class ManagerStats:
    """One manager's figures over a period (see the module's docstring for each)."""

    manager_id: Any
    name: str
    email: str
    is_active: bool
    taken: int = 0
    touches: int = 0
    first_touch_delay: dt.timedelta | None = None
    deal_after: dt.timedelta | None = None
    won: int = 0
    lost: int = 0
    lost_reasons: dict[str, int] = field(default_factory=dict)
    revenue: Decimal = ZERO
    fees: Decimal = ZERO
    commission_percent: Decimal = ZERO
    open_tasks: int = 0
    overdue_tasks: int = 0
    qa_score: Decimal | None = None
    qa_reviews: int = 0

    @property
    def conversion(self) -> Decimal | None:
        """won ÷ (won + lost), four places; ``None`` with neither."""
        closed = self.won + self.lost
        if not closed:
            return None
        return (Decimal(self.won) / Decimal(closed)).quantize(RATIO, rounding=ROUND_HALF_UP)

    @property
    def commission(self) -> Decimal:
        return (self.revenue * self.commission_percent / HUNDRED).quantize(
            KOPECK, rounding=ROUND_HALF_UP
        )

    @property
    def first_touch_delay_seconds(self) -> int | None:
        return _seconds(self.first_touch_delay)

    @property
    def deal_after_seconds(self) -> int | None:
        return _seconds(self.deal_after)


def _seconds(value: dt.timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds())


Spans = list[tuple[dt.datetime, dt.datetime]]


def _within(name: str, spans: Spans) -> Q:
    """``name`` inside one of the half-open ``spans``; none at all matches nothing (Django
    then skips the query)."""
    if not spans:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{name}__gte": a, f"{name}__lt": b}) for a, b in spans))


def _day_runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days, ``(first, last)`` each."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def day_spans(days: Iterable[dt.date]) -> Spans:
    """The instants of the Moscow days, consecutive days joined into one span."""
    return [(Period("range", a, b).start, Period("range", a, b).end) for a, b in _day_runs(days)]


def _only(qs: QuerySet[Any], name: str, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    return qs if manager_ids is None else qs.filter(**{f"{name}__in": manager_ids})


def _delay(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _takes(spans: Spans, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    """Per manager: takes in the period and the median delay to the taker's first touch (kept
    on the take's event by the touch service, ``QueueEvent.first_touch_at``)."""
    return (
        _take_events(spans, manager_ids)
        .values("manager_id")
        .annotate(n=Count("id"), delay=Median(_delay("first_touch_at", "created_at")))
    )


def _take_events(spans: Spans, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    takes = QueueEvent.objects.filter(
        _within("created_at", spans), kind=QueueEvent.Kind.TAKEN, manager__isnull=False
    )
    return _only(takes, "manager_id", manager_ids).order_by()


def _touches(spans: Spans, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    touches = Touch.objects.filter(_within("created_at", spans))
    return (
        _only(touches, "manager_id", manager_ids)
        .order_by()
        .values("manager_id")
        .annotate(n=Count("id"))
    )


def _deals_opened_rows(spans: Spans, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    deals = Deal.objects.filter(_within("created_at", spans))
    return _only(deals, "responsible_id", manager_ids).order_by()


def _deals_opened(spans: Spans, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    return (
        _deals_opened_rows(spans, manager_ids)
        .values("responsible_id")
        .annotate(n=Count("id"), after=Median(_delay("created_at", "lead_created_at")))
    )


def _deals_closed(spans: Spans, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    deals = Deal.objects.filter(
        _within("closed_at", spans), status__in=(Deal.Status.WON, Deal.Status.LOST)
    )
    return (
        _only(deals, "responsible_id", manager_ids)
        .order_by()
        .values("responsible_id", "status", reason=F("lost_reason"))
        .annotate(n=Count("id"))
    )


def net_paid_amount() -> Case:
    """What an order brought: its amount net of refunds (nothing once refunded in full)."""
    return Case(
        When(status=Order.Status.REFUNDED, then=Value(ZERO)),
        default=F("amount") - F("refunded_amount"),
        output_field=MONEY,
    )


def _revenue(spans: Spans, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    orders = Order.objects.filter(_within("paid_at", spans), deal__isnull=False)
    return (
        _only(orders, "deal__responsible_id", manager_ids)
        .order_by()
        .values(manager_id=F("deal__responsible_id"))
        .annotate(total=Sum(net_paid_amount()))
    )


def _fees(spans: Spans, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    entries = LedgerEntry.objects.filter(_within("created_at", spans), order__deal__isnull=False)
    return (
        _only(entries, "order__deal__responsible_id", manager_ids)
        .order_by()
        .values(manager_id=F("order__deal__responsible_id"))
        .annotate(total=Sum("amount"))
    )


def _tasks(now: dt.datetime, manager_ids: Iterable[Any] | None) -> QuerySet[Any]:
    tasks = Task.objects.filter(done_at__isnull=True)
    return (
        _only(tasks, "assignee_id", manager_ids)
        .order_by()
        .values("assignee_id")
        .annotate(
            n=Count("id"),
            overdue=Count("id", filter=Q(due_at__lt=now), output_field=IntegerField()),
        )
    )


def commission_percent_default() -> Decimal:
    return Decimal(settings.SALES_COMMISSION_PERCENT)


def _add(mine: dict[str, Any], name: str, value: Any) -> None:
    mine[name] = mine.get(name, 0) + value


def _merge(counts: dict[Any, int], more: Mapping[Any, int]) -> None:
    for key, n in more.items():
        counts[key] = counts.get(key, 0) + n


def live_figures(
    spans: Spans, manager_ids: Iterable[Any] | None, *, binned: bool
) -> dict[Any, dict[str, Any]]:
    """Each manager's figures read from the source tables over ``spans`` (six queries; none
    without spans). The medians are exact (``first_touch_delay``, ``deal_after``), or with
    ``binned`` histograms of the values (``first_touch``, ``deal_after_hist``: bucket → count,
    see ``stats.histogram``) to merge with rolled-up days'."""
    figures: dict[Any, dict[str, Any]] = defaultdict(dict)
    if binned:
        delays: dict[Any, list[dt.timedelta]] = defaultdict(list)
        for manager_id, delay in _take_events(spans, manager_ids).values_list(
            "manager_id", _delay("first_touch_at", "created_at")
        ):
            _add(figures[manager_id], "taken", 1)
            if delay is not None:
                delays[manager_id].append(delay)
        for manager_id, values in delays.items():
            figures[manager_id]["first_touch"] = histogram(values)
        afters: dict[Any, list[dt.timedelta]] = defaultdict(list)
        for manager_id, after in _deals_opened_rows(spans, manager_ids).values_list(
            "responsible_id", _delay("created_at", "lead_created_at")
        ):
            _add(figures[manager_id], "deals_opened", 1)
            afters[manager_id].append(after)
        for manager_id, values in afters.items():
            figures[manager_id]["deal_after_hist"] = histogram(values)
    else:
        for row in _takes(spans, manager_ids):
            figures[row["manager_id"]].update(taken=row["n"], first_touch_delay=row["delay"])
        for row in _deals_opened(spans, manager_ids):
            figures[row["responsible_id"]].update(deals_opened=row["n"], deal_after=row["after"])
    for row in _touches(spans, manager_ids):
        figures[row["manager_id"]]["touches"] = row["n"]
    for row in _deals_closed(spans, manager_ids):
        mine = figures[row["responsible_id"]]
        _add(mine, row["status"], row["n"])
        if row["status"] == Deal.Status.LOST:
            _merge(mine.setdefault("lost_reasons", {}), {row["reason"]: row["n"]})
    for row in _revenue(spans, manager_ids):
        figures[row["manager_id"]]["revenue"] = row["total"] or ZERO
    for row in _fees(spans, manager_ids):
        figures[row["manager_id"]]["fees"] = row["total"] or ZERO
    return figures


@dataclass(frozen=True)
class Rolled:
    """What of a period the rollup serves: its rolled-up days not changed since (``days``),
    and the months whose sums are built (``months``, their first days); empty: all live."""

    days: frozenset[dt.date] = frozenset()
    months: frozenset[dt.date] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.days)

    def whole_months(self) -> list[dt.date]:
        """The built months every day of which is served (and so inside the period)."""
        return [m for m in sorted(self.months) if all(d in self.days for d in month_days(m))]


def month_days(month: dt.date) -> list[dt.date]:
    """The days of the month that starts on ``month``."""
    following = (month + dt.timedelta(days=31)).replace(day=1)
    return [month + dt.timedelta(days=n) for n in range((following - month).days)]


def rolled_days(period: Period) -> Rolled:
    """The part of the period the rollup serves (one query): the days rolled up and not
    changed since, and the months built among them."""
    first_month = period.first.replace(day=1)
    days = (
        RollupDay.objects.filter(day__gte=period.first, day__lte=period.last)
        .exclude(
            day__in=DirtyDay.objects.filter(day__gte=period.first, day__lte=period.last).values(
                "day"
            )
        )
        .annotate(is_month=Value(False))
        .values_list("day", "is_month")
    )
    months = (
        RollupMonth.objects.filter(month__gte=first_month, month__lte=period.last)
        .annotate(is_month=Value(True))
        .values_list("month", "is_month")
    )
    served: dict[bool, set[dt.date]] = {False: set(), True: set()}
    for day, is_month in days.union(months, all=True):
        if isinstance(day, str):  # SQLite returns the union's dates as text
            day = dt.date.fromisoformat(day)
        served[bool(is_month)].add(day)
    return Rolled(frozenset(served[False]), frozenset(served[True]))


def _days_within(runs: list[tuple[dt.date, dt.date]]) -> Q:
    if not runs:
        return Q(pk__in=[])
    return reduce(or_, (Q(day__gte=a, day__lte=b) for a, b in runs))


def _add_rolled(
    figures: dict[Any, dict[str, Any]], rolled: Rolled, manager_ids: Iterable[Any] | None
) -> None:
    """Add the rolled-up days' sums to ``figures`` (two queries)."""
    within = _days_within(_day_runs(rolled.days))
    sums = (
        _only(ManagerDay.objects.filter(within), "manager_id", manager_ids)
        .order_by()
        .values("manager_id")
        .annotate(
            taken_=Sum("taken"),
            touches_=Sum("touches"),
            deals_opened_=Sum("deals_opened"),
            won_=Sum("won"),
            lost_=Sum("lost"),
            revenue_=Sum("revenue"),
            fees_=Sum("fees"),
        )
    )
    for row in sums:
        mine = figures[row["manager_id"]]
        for name in ("taken", "touches", "deals_opened"):
            _add(mine, name, row[f"{name}_"])
        _add(mine, Deal.Status.WON, row["won_"])
        _add(mine, Deal.Status.LOST, row["lost_"])
        _add(mine, "revenue", row["revenue_"])
        _add(mine, "fees", row["fees_"])
    keyed = {
        ManagerDayCount.Kind.LOST: "lost_reasons",
        ManagerDayCount.Kind.FIRST_TOUCH: "first_touch",
        ManagerDayCount.Kind.DEAL_AFTER: "deal_after_hist",
    }
    # The histograms of whole months from their sums (kept equal to their days' rows by every
    # recomputation of a day), of the other days from the days' rows.
    months = rolled.whole_months()
    in_months = {d for m in months for d in month_days(m)}
    month_counts = (
        _only(ManagerMonthCount.objects.filter(month__in=months), "manager_id", manager_ids)
        .order_by()
        .values_list("manager_id", "kind", "key")
        .annotate(total=Sum("n"))
    )
    day_counts = (
        _only(
            ManagerDayCount.objects.filter(
                _days_within(_day_runs(d for d in rolled.days if d not in in_months))
            ),
            "manager_id",
            manager_ids,
        )
        .order_by()
        .values_list("manager_id", "kind", "key")
        .annotate(total=Sum("n"))
    )
    counts = day_counts.union(month_counts, all=True)
    for manager_id, kind, key, n in counts:
        name = keyed[kind]
        _merge(
            figures[manager_id].setdefault(name, {}),
            {key if kind == ManagerDayCount.Kind.LOST else int(key): n},
        )


def manager_stats(
    *,
    period: Period,
    manager_ids: Iterable[Any] | None = None,
    now: dt.datetime | None = None,
    rolled: Rolled | None = None,
) -> list[ManagerStats]:
    """Each seller's figures over ``period``: every seller with a figure in it, and every
    active seller (with zeros); ``manager_ids`` narrows to those managers. Sorted by name.

    The period's days in the rollup (``rolled``, read here if not given: :func:`rolled_days`)
    come from it, the others live from the source tables. Nine queries when no day is rolled
    up (the medians exact), eleven when some are (the medians from merged histograms; a
    period wholly rolled up skips the six live ones), whatever the number of managers."""
    now = now or timezone.now()
    ids = None if manager_ids is None else list(manager_ids)
    if rolled is None:
        rolled = rolled_days(period)
    live_days = [d for d in period.dates() if d not in rolled.days]
    figures = live_figures(day_spans(live_days), ids, binned=bool(rolled))
    if rolled:
        _add_rolled(figures, rolled, ids)
        for mine in figures.values():
            mine["first_touch_delay"] = histogram_median(mine.get("first_touch", {}))
            mine["deal_after"] = histogram_median(mine.get("deal_after_hist", {}))
    tasks = {row["assignee_id"]: row for row in _tasks(now, ids)}
    default_rate = commission_percent_default()

    qa = qa_score_columns(start=period.start, end=period.end)
    users = User.objects.filter(role__in=SELLER_ROLES).filter(
        Q(is_active=True) | Q(pk__in=list(figures)) | Q(qa.scored_any)
    )
    if ids is not None:
        users = users.filter(pk__in=ids)
    users = users.annotate(
        rate=F("commission_rate__percent"),
        qa_n=qa.reviews,
        qa_sum=qa.score_sum,
        qa_scored=qa.scored,
    ).order_by("full_name", "email")
    result = []
    for user in users.only("id", "full_name", "email", "is_active"):
        mine = figures.get(user.pk, {})
        task_row = tasks.get(user.pk, {})
        result.append(
            ManagerStats(
                manager_id=user.pk,
                name=user.full_name or user.email,
                email=user.email,
                is_active=user.is_active,
                taken=mine.get("taken", 0),
                touches=mine.get("touches", 0),
                first_touch_delay=mine.get("first_touch_delay"),
                deal_after=mine.get("deal_after"),
                won=mine.get(Deal.Status.WON, 0),
                lost=mine.get(Deal.Status.LOST, 0),
                lost_reasons=mine.get("lost_reasons", {}),
                revenue=Decimal(mine.get("revenue", ZERO)).quantize(KOPECK),
                fees=Decimal(mine.get("fees", ZERO)).quantize(KOPECK),
                commission_percent=default_rate if user.rate is None else user.rate,
                open_tasks=task_row.get("n", 0),
                overdue_tasks=task_row.get("overdue", 0),
                qa_score=qa_mean(user.qa_sum, user.qa_scored),
                qa_reviews=user.qa_n or 0,
            )
        )
    return result


@dataclass(frozen=True)
class Totals:
    taken: int
    touches: int
    won: int
    lost: int
    lost_reasons: dict[str, int]
    revenue: Decimal
    fees: Decimal
    commission: Decimal
    open_tasks: int
    overdue_tasks: int

    @property
    def conversion(self) -> Decimal | None:
        closed = self.won + self.lost
        if not closed:
            return None
        return (Decimal(self.won) / Decimal(closed)).quantize(RATIO, rounding=ROUND_HALF_UP)


def totals(rows: list[ManagerStats]) -> Totals:
    """The sums of the table's rows (medians do not add up, so they are left out)."""
    reasons: dict[str, int] = defaultdict(int)
    for row in rows:
        for reason, n in row.lost_reasons.items():
            reasons[reason] += n
    return Totals(
        taken=sum(r.taken for r in rows),
        touches=sum(r.touches for r in rows),
        won=sum(r.won for r in rows),
        lost=sum(r.lost for r in rows),
        lost_reasons=dict(reasons),
        revenue=sum((r.revenue for r in rows), ZERO),
        fees=sum((r.fees for r in rows), ZERO),
        commission=sum((r.commission for r in rows), ZERO),
        open_tasks=sum(r.open_tasks for r in rows),
        overdue_tasks=sum(r.overdue_tasks for r in rows),
    )


@dataclass(frozen=True)
class DailyPoint:
    day: dt.date
    won: int
    revenue: Decimal


def manager_daily(
    *,
    period: Period,
    manager_ids: Iterable[Any] | None = None,
    rolled: Rolled | None = None,
) -> list[DailyPoint]:
    """Deals won and paid revenue per Moscow day of the period (every day, zeros included),
    in one query (and one for ``rolled``, :func:`rolled_days`, unless given): the live per-day
    aggregates of the days not rolled up and the rolled-up days' sums joined by ``UNION ALL``."""
    ids = None if manager_ids is None else list(manager_ids)
    if rolled is None:
        rolled = rolled_days(period)
    spans = day_spans(d for d in period.dates() if d not in rolled.days)
    won = _only(
        Deal.objects.filter(_within("closed_at", spans), status=Deal.Status.WON),
        "responsible_id",
        ids,
    )
    paid = _only(
        Order.objects.filter(_within("paid_at", spans), deal__isnull=False),
        "deal__responsible_id",
        ids,
    )
    won_days = (
        won.order_by()
        .annotate(day=TruncDate("closed_at", tzinfo=MOSCOW))
        .values("day")
        .annotate(won=Count("id"), revenue=Value(ZERO, output_field=MONEY))
        .values_list("day", "won", "revenue")
    )
    paid_days = (
        paid.order_by()
        .annotate(day=TruncDate("paid_at", tzinfo=MOSCOW))
        .values("day")
        .annotate(won=Value(0, output_field=IntegerField()), revenue=Sum(net_paid_amount()))
        .values_list("day", "won", "revenue")
    )
    rolled_up = (
        _only(ManagerDay.objects.filter(_days_within(_day_runs(rolled.days))), "manager_id", ids)
        .order_by()
        .values("day")
        .annotate(won_=Sum("won"), revenue_=Sum("revenue"))
        .values_list("day", "won_", "revenue_")
    )
    by_day: dict[dt.date, list[Any]] = {d: [0, ZERO] for d in period.dates()}
    for day, n, revenue in won_days.union(paid_days, rolled_up, all=True):
        if isinstance(day, str):  # SQLite returns the union's dates as text
            day = dt.date.fromisoformat(day)
        point = by_day.setdefault(day, [0, ZERO])
        point[0] += n
        point[1] += Decimal(revenue or 0)
    return [
        DailyPoint(day, n, Decimal(revenue).quantize(KOPECK))
        for day, (n, revenue) in sorted(by_day.items())
    ]
