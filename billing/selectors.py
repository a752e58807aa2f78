"""Reads for billing. Partner-reachable selectors take the partner first.

A ledger row's statement month is its own ``created_at`` in Moscow time. Closed months are read
from their frozen :class:`MonthlyStatement`; the open ones are summed from the ledger.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from billing.models import FeePolicy, LedgerEntry, MonthlyStatement, PaymentRecord
from billing.months import current_month, month_bounds, month_of, next_month
from billing.policy import (
    DEFAULT_CURRENCY,
    DEFAULT_EFFECTIVE_FROM,
    DEFAULT_MAXIMUM,
    DEFAULT_MINIMUM,
    DEFAULT_RATE,
    fee_rule,
)
from crm.selectors import SalesStatus
from orders.models import Order, Refund
from orders.selectors import TimelineEntry, order_events, order_list
from partners.models import Partner
from sales_queue.selectors import item_events
from salesdesk.money import ZERO, as_money
from salesdesk.tenancy import get_object_or_404
from salesdesk.timezones import MOSCOW

_MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)
FEE, REVERSAL, ADJUSTMENT = (
    LedgerEntry.Kind.FEE,
    LedgerEntry.Kind.REVERSAL,
    LedgerEntry.Kind.ADJUSTMENT,
)


def policy_in_effect(at: dt.datetime) -> FeePolicy:
    """The policy whose terms applied at ``at``.

    A time before the first policy gets the first one. An empty table (a fresh or flushed
    database) gets the default policy back, so charging never fails for want of terms.
    """
    policy = FeePolicy.objects.filter(effective_from__lte=at).order_by("-effective_from").first()
    if policy is None:
        policy = FeePolicy.objects.order_by("effective_from").first()
    if policy is None:
        policy, _created = FeePolicy.objects.get_or_create(
            effective_from=DEFAULT_EFFECTIVE_FROM,
            defaults={
                "rate": DEFAULT_RATE,
                "minimum": DEFAULT_MINIMUM,
                "maximum": DEFAULT_MAXIMUM,
                "currency": DEFAULT_CURRENCY,
            },
        )
    return policy


@dataclasses.dataclass(frozen=True)
class StatementTotals:
    month: dt.date
    orders_handled: int
    paid: Decimal
    fees: Decimal
    reversals: Decimal
    adjustments: Decimal
    total: Decimal
    closed: bool = False
    closed_at: dt.datetime | None = None

    @classmethod
    def empty(cls, month: dt.date) -> StatementTotals:
        return cls(month, 0, ZERO, ZERO, ZERO, ZERO, ZERO)

    @classmethod
    def from_statement(cls, statement: MonthlyStatement) -> StatementTotals:
        return cls(
            month=statement.month,
            orders_handled=statement.orders_handled,
            paid=as_money(statement.paid),
            fees=as_money(statement.fees),
            reversals=as_money(statement.reversals),
            adjustments=as_money(statement.adjustments),
            total=as_money(statement.total),
            closed=True,
            closed_at=statement.closed_at,
        )


# Each order has at most one fee row, so summing its paid amount over fee rows counts every
# handled order's revenue exactly once.
_TOTALS = {
    "orders_handled": Count("order", distinct=True, filter=Q(kind=FEE)),
    "paid": Sum("order__paid_amount", filter=Q(kind=FEE), output_field=_MONEY),
    "fees": Sum("amount", filter=Q(kind=FEE), output_field=_MONEY),
    "reversals": Sum("amount", filter=Q(kind=REVERSAL), output_field=_MONEY),
    "adjustments": Sum("amount", filter=Q(kind=ADJUSTMENT), output_field=_MONEY),
    "total": Sum("amount", output_field=_MONEY),
}


def _totals(month: dt.date, row: dict[str, Any]) -> StatementTotals:
    return StatementTotals(
        month=month,
        orders_handled=row["orders_handled"] or 0,
        paid=as_money(row["paid"]),
        fees=as_money(row["fees"]),
        reversals=as_money(row["reversals"]),
        adjustments=as_money(row["adjustments"]),
        total=as_money(row["total"]),
    )


def _in_month(queryset: QuerySet[LedgerEntry], month: dt.date) -> QuerySet[LedgerEntry]:
    start, end = month_bounds(month)
    return queryset.filter(created_at__gte=start, created_at__lt=end)


# --- ledger rows ----------------------------------------------------------------------------


def ledger_entries(
    *,
    partner: Partner,
    order_id: uuid.UUID | None = None,
    kind: str | None = None,
    month: dt.date | None = None,
    order_external_id: str | None = None,
) -> QuerySet[LedgerEntry]:
    entries: QuerySet[LedgerEntry] = LedgerEntry.objects.for_partner(partner).select_related(
        "order"
    )
    if order_id is not None:
        entries = entries.filter(order_id=order_id)
    if kind:
        entries = entries.filter(kind=kind)
    if month is not None:
        entries = _in_month(entries, month)
    if order_external_id:
        entries = entries.filter(order__external_id=order_external_id)
    return entries.order_by("-created_at", "-id")


def order_net_fee(*, order: Order) -> Decimal | None:
    """What the order owes: the sum of its ledger rows, ``None`` when it never had a fee."""
    total = LedgerEntry.objects.filter(order=order).aggregate(total=Sum("amount"))["total"]
    return None if total is None else as_money(total)


def with_net_fee(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """Annotate ``net_fee``: the sum of each order's ledger rows, ``None`` when it has none."""
    net = (
        LedgerEntry.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return queryset.annotate(
        net_fee=Subquery(net, output_field=DecimalField(max_digits=12, decimal_places=2))
    )


def order_list_with_fee(*, partner: Partner, search: str = "") -> QuerySet[Order]:
    """The partner's orders as the API and the cabinet show them: ``sales_status`` and
    ``net_fee`` annotated (one query)."""
    return with_net_fee(order_list(partner=partner, search=search))


def order_with_fee_get(*, partner: Partner, order_id: Any) -> Order:
    """One of the partner's orders with its fee; another partner's or a malformed id is a 404."""
    orders = order_list_with_fee(partner=partner).select_related("queue_item__holder")
    return get_object_or_404(orders, pk=order_id)


def order_shown(order: Order, *, sales_status: str, net_fee: Decimal | None) -> Order:
    """Give ``order`` what :func:`order_with_fee_get` would annotate, as known by the service
    that has just written it (so that the API need not read it back)."""
    order.sales_status = sales_status  # type: ignore[attr-defined]
    order.net_fee = net_fee  # type: ignore[attr-defined]
    return order


def order_received(order: Order) -> Order:
    """The order just written by :func:`orders.services.order_create`, as the API shows it,
    without reading it back: it has no queue item yet and no ledger rows."""
    return order_shown(order, sales_status=SalesStatus.NONE, net_fee=None)


def order_as_shown(*, partner: Partner, order: Order) -> Order:
    """``order`` as the API shows it: itself when the service that wrote it said what it shows
    (:func:`order_shown`), else read afresh with its fee and sales status."""
    if hasattr(order, "sales_status") and hasattr(order, "net_fee"):
        return order
    return order_with_fee_get(partner=partner, order_id=order.pk)


def order_timeline(*, partner: Partner, order: Order) -> list[TimelineEntry]:
    """What happened to the order, oldest first: what exists of it, nothing invented."""
    if order.partner_id != partner.pk:
        return []
    entries = order_events(order=order)
    item = getattr(order, "queue_item", None)
    if item is not None:
        entries += item_events(item=item)
    labels: dict[str, str] = {
        LedgerEntry.Kind.FEE: _("Fee charged"),
        LedgerEntry.Kind.REVERSAL: _("Fee reversed"),
        LedgerEntry.Kind.ADJUSTMENT: _("Fee adjusted"),
    }
    record = PaymentRecord.objects.for_partner(partner).filter(order=order).first()
    if record is not None:
        # The payment's line says whether it owes a fee, and the rule it was judged by.
        days = policy_in_effect(record.paid_at).attribution_days
        why = f"{record.get_verdict_display()}. {fee_rule(attribution_days=days)}"
        entries = [
            dataclasses.replace(entry, detail=why) if entry.kind == "paid" else entry
            for entry in entries
        ]
    for row in (
        LedgerEntry.objects.for_partner(partner).filter(order=order).order_by("created_at", "id")
    ):
        entries.append(
            TimelineEntry(row.created_at, f"fee_{row.kind}", labels[row.kind], amount=row.amount)
        )
    return sorted(entries, key=lambda e: e.at)


# --- balance and statements -----------------------------------------------------------------


def partner_balance(*, partner: Partner) -> dict[str, Decimal]:
    """All-time net owed and this (open) month's net."""
    start, end = month_bounds(current_month())
    row = LedgerEntry.objects.for_partner(partner).aggregate(
        total=Sum("amount", output_field=_MONEY),
        this_month=Sum(
            "amount",
            filter=Q(created_at__gte=start, created_at__lt=end),
            output_field=_MONEY,
        ),
    )
    return {"total": as_money(row["total"]), "this_month": as_money(row["this_month"])}


def statement_live_totals(*, partner: Partner, month: dt.date) -> StatementTotals:
    """The month's totals summed from the ledger now (what an open month shows)."""
    row = _in_month(LedgerEntry.objects.for_partner(partner), month).aggregate(**_TOTALS)
    return _totals(month, row)


def statement_for_month(*, partner: Partner, month: dt.date) -> StatementTotals:
    """The frozen statement of a closed month, or live totals for an open one."""
    statement = MonthlyStatement.objects.for_partner(partner).filter(month=month).first()
    if statement is not None:
        return StatementTotals.from_statement(statement)
    return statement_live_totals(partner=partner, month=month)


def statement_months(*, partner: Partner) -> list[StatementTotals]:
    """Every month from the partner's first ledger row (or closed statement) to the current
    one, newest first: closed months as frozen, open ones live. Three queries in all."""
    frozen = {
        s.month: StatementTotals.from_statement(s)
        for s in MonthlyStatement.objects.for_partner(partner)
    }
    live = {
        month_of(row["month"]): _totals(month_of(row["month"]), row)
        for row in LedgerEntry.objects.for_partner(partner)
        .annotate(month=TruncMonth("created_at", tzinfo=MOSCOW))
        .order_by()
        .values("month")
        .annotate(**_TOTALS)
    }
    known = set(frozen) | set(live)
    if not known:
        return []
    months: list[StatementTotals] = []
    month, last = min(known), current_month()
    while month <= last:
        months.append(frozen.get(month) or live.get(month) or StatementTotals.empty(month))
        month = next_month(month)
    return months[::-1]


def statement_totals_by_partner(*, month: dt.date) -> dict[uuid.UUID, StatementTotals]:
    """The month's live totals of every partner with ledger rows in it (one grouped query)."""
    rows = (
        _in_month(LedgerEntry.objects.all(), month)
        .order_by()
        .values("partner_id")
        .annotate(**_TOTALS)
    )
    return {row["partner_id"]: _totals(month, row) for row in rows}


def head_fee_table(*, year: int) -> list[dict[str, Any]]:
    """Net fees per partner and Moscow month of ``year``, for the head's table.

    Rows: ``{"partner", "months": [12 × Decimal], "total"}``, partners with no rows left out.
    """
    start = dt.datetime(year, 1, 1, tzinfo=MOSCOW)
    end = dt.datetime(year + 1, 1, 1, tzinfo=MOSCOW)
    grouped = (
        LedgerEntry.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at", tzinfo=MOSCOW))
        .order_by()
        .values("partner_id", "month")
        .annotate(net=Coalesce(Sum("amount", output_field=_MONEY), ZERO, output_field=_MONEY))
    )
    cells: dict[uuid.UUID, list[Decimal]] = defaultdict(lambda: [ZERO] * 12)
    for row in grouped:
        cells[row["partner_id"]][month_of(row["month"]).month - 1] = as_money(row["net"])
    partners = Partner.objects.filter(pk__in=list(cells)).order_by("name")
    return [
        {"partner": p, "months": cells[p.pk], "total": sum(cells[p.pk], ZERO)} for p in partners
    ]


# --- under-reporting signals (the head's billing page) ---------------------------------------

# A payment reported this long after its own ``paid_at`` counts as "reported late".
LATE_REPORT_AFTER = dt.timedelta(hours=24)

# Reported late while a manager was working the order: taken by the time the report came, and
# the item had not closed before the buyer paid.
_LATE_WHILE_WORKED = (
    Q(recorded_at__gt=F("paid_at") + LATE_REPORT_AFTER)
    & Q(item_taken_at__isnull=False, item_taken_at__lte=F("recorded_at"))
    & (Q(item_closed_at__isnull=True) | Q(item_closed_at__gt=F("paid_at")))
)


def _share(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(100) * part / whole).quantize(Decimal("0.1"))


@dataclasses.dataclass(frozen=True)
class UnderReportingRow:
    """One partner's month: payments recorded, and the signals that a storefront reports
    payments so as to avoid the fee."""

    partner: Partner
    month: dt.date
    payments: int = 0
    late_while_worked: int = 0
    below_amount: int = 0
    charged: int = 0
    refunded_charged: int = 0

    @property
    def late_share(self) -> Decimal | None:
        """Per cent of the month's payments."""
        return _share(self.late_while_worked, self.payments)

    @property
    def below_share(self) -> Decimal | None:
        """Per cent of the month's payments."""
        return _share(self.below_amount, self.payments)

    @property
    def refunded_share(self) -> Decimal | None:
        """Per cent of the orders charged in the month."""
        return _share(self.refunded_charged, self.charged)


def head_under_reporting(*, year: int) -> list[UnderReportingRow]:
    """Per partner and Moscow month of ``year`` (by when billing recorded it): payments
    reported more than :data:`LATE_REPORT_AFTER` after their ``paid_at`` while the order was
    being worked, payments below the order's amount, and refunds of charged orders — counts,
    and shares of the month's payments (of its charged orders for refunds). Three grouped
    queries; partners and months with nothing to show are left out."""
    start = dt.datetime(year, 1, 1, tzinfo=MOSCOW)
    end = dt.datetime(year + 1, 1, 1, tzinfo=MOSCOW)
    cells: dict[tuple[uuid.UUID, dt.date], dict[str, int]] = defaultdict(dict)
    payments = (
        PaymentRecord.objects.filter(recorded_at__gte=start, recorded_at__lt=end)
        .annotate(month=TruncMonth("recorded_at", tzinfo=MOSCOW))
        .order_by()
        .values("partner_id", "month")
        .annotate(
            payments=Count("id"),
            late_while_worked=Count("id", filter=_LATE_WHILE_WORKED),
            below_amount=Count("id", filter=Q(paid_amount__lt=F("order_amount"))),
        )
    )
    for row in payments:
        cells[(row["partner_id"], month_of(row["month"]))].update(
            payments=row["payments"],
            late_while_worked=row["late_while_worked"],
            below_amount=row["below_amount"],
        )
    charged = (
        LedgerEntry.objects.filter(kind=FEE, created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at", tzinfo=MOSCOW))
        .order_by()
        .values("partner_id", "month")
        .annotate(charged=Count("order", distinct=True))
    )
    for row in charged:
        cells[(row["partner_id"], month_of(row["month"]))]["charged"] = row["charged"]
    refunds = (
        Refund.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            order__ledger_entries__kind=FEE,
        )
        .annotate(month=TruncMonth("created_at", tzinfo=MOSCOW))
        .order_by()
        .values("order__partner_id", "month")
        .annotate(refunded=Count("order", distinct=True))
    )
    for row in refunds:
        key = (row["order__partner_id"], month_of(row["month"]))
        cells[key]["refunded_charged"] = row["refunded"]
    partners = Partner.objects.in_bulk({partner_id for partner_id, _month in cells})
    rows = [
        UnderReportingRow(partner=partners[partner_id], month=month, **counts)
        for (partner_id, month), counts in cells.items()
        if partner_id in partners
    ]
    return sorted(rows, key=lambda r: (r.partner.name, r.month))
