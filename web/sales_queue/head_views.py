"""The head of sales' queue page: health numbers (refreshed every 30 s), load per partner,
who holds what and for how long, and the release / reassign actions.

QA may look; only the head acts. Actions answer htmx with the holders fragment and a plain
form post with a redirect back to the page.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role, User
from sales_queue.selectors import head_holders, queue_health, sellers
from sales_queue.services import queue_head_release, queue_reassign
from salesdesk.errors import ApplicationError
from web.sales_queue.forms import ReassignForm
from web.tenancy import RoleRequiredMixin

VIEWERS = frozenset({Role.HEAD, Role.QA})
ACTORS = frozenset({Role.HEAD})


def _ago(now: dt.datetime, seconds: int | None) -> dt.datetime | None:
    """A moment ``seconds`` before now, for the ``timesince`` filter."""
    return None if seconds is None else now - dt.timedelta(seconds=seconds)


def numbers_context() -> dict[str, Any]:
    now = timezone.now()
    health = queue_health(now=now)
    return {
        "now": now,
        "health": health,
        "oldest_since": _ago(now, health["oldest_waiting_seconds"]),
        "per_partner": [
            {**row, "oldest_since": _ago(now, row["oldest_waiting_seconds"])}
            for row in health["per_partner"]
        ],
    }


def holders_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "now": timezone.now(),
        "holders": head_holders(),
        "sellers": list(sellers()),
        "can_act": getattr(request.user, "role", None) == Role.HEAD,
        **extra,
    }


class HeadQueueView(RoleRequiredMixin, View):
    allowed_roles = VIEWERS

    def get(self, request: HttpRequest) -> HttpResponse:
        context = {**numbers_context(), **holders_context(request)}
        return render(request, "sales_queue/head_queue.html", context)


class HeadQueueNumbersView(RoleRequiredMixin, View):
    """The numbers alone: the page polls this every 30 seconds."""

    allowed_roles = VIEWERS

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "sales_queue/_head_numbers.html", numbers_context())


class HeadQueueActionView(RoleRequiredMixin, View):
    allowed_roles = ACTORS

    def act(self, request: HttpRequest, item_id: uuid.UUID) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, item_id: uuid.UUID) -> HttpResponseBase:
        try:
            notice, error = self.act(request, item_id), ""
        except ApplicationError as exc:
            notice, error = "", exc.message
        if request.htmx:  # type: ignore[attr-defined]
            return render(
                request,
                "sales_queue/_head_holders.html",
                holders_context(request, notice=notice, error=error),
            )
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect("queue_head:queue")


class HeadReleaseView(HeadQueueActionView):
    def act(self, request: HttpRequest, item_id: uuid.UUID) -> str:
        queue_head_release(head=cast(User, request.user), item_id=item_id)
        return _("The order went back to the queue.")


class HeadReassignView(HeadQueueActionView):
    def act(self, request: HttpRequest, item_id: uuid.UUID) -> str:
        form = ReassignForm(request.POST)
        if not form.is_valid():
            raise ApplicationError(" ".join(str(m) for m in form.errors.get("manager", [])))
        target = form.cleaned_data["manager"]
        queue_reassign(head=cast(User, request.user), item_id=item_id, to_manager=target)
        return _("The order now belongs to %(manager)s.") % {"manager": target.get_full_name()}
