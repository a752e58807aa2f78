"""The head's «Статистика менеджеров» (QA reads it without editing rates), a manager's «Моя
статистика», and the table's CSV / XLSX exports."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import SELLER_ROLES, Role, User
from salesdesk.errors import ApplicationError
from salesdesk.timezones import MOSCOW
from stats.managers import (
    ManagerStats,
    Rolled,
    manager_daily,
    manager_stats,
    rolled_days,
    totals,
)
from stats.periods import DEFAULT_PRESET, Period, period_from
from stats.services import commission_rate_set
from web.stats.managers_exports import csv_response, xlsx_response
from web.tenancy import RoleRequiredMixin

VIEWER_ROLES = frozenset({Role.HEAD, Role.QA})

# ?sort= keys: the table's columns (a leading "-" sorts descending).
SORT_KEYS: dict[str, Any] = {
    "name": lambda r: r.name.lower(),
    "taken": lambda r: r.taken,
    "touches": lambda r: r.touches,
    "first_touch": lambda r: r.first_touch_delay,
    "deal_after": lambda r: r.deal_after,
    "won": lambda r: r.won,
    "lost": lambda r: r.lost,
    "conversion": lambda r: r.conversion,
    "revenue": lambda r: r.revenue,
    "fees": lambda r: r.fees,
    "commission": lambda r: r.commission,
    "tasks": lambda r: r.open_tasks,
    "overdue": lambda r: r.overdue_tasks,
    "qa": lambda r: r.qa_score,
}


def _period(request: HttpRequest) -> tuple[Period, str]:
    """The period asked for, or the default one and the error to show."""
    try:
        return period_from(request.GET), ""
    except ApplicationError as error:
        return period_from({"period": DEFAULT_PRESET}), str(error.message)


def sorted_rows(rows: list[ManagerStats], sort: str) -> tuple[list[ManagerStats], str]:
    """The rows in the ``sort`` order (empty values last, whichever the direction)."""
    key = sort.removeprefix("-")
    if key not in SORT_KEYS:
        return rows, "name"
    get = SORT_KEYS[key]
    present = [r for r in rows if get(r) is not None]
    missing = [r for r in rows if get(r) is None]
    present.sort(key=get, reverse=sort.startswith("-"))
    return present + missing, sort


def _json(spec: dict[str, Any]) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(spec, ensure_ascii=False).replace("<", "\\u003c")


def _chart(period: Period, manager_ids: list[Any] | None, rolled: Rolled) -> dict[str, Any]:
    points = manager_daily(period=period, manager_ids=manager_ids, rolled=rolled)
    x = [int(dt.datetime.combine(p.day, dt.time(), tzinfo=MOSCOW).timestamp()) for p in points]
    won = {
        "x": x,
        "time": True,
        "kind": "bars",
        "series": [{"label": _("Deals won"), "values": [p.won for p in points]}],
    }
    revenue = {
        "x": x,
        "time": True,
        "kind": "line",
        "unit": "₽",
        "series": [{"label": _("Paid revenue"), "values": [float(p.revenue) for p in points]}],
    }
    return {
        "won": _json(won),
        "revenue": _json(revenue),
        "empty": not any(p.won or p.revenue for p in points),
    }


class _StatsPage(RoleRequiredMixin, TemplateView):
    def manager_ids(self) -> list[Any] | None:
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        period, error = _period(self.request)
        ids = self.manager_ids()
        # The table and the chart read the same rolled-up days (one query for both).
        rolled = rolled_days(period)
        rows, sort = sorted_rows(
            manager_stats(period=period, manager_ids=ids, rolled=rolled),
            self.request.GET.get("sort", "name"),
        )
        period_query = {"period": period.preset}
        if period.preset == "range":
            period_query.update(date_from=period.first.isoformat(), date_to=period.last.isoformat())
        context.update(
            period=period,
            period_error=error,
            period_query=urlencode(period_query),
            presets=[("today", _("Today")), ("7d", _("7 days")), ("month", _("Month"))],
            rows=rows,
            totals=totals(rows),
            sort=sort,
            chart=_chart(period, ids, rolled),
        )
        return context


class ManagerStatsDashboardView(_StatsPage):
    """The head's table of every manager; QA sees it read-only."""

    allowed_roles = VIEWER_ROLES
    template_name = "stats/managers_dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_edit_rates"] = self.request.user.role == Role.HEAD  # type: ignore[union-attr]
        columns = [
            ("name", _("Manager")),
            ("taken", _("Items taken")),
            ("touches", _("Touches")),
            ("first_touch", _("First touch (median)")),
            ("deal_after", _("Deal after (median)")),
            ("won", _("Deals won")),
            ("lost", _("Deals lost")),
            ("conversion", _("Conversion")),
            ("revenue", _("Paid revenue")),
            ("fees", _("Fees earned")),
            ("commission", _("Commission")),
            ("tasks", _("Open tasks")),
            ("overdue", _("Overdue")),
            ("qa", _("QA score")),
        ]
        sort = context["sort"]
        context["columns"] = [
            {
                "key": key,
                "label": label,
                "next_sort": f"-{key}" if sort == key else key,
                "aria_sort": {key: "ascending", f"-{key}": "descending"}.get(sort, "none"),
            }
            for key, label in columns
        ]
        return context


class MyStatsView(_StatsPage):
    """A seller's own figures, the same as their row of the head's table."""

    allowed_roles = SELLER_ROLES
    template_name = "stats/managers_mine.html"

    def manager_ids(self) -> list[Any] | None:
        return [self.request.user.pk]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["me"] = context["rows"][0] if context["rows"] else None
        return context


class CommissionRateView(RoleRequiredMixin, View):
    """The head sets a manager's commission rate from the dashboard."""

    allowed_roles = frozenset({Role.HEAD})

    def post(self, request: HttpRequest, pk: Any) -> HttpResponseBase:
        user = get_object_or_404(User, pk=pk, role__in=SELLER_ROLES)
        raw = request.POST.get("percent", "").strip().replace(",", ".").replace(" ", "")
        try:
            percent = Decimal(raw)
        except InvalidOperation:
            percent = Decimal("NaN")
        try:
            commission_rate_set(user=user, percent=percent, actor=request.user)  # type: ignore[arg-type]
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("Commission rate of %(name)s: %(percent)s %%.")
                % {"name": user.full_name or user.email, "percent": str(percent).replace(".", ",")},
            )
        back = request.POST.get("next", "")
        return redirect(f"{_dashboard_url()}?{back}" if back else _dashboard_url())


def _dashboard_url() -> str:
    return reverse("stats_head:managers")


class ManagerStatsExportView(RoleRequiredMixin, View):
    """The dashboard's table as CSV or XLSX (the period in the file name)."""

    allowed_roles = VIEWER_ROLES
    fmt = "csv"

    def get(self, request: HttpRequest) -> HttpResponse:
        period, error = _period(request)
        if error:
            return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
        rows, _sort = sorted_rows(manager_stats(period=period), request.GET.get("sort", "name"))
        if self.fmt == "xlsx":
            return xlsx_response(rows=rows, period=period)
        return csv_response(rows=rows, period=period)
