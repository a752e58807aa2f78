"""The daily rollup of the manager statistics, maintained incrementally.

A rolled-up day is a complete past Moscow day: day D is rolled up once it ended more than
:data:`SETTLE` ago. Its figures (``stats.managers`` defines each) are kept per manager in
``ManagerDay`` (counts and money) and ``ManagerDayCount`` (losses by reason, and log-spaced
histograms of the first-touch delays and «Сделка через», ``stats.histogram``); ``RollupDay``
marks the day as rolled; once every day of a month is, the month's keyed counts are summed in
``ManagerMonthCount`` (``RollupMonth`` marks it; recomputing one of its days shifts the sums by
the day's change in the same transaction), so a year's medians merge twelve months' histograms.

:func:`rollup_run` (Celery beat every five minutes, ``stats.tasks.rollup_task``, and
``manage.py stats_rollup``) rolls up the past days not rolled yet, oldest first, at most
``batch`` of them a run, recomputes the days logged as dirty, and builds the months.

Dirty days. A past day's figures change after the fact when, for example, a take's first touch
lands the next day (``QueueEvent.first_touch_at``, the touch service), a deal is handed over
(``crm.services.deal_responsible_set``, ``deal_reassign``, ``deal_edit`` — its opened and
closed days, its orders' payment days and their ledger entries' days move to the new
manager), a late win or a reopening moves or clears ``closed_at`` (``deal_win_late``,
``deal_reopen``, ``deal_move_stage``, ``deals_close``), a payment is reported late
(``orders.services`` order payment with a past ``paid_at``), an order is refunded
(``refunded_amount`` / ``status``), a paid order is linked to a deal (``Order.deal``), or a
ledger entry is written with a past date. Rather than trust every one of these writers (and
every future one, ``QuerySet.update()`` and raw SQL included) to say so, database triggers on
the five source tables (migration ``stats.0003``) append the affected past day(s), old and new
values, to the append-only ``stats_dirtyday`` log — only days before the current Moscow day,
so the writes of today add nothing. A dirty day is read live until a run recomputes it: in
one savepoint per day the run reads the day's dirty-log ids, recomputes its rows (delete and
insert) and deletes exactly those ids, so a change committed meanwhile leaves its own id for
the next run. Runs on PostgreSQL are one transaction holding a transaction-level advisory
lock: a second run at the same time does nothing.

The one gap: a transaction that writes a day's rows before its midnight and commits more than
:data:`SETTLE` after it (the trigger saw "today", the run already rolled the day up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Min, Sum
from django.utils import timezone

from billing.models import LedgerEntry
from crm.models import Deal
from orders.models import Order
from sales_queue.models import QueueEvent, Touch
from salesdesk.money import ZERO
from salesdesk.timezones import MOSCOW
from stats.managers import day_spans, live_figures, month_days
from stats.models import (
    DirtyDay,
    ManagerDay,
    ManagerDayCount,
    ManagerMonthCount,
    RollupDay,
    RollupMonth,
)

SETTLE = dt.timedelta(minutes=5)
BATCH_DAYS = 62
# pg_try_advisory_xact_lock's key: "stats rollup".
LOCK_KEY = 0x57A75_0011


def last_complete_day(now: dt.datetime) -> dt.date:
    """The last Moscow day that ended at least :data:`SETTLE` before ``now``."""
    return (now - SETTLE).astimezone(MOSCOW).date() - dt.timedelta(days=1)


@contextmanager
def _run_lock() -> Iterator[bool]:
    """The run in one transaction holding a transaction-level advisory lock (each day's own
    transaction a savepoint in it): nothing outlives the transaction, so the lock holds behind
    PgBouncer in transaction mode too, where a session-level lock could be taken on one server
    connection and released on another."""
    if connection.vendor != "postgresql":
        yield True  # SQLite serialises the writers
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            (got,) = cursor.fetchone()
        yield bool(got)


def _first_data_day() -> dt.date | None:
    """The Moscow day of the oldest row any figure reads."""
    firsts = [
        QueueEvent.objects.filter(kind=QueueEvent.Kind.TAKEN).aggregate(m=Min("created_at"))["m"],
        Touch.objects.aggregate(m=Min("created_at"))["m"],
        Deal.objects.aggregate(m=Min("created_at"))["m"],
        Order.objects.filter(deal__isnull=False).aggregate(m=Min("paid_at"))["m"],
        LedgerEntry.objects.aggregate(m=Min("created_at"))["m"],
    ]
    present = [f for f in firsts if f is not None]
    return min(present).astimezone(MOSCOW).date() if present else None


def rollup_day(*, day: dt.date, now: dt.datetime | None = None) -> None:
    """Recompute one Moscow day's rows from the source tables and mark it rolled up, clearing
    the dirty-log rows of the day read before the recomputation (in one transaction)."""
    with transaction.atomic():
        dirty_ids = list(DirtyDay.objects.filter(day=day).values_list("id", flat=True))
        figures = live_figures(day_spans([day]), None, binned=True)
        old_counts = {
            (manager_id, kind, key): n
            for manager_id, kind, key, n in ManagerDayCount.objects.filter(day=day).values_list(
                "manager_id", "kind", "key", "n"
            )
        }
        ManagerDay.objects.filter(day=day).delete()
        ManagerDayCount.objects.filter(day=day).delete()
        ManagerDay.objects.bulk_create(
            ManagerDay(
                manager_id=manager_id,
                day=day,
                taken=mine.get("taken", 0),
                touches=mine.get("touches", 0),
                deals_opened=mine.get("deals_opened", 0),
                won=mine.get(Deal.Status.WON, 0),
                lost=mine.get(Deal.Status.LOST, 0),
                revenue=mine.get("revenue", ZERO),
                fees=mine.get("fees", ZERO),
            )
            for manager_id, mine in figures.items()
        )
        counts: list[ManagerDayCount] = []
        for manager_id, mine in figures.items():
            for kind, name in (
                (ManagerDayCount.Kind.LOST, "lost_reasons"),
                (ManagerDayCount.Kind.FIRST_TOUCH, "first_touch"),
                (ManagerDayCount.Kind.DEAL_AFTER, "deal_after_hist"),
            ):
                counts += [
                    ManagerDayCount(manager_id=manager_id, day=day, kind=kind, key=str(k), n=n)
                    for k, n in mine.get(name, {}).items()
                ]
        _month_counts_shift(day, old=old_counts, new=counts)
        ManagerDayCount.objects.bulk_create(counts)
        RollupDay.objects.update_or_create(day=day, defaults={"computed_at": now or timezone.now()})
        if dirty_ids:
            DirtyDay.objects.filter(id__in=dirty_ids).delete()


def _month_counts_shift(
    day: dt.date, *, old: dict[tuple[Any, str, str], int], new: list[ManagerDayCount]
) -> None:
    """Keep a built month's sums equal to its days' rows: add the day's new counts and take
    its old ones away, in the day's transaction (so a page never sees the two disagree)."""
    month = day.replace(day=1)
    if not RollupMonth.objects.filter(month=month).exists():
        return
    delta = dict.fromkeys(old, 0)
    for key, n in old.items():
        delta[key] -= n
    for count in new:
        key = (count.manager_id, count.kind, count.key)
        delta[key] = delta.get(key, 0) + count.n
    delta = {key: n for key, n in delta.items() if n}
    if not delta:
        return
    rows = {
        (r.manager_id, r.kind, r.key): r
        for r in ManagerMonthCount.objects.filter(
            month=month, manager_id__in={key[0] for key in delta}
        )
    }
    created, changed, emptied = [], [], []
    for (manager_id, kind, count_key), n in delta.items():
        row = rows.get((manager_id, kind, count_key))
        if row is None:
            created.append(
                ManagerMonthCount(manager_id=manager_id, month=month, kind=kind, key=count_key, n=n)
            )
        elif row.n + n:
            row.n += n
            changed.append(row)
        else:
            emptied.append(row.pk)
    ManagerMonthCount.objects.bulk_create(created)
    ManagerMonthCount.objects.bulk_update(changed, ["n"])
    ManagerMonthCount.objects.filter(pk__in=emptied).delete()


def _build_months(last: dt.date, *, now: dt.datetime | None) -> None:
    """Sum the histograms and losses of every month over and wholly rolled up, not built yet
    (a month read from them is one whose every day is served: ``Rolled.whole_months``)."""
    built = set(RollupMonth.objects.values_list("month", flat=True))
    rolled = RollupDay.objects.filter(day__lte=last).values_list("day", flat=True)
    per_month: dict[dt.date, int] = {}
    for day in rolled:
        per_month[day.replace(day=1)] = per_month.get(day.replace(day=1), 0) + 1
    for month, days in sorted(per_month.items()):
        month_range = month_days(month)
        if month in built or month_range[-1] > last or days != len(month_range):
            continue
        with transaction.atomic():
            rows = (
                ManagerDayCount.objects.filter(day__gte=month, day__lte=month_range[-1])
                .order_by()
                .values_list("manager_id", "kind", "key")
                .annotate(total=Sum("n"))
            )
            ManagerMonthCount.objects.filter(month=month).delete()
            ManagerMonthCount.objects.bulk_create(
                ManagerMonthCount(manager_id=m, month=month, kind=kind, key=key, n=n)
                for m, kind, key, n in rows
            )
            RollupMonth.objects.update_or_create(
                month=month, defaults={"computed_at": now or timezone.now()}
            )


def rollup_run(*, now: dt.datetime | None = None, batch: int = BATCH_DAYS) -> dict[str, Any]:
    """One run: the dirty past days recomputed, then up to ``batch`` past days not rolled up
    yet (oldest first). Returns ``{"rolled": new days, "dirty": days recomputed}`` (and
    ``"busy": true`` when another run holds the lock and this one did nothing)."""
    now = now or timezone.now()
    last = last_complete_day(now)
    with _run_lock() as got:
        if not got:
            return {"rolled": 0, "dirty": 0, "busy": True}
        # Dirty days already rolled up are recomputed; the others are rolled up in their turn
        # (which clears their log rows).
        dirty = list(
            DirtyDay.objects.filter(day__lte=last, day__in=RollupDay.objects.values("day"))
            .order_by("day")
            .values_list("day", flat=True)
            .distinct()[:batch]
        )
        starts = [
            RollupDay.objects.aggregate(m=Min("day"))["m"],
            DirtyDay.objects.aggregate(m=Min("day"))["m"],
        ]
        present = [d for d in starts if d is not None]
        first = min(present) if present else _first_data_day()
        if first is not None:
            first = first.replace(day=1)  # whole months, so their sums get built
        todo: list[dt.date] = []
        if first is not None and first <= last:
            done = set(RollupDay.objects.filter(day__gte=first).values_list("day", flat=True))
            day = first
            while day <= last and len(todo) < batch:
                if day not in done:
                    todo.append(day)
                day += dt.timedelta(days=1)
        recomputed = [d for d in dirty if d not in todo]
        for day in sorted({*dirty, *todo}):
            rollup_day(day=day, now=now)
        _build_months(last, now=now)
    return {"rolled": len(todo), "dirty": len(recomputed)}
