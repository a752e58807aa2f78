"""Linking a paid order of the buyer to the deal from the deal page: htmx swaps the «Оплаченные
заказы» card (a refusal comes back inside it), a plain post returns to the deal page. The rules
are :func:`orders.services.order_link_to_deal`'s; who reaches the deal is the deal pages'
(:class:`web.crm.deals_views.DealAccessMixin`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from orders.services import order_link_to_deal
from salesdesk.errors import ApplicationError
from web.crm.deals_views import DealAccessMixin


class DealOrderLinkForm(forms.Form):
    order = forms.UUIDField()


class DealOrdersView(DealAccessMixin, View):
    def post(self, request: HttpRequest, deal_id: Any) -> HttpResponseBase:
        deal = self.get_deal(deal_id)
        form = DealOrderLinkForm(request.POST)
        error, status = "", 200
        if not form.is_valid():
            error, status = _("Choose an order to link."), 400
        else:
            try:
                order_link_to_deal(
                    deal=deal, order_id=form.cleaned_data["order"], actor=request.user
                )
            except ApplicationError as exc:
                error, status = exc.message, exc.status_code
        htmx = getattr(request, "htmx", False)
        if not htmx and not error:
            return redirect(f"{self.namespace}:deal", deal_id=deal.pk)
        deal = self.get_deal(deal_id)
        if htmx:
            # htmx swaps 2xx answers only: the refusal comes back as the card with its message.
            return render(
                request, "crm/_deal_orders.html", self.orders_context(deal, orders_error=error)
            )
        return render(
            request,
            "crm/deal_detail.html",
            self.page_context(deal, orders_error=error),
            status=status,
        )


class HeadDealOrdersView(DealOrdersView):
    allowed_roles = frozenset({Role.HEAD})
    namespace = "deals_head"
