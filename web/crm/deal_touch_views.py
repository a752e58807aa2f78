"""A touch logged from the deal's page (the seller's and the head's): htmx swaps the chronology
with its form (and the next-step card, which a callback changes); a plain post redirects back
to the page, or shows it again with the errors inline. The rules are
:func:`sales_queue.services.deal_touch_log`'s."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role, User
from sales_queue.services import deal_touch_log
from salesdesk.errors import ApplicationError
from web.crm.deals_views import DealAccessMixin
from web.crm.forms import DealTouchForm

FIELDS = ("channel", "outcome", "comment", "callback_at", "reason", "recording_url")


class DealTouchView(DealAccessMixin, View):
    def post(self, request: HttpRequest, deal_id: Any) -> HttpResponseBase:
        deal = self.get_deal(deal_id)
        form = DealTouchForm(request.POST)
        error, errors, status = "", {}, 200
        values = {name: request.POST.get(name, "") for name in FIELDS}
        if not form.is_valid():
            error, status = _("The touch was not logged: check the form."), 400
            errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        else:
            try:
                deal_touch_log(deal=deal, actor=cast(User, request.user), **form.cleaned_data)
            except ApplicationError as exc:
                error, status = exc.message, exc.status_code
                # Field messages only (``switch_channel`` details name the channels instead).
                errors = {k: v for k, v in exc.details.items() if isinstance(v, list)}
                if exc.code == "switch_channel":
                    values["channel"] = str(exc.details.get("suggested") or values["channel"])
        htmx = getattr(request, "htmx", False)
        if not htmx and not error:
            return redirect(reverse(f"{self.namespace}:deal", args=[deal.pk]) + "#deal-touches")
        deal = self.get_deal(deal_id)  # its last touch and next step as they are now
        extra: dict[str, Any] = {"touch_error": error, "touch_errors": errors}
        if error:
            extra["touch_values"] = values
        else:
            extra["touch_notice"] = _("The touch is logged.")
        if htmx:
            # htmx swaps 2xx answers only: a refusal comes back as the card with its message.
            # A logged touch changes the next-step card too (the wait, a callback's step).
            html = render_to_string(
                "crm/_deal_touches.html", self.touch_context(deal, **extra), request=request
            )
            if not error:
                html += render_to_string(
                    "crm/_deal_next_step.html",
                    {**self.next_step_context(deal), "oob": True},
                    request=request,
                )
            return HttpResponse(html)
        return render(
            request, "crm/deal_detail.html", self.page_context(deal, **extra), status=status
        )


class HeadDealTouchView(DealTouchView):
    allowed_roles = frozenset({Role.HEAD})
    namespace = "deals_head"
