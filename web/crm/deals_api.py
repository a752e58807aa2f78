"""Deals over REST: a partner reads its own, a manager those they are responsible for, the
head every one; the responsible manager and the head move a deal along the funnel."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role, User
from crm.models import Deal, Stage
from crm.selectors import deals_filter, deals_visible
from crm.services import deal_stage_move
from sales_queue.services import deal_edit
from salesdesk.errors import ApplicationError
from salesdesk.pagination import CursorPagination, paginated_response
from salesdesk.serializers import ErrorSerializer, NameField
from salesdesk.tenancy import get_object_or_404
from web.crm.deals_serializers import (
    DealSerializer,
    DealStageMoveInputSerializer,
    deal_payloads,
)
from web.permissions import IsPartnerOrStaff, request_partner

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="`validation_error`."),
    401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
    404: OpenApiResponse(
        ErrorSerializer, description="`not_found` (also a deal the caller may not see)."
    ),
}


class DealListQuerySerializer(serializers.Serializer[Any]):
    stage = serializers.CharField(required=False, allow_blank=True, max_length=100)
    status = serializers.ChoiceField(choices=Deal.Status.choices, required=False, allow_blank=True)
    responsible = serializers.UUIDField(required=False, allow_null=True)
    product = serializers.UUIDField(required=False, allow_null=True)
    idle_days = serializers.IntegerField(required=False, min_value=1, max_value=365)


class DealsApiMixin(APIView):
    permission_classes = [IsPartnerOrStaff]

    def visible(self) -> Any:
        return deals_visible(partner=request_partner(self.request), user=self.request.user)

    def deal(self, pk: Any) -> Deal:
        return get_object_or_404(self.visible(), message=_("Deal not found."), pk=pk)

    def writable_deal(self, pk: Any) -> Deal:
        """The deal, for a change by the sales department: a partner reads deals only (403
        once the deal is its own; another's is a 404 first)."""
        deal = self.deal(pk)
        if request_partner(self.request) is not None or getattr(
            self.request.user, "role", None
        ) not in (Role.HEAD, Role.MANAGER, Role.CALLER, Role.ACCOUNT_MANAGER):
            raise PermissionDenied
        return deal


DEAL_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class DealListApi(DealsApiMixin):
    pagination_class = CursorPagination

    @extend_schema(
        summary="List deals",
        description="Newest first, in cursor pages. A partner key sees its own deals, a "
        "manager's token those they are responsible for, the head's all. `stage` is a stage "
        "id or name; a bad `status`, `responsible`, `product` or `idle_days` is a 400.",
        parameters=[
            OpenApiParameter("stage", str, description="Stage id or name."),
            OpenApiParameter("status", str, enum=[c for c, _l in Deal.Status.choices]),
            OpenApiParameter("responsible", OpenApiTypes.UUID, description="A user's id."),
            OpenApiParameter("product", OpenApiTypes.UUID, description="A product's id."),
            OpenApiParameter(
                "idle_days",
                int,
                description="Open deals whose buyer has waited at least this many days since "
                "the last touch (or, before the first one, since the deal opened); 1–365.",
            ),
        ],
        responses={200: DealSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = DealListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        deals = deals_filter(
            self.visible(),
            stage=params.get("stage") or "",
            status=params.get("status") or "",
            responsible=params.get("responsible"),
            product=params.get("product"),
            idle_days=params.get("idle_days") or 0,
        )
        return paginated_response(self, deals, DealSerializer)


class DealPatchSerializer(serializers.Serializer[Any]):
    title = NameField(
        required=False, allow_blank=True, max_length=1000, help_text="1–200 characters."
    )
    source = NameField(  # type: ignore[assignment]
        required=False, allow_blank=True, max_length=1000, help_text="The ad channel, ≤ 100."
    )
    responsible = serializers.UUIDField(
        required=False, help_text="Head only: hand the open deal to this active seller."
    )


class DealDetailApi(DealsApiMixin):
    @extend_schema(
        summary="A deal",
        parameters=[DEAL_ID],
        responses={200: DealSerializer, **ERRORS},
    )
    def get(self, request: Request, pk: Any) -> Response:
        return Response(DealSerializer(deal_payloads([self.deal(pk)])[0]).data)

    @extend_schema(
        summary="Change a deal's fields",
        description="For the responsible manager and the head: `title`, `source` (the ad "
        "channel). The head may also hand an open deal to another active seller "
        "(`responsible`); while the deal's order is still in the queue, the queue item goes "
        "along. Each changed field writes a task for the responsible employee. All or nothing: "
        "a refused field changes nothing.",
        parameters=[DEAL_ID],
        request=DealPatchSerializer,
        responses={
            200: DealSerializer,
            403: OpenApiResponse(
                ErrorSerializer,
                description="A partner reads deals only; only the head hands deals over.",
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`deal_closed` (a closed deal stays with its manager), "
                "`manager_busy` (the new manager already holds an order).",
            ),
            **ERRORS,
        },
    )
    def patch(self, request: Request, pk: Any) -> Response:
        deal = self.writable_deal(pk)
        data = DealPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        user = request.user
        if "responsible" in given and getattr(user, "role", None) != Role.HEAD:
            raise PermissionDenied(_("Only the head of sales hands deals over."))
        deal_edit(
            actor=cast(User, user),
            deal=deal,
            title=given.get("title"),
            source=given.get("source"),
            to_manager_id=given.get("responsible"),
        )
        return Response(DealSerializer(deal_payloads([self.deal(pk)])[0]).data)


class DealStageApi(DealsApiMixin):
    @extend_schema(
        summary="Move a deal to another stage",
        description="For the responsible manager and the head. Moving to the lost stage needs "
        "a `reason` (400 without). 409 `deal_closed` on a won, lost or withdrawn deal; 409 "
        "`deal_in_queue` when moving to won or lost a deal whose order is still in the queue "
        "(its payment wins it, a refusal touch loses it).",
        parameters=[DEAL_ID],
        request=DealStageMoveInputSerializer,
        responses={
            200: DealSerializer,
            403: OpenApiResponse(ErrorSerializer, description="A partner reads deals only."),
            409: OpenApiResponse(ErrorSerializer, description="`deal_closed`, `deal_in_queue`."),
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: Any) -> Response:
        deal = self.writable_deal(pk)
        user = request.user
        data = DealStageMoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stage = Stage.objects.filter(
            partner_id=deal.partner_id, pk=data.validated_data["stage"]
        ).first()
        if stage is None:
            raise ApplicationError(
                _("Unknown stage."),
                code="validation_error",
                details={"stage": [_("Unknown stage.")]},
            )
        deal_stage_move(
            deal=deal, stage=stage, actor=user, reason=data.validated_data.get("reason", "")
        )
        return Response(DealSerializer(deal_payloads([self.deal(pk)])[0]).data)
