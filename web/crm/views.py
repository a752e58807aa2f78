"""The contact pages: the buyers, searched, and one buyer's page (details, orders, purchased
products, deals, touches). The partner cabinet shows its own buyers (/cabinet/contacts/); a
seller the buyers of the deals they are responsible for (/workspace/contacts/); the head every
buyer (/head/contacts/). Who sees which contact is :func:`crm.selectors.contacts_visible`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.views.generic import TemplateView

from accounts.models import SELLER_ROLES, Role
from crm.lead_selectors import contact_leads
from crm.selectors import SEARCH_MAX, contact_deals, contact_get, contact_list
from orders.selectors import deal_linked_orders
from partners.models import Channel
from sales_queue.selectors import contact_orders, contact_purchased_products, contact_touches
from web.tenancy import PartnerRequiredMixin, RoleRequiredMixin

PAGE_SIZE = 50
# The contact page shows the latest touches; the buyer's full history is in the orders' pages.
TOUCHES_SHOWN = 100


class ContactPages(TemplateView):
    """What the partner's and the staff's contact pages share; ``caller()`` says who asks."""

    namespace = "crm"
    # Where a deal and an order of the contact link to ("" for no link).
    deal_route = ""
    order_route = ""

    def caller(self) -> dict[str, Any]:
        raise NotImplementedError

    def routes(self) -> dict[str, str]:
        return {
            "list_route": f"{self.namespace}:contacts",
            "detail_route": f"{self.namespace}:contact",
            "deal_route": self.deal_route,
            "order_route": self.order_route,
        }


class ContactListPage(ContactPages):
    template_name = "crm/contact_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()[:SEARCH_MAX]
        contacts = contact_list(**self.caller(), q=q)
        page = Paginator(contacts, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(q=q, page=page, **self.routes())
        return context


class ContactDetailPage(ContactPages):
    template_name = "crm/contact_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        caller = self.caller()
        contact = contact_get(**caller, contact_id=kwargs["contact_id"])
        partner = contact.partner
        deals = list(contact_deals(**caller, contact=contact))
        linked = deal_linked_orders(deals=deals)
        context.update(
            contact=contact,
            orders=list(contact_orders(partner=partner, contact=contact)),
            leads=list(contact_leads(partner=partner, contact=contact)),
            purchased_products=list(contact_purchased_products(partner=partner, contact=contact)),
            deals=deals,
            # Each deal's linked paid orders: how many, and their sum.
            deal_rows=[
                (deal, len(linked[deal.pk]), sum((o.amount for o in linked[deal.pk]), Decimal(0)))
                for deal in deals
            ],
            touches=list(contact_touches(partner=partner, contact=contact)[:TOUCHES_SHOWN]),
            channel_labels=Channel.choices,
            **self.routes(),
        )
        return context


class PartnerContacts(PartnerRequiredMixin):
    order_route = "orders:detail"

    def caller(self) -> dict[str, Any]:
        return {"partner": self.partner}


class SellerContacts(RoleRequiredMixin):
    request: HttpRequest
    allowed_roles = frozenset(SELLER_ROLES)
    namespace = "contacts"
    deal_route = "deals:deal"

    def caller(self) -> dict[str, Any]:
        return {"user": self.request.user}


class HeadContacts(SellerContacts):
    allowed_roles = frozenset({Role.HEAD})
    namespace = "contacts_head"
    deal_route = "deals_head:deal"


class ContactListView(PartnerContacts, ContactListPage):
    pass


class ContactDetailView(PartnerContacts, ContactDetailPage):
    pass


class SellerContactListView(SellerContacts, ContactListPage):
    pass


class SellerContactDetailView(SellerContacts, ContactDetailPage):
    pass


class HeadContactListView(HeadContacts, ContactListPage):
    pass


class HeadContactDetailView(HeadContacts, ContactDetailPage):
    pass
