"""API v1: the partner's deal settings (stale-deal reminders)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Role
from crm.models import (
    REMINDER_EMAILS_MAX,
    STALE_AFTER_MAX_MINUTES,
    STALE_AFTER_MIN_MINUTES,
    DealSettings,
)
from crm.selectors import deal_settings_get
from crm.services import deal_settings_update
from salesdesk.serializers import ErrorSerializer, StrictSerializer
from web.partners.serializers import StrictBooleanField, StrictIntegerField
from web.tenancy import PartnerScopedAPIView

TAG = "deal settings"


class StrictEmailField(serializers.EmailField):
    """Only a JSON string that is an email address."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DealSettingsInputSerializer(StrictSerializer):
    stale_reminder_enabled = StrictBooleanField(
        required=False,
        help_text="Remind by email about open deals unchanged for stale_after_minutes. "
        "Needs at least one address in reminder_emails.",
    )
    stale_after_minutes = StrictIntegerField(
        required=False,
        min_value=STALE_AFTER_MIN_MINUTES,
        max_value=STALE_AFTER_MAX_MINUTES,
        help_text=f"From {STALE_AFTER_MIN_MINUTES} to {STALE_AFTER_MAX_MINUTES} (30 days).",
    )
    reminder_emails = serializers.ListField(
        child=StrictEmailField(),
        max_length=REMINDER_EMAILS_MAX,
        required=False,
        help_text="Replaces the list. Stored lowercased, duplicates dropped; a bad address is "
        "a 400 whose details name its index, e.g. "
        '{"reminder_emails": {"1": ["Enter a valid email address."]}}.',
    )


class DealSettingsOutputSerializer(serializers.Serializer):
    stale_reminder_enabled = serializers.BooleanField()
    stale_after_minutes = serializers.IntegerField()
    reminder_emails = serializers.ListField(child=serializers.EmailField())


def _response(settings: DealSettings) -> Response:
    return Response(DealSettingsOutputSerializer(settings).data)


class DealSettingsApi(PartnerScopedAPIView):
    @extend_schema(
        tags=[TAG],
        summary="The partner's deal settings (the defaults until changed)",
        responses={
            200: DealSettingsOutputSerializer,
            403: OpenApiResponse(ErrorSerializer, description="permission_denied: not a partner"),
        },
    )
    def get(self, request: Request) -> Response:
        return _response(deal_settings_get(partner=self.partner))

    @extend_schema(
        tags=[TAG],
        summary="Change any subset of the deal settings (all or nothing)",
        request=DealSettingsInputSerializer,
        responses={
            200: DealSettingsOutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="validation_error: unknown key, bad value, or reminders on with "
                "no address; nothing is changed",
            ),
            403: OpenApiResponse(
                ErrorSerializer,
                description="permission_denied: not a partner, or a partner's staff login "
                "(only the owner or an API key changes them)",
            ),
        },
    )
    def patch(self, request: Request) -> Response:
        # The cabinet lets the partner's staff read these settings, not change them.
        if getattr(request.user, "role", None) == Role.PARTNER_STAFF:
            raise PermissionDenied
        serializer = DealSettingsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _response(
            deal_settings_update(
                partner=self.partner, actor=request.user, **serializer.validated_data
            )
        )
