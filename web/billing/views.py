"""Pages: the partner's fees and statements (cabinet) and the head's fee table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Role
from billing.months import format_month, parse_past_or_current_month
from billing.policy import fee_rule
from billing.selectors import (
    LATE_REPORT_AFTER,
    head_fee_table,
    head_under_reporting,
    ledger_entries,
    partner_balance,
    policy_in_effect,
    statement_for_month,
    statement_months,
)
from salesdesk.errors import ApplicationError
from salesdesk.money import ZERO
from salesdesk.timezones import MOSCOW
from web.billing.exports import statement_csv_response
from web.billing.forms import ChargeFilterForm, YearForm
from web.tenancy import PartnerRequiredMixin, RoleRequiredMixin

CHARGES_PER_PAGE = 50


def _month_or_404(value: str) -> Any:
    # A bad month in a page URL is a page that does not exist.
    try:
        return parse_past_or_current_month(value)
    except ApplicationError:
        raise Http404 from None


class BillingOverviewView(PartnerRequiredMixin, TemplateView):
    """Balance (all time and this month), the current terms and the latest statements."""

    template_name = "billing/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["partner"] = self.partner
        context["balance"] = partner_balance(partner=self.partner)
        context["policy"] = policy = policy_in_effect(timezone.now())
        context["fee_rule"] = fee_rule(attribution_days=policy.attribution_days)
        context["statements"] = statement_months(partner=self.partner)[:3]
        return context


class ChargeListView(PartnerRequiredMixin, TemplateView):
    template_name = "billing/charges.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = ChargeFilterForm(self.request.GET or None)
        entries = ledger_entries(partner=self.partner)
        if form.is_bound:
            if form.is_valid():
                entries = ledger_entries(
                    partner=self.partner,
                    kind=form.cleaned_data["kind"] or None,
                    month=form.cleaned_data["month"],
                    order_external_id=form.cleaned_data["order"].strip() or None,
                )
            else:
                entries = entries.none()
        page = Paginator(entries, CHARGES_PER_PAGE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=form, page=page, query=query.urlencode())
        return context


class StatementListView(PartnerRequiredMixin, TemplateView):
    template_name = "billing/statements.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["statements"] = statement_months(partner=self.partner)
        return context


class StatementPrintView(PartnerRequiredMixin, TemplateView):
    """A printable statement: the month's totals and every ledger row."""

    template_name = "billing/statement_print.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        month = _month_or_404(kwargs["month"])
        context.update(
            partner=self.partner,
            month=format_month(month),
            month_start=month,
            statement=statement_for_month(partner=self.partner, month=month),
            entries=ledger_entries(partner=self.partner, month=month).order_by("created_at", "id"),
            moscow=MOSCOW,
        )
        return context


class StatementCsvView(PartnerRequiredMixin, View):
    def get(self, request: HttpRequest, month: str) -> HttpResponse:
        return statement_csv_response(
            partner=self.partner, month=_month_or_404(month), for_people=True
        )


class HeadFeeTableView(RoleRequiredMixin, TemplateView):
    """Net fees per partner and per month of a year, for the head of sales, and the signals
    of under-reported payments per partner and month."""

    allowed_roles = frozenset({Role.HEAD})
    template_name = "billing/head_fees.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = YearForm(self.request.GET or None)
        year = timezone.now().astimezone(MOSCOW).year
        if form.is_bound and form.is_valid() and form.cleaned_data["year"]:
            year = form.cleaned_data["year"]
        rows = head_fee_table(year=year)
        month_totals = [sum((r["months"][i] for r in rows), ZERO) for i in range(12)]
        context.update(
            form=form,
            year=year,
            months=[dt.date(year, m, 1) for m in range(1, 13)],
            rows=rows,
            month_totals=month_totals,
            grand_total=sum((r["total"] for r in rows), ZERO),
            signals=head_under_reporting(year=year),
            late_hours=int(LATE_REPORT_AFTER.total_seconds() // 3600),
        )
        return context
