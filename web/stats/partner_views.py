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
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import TemplateView

from salesdesk.errors import ApplicationError
from salesdesk.text import spreadsheet_text
from salesdesk.timezones import moscow_day
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
# moscow_day leaves out the current year; a file kept for later should always say it.
LONG_AGO = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


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


# The download is opened by a person in a spreadsheet: Russian column titles, one per figure of
# the API (same order), and rows named in words. The numbers stay machine-readable (a dot, no
# thousands separator), as in the ledger's download.
FIELD_TITLES = {
    "orders": _lazy("Orders, cancelled included"),
    "cancelled": _lazy("Of them cancelled"),
    "paid_in_grace": _lazy("Paid within the grace period"),
    "sent_to_sales": _lazy("Sent to the sales department"),
    "taken": _lazy("Taken by a manager"),
    "won": _lazy("Paid after the work"),
    "late_wins": _lazy("Of them paid late, within the attribution window"),
    "paid_without_work": _lazy("Paid without the work"),
    "revenue_recovered": _lazy("Revenue recovered, RUB"),
    "fees": _lazy("Fees, RUB"),
    "share_recovered": _lazy("Share paid after the work, %"),
}


def _row(section: str, what: str, figures: Figures) -> list[str]:
    values = []
    for field in FIELDS:
        value = getattr(figures, field)
        values.append("" if value is None else str(value))
    return [section, what, *values]


def report_csv(report: PartnerReport) -> str:
    """Totals, then one row per product, then one per month, under Russian titles."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [_("Row"), _("Period, product or month"), *(str(FIELD_TITLES[f]) for f in FIELDS)]
    )
    period = _("%(first)s – %(last)s") % {
        "first": moscow_day(report.period.first, now=LONG_AGO),
        "last": moscow_day(report.period.last, now=LONG_AGO),
    }
    writer.writerow(_row(_("Total"), period, report.totals))
    for product in report.products:
        writer.writerow(_row(_("Product"), spreadsheet_text(product.name), product.figures))
    for month in report.months:
        writer.writerow(_row(_("Month"), date_format(month.month, "F Y"), month.figures))
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
