from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PartnerApiClient
from web.accounts.serializers import MeSerializer
from web.permissions import request_partner


class MeApi(APIView):
    """Who the presented key or token belongs to — the first call an integrator makes."""

    @extend_schema(responses=MeSerializer, summary="The authenticated principal")
    def get(self, request: Request) -> Response:
        user = request.user
        partner = request_partner(request)
        if partner is not None:
            data = {
                "kind": "partner",
                "partner": partner.pk,
                "partner_name": partner.name,
                "key_prefix": user.api_key.prefix if isinstance(user, PartnerApiClient) else None,
            }
        else:
            data = {
                "kind": "staff",
                "user": user.pk,
                "email": getattr(user, "email", ""),
                "role": getattr(user, "role", ""),
            }
        return Response(data)
