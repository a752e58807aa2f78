"""The cabinet's CSV import of a cold list into a lead list: upload → columns and a preview →
«Import» → a live progress bar → the report (also as CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm.lead_import import (
    FIELDS,
    lead_import_create,
    lead_import_map,
    lead_import_preview,
    lead_import_sample,
    size_label,
)
from crm.models import LeadImport, LeadImportRow, LeadList
from crm.selectors import (
    lead_import_get,
    lead_import_report,
    lead_imports_recent,
    lead_list_get,
)
from sales_queue.services.lead_import import lead_import_resume, lead_import_start
from salesdesk.errors import ApplicationError
from salesdesk.text import spreadsheet_text
from web.tenancy import PartnerRequiredMixin

# Report rows shown on the page; the CSV has them all.
REPORT_ON_PAGE = 200
# How often the progress bar asks, in seconds.
POLL_SECONDS = 2


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )


class _ListMixin(PartnerRequiredMixin):
    lead_list: LeadList

    def load_list(self, pk: Any) -> LeadList:
        self.lead_list = lead_list_get(partner=self.partner, pk=pk)
        return self.lead_list

    def load_import(self, pk: Any, import_id: Any, *, with_file: bool = False) -> LeadImport:
        lead_list = self.load_list(pk)
        return lead_import_get(
            partner=self.partner, lead_list=lead_list, pk=import_id, with_file=with_file
        )


def _detail(lead_import: LeadImport) -> str:
    return reverse("lead_import:detail", args=[lead_import.lead_list_id, lead_import.pk])


class LeadImportUploadView(_ListMixin, View):
    """The list's import page: the upload form and the list's recent imports."""

    template_name = "crm/lead_import_upload.html"

    def _render(self, request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
        context = {
            "lead_list": self.lead_list,
            "form": form,
            "imports": lead_imports_recent(partner=self.partner, lead_list=self.lead_list),
            "max_size": size_label(settings.LEAD_IMPORT_MAX_BYTES),
            "max_rows": settings.LEAD_IMPORT_MAX_ROWS,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        self.load_list(pk)
        return self._render(request, UploadForm())

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        self.load_list(pk)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form, status=400)
        upload = form.cleaned_data["file"]
        if upload.size > settings.LEAD_IMPORT_MAX_BYTES:
            # Refused before it is read into memory.
            form.add_error(
                "file",
                _("The file is too large: at most %(size)s. Split it into several files.")
                % {"size": size_label(settings.LEAD_IMPORT_MAX_BYTES)},
            )
            return self._render(request, form, status=400)
        try:
            lead_import = lead_import_create(
                lead_list=self.lead_list,
                created_by=request.user,
                file_name=upload.name or "",
                data=upload.read(),
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
            return self._render(request, form, status=400 if exc.status_code == 400 else 409)
        return redirect(_detail(lead_import))


class LeadImportDetailView(_ListMixin, View):
    """One import, as far as it got: the columns to choose (and the preview once chosen), the
    progress, or the report."""

    template_name = "crm/lead_import_detail.html"

    def _context(self, lead_import: LeadImport, **extra: Any) -> dict[str, Any]:
        context: dict[str, Any] = {
            "lead_list": self.lead_list,
            "imp": lead_import,
            "poll_seconds": POLL_SECONDS,
            "stall_minutes": settings.LEAD_IMPORT_STALL_MINUTES,
            **extra,
        }
        if lead_import.status in (LeadImport.Status.UPLOADED, LeadImport.Status.MAPPED):
            chosen = {index: name for name, index in lead_import.mapping.items()}
            sample = lead_import_sample(lead_import)
            context["columns"] = [
                {
                    "index": index,
                    "header": header,
                    "example": next((row[index] for row in sample if len(row) > index), ""),
                    "chosen": extra.get("chosen", chosen).get(index, ""),
                }
                for index, header in enumerate(lead_import.headers)
            ]
            context["fields"] = list(FIELDS.items())
            context["sample"] = sample
        if lead_import.status == LeadImport.Status.MAPPED and "errors" not in extra:
            context["preview"] = lead_import_preview(lead_import)
            context["mapping_labels"] = [
                (FIELDS[name], lead_import.headers[index])
                for name, index in lead_import.mapping.items()
                if index < len(lead_import.headers)
            ]
        if lead_import.status in (LeadImport.Status.DONE, LeadImport.Status.FAILED):
            context["report"] = lead_import_report(
                partner=self.partner, lead_import=lead_import, limit=REPORT_ON_PAGE
            )
            context["report_more"] = (
                lead_import.merged_count + lead_import.duplicate_count + lead_import.rejected_count
                > REPORT_ON_PAGE
            )
        return context

    def get(self, request: HttpRequest, pk: Any, import_id: Any) -> HttpResponse:
        lead_import = self.load_import(pk, import_id, with_file=True)
        return render(request, self.template_name, self._context(lead_import))

    def post(self, request: HttpRequest, pk: Any, import_id: Any) -> HttpResponse:
        """The chosen columns: ``column_<index>`` → a field's name or empty."""
        lead_import = self.load_import(pk, import_id, with_file=True)
        chosen: dict[int, str] = {}
        mapping: dict[str, Any] = {}
        errors: list[str] = []
        for index in range(len(lead_import.headers)):
            name = request.POST.get(f"column_{index}", "")
            if not name:
                continue
            if name not in FIELDS:
                errors.append(_("Unknown field."))
                continue
            chosen[index] = name
            if name in mapping:
                errors.append(
                    _("«%(field)s» is chosen for two columns: choose one.")
                    % {"field": FIELDS[name]}
                )
            mapping[name] = index
        if not errors:
            try:
                lead_import_map(lead_import=lead_import, mapping=mapping)
            except ApplicationError as exc:
                errors = [
                    str(m) for ms in exc.details.values() for m in ms if isinstance(ms, list)
                ] or [exc.message]
            else:
                return redirect(_detail(lead_import) + "#preview")
        lead_import.refresh_from_db()
        context = self._context(lead_import, errors=errors, chosen=chosen)
        return render(request, self.template_name, context, status=400)


class LeadImportStartView(_ListMixin, View):
    def post(self, request: HttpRequest, pk: Any, import_id: Any) -> HttpResponse:
        lead_import = self.load_import(pk, import_id)
        try:
            lead_import_start(lead_import=lead_import)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(_detail(lead_import))


class LeadImportResumeView(_ListMixin, View):
    def post(self, request: HttpRequest, pk: Any, import_id: Any) -> HttpResponse:
        lead_import = self.load_import(pk, import_id)
        try:
            lead_import_resume(lead_import=lead_import)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The import goes on."))
        return redirect(_detail(lead_import))


class LeadImportProgressView(_ListMixin, View):
    """The progress bar alone, for the page to poll; once the import is over the page
    reloads to show the report."""

    def get(self, request: HttpRequest, pk: Any, import_id: Any) -> HttpResponse:
        lead_import = self.load_import(pk, import_id)
        response = render(
            request,
            "crm/_lead_import_progress.html",
            {
                "lead_list": self.lead_list,
                "imp": lead_import,
                "poll_seconds": POLL_SECONDS,
                "stall_minutes": settings.LEAD_IMPORT_STALL_MINUTES,
            },
        )
        if lead_import.status != LeadImport.Status.RUNNING:
            response["HX-Refresh"] = "true"
        return response


def report_csv(lead_import: LeadImport, rows: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Row"), _("Result"), _("Reason"), _("Row's data")])
    labels = dict(LeadImportRow.Status.choices)
    for row in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                row.row_number,
                str(labels.get(row.status, "")),
                spreadsheet_text(row.reason),
                spreadsheet_text(row.values),
            ]
        )
    return out.getvalue()


class LeadImportReportCsvView(_ListMixin, View):
    """The report's rows (merged, duplicates, rejected with reasons) as CSV for Excel: UTF-8
    with a byte-order mark, so Excel reads the Cyrillic."""

    def get(self, request: HttpRequest, pk: Any, import_id: Any) -> HttpResponse:
        lead_import = self.load_import(pk, import_id)
        rows = lead_import_report(partner=self.partner, lead_import=lead_import)
        body = "\ufeff" + report_csv(lead_import, rows)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{lead_import.pk}.csv"'
        return response
