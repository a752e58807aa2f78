"""The task pages: a manager's list (open / done, mark done with htmx) and the head's task
monitor across managers (open, overdue, last activity; the open tasks, by manager)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from accounts.models import SELLER_ROLES, Role
from crm.selectors import task_monitor, tasks_filter, tasks_visible
from crm.services import task_done
from salesdesk.tenancy import get_object_or_404
from web.tenancy import RoleRequiredMixin

PAGE_SIZE = 50


class TaskListView(RoleRequiredMixin, TemplateView):
    allowed_roles = frozenset(SELLER_ROLES)
    template_name = "crm/task_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        done = self.request.GET.get("tab") == "done"
        mine = tasks_visible(user=self.request.user)
        tasks = tasks_filter(mine, done=done)
        page = Paginator(tasks, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            done_tab=done,
            page=page,
            now=timezone.now(),
            open_count=tasks_filter(mine, done=False).count(),
        )
        return context


class TaskDoneView(RoleRequiredMixin, View):
    """Mark one of one's tasks done: htmx gets the row back, a plain post goes back to the list
    (or to the page given as ``next``, one of this site's, e.g. the account manager's
    portfolio)."""

    allowed_roles = frozenset({*SELLER_ROLES, Role.HEAD})

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        task = get_object_or_404(tasks_visible(user=request.user), pk=pk)
        task = task_done(task=task, actor=request.user)  # type: ignore[arg-type]
        if request.headers.get("HX-Request"):
            return render(
                request,
                "crm/_task_row.html",
                {"task": task, "now": timezone.now()},
            )
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(back)
        return redirect("tasks:list")


class TaskMonitorView(RoleRequiredMixin, TemplateView):
    allowed_roles = frozenset({Role.HEAD})
    template_name = "crm/task_monitor.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        rows = task_monitor(now=now)
        manager = self.request.GET.get("manager", "")
        try:
            manager_id = uuid.UUID(manager) if manager else None
        except ValueError:
            manager_id = None
        tasks = tasks_filter(tasks_visible(user=self.request.user), done=False, assignee=manager_id)
        page = Paginator(tasks, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(
            rows=rows,
            totals={
                "open": sum(r["open"] for r in rows),
                "overdue": sum(r["overdue"] for r in rows),
            },
            page=page,
            manager_id=str(manager_id) if manager_id else "",
            now=now,
        )
        return context
