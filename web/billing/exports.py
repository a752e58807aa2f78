"""The month's ledger rows as CSV, shared by the API and the cabinet download."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from billing.months import format_month
from billing.selectors import ledger_entries
from partners.models import Partner
from salesdesk.text import spreadsheet_text
from salesdesk.timezones import MOSCOW

# The API's column names; the cabinet's download (a person opens it in a spreadsheet) names the
# same columns in Russian. The rows are the same data in both.
HEADER = ["created_at", "order", "order_external_id", "kind", "amount", "computed_on"]
HEADER_FOR_PEOPLE = [
    _("Date and time (Moscow)"),
    _("Order id in SalesDesk"),
    _("Order number in the store"),
    _("Kind"),
    _("Amount, RUB"),
    _("Computed on, RUB"),
]


def statement_csv(*, partner: Partner, month: dt.date, for_people: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(title) for title in HEADER_FOR_PEOPLE] if for_people else HEADER)
    rows = ledger_entries(partner=partner, month=month).order_by("created_at", "id")
    for entry in rows.iterator(chunk_size=1000):
        writer.writerow(
            [
                entry.created_at.astimezone(MOSCOW).isoformat(),
                str(entry.order_id),
                spreadsheet_text(entry.order.external_id),
                str(entry.get_kind_display()) if for_people else entry.kind,
                f"{entry.amount:.2f}",
                f"{entry.base_amount:.2f}",
            ]
        )
    return out.getvalue()


def statement_csv_response(
    *, partner: Partner, month: dt.date, for_people: bool = False
) -> HttpResponse:
    response = HttpResponse(
        statement_csv(partner=partner, month=month, for_people=for_people),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="statement-{format_month(month)}.csv"'
    return response
