"""The head's team over the API: the staff list, invitations, a member's role, trainee flag and
commission rate, deactivation (the same services as the «Команда» page)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import SELLER_ROLES, STAFF_ROLES, Role, User
from sales_queue.services.staff import staff_deactivate, staff_member
from salesdesk.errors import ApplicationError
from salesdesk.serializers import ErrorSerializer
from stats.staff import default_commission, own_rate, staff_invite, staff_rows, staff_update
from web.partners.serializers import StrictBooleanField
from web.permissions import IsHead

STAFF_ROLE_VALUES = sorted(r.value for r in Role if r in STAFF_ROLES)


class PercentField(serializers.DecimalField):
    """A percent as the API writes decimals: a JSON string such as ``"7.50"`` (a number or a
    string the schema's pattern refuses is a 400, not coerced)."""

    PATTERN = re.compile(r"^\d{1,3}(?:\.\d{1,2})?$")

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not self.PATTERN.match(data):
            self.fail("invalid")
        return cast(Decimal, super().to_internal_value(data))


def _percent_field(**kwargs: Any) -> serializers.DecimalField:
    return PercentField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        **kwargs,
    )


class StaffMemberSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=STAFF_ROLE_VALUES)
    is_trainee = serializers.BooleanField()
    commission_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="The member's own rate; null: the default (sellers only earn one).",
    )
    effective_commission_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="What the member earns: their own rate or the default; null for head and QA.",
    )
    held_items = serializers.IntegerField(help_text="Queue items held now (taken or callbacks).")
    open_deals = serializers.IntegerField(help_text="Open deals they are responsible for.")
    last_login = serializers.DateTimeField(allow_null=True)


class StaffPageSerializer(serializers.Serializer[Any]):
    results = StaffMemberSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class StaffInvitationInputSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=STAFF_ROLE_VALUES)
    is_trainee = StrictBooleanField(
        default=False, help_text="Sellers only (manager, caller, account manager)."
    )
    commission_percent = _percent_field(
        required=False, allow_null=True, help_text="Sellers only; absent or null: the default."
    )


class StaffInvitationSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=STAFF_ROLE_VALUES)
    is_trainee = serializers.BooleanField()
    commission_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    expires_at = serializers.DateTimeField()


class StaffPatchSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=STAFF_ROLE_VALUES, required=False)
    is_trainee = StrictBooleanField(
        required=False, help_text="false graduates a trainee; true: sellers only."
    )
    commission_percent = _percent_field(
        required=False, allow_null=True, help_text="null: back to the default rate."
    )


class StaffDeactivationSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    items_released = serializers.IntegerField()
    deals_to_head = serializers.IntegerField()
    clients_handed = serializers.IntegerField()
    clients_cleared = serializers.IntegerField()


ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
    403: OpenApiResponse(ErrorSerializer, description="Anyone but the head of sales."),
}


def _row(member: User) -> dict[str, Any]:
    rate = getattr(member, "rate", None)
    seller = member.role in SELLER_ROLES
    return {
        "id": member.pk,
        "email": member.email,
        "full_name": member.full_name,
        "role": member.role,
        "is_trainee": member.is_trainee,
        "commission_percent": rate,
        "effective_commission_percent": (rate if rate is not None else default_commission())
        if seller
        else None,
        "held_items": getattr(member, "held_items", 0),
        "open_deals": getattr(member, "open_deals", 0),
        "last_login": member.last_login,
    }


class StaffListApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(
        summary="The sales department's staff",
        description="Active staff logins by name; `role` filters. One page: `next` is null.",
        parameters=[OpenApiParameter("role", str, required=False, enum=STAFF_ROLE_VALUES)],
        responses={
            200: StaffPageSerializer,
            400: OpenApiResponse(ErrorSerializer, description="`validation_error` (role)."),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        role = request.query_params.get("role") or None
        if role is not None and role not in STAFF_ROLE_VALUES:
            raise ApplicationError(
                _("Choose a role of the sales department."),
                code="validation_error",
                details={"role": [_("Choose a role of the sales department.")]},
            )
        rows = [_row(m) for m in staff_rows(role=role)]
        return Response({"results": StaffMemberSerializer(rows, many=True).data, "next": None})


class StaffInvitationApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(
        summary="Invite someone to the sales department",
        description="Emails a one-time link (valid `INVITATION_DAYS`) to choose a name and "
        "password; the trainee flag and the rate apply when it is used. A pending invitation "
        "of the same address is replaced.",
        request=StaffInvitationInputSerializer,
        responses={
            201: StaffInvitationSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`validation_error`, `invalid_email`, `trainee_not_seller` "
                "(a trainee flag for head or QA).",
            ),
            409: OpenApiResponse(ErrorSerializer, description="`email_taken`."),
            **ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = StaffInvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = staff_invite(
            actor=cast(User, request.user),
            email=data.validated_data["email"],
            role=data.validated_data["role"],
            is_trainee=data.validated_data["is_trainee"],
            commission_percent=data.validated_data.get("commission_percent"),
        )
        return Response(StaffInvitationSerializer(invitation).data, status=201)


class StaffMemberApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(
        summary="Change a member's role, trainee flag or rate",
        description="Fields left out stay as they are. A seller who becomes head or QA gives "
        "their held items back to the queue and their open deals to the head. The head cannot "
        "change their own role.",
        request=StaffPatchSerializer,
        responses={
            200: StaffMemberSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="`validation_error`, `trainee_not_seller`."
            ),
            404: OpenApiResponse(ErrorSerializer, description="`not_found`."),
            409: OpenApiResponse(ErrorSerializer, description="`cannot_change_own_role`."),
            **ERRORS,
        },
    )
    def patch(self, request: Request, pk: str) -> Response:
        member = staff_member(pk)
        data = StaffPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        own = own_rate(member) if values.get("role", member.role) in SELLER_ROLES else None
        staff_update(
            actor=cast(User, request.user),
            user_id=member.pk,
            role=values.get("role", member.role),
            is_trainee=values.get("is_trainee", member.is_trainee),
            commission_percent=values.get("commission_percent", own),
        )
        return Response(StaffMemberSerializer(_row(staff_rows().get(pk=member.pk))).data)


class StaffDeactivateApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(
        summary="Deactivate a member",
        description="The login stops working (sessions, tokens); held and scheduled items go "
        "back to the queue; open deals go to the head (a task each); clients go to the next "
        "account manager. Bring someone back by inviting them again.",
        request=None,
        responses={
            200: StaffDeactivationSerializer,
            404: OpenApiResponse(ErrorSerializer, description="`not_found`."),
            409: OpenApiResponse(ErrorSerializer, description="`cannot_deactivate_self`."),
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: str) -> Response:
        done = staff_deactivate(actor=cast(User, request.user), user_id=pk)
        return Response(
            StaffDeactivationSerializer(
                {
                    "id": done.member.pk,
                    "items_released": done.items_released,
                    "deals_to_head": done.deals_to_head,
                    "clients_handed": done.clients_handed,
                    "clients_cleared": done.clients_cleared,
                }
            ).data
        )
