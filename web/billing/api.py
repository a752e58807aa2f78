from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from billing.months import format_month, parse_past_or_current_month
from billing.selectors import ledger_entries, statement_for_month
from salesdesk.pagination import paginated_response
from salesdesk.serializers import ErrorSerializer
from web.billing.exports import statement_csv_response
from web.billing.serializers import (
    ChargeListInputSerializer,
    ChargeOutputSerializer,
    ChargePageOutputSerializer,
    StatementOutputSerializer,
)
from web.tenancy import PartnerScopedAPIView

_MONTH = OpenApiParameter(
    "month",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Moscow-time month, YYYY-MM: this one or a past one.",
    pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
)
_INVALID_MONTH = OpenApiResponse(
    ErrorSerializer,
    description="`invalid_month` (not YYYY-MM), `future_month` (still to come) or "
    "`month_out_of_range` (before billing began).",
)


class CSVRenderer(BaseRenderer):
    """Lets a client ask for ``Accept: text/csv``; the view returns the CSV body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        # Never reached: the view answers CSV itself, and errors go to the JSON renderer.
        return JSONRenderer().render(data)


class ChargeListApi(PartnerScopedAPIView):
    """The partner's ledger rows: fees, reversals (negative) and adjustments."""

    @extend_schema(
        parameters=[ChargeListInputSerializer],
        responses=ChargePageOutputSerializer,
        summary="Ledger rows (charges)",
    )
    def get(self, request: Request) -> Response:
        filters = ChargeListInputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        entries = ledger_entries(
            partner=self.partner,
            order_id=data.get("order"),
            kind=data.get("kind"),
            month=data.get("month"),
        )
        return paginated_response(self, entries, ChargeOutputSerializer)


class StatementApi(PartnerScopedAPIView):
    """One Moscow-time month: frozen if closed, live totals for the current month."""

    @extend_schema(
        parameters=[_MONTH],
        responses={200: StatementOutputSerializer, 400: _INVALID_MONTH},
        summary="Monthly statement",
    )
    def get(self, request: Request, month: str) -> Response:
        totals = statement_for_month(partner=self.partner, month=parse_past_or_current_month(month))
        data = {
            "month": format_month(totals.month),
            "orders_handled": totals.orders_handled,
            "paid": totals.paid,
            "fees": totals.fees,
            "reversals": totals.reversals,
            "adjustments": totals.adjustments,
            "total": totals.total,
            "closed": totals.closed,
        }
        return Response(StatementOutputSerializer(data).data)


class StatementCsvApi(PartnerScopedAPIView):
    """The month's ledger rows as CSV."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # An error (a staff token's 403, a bad month) is JSON even when `?format=csv` or
        # `Accept: text/csv` chose the CSV renderer: its body, and so its Content-Type.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        parameters=[_MONTH],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR), 400: _INVALID_MONTH},
        summary="Monthly statement as CSV",
    )
    def get(self, request: Request, month: str) -> Any:
        return statement_csv_response(
            partner=self.partner, month=parse_past_or_current_month(month)
        )
