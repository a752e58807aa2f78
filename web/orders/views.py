"""The partner cabinet's order pages: a filtered, searchable list and one order's timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.views.generic import TemplateView

from billing.selectors import order_list_with_fee, order_timeline, order_with_fee_get
from web.orders.forms import SALES_STATUS_LABELS, OrderFilterForm
from web.tenancy import PartnerRequiredMixin

PAGE_SIZE = 50


class OrderListView(PartnerRequiredMixin, TemplateView):
    template_name = "orders/order_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = OrderFilterForm(self.request.GET or None)
        orders = order_list_with_fee(partner=self.partner)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            orders = order_list_with_fee(partner=self.partner, search=data["q"] or "")
            if data["status"]:
                orders = orders.filter(status=data["status"])
            if data["sales_status"]:
                orders = orders.filter(Q(sales_status=data["sales_status"]))  # the annotation
            if data["created_from"]:
                orders = orders.filter(created_at__gte=form.day_start(data["created_from"]))
            if data["created_to"]:
                next_day = data["created_to"] + dt.timedelta(days=1)
                orders = orders.filter(created_at__lt=form.day_start(next_day))
        page = Paginator(orders, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            query=query.urlencode(),
            sales_status_labels=SALES_STATUS_LABELS,
        )
        return context


class OrderDetailView(PartnerRequiredMixin, TemplateView):
    template_name = "orders/order_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        order = order_with_fee_get(partner=self.partner, order_id=kwargs["order_id"])
        context.update(
            order=order,
            timeline=order_timeline(partner=self.partner, order=order),
            sales_status_label=SALES_STATUS_LABELS.get(order.sales_status, ""),  # type: ignore[attr-defined]
            fee=getattr(order, "net_fee", None),
        )
        return context
