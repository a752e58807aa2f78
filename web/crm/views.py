"""The partner cabinet's contact pages: the buyers, searched, and one buyer's page (details,
orders, purchased products, deals, touches)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.views.generic import TemplateView

from crm.selectors import SEARCH_MAX, contact_deals, contact_get, contact_list
from orders.selectors import deal_linked_orders
from partners.models import Channel
from sales_queue.selectors import contact_orders, contact_purchased_products, contact_touches
from web.tenancy import PartnerRequiredMixin

PAGE_SIZE = 50
# The contact page shows the latest touches; the buyer's full history is in the orders' pages.
TOUCHES_SHOWN = 100


class ContactListView(PartnerRequiredMixin, TemplateView):
    template_name = "crm/contact_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()[:SEARCH_MAX]
        contacts = contact_list(partner=self.partner, q=q)
        page = Paginator(contacts, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(q=q, page=page)
        return context


class ContactDetailView(PartnerRequiredMixin, TemplateView):
    template_name = "crm/contact_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        partner = self.partner
        contact = contact_get(partner=partner, contact_id=kwargs["contact_id"])
        deals = list(contact_deals(partner=partner, contact=contact))
        linked = deal_linked_orders(deals=deals)
        context.update(
            contact=contact,
            orders=list(contact_orders(partner=partner, contact=contact)),
            purchased_products=list(contact_purchased_products(partner=partner, contact=contact)),
            deals=deals,
            # Each deal's linked paid orders: how many, and their sum.
            deal_rows=[
                (deal, len(linked[deal.pk]), sum((o.amount for o in linked[deal.pk]), Decimal(0)))
                for deal in deals
            ],
            touches=list(contact_touches(partner=partner, contact=contact)[:TOUCHES_SHOWN]),
            channel_labels=Channel.choices,
        )
        return context
