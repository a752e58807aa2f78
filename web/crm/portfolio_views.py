"""The account manager's portfolio at /portfolio/: their clients (team mode split), each with
the partner, the ways to reach them, since when they are theirs, their purchases and the next
follow-up — sorted by that follow-up, which is marked done here (the tasks' own endpoint)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils import timezone
from django.views.generic import TemplateView

from accounts.models import Role
from orders.portfolio import portfolio_clients, portfolio_purchases
from web.tenancy import RoleRequiredMixin

PAGE_SIZE = 30


class PortfolioView(RoleRequiredMixin, TemplateView):
    allowed_roles = frozenset({Role.ACCOUNT_MANAGER})
    template_name = "crm/portfolio.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        clients = portfolio_clients(account_manager=self.request.user)  # type: ignore[arg-type]
        page = Paginator(clients, PAGE_SIZE).get_page(self.request.GET.get("page"))
        purchases = portfolio_purchases(contacts=list(page.object_list))
        context.update(
            page=page,
            rows=[(client, purchases.get(client.pk, [])) for client in page.object_list],
            now=timezone.now(),
        )
        return context
