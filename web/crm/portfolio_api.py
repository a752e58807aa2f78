"""The account manager's portfolio over REST (``GET /api/v1/portfolio/``): the same clients,
purchases and next follow-ups as the /portfolio/ page, soonest follow-up first. Account managers
only; everyone else is refused."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from orders.portfolio import portfolio_clients, portfolio_purchases
from salesdesk.pagination import CursorPagination
from salesdesk.serializers import ErrorSerializer


class IsAccountManager(BasePermission):
    message = gettext_lazy("The portfolio is for account managers.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request.user, "role", None) == Role.ACCOUNT_MANAGER


class PortfolioPagination(CursorPagination):
    # The soonest follow-up first, clients without one last (``follow_up_order``).
    ordering = ("follow_up_order", "-account_manager_since", "id")  # type: ignore[assignment]


class PurchaseSerializer(serializers.Serializer[Any]):
    product = serializers.CharField(help_text="The product's name.")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Paid, ₽.")
    paid_at = serializers.DateTimeField(allow_null=True)


class PartnerRefSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()


class FollowUpSerializer(serializers.Serializer[Any]):
    task = serializers.UUIDField(
        help_text="The task's id: `POST /api/v1/tasks/{id}/done/` marks it done."
    )
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(help_text="Past its due time and not done.")


class PortfolioClientSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(help_text="The contact's id.")
    name = serializers.CharField()
    partner = PartnerRefSerializer()
    phone = serializers.CharField()
    email = serializers.CharField()
    telegram = serializers.CharField()
    whatsapp = serializers.CharField()
    account_manager_since = serializers.DateTimeField(allow_null=True)
    next_follow_up = FollowUpSerializer(
        allow_null=True, help_text="The earliest open follow-up, or null."
    )
    purchases = PurchaseSerializer(many=True, help_text="Paid orders, newest first.")


def _client_row(client: Any, purchases: list[Any], now: Any) -> dict[str, Any]:
    follow_up = None
    if client.follow_up_id is not None:
        due = client.follow_up_at
        follow_up = {
            "task": client.follow_up_id,
            "due_at": due,
            "overdue": due is not None and due < now,
        }
    return {
        "id": client.pk,
        "name": client.name,
        "partner": {"id": client.partner_id, "name": client.partner.name},
        "phone": client.phone,
        "email": client.email,
        "telegram": client.telegram,
        "whatsapp": client.whatsapp,
        "account_manager_since": client.account_manager_since,
        "next_follow_up": follow_up,
        "purchases": [vars(p) for p in purchases],
    }


class PortfolioApi(APIView):
    permission_classes = [IsAccountManager]
    pagination_class = PortfolioPagination

    @extend_schema(
        summary="The account manager's clients",
        description="The clients given to the calling account manager after a won deal (team "
        "mode split), of whatever partner, in cursor pages: the soonest next follow-up first, "
        "clients without an open follow-up last. Each with the partner, the ways to reach "
        "them, since when they are this account manager's, their paid orders and the next "
        "follow-up task (mark it done with `POST /api/v1/tasks/{id}/done/`).",
        responses={
            200: PortfolioClientSerializer(many=True),
            400: OpenApiResponse(
                ErrorSerializer, description="`validation_error` (`cursor`, `page_size`)."
            ),
            401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
            403: OpenApiResponse(
                ErrorSerializer, description="Anyone but an account manager, partners' keys."
            ),
        },
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        clients = portfolio_clients(account_manager=request.user)  # type: ignore[arg-type]
        page = paginator.paginate_queryset(clients, request, view=self) or []
        purchases = portfolio_purchases(contacts=page)
        now = timezone.now()
        rows = [_client_row(c, purchases.get(c.pk, []), now) for c in page]
        return paginator.get_paginated_response(PortfolioClientSerializer(rows, many=True).data)
