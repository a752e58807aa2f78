"""The partner cabinet's «Что принёс отдел продаж»: the report, its chart and its CSV
(definitions: :mod:`stats.partner_report`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from billing.months import format_month
from salesdesk.errors import ApplicationError
from stats.partner_report import (
    DEFAULT_PRESET,
    Figures,
    PartnerReport,
    partner_sales_report,
    report_period,
)
from stats.periods import Period, today_moscow
from web.stats.partner_serializers import FiguresSerializer
from web.tenancy import PartnerRequiredMixin

FIELDS = list(FiguresSerializer._declared_fields)


def _period_or_error(params: Any) -> tuple[Period, str]:
    """The period asked for, or the default one and why the asked one was refused."""
    try:
        return report_period(params), ""
    except ApplicationError as exc:
        return report_period({}), exc.message


def _month_before(day: dt.date) -> tuple[dt.date, dt.date]:
    last = day.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def _chart(report: PartnerReport) -> dict[str, Any]:
    """Per month: orders sent to the sales department and orders it won (bars)."""
    months = report.months
    return {
        "x": list(range(len(months))),
        "x_labels": [date_format(m.month, "m.Y") for m in months],
        "x_label": _("Month"),
        "kind": "bars",
        "series": [
            {
                "label": _("Sent to the sales department"),
                "values": [m.figures.sent_to_sales for m in months],
            },
            {"label": _("Paid after the work"), "values": [m.figures.won for m in months]},
        ],
    }


class PartnerReportView(PartnerRequiredMixin, TemplateView):
    """The partner's report for a period (the last 12 months unless asked otherwise)."""

    template_name = "stats/partner_report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        period, error = _period_or_error(self.request.GET)
        report = partner_sales_report(partner=self.partner, period=period)
        today = today_moscow()
        context.update(
            partner=self.partner,
            report=report,
            totals=report.totals,
            period=period,
            period_error=error,
            default_preset=DEFAULT_PRESET,
            this_month=(today.replace(day=1), today),
            previous_month=_month_before(today),
            csv_query="" if error else self.request.GET.urlencode(),
            chart=_chart(report),
        )
        return context


def _row(section: str, key: str, name: str, figures: Figures) -> list[str]:
    values = []
    for field in FIELDS:
        value = getattr(figures, field)
        values.append("" if value is None else str(value))
    return [section, key, name, *values]


def _text(value: str) -> str:
    # A product name comes from the partner; a leading formula character is defused.
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def report_csv(report: PartnerReport) -> str:
    """Totals, then one row per product, then one per month; the API's field names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "name", *FIELDS])
    period = f"{report.period.first.isoformat()}..{report.period.last.isoformat()}"
    writer.writerow(_row("total", period, "", report.totals))
    for product in report.products:
        writer.writerow(
            _row("product", str(product.product_id), _text(product.name), product.figures)
        )
    for month in report.months:
        writer.writerow(_row("month", format_month(month.month), "", month.figures))
    return out.getvalue()


class PartnerReportCsvView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            period = report_period(request.GET)
        except ApplicationError as exc:
            return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
        report = partner_sales_report(partner=self.partner, period=period)
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        name = f"sales-department-{period.first.isoformat()}-{period.last.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
