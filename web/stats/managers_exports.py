"""The manager statistics table as CSV and XLSX: Russian headers, amounts and counts as
numbers (a spreadsheet sums them), durations in minutes, the period in the file name."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from salesdesk.text import spreadsheet_text
from stats.managers import ManagerStats
from stats.periods import Period
from web.templatetags.stats_managers import reason_label

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _minutes(seconds: int | None) -> Decimal | None:
    return None if seconds is None else (Decimal(seconds) / 60).quantize(Decimal("0.1"))


def _conversion_percent(row: ManagerStats) -> Decimal | None:
    return None if row.conversion is None else (row.conversion * 100).quantize(Decimal("0.01"))


def _reasons(row: ManagerStats) -> str:
    return "; ".join(f"{reason_label(k)}: {n}" for k, n in sorted(row.lost_reasons.items()))


def columns() -> list[tuple[str, Callable[[ManagerStats], Any]]]:
    return [
        (_("Manager"), lambda r: spreadsheet_text(r.name)),
        (_("Email"), lambda r: spreadsheet_text(r.email)),
        (_("Works here"), lambda r: _("yes") if r.is_active else _("no")),
        (_("Items taken"), lambda r: r.taken),
        (_("Touches"), lambda r: r.touches),
        (_("First touch, min (median)"), lambda r: _minutes(r.first_touch_delay_seconds)),
        (_("Deal after, min (median)"), lambda r: _minutes(r.deal_after_seconds)),
        (_("Deals won"), lambda r: r.won),
        (_("Deals lost"), lambda r: r.lost),
        (_("Lost by reason"), _reasons),
        (_("Conversion, %"), _conversion_percent),
        (_("Paid revenue, RUB"), lambda r: r.revenue),
        (_("Fees earned, RUB"), lambda r: r.fees),
        (_("Commission rate, %"), lambda r: r.commission_percent),
        (_("Commission, RUB"), lambda r: r.commission),
        (_("Open tasks"), lambda r: r.open_tasks),
        (_("Overdue tasks"), lambda r: r.overdue_tasks),
        (_("QA score (out of 100)"), lambda r: r.qa_score),
        (_("Calls scored by QA"), lambda r: r.qa_reviews),
    ]


def filename(period: Period, ext: str) -> str:
    return f"manager-stats-{period.first.isoformat()}_{period.last.isoformat()}.{ext}"


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def csv_response(*, rows: list[ManagerStats], period: Period) -> HttpResponse:
    cols = columns()
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads a UTF-8 CSV as such only with the BOM
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for title, _get in cols])
    for row in rows:
        writer.writerow(["" if (v := get(row)) is None else v for _title, get in cols])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename(period, "csv"))


def xlsx_response(*, rows: list[ManagerStats], period: Period) -> HttpResponse:
    cols = columns()
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has its sheet
    sheet.title = _("Managers")
    sheet.append([str(title) for title, _get in cols])
    for row in rows:
        sheet.append([get(row) for _title, get in cols])
    money_columns = {11, 12, 14}  # revenue, fees, commission (0-based)
    for index in money_columns:
        for cell in sheet.iter_cols(min_col=index + 1, max_col=index + 1, min_row=2):
            for c in cell:
                c.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return _attachment(
        HttpResponse(out.getvalue(), content_type=XLSX_TYPE), filename(period, "xlsx")
    )
