"""``GET /api/v1/stats/managers/``: the head's per-manager figures over a period."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from salesdesk.serializers import ErrorSerializer
from stats.managers import manager_stats
from stats.periods import period_from
from web.permissions import IsHead


class ManagerStatsSerializer(serializers.Serializer[Any]):
    manager = serializers.UUIDField(source="manager_id", help_text="The manager's user id.")
    manager_name = serializers.CharField(source="name")
    is_active = serializers.BooleanField(help_text="False: no longer works here.")
    taken = serializers.IntegerField(help_text="Queue items taken in the period.")
    touches = serializers.IntegerField(help_text="Touches logged in the period.")
    won = serializers.IntegerField(help_text="Deals closed as won in the period (late wins too).")
    lost = serializers.IntegerField(help_text="Deals closed as lost in the period.")
    lost_reasons = serializers.DictField(
        child=serializers.IntegerField(), help_text="Lost deals by reason code."
    )
    conversion = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        allow_null=True,
        help_text="won / (won + lost); null when both are 0.",
    )
    revenue = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="Paid orders linked to the manager's deals (paid in the period), net of "
        "refunds: amount − refunded amount.",
    )
    fees = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="Ledger rows (fees, reversals, adjustments) created in the period for those "
        "orders.",
    )
    commission_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    commission = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="revenue × commission_percent / 100."
    )
    first_touch_delay_seconds = serializers.IntegerField(
        allow_null=True, help_text="Median seconds from a take to the taker's first touch."
    )
    deal_after_seconds = serializers.IntegerField(
        allow_null=True,
        help_text="Median seconds from the lead or order to the deal (deals opened in the period).",
    )
    open_tasks = serializers.IntegerField(help_text="Open tasks now.")
    overdue_tasks = serializers.IntegerField(help_text="Open tasks past due now.")
    qa_score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="Mean QA score (0–100) of the manager's calls scored in the period; null "
        "when none has a score.",
    )
    qa_reviews = serializers.IntegerField(help_text="Calls QA scored in the period.")


class ManagerStatsPageSerializer(serializers.Serializer[Any]):
    results = ManagerStatsSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class ManagerStatsApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(
        summary="Manager statistics",
        description="One row per seller who worked in the period, and per active seller. "
        "The period is Moscow days from `date_from` to `date_to` (YYYY-MM-DD, both included; "
        "either alone: to today, or a year back); without either, the last 7 days. One page: "
        "`next` is always null.",
        parameters=[
            OpenApiParameter("date_from", str, required=False, description="YYYY-MM-DD"),
            OpenApiParameter("date_to", str, required=False, description="YYYY-MM-DD"),
        ],
        responses={
            200: ManagerStatsPageSerializer,
            400: OpenApiResponse(ErrorSerializer, description="`validation_error` (a date)."),
            401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
            403: OpenApiResponse(ErrorSerializer, description="Anyone but the head of sales."),
        },
    )
    def get(self, request: Request) -> Response:
        params = {k: request.query_params.get(k) for k in ("date_from", "date_to")}
        rows = manager_stats(period=period_from(params))
        return Response({"results": ManagerStatsSerializer(rows, many=True).data, "next": None})
