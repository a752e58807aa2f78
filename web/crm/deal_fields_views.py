"""The deal's own fields from its page: the title and the ad channel (the responsible seller or
the head), and the head's hand-over to another seller. htmx swaps the «Сделка» card; a plain
post returns to the deal page."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role, User
from sales_queue.services import deal_edit
from salesdesk.errors import ApplicationError
from web.crm.deals_views import DealAccessMixin
from web.crm.forms import DealFieldsForm


class DealFieldsView(DealAccessMixin, View):
    def post(self, request: HttpRequest, deal_id: Any) -> HttpResponseBase:
        deal = self.get_deal(deal_id)
        form = DealFieldsForm(request.POST, people=self.people())
        error, errors, status = "", {}, 200
        if not form.is_valid():
            error, status = _("Invalid input."), 400
            errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        else:
            try:
                deal = self.save(request, deal, form.cleaned_data)
            except ApplicationError as exc:
                error, errors, status = exc.message, exc.details, exc.status_code
        htmx = getattr(request, "htmx", False)
        if not htmx and not error:
            return redirect(f"{self.namespace}:deal", deal_id=deal.pk)
        extra: dict[str, Any] = {
            "fields_error": error,
            "fields_errors": errors,
            "fields_saved": not error,
        }
        if error:
            extra["fields_form"] = form
        deal = self.get_deal(deal.pk)
        if htmx:
            # htmx swaps 2xx answers only: a refusal comes back as the card with its message.
            return render(request, "crm/_deal_facts.html", self.fields_context(deal, **extra))
        return render(
            request, "crm/deal_detail.html", self.page_context(deal, **extra), status=status
        )

    def save(self, request: HttpRequest, deal: Any, data: dict[str, Any]) -> Any:
        chosen = data.get("responsible")
        return deal_edit(
            actor=cast(User, request.user),
            deal=deal,
            title=data["title"],
            source=data["source"],
            # the form offers the choice to the head only; the same manager is no hand-over
            to_manager_id=chosen if chosen and chosen != str(deal.responsible_id) else None,
        )


class HeadDealFieldsView(DealFieldsView):
    allowed_roles = frozenset({Role.HEAD})
    namespace = "deals_head"
    contacts_namespace = "contacts_head"
