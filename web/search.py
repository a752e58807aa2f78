"""The staff's global search (/search/?q=): deals, buyers and orders by the buyer's name, phone
(any notation), email, or the order's external id.

Who finds what is the selectors' rule: a seller the deals they are responsible for and the
buyers and orders of those deals, the head everything. Staff have no buyer or order page, so
a buyer or an order links to its newest deal the user may open. Each group is cut at
``GLOBAL_SEARCH_LIMIT``; the page is a fixed number of queries whatever it finds.
"""

from __future__ import annotations

from typing import Any, cast

from django.views.generic import TemplateView

from accounts.models import SELLER_ROLES, Role, User
from crm.selectors import (
    GLOBAL_SEARCH_LIMIT,
    GLOBAL_SEARCH_MIN,
    SEARCH_MAX,
    contact_search,
    deal_search,
)
from orders.selectors import order_search
from web.tenancy import RoleRequiredMixin

SEARCH_ROLES = frozenset({*SELLER_ROLES, Role.HEAD})


class SearchView(RoleRequiredMixin, TemplateView):
    template_name = "search.html"
    allowed_roles = SEARCH_ROLES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = cast(User, self.request.user)
        q = self.request.GET.get("q", "").strip()[:SEARCH_MAX]
        searched = len(q) >= GLOBAL_SEARCH_MIN
        context.update(
            q=q,
            searched=searched,
            too_short=bool(q) and not searched,
            min_length=GLOBAL_SEARCH_MIN,
            limit=GLOBAL_SEARCH_LIMIT,
            deal_route="deals_head:deal" if user.role == Role.HEAD else "deals:deal",
            contact_route="contacts_head:contact" if user.role == Role.HEAD else "contacts:contact",
        )
        if searched:
            groups: dict[str, list[Any]] = {
                "deals": deal_search(user=user, q=q),
                "contacts": contact_search(user=user, q=q),
                "orders": order_search(user=user, q=q),
            }
            for name, rows in groups.items():
                context[name] = rows[:GLOBAL_SEARCH_LIMIT]
                context[f"{name}_more"] = len(rows) > GLOBAL_SEARCH_LIMIT
            context["found"] = any(groups.values())
        return context
