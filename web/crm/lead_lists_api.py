"""API v1: a partner's lead lists (partner API key). Each list yields the HTML form snippet a
landing page carries; its leads come through ``POST /forms/<form_token>/`` (no auth)."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from crm.lead_list_selectors import partner_lead_list_get, partner_lead_lists
from crm.leads import (
    lead_list_archive,
    lead_list_create,
    lead_list_rotate_token,
    lead_list_update,
)
from partners.selectors import partner_product_get
from salesdesk.pagination import CursorPagination, paginated_response
from salesdesk.serializers import ErrorSerializer
from web.crm.lead_lists_serializers import (
    LeadListArchiveInputSerializer,
    LeadListCreateInputSerializer,
    LeadListOutputSerializer,
    LeadListUpdateInputSerializer,
    lead_list_output,
)
from web.tenancy import PartnerScopedAPIView

TAG = "lead lists"

_errors = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="validation_error (`details` per field: a taken name, a site address "
        "that is not scheme://host, a thank-you page that is not a web address…)",
    ),
    403: OpenApiResponse(ErrorSerializer, description="permission_denied: not a partner key"),
    404: OpenApiResponse(
        ErrorSerializer, description="not_found: no such list or product, or another partner's"
    ),
}
EXAMPLE = {
    "id": "5b1f7c1e-8a2d-4a51-9f0e-3c2d1b0a9f8e",
    "name": "Вебинар 12 марта",
    "product": "8d3b6f1a-2c4e-4f7a-b1d2-9e8f7a6b5c4d",
    "form_token": "Yk1u3p0X…",
    "form_url": "https://salesdesk.example/forms/Yk1u3p0X…/",
    "form_html": '<form method="post" action="https://salesdesk.example/forms/Yk1u3p0X…/">…',
    "allowed_origins": ["https://school.example"],
    "thank_you_url": "https://school.example/thanks",
    "default_source": "webinar",
    "consent_text": "",
    "archived": False,
    "created_at": "2026-03-02T12:00:00+03:00",
}


def _answer(lead_list: object, code: int = status.HTTP_200_OK) -> Response:
    return Response(lead_list_output(lead_list), status=code)  # type: ignore[arg-type]


class LeadListListCreateApi(PartnerScopedAPIView):
    pagination_class = CursorPagination

    @extend_schema(
        tags=[TAG],
        summary="List the partner's lead lists (newest first, archived ones too)",
        responses={200: LeadListOutputSerializer(many=True), 403: _errors[403]},
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            self, partner_lead_lists(partner=self.partner), LeadListOutputSerializer
        )

    @extend_schema(
        tags=[TAG],
        summary="Create a lead list for one of the partner's products",
        description="201 with the list, its secret `form_token` and the form snippet "
        "(`form_html`) to paste on a landing page. Leads posted to its form enter the sales "
        "queue at once when the product's sales department works.",
        request=LeadListCreateInputSerializer,
        responses={201: LeadListOutputSerializer, **_errors},
        examples=[
            OpenApiExample(
                "New list",
                request_only=True,
                value={
                    "name": "Вебинар 12 марта",
                    "product": EXAMPLE["product"],
                    "allowed_origins": ["https://school.example"],
                    "thank_you_url": "https://school.example/thanks",
                    "default_source": "webinar",
                },
            ),
            OpenApiExample("Lead list", response_only=True, value=EXAMPLE),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = LeadListCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        product = partner_product_get(partner=self.partner, product_id=data.pop("product"))
        lead_list = lead_list_create(partner=self.partner, product=product, **data)
        return _answer(lead_list, status.HTTP_201_CREATED)


class LeadListDetailApi(PartnerScopedAPIView):
    @extend_schema(
        tags=[TAG],
        summary="One lead list with its form snippet",
        responses={200: LeadListOutputSerializer, 403: _errors[403], 404: _errors[404]},
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        return _answer(partner_lead_list_get(partner=self.partner, lead_list_id=pk))

    @extend_schema(
        tags=[TAG],
        summary="Change a lead list (any subset; the product stays)",
        description="The form snippet follows the change; a form already pasted keeps "
        "posting to the same address.",
        request=LeadListUpdateInputSerializer,
        responses={200: LeadListOutputSerializer, **_errors},
    )
    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        lead_list = partner_lead_list_get(partner=self.partner, lead_list_id=pk)
        serializer = LeadListUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _answer(lead_list_update(lead_list=lead_list, **serializer.validated_data))


class LeadListRotateTokenApi(PartnerScopedAPIView):
    @extend_schema(
        tags=[TAG],
        summary="Give the list a new form token",
        description="The old form address answers 404 from now on: paste the new "
        "`form_html` on the landing page.",
        request=None,
        responses={200: LeadListOutputSerializer, 403: _errors[403], 404: _errors[404]},
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        lead_list = partner_lead_list_get(partner=self.partner, lead_list_id=pk)
        return _answer(lead_list_rotate_token(lead_list=lead_list))


class LeadListArchiveApi(PartnerScopedAPIView):
    @extend_schema(
        tags=[TAG],
        summary="Archive a lead list (or bring it back)",
        description="An archived list takes no more leads: its form answers 404. Its leads "
        'and their deals stay. `{"archived": false}` brings it back.',
        request=LeadListArchiveInputSerializer,
        responses={200: LeadListOutputSerializer, **_errors},
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        lead_list = partner_lead_list_get(partner=self.partner, lead_list_id=pk)
        serializer = LeadListArchiveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        archived = serializer.validated_data["archived"]
        return _answer(lead_list_archive(lead_list=lead_list, archived=archived))
