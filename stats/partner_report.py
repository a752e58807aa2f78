"""The partner's report "what the sales department brought": per product and per month.

A **cohort** report: it follows the orders *created* in the period (Moscow time) and says what
became of each of them, whenever that happened (a payment or refund after the period still
counts for its order). Every figure counts orders of the cohort:

``orders``
    every order the storefront sent, cancelled ones included (``cancelled`` says how many).
``paid_in_grace``
    paid at or before its ``due_at`` (the grace period): never the sales department's work.
``sent_to_sales``
    entered the sales queue (has a queue item) and was not paid within the grace period (a
    payment made within the grace but reported after the sweep queued the order counts as
    paid within the grace, not here).
``taken``
    of those sent, the ones a manager took at least once.
``won``
    of those sent, the ones paid with a fee: a manager had taken the order at or before the
    payment (billing's verdict ``worked``), including a *late win* (paid within the
    attribution window after the item closed lost; ``late_wins`` says how many). A refund
    later does not undo a win; it lowers the revenue and the fee.
``paid_without_work``
    of those sent, the ones the buyer paid with no fee: before a manager took the order, or
    after the attribution window.
``revenue_recovered``
    what the won orders keep: ``amount − refunded_amount`` (never below zero), the same base
    the fee is computed on.
``fees``
    the net ledger of the cohort's orders: fees, reversals and adjustments, whenever written.
``share_recovered``
    ``won ÷ sent_to_sales`` in per cent with one decimal; ``None`` when nothing was sent.

Why the fees can differ from a statement: a statement sums the ledger rows *written* in its
month; this report sums the rows of the orders *created* in the period. For a month whose
orders were all paid (and refunded) in that same month, and with no other rows in it, the two
agree; an order created on the 31st and paid on the 1st counts in this report's first month
and the statement's second.

One SQL query, grouped by product and Moscow month; the totals, the per-product and the
per-month rows are summed from it in Python (products × months rows at most).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, TruncMonth

from billing.models import LedgerEntry, PaymentRecord
from billing.months import month_of, next_month
from orders.models import Order
from partners.models import Partner
from sales_queue.models import QueueItem
from salesdesk.money import ZERO, as_money
from salesdesk.timezones import MOSCOW
from stats.periods import Period, period_from, today_moscow

_MONEY: DecimalField = DecimalField(max_digits=14, decimal_places=2)

# The default period when none is asked for: the current month and the eleven before it.
DEFAULT_MONTHS = 12
DEFAULT_PRESET = "12m"

Verdict = PaymentRecord.Verdict

_PAID_IN_GRACE = Q(paid_at__isnull=False, paid_at__lte=F("due_at"))
_SENT = Q(queue_item__isnull=False) & (Q(paid_at__isnull=True) | Q(paid_at__gt=F("due_at")))
# The payment record's verdict is the rule billing charged by; an item closed as won covers
# payments recorded before billing kept payment records (the two agree on every later one).
_WON = _SENT & (
    Q(payment_record__verdict__in=[Verdict.WORKED, Verdict.LATE_WIN])
    | Q(queue_item__outcome=QueueItem.Outcome.WON)
)
_AGGREGATES: dict[str, Any] = {
    "orders": Count("pk"),
    "cancelled": Count("pk", filter=Q(status=Order.Status.CANCELLED)),
    "paid_in_grace": Count("pk", filter=_PAID_IN_GRACE),
    "sent_to_sales": Count("pk", filter=_SENT),
    "taken": Count("pk", filter=_SENT & Q(queue_item__taken_at__isnull=False)),
    "won": Count("pk", filter=_WON),
    "late_wins": Count("pk", filter=_SENT & Q(payment_record__verdict=Verdict.LATE_WIN)),
    "paid_without_work": Count(
        "pk",
        filter=_SENT & Q(payment_record__verdict__in=[Verdict.BEFORE_WORK, Verdict.OUTSIDE_WINDOW]),
    ),
    "revenue_recovered": Sum(
        Greatest(F("amount") - F("refunded_amount"), Value(ZERO), output_field=_MONEY),
        filter=_WON,
        output_field=_MONEY,
    ),
    "fees": Sum("net_fee", output_field=_MONEY),
}
COUNTS = (
    "orders",
    "cancelled",
    "paid_in_grace",
    "sent_to_sales",
    "taken",
    "won",
    "late_wins",
    "paid_without_work",
)
AMOUNTS = ("revenue_recovered", "fees")


def share(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent, one decimal; ``None`` when ``whole`` is zero."""
    return None if whole == 0 else (Decimal(100) * part / whole).quantize(Decimal("0.1"))


@dataclasses.dataclass(frozen=True)
class Figures:
    """The report's figures for one slice of the cohort (see the module's docstring)."""

    orders: int = 0
    cancelled: int = 0
    paid_in_grace: int = 0
    sent_to_sales: int = 0
    taken: int = 0
    won: int = 0
    late_wins: int = 0
    paid_without_work: int = 0
    revenue_recovered: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def share_recovered(self) -> Decimal | None:
        return share(self.won, self.sent_to_sales)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            **{
                field.name: getattr(self, field.name) + getattr(other, field.name)
                for field in dataclasses.fields(self)
            }
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Figures:
        values: dict[str, Any] = {name: row[name] or 0 for name in COUNTS}
        values.update({name: as_money(row[name]) for name in AMOUNTS})
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class ProductFigures:
    product_id: uuid.UUID
    name: str
    figures: Figures


@dataclasses.dataclass(frozen=True)
class MonthFigures:
    month: dt.date
    figures: Figures


@dataclasses.dataclass(frozen=True)
class PartnerReport:
    period: Period
    totals: Figures
    products: list[ProductFigures]
    months: list[MonthFigures]


def report_period(params: Mapping[str, Any], *, now: dt.datetime | None = None) -> Period:
    """The period the query asks for; with no dates (or ``period=12m``) the current Moscow
    month and the eleven before it. Bad values are a 400 naming the field
    (:func:`stats.periods.period_from`)."""
    asked = str(params.get("period") or "").strip()
    if asked in ("", DEFAULT_PRESET) and not (params.get("date_from") or params.get("date_to")):
        today = today_moscow(now)
        first = today.replace(day=1)
        for _step in range(DEFAULT_MONTHS - 1):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        return Period(DEFAULT_PRESET, first, today)
    return period_from(params, now=now)


def _months_of(period: Period) -> list[dt.date]:
    months, month = [], period.first.replace(day=1)
    while month <= period.last:
        months.append(month)
        month = next_month(month)
    return months


def partner_sales_report(*, partner: Partner, period: Period) -> PartnerReport:
    """The report for the orders ``partner`` received in ``period``. One query."""
    net_fee = (
        LedgerEntry.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    rows = (
        Order.objects.for_partner(partner)
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(
            month=TruncMonth("created_at", tzinfo=MOSCOW),
            net_fee=Coalesce(
                Subquery(net_fee, output_field=_MONEY), Value(ZERO), output_field=_MONEY
            ),
        )
        .order_by()
        .values("product_id", "product__name", "month")
        .annotate(**_AGGREGATES)
    )
    totals = Figures()
    by_product: dict[uuid.UUID, ProductFigures] = {}
    by_month: dict[dt.date, Figures] = {}
    for row in rows:
        figures = Figures.from_row(row)
        totals += figures
        product = by_product.get(row["product_id"])
        by_product[row["product_id"]] = ProductFigures(
            row["product_id"],
            row["product__name"],
            figures if product is None else product.figures + figures,
        )
        month = month_of(row["month"])
        by_month[month] = by_month.get(month, Figures()) + figures
    return PartnerReport(
        period=period,
        totals=totals,
        products=sorted(by_product.values(), key=lambda p: (p.name.casefold(), str(p.product_id))),
        months=[MonthFigures(m, by_month.get(m, Figures())) for m in _months_of(period)],
    )
