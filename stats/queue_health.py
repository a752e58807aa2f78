"""Queue health over time (issue 12): how long the queue was, how long its oldest item had
waited, how many items came in per hour, and how many of them a manager took within the hour —
per partner and product, over a period (:mod:`stats.periods`).

Definitions (the page says the same in Russian):

* **Waiting** at an instant: the item is in the queue (``queued``) and available to take then —
  as the head's queue page counts it (``available_at <= now``). A callback is not waiting: it
  belongs to its manager; nor is an item in its retry pause after «no answer» (it waits again
  once the pause is over), nor an item a manager holds.
* **Length** at an instant: how many items were waiting then. The chart shows it at the end of
  each bucket (or at the current moment for the bucket now running).
* **Oldest item's age** at an instant: the longest time since entering the queue among the
  items waiting then (``entered_at``, as on the head's queue page; a retried item keeps its age).
* **Intake per hour**: items that entered the queue in the bucket, divided by the bucket's
  length in hours (1 or 24, calendar hours). An item restored after a withdrawal did not enter
  anew.
* **Taken within the hour**: of the items that entered the queue *during working hours*
  (``SALES_WORKING_HOURS``) in the bucket, the share whose first take came within 60 working
  minutes (an item entering at 20:50 with hours 09:00–21:00 and taken at 09:40 next day waited
  50 working minutes: within the hour). Items entering outside working hours are not counted
  (they show in the intake). Left out as well: an item not taken yet whose hour has not run out,
  and one that left the queue untaken before its hour ran out (the order was paid or cancelled:
  nobody could have missed it). An item still untaken when its hour ran out counts as missed.

Buckets: hours for a period of up to 7 days, days otherwise (Moscow time); none after now.

How it reads: the waits are rebuilt from the items and their event log (``QueueEvent``): an
item waits from ``entered_at`` (and from each ``released``/``auto_released``/``entered``
event, and from a ``retry`` event plus the retry pause) until a ``taken``/``reassigned``/
``closed`` event. The current wait of an item still queued starts at its ``available_at``.
That needs working-hour arithmetic and intervals, which SQL cannot do portably on PostgreSQL
and SQLite alike, so the rows are read — bounded: the items that were open in the period
(at most :data:`MAX_ITEMS`) and their events (at most :data:`MAX_EVENTS`) — and bucketed in
Python with a sweep over the waits' starts and ends. Above either bound the figures are not
computed (``too_many`` is set) and the page asks for a shorter period or a filter. The current
length and oldest age per partner and product are one SQL aggregate. A page reads at most
:data:`QUERIES` queries, whatever the data.
"""

from __future__ import annotations

import datetime as dt
import heapq
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Partner, Product
from sales_queue.hours import (
    add_working_time,
    is_working_time,
)
from sales_queue.models import QueueEvent, QueueItem
from salesdesk.errors import ApplicationError
from salesdesk.timezones import MOSCOW
from stats.periods import Period

HOURLY_UP_TO_DAYS = 7
MAX_ITEMS = 20_000
MAX_EVENTS = 100_000
WITHIN = dt.timedelta(minutes=60)
# partners, products, items, events, current figures
QUERIES = 5

Kind = QueueEvent.Kind
_STARTS = (Kind.RELEASED, Kind.AUTO_RELEASED, Kind.ENTERED)
_ENDS = (Kind.TAKEN, Kind.REASSIGNED, Kind.CLOSED)


# --- the figures ------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _per_hour(count: int, hours: Decimal) -> Decimal:
    if not hours:
        return Decimal("0.00")
    return (Decimal(count) / hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Share:
    """Items counted for «taken within the hour» and how many of them were."""

    counted: int = 0
    within: int = 0

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.within, self.counted)


@dataclass
class Point:
    """One bucket ``[start, end)``; length and oldest age measured at ``at``."""

    start: dt.datetime
    end: dt.datetime
    at: dt.datetime
    length: int = 0
    oldest_seconds: int | None = None
    intake: int = 0
    intake_per_hour: Decimal = Decimal("0.00")
    share: Share = field(default_factory=Share)


@dataclass
class Row:
    """A partner's or product's figures: the period's intake and share, the current queue."""

    key: uuid.UUID
    name: str
    partner_name: str = ""
    intake: int = 0
    intake_per_hour: Decimal = Decimal("0.00")
    share: Share = field(default_factory=Share)
    length: int = 0
    oldest_seconds: int | None = None


@dataclass
class QueueHealth:
    period: Period
    now: dt.datetime
    bucket: str  # "hour" | "day"
    partner: uuid.UUID | None
    product: uuid.UUID | None
    partners: list[tuple[uuid.UUID, str]]
    products: list[tuple[uuid.UUID, str, str]]  # id, name, partner's name
    too_many: bool = False
    points: list[Point] = field(default_factory=list)
    intake: int = 0
    intake_per_hour: Decimal = Decimal("0.00")
    share: Share = field(default_factory=Share)
    length: int = 0
    oldest_seconds: int | None = None
    by_partner: list[Row] = field(default_factory=list)
    by_product: list[Row] = field(default_factory=list)


def _uuid(params: Mapping[str, Any], name: str) -> uuid.UUID | None:
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise _unknown(name) from None


def _unknown(name: str) -> ApplicationError:
    message = _("Unknown partner.") if name == "partner" else _("Unknown product.")
    return ApplicationError(message, code="validation_error", details={name: [message]})


def _bucket_starts(period: Period, upto: dt.datetime, hourly: bool) -> list[dt.datetime]:
    step = dt.timedelta(hours=1) if hourly else dt.timedelta(days=1)
    starts: list[dt.datetime] = []
    moment = period.start
    while moment < upto:
        starts.append(moment)
        # Moscow keeps UTC+3 all year; days are built from dates all the same.
        moment = (
            moment + step
            if hourly
            else dt.datetime.combine(moment.date() + step, dt.time(), tzinfo=MOSCOW)
        )
    return starts


@dataclass
class _Item:
    pk: uuid.UUID
    partner_id: uuid.UUID
    product_id: uuid.UUID
    entered_at: dt.datetime
    available_at: dt.datetime
    state: str
    taken_at: dt.datetime | None
    closed_at: dt.datetime | None
    events: list[tuple[str, dt.datetime]] = field(default_factory=list)


def _waits(item: _Item, retry_pause: dt.timedelta) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The item's waits ``[from, to)`` rebuilt from its events (``to`` None: still waiting)."""
    waits: list[tuple[dt.datetime, dt.datetime | None]] = []
    since: dt.datetime | None = item.entered_at
    for kind, at in item.events:
        if kind in _ENDS:
            if since is not None and since < at:
                waits.append((since, at))
            since = None
        elif kind in _STARTS:
            since = at if since is None else since
        elif kind == Kind.RETRY:
            since = at + retry_pause
    if since is not None:
        if item.state == QueueItem.State.QUEUED:
            # The current wait: the item's own available_at says when it opened.
            waits.append((item.available_at, None))
        else:
            # A state the log did not record (rows made by hand): the wait ends at the take or
            # the close the item itself remembers.
            ends = [t for t in (item.taken_at, item.closed_at) if t is not None and t > since]
            if ends:
                waits.append((since, min(ends)))
    return waits


def _first(item: _Item, kind: str) -> dt.datetime | None:
    return next((at for k, at in item.events if k == kind), None)


def _share_verdict(item: _Item, now: dt.datetime) -> bool | None:
    """True: taken within the hour; False: missed; None: not counted."""
    if not is_working_time(item.entered_at):
        return None
    deadline = add_working_time(item.entered_at, WITHIN)
    taken = _first(item, Kind.TAKEN) or item.taken_at
    if taken is not None and taken <= deadline:
        return True
    if deadline > now:
        return None  # its hour is still running
    closed = _first(item, Kind.CLOSED) or item.closed_at
    if closed is not None and closed < deadline and (taken is None or taken > closed):
        return None  # it left the queue untaken before its hour ran out
    return False


def _options(
    partner: uuid.UUID | None,
) -> tuple[list[tuple[uuid.UUID, str]], list[tuple[uuid.UUID, str, str]]]:
    partners = list(Partner.objects.order_by("name", "pk").values_list("pk", "name"))
    products: QuerySet[Product] = Product.objects.filter(
        Exists(QueueItem.objects.filter(product=OuterRef("pk")))
    )
    if partner is not None:
        products = products.filter(partner_id=partner)
    return partners, list(
        products.order_by("partner__name", "name", "pk").values_list("pk", "name", "partner__name")
    )


def queue_health_over_time(
    *, period: Period, params: Mapping[str, Any] | None = None, now: dt.datetime | None = None
) -> QueueHealth:
    """The queue's health in ``period``, filtered by ``params`` (``partner``, ``product``:
    ids; an unknown one is a 400 naming the field). Reads at most :data:`QUERIES` queries."""
    now = now or timezone.now()
    params = params or {}
    partner = _uuid(params, "partner")
    product = _uuid(params, "product")
    partners, products = _options(partner)
    if partner is not None and partner not in {pk for pk, _n in partners}:
        raise _unknown("partner")
    if product is not None and product not in {pk for pk, _n, _p in products}:
        raise _unknown("product")
    hourly = period.days <= HOURLY_UP_TO_DAYS
    health = QueueHealth(
        period=period,
        now=now,
        bucket="hour" if hourly else "day",
        partner=partner,
        product=product,
        partners=partners,
        products=products,
    )
    partner_names = dict(partners)
    product_names = {pk: (name, p_name) for pk, name, p_name in products}

    scope = Q()
    if partner is not None:
        scope &= Q(partner_id=partner)
    if product is not None:
        scope &= Q(product_id=product)

    upto = min(period.end, now)
    items = _read_items(scope, period, upto, now)
    if items is None:
        health.too_many = True
    else:
        _fill_over_time(health, items, period, upto, hourly, partner_names, product_names)
    _fill_current(health, scope, now, partner_names, product_names)
    return health


def _read_items(
    scope: Q, period: Period, upto: dt.datetime, now: dt.datetime
) -> list[_Item] | None:
    """The items open at some moment of the period, with their events; None above the bounds."""
    if upto <= period.start:
        return []
    open_in_period = QueueItem.objects.filter(
        scope,
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.start),
        entered_at__lt=upto,
    )
    rows = list(
        open_in_period.order_by("entered_at", "pk").values_list(
            "pk",
            "partner_id",
            "product_id",
            "entered_at",
            "available_at",
            "state",
            "taken_at",
            "closed_at",
        )[: MAX_ITEMS + 1]
    )
    if len(rows) > MAX_ITEMS:
        return None
    items = {row[0]: _Item(*row) for row in rows}
    if not items:
        return []
    # The same filter as a subquery (not 20 000 ids as parameters: SQLite caps those).
    events = list(
        QueueEvent.objects.filter(
            item__in=open_in_period.values("pk"),
            kind__in=[*_STARTS, *_ENDS, Kind.RETRY],
            created_at__lte=now,
        )
        .order_by("item_id", "created_at", "id")
        .values_list("item_id", "kind", "created_at")[: MAX_EVENTS + 1]
    )
    if len(events) > MAX_EVENTS:
        return None
    for item_id, kind, at in events:
        item = items.get(item_id)
        if item is not None:
            item.events.append((kind, at))
    return list(items.values())


def _fill_over_time(
    health: QueueHealth,
    items: list[_Item],
    period: Period,
    upto: dt.datetime,
    hourly: bool,
    partner_names: Mapping[uuid.UUID, str],
    product_names: Mapping[uuid.UUID, tuple[str, str]],
) -> None:
    now = health.now
    starts = _bucket_starts(period, upto, hourly)
    ends = [*starts[1:], period.end]
    points = [Point(start=s, end=e, at=min(e, now)) for s, e in zip(starts, ends, strict=True)]
    health.points = points
    bucket_hours = Decimal(1 if hourly else 24)

    by_partner: dict[uuid.UUID, Row] = {}
    by_product: dict[uuid.UUID, Row] = {}

    def row(rows: dict[uuid.UUID, Row], key: uuid.UUID, name: str, partner_name: str) -> Row:
        if key not in rows:
            rows[key] = Row(key=key, name=name, partner_name=partner_name)
        return rows[key]

    retry_pause = dt.timedelta(minutes=settings.SALES_RETRY_DELAY_MINUTES)
    waits: list[tuple[dt.datetime, dt.datetime | None, dt.datetime]] = []
    for item in items:
        waits.extend((s, e, item.entered_at) for s, e in _waits(item, retry_pause))
        if not (period.start <= item.entered_at < upto):
            continue
        index = _bucket_index(starts, item.entered_at)
        verdict = _share_verdict(item, now)
        partner_name = partner_names.get(item.partner_id, "")
        product_name = product_names.get(item.product_id, ("", partner_name))[0]
        targets: list[Point | QueueHealth | Row] = [
            points[index],
            health,
            row(by_partner, item.partner_id, partner_name, ""),
            row(by_product, item.product_id, product_name, partner_name),
        ]
        for target in targets:
            target.intake += 1
            if verdict is not None:
                target.share.counted += 1
                target.share.within += int(verdict)

    _sweep(points, waits)
    for point in points:
        point.intake_per_hour = _per_hour(point.intake, bucket_hours)
    hours = Decimal((upto - period.start).total_seconds()) / 3600
    health.intake_per_hour = _per_hour(health.intake, hours)
    for rows in (by_partner, by_product):
        for r in rows.values():
            r.intake_per_hour = _per_hour(r.intake, hours)
    health.by_partner = list(by_partner.values())
    health.by_product = list(by_product.values())


def _bucket_index(starts: list[dt.datetime], moment: dt.datetime) -> int:
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= moment:
            low = middle
        else:
            high = middle - 1
    return low


def _sweep(
    points: list[Point], waits: Iterable[tuple[dt.datetime, dt.datetime | None, dt.datetime]]
) -> None:
    """Length and oldest age at each point's instant: the waits ``[from, to)`` that cover it.

    One pass over the waits sorted by start, the open ones in a heap by entry time (the oldest
    on top); a wait that ended is dropped from the count at once and from the heap lazily."""
    ordered = sorted(
        ((s, e, entered) for s, e, entered in waits if e is None or s < e), key=lambda w: w[0]
    )
    by_end = sorted(
        ((e, n) for n, (_s, e, _en) in enumerate(ordered) if e is not None), key=lambda x: x[0]
    )
    heap: list[tuple[dt.datetime, int]] = []
    ended: set[int] = set()
    next_start = next_end = 0
    length = 0
    for point in points:
        while next_start < len(ordered) and ordered[next_start][0] <= point.at:
            heapq.heappush(heap, (ordered[next_start][2], next_start))
            length += 1
            next_start += 1
        while next_end < len(by_end) and by_end[next_end][0] <= point.at:
            ended.add(by_end[next_end][1])
            length -= 1
            next_end += 1
        while heap and heap[0][1] in ended:
            heapq.heappop(heap)
        point.length = length
        point.oldest_seconds = int((point.at - heap[0][0]).total_seconds()) if heap else None


def _fill_current(
    health: QueueHealth,
    scope: Q,
    now: dt.datetime,
    partner_names: Mapping[uuid.UUID, str],
    product_names: Mapping[uuid.UUID, tuple[str, str]],
) -> None:
    """The queue as it is now, per product (one aggregate): length and the oldest entry."""
    current = (
        QueueItem.objects.filter(scope, state=QueueItem.State.QUEUED, available_at__lte=now)
        .values("partner_id", "product_id")
        .annotate(length=Count("pk"), oldest=Min("entered_at"))
        .order_by()
    )
    by_partner = {r.key: r for r in health.by_partner}
    by_product = {r.key: r for r in health.by_product}
    partner_oldest: dict[uuid.UUID, dt.datetime] = {}
    oldest_all: dt.datetime | None = None
    lengths: dict[uuid.UUID, int] = defaultdict(int)
    for entry in current:
        partner_id, product_id = entry["partner_id"], entry["product_id"]
        partner_name = partner_names.get(partner_id, "")
        product_row = by_product.setdefault(
            product_id,
            Row(
                key=product_id,
                name=product_names.get(product_id, ("", ""))[0],
                partner_name=partner_name,
            ),
        )
        product_row.length = entry["length"]
        product_row.oldest_seconds = int((now - entry["oldest"]).total_seconds())
        lengths[partner_id] += entry["length"]
        if partner_id not in partner_oldest or entry["oldest"] < partner_oldest[partner_id]:
            partner_oldest[partner_id] = entry["oldest"]
        if oldest_all is None or entry["oldest"] < oldest_all:
            oldest_all = entry["oldest"]
    for partner_id, length in lengths.items():
        partner_row = by_partner.setdefault(
            partner_id, Row(key=partner_id, name=partner_names.get(partner_id, ""))
        )
        partner_row.length = length
        partner_row.oldest_seconds = int((now - partner_oldest[partner_id]).total_seconds())
    health.length = sum(lengths.values())
    health.oldest_seconds = int((now - oldest_all).total_seconds()) if oldest_all else None
    health.by_partner = sorted(by_partner.values(), key=lambda r: (r.name, str(r.key)))
    health.by_product = sorted(
        by_product.values(), key=lambda r: (r.partner_name, r.name, str(r.key))
    )
