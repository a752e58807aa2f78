"""Output of the partner's report "what the sales department brought" (API and CSV)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from billing.months import format_month
from stats.partner_report import Figures, PartnerReport


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2)


class FiguresSerializer(serializers.Serializer):
    orders = serializers.IntegerField(help_text="Orders created in the period, cancelled included.")
    cancelled = serializers.IntegerField(help_text="Of them, cancelled.")
    paid_in_grace = serializers.IntegerField(
        help_text="Paid at or before the order's due time (within the grace period)."
    )
    sent_to_sales = serializers.IntegerField(
        help_text="Entered the sales queue unpaid (not paid within the grace period)."
    )
    taken = serializers.IntegerField(help_text="Of those sent, taken by a manager at least once.")
    won = serializers.IntegerField(
        help_text="Of those sent, paid with a fee: a manager had taken the order before the "
        "payment, late wins included. A later refund does not undo a win."
    )
    late_wins = serializers.IntegerField(
        help_text="Of the won, paid within the attribution window after the item closed."
    )
    paid_without_work = serializers.IntegerField(
        help_text="Of those sent, paid with no fee: before a manager took the order, or after "
        "the attribution window."
    )
    revenue_recovered = _money()
    fees = _money()
    share_recovered = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="won ÷ sent_to_sales in per cent (one decimal); null when nothing was sent.",
    )


class ProductFiguresSerializer(FiguresSerializer):
    product = serializers.UUIDField()
    name = serializers.CharField()


class MonthFiguresSerializer(FiguresSerializer):
    month = serializers.CharField(help_text="Moscow-time month of the orders' creation, YYYY-MM.")


class PartnerReportSerializer(FiguresSerializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    products = ProductFiguresSerializer(many=True)
    months = MonthFiguresSerializer(many=True)


def figures_data(figures: Figures) -> dict[str, Any]:
    data: dict[str, Any] = {
        field: getattr(figures, field) for field in FiguresSerializer._declared_fields
    }
    return data


def report_data(report: PartnerReport) -> dict[str, Any]:
    """The report as the serializer takes it (field names as in the API)."""
    return {
        **figures_data(report.totals),
        "date_from": report.period.first,
        "date_to": report.period.last,
        "products": [
            {"product": p.product_id, "name": p.name, **figures_data(p.figures)}
            for p in report.products
        ],
        "months": [
            {"month": format_month(m.month), **figures_data(m.figures)} for m in report.months
        ],
    }
