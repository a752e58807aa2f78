"""Leads API for a partner's site or CRM (partner API key): push a lead, read leads.

A lead pushed here goes the same way as a form's or an import's
(:func:`sales_queue.services.leads.lead_submit`): checked by the same rules, its contact found
or created, and into the sales queue at once when its product's sales department works."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from crm.lead_selectors import lead_get_api, lead_list_api, lead_list_of_partner
from crm.leads import lead_contact_clean
from crm.models import Lead
from sales_queue.services.leads import lead_submit
from salesdesk.pagination import paginated_response
from salesdesk.serializers import ErrorSerializer
from web.crm.leads_serializers import (
    LeadCreateInputSerializer,
    LeadOutputSerializer,
    lead_output,
)
from web.tenancy import PartnerScopedAPIView

LEAD_EXAMPLE = {
    "id": "0b7e4f2a-9c1d-4e5f-8a6b-3c2d1e0f9a8b",
    "lead_list": "5a1c9e7d-3b2f-4d6a-8e0c-1f2a3b4c5d6e",
    "product": "8d3b6f1a-2c4e-4f7a-b1d2-9e8f7a6b5c4d",
    "customer": {
        "name": "Ольга Петрова",
        "email": "olga@example.com",
        "phone": "+79123456789",
        "telegram": "",
        "whatsapp": "",
    },
    "external_id": "crm-7781",
    "source": "vk_ads",
    "comment": "Перезвоните после 18:00",
    "origin": "api",
    "cold": False,
    "created_at": "2026-03-02T12:00:00+03:00",
    "sales_status": "queued",
    "deal": None,
}

_errors = {
    400: OpenApiResponse(ErrorSerializer, description="validation_error / malformed_request"),
    401: OpenApiResponse(ErrorSerializer, description="not_authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="permission_denied (not a partner key)"),
    404: OpenApiResponse(ErrorSerializer, description="not_found (or another partner's lead)"),
    413: OpenApiResponse(ErrorSerializer, description="payload_too_large"),
}


class LeadFilter(django_filters.FilterSet):
    lead_list = django_filters.UUIDFilter(field_name="lead_list_id")
    external_id = django_filters.CharFilter(field_name="external_id", max_length=200)

    class Meta:
        model = Lead
        fields = ["lead_list", "external_id"]


class LeadListCreateApi(PartnerScopedAPIView, generics.GenericAPIView):
    filterset_class = LeadFilter
    serializer_class = LeadOutputSerializer

    def get_queryset(self) -> QuerySet[Lead]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request partner
            return Lead.objects.none()
        return lead_list_api(partner=self.partner)

    @extend_schema(
        summary="List leads",
        description="The partner's leads, newest first, in cursor pages "
        '(`{"results": [...], "next": <url or null>}`); `lead_list` and `external_id` '
        "narrow them (another partner's list gives an empty page). A bad filter value is a "
        "400.",
        responses={200: LeadOutputSerializer(many=True), **_errors},
    )
    def get(self, request: Request) -> Response:
        leads = self.filter_queryset(self.get_queryset())
        return paginated_response(self, leads, LeadOutputSerializer)

    @extend_schema(
        summary="Push a lead (idempotent on external_id)",
        description="201 with a new lead; it finds or creates its contact and enters the sales "
        "queue at once (no grace period) when the product's sales department works — else it "
        "is kept with `sales_status` `none`. The same `external_id` with the same body (after "
        "normalisation: phones to E.164, emails lower-cased) is a retry: 200 and the same "
        "lead. With a different body: 409 `lead_conflict`, `details.fields` naming the "
        "differing fields. Another partner's `lead_list` is a 404; an archived list is a 409 "
        "`lead_list_archived`. The buyer needs a name and at least one of phone, email, "
        "telegram, whatsapp (400 naming `customer.<field>`). A lead never makes a fee.",
        request=LeadCreateInputSerializer,
        responses={
            201: LeadOutputSerializer,
            200: OpenApiResponse(LeadOutputSerializer, description="A retry: the same lead."),
            409: OpenApiResponse(
                ErrorSerializer, description="lead_conflict, lead_list_archived, lead_changed"
            ),
            **_errors,
        },
        examples=[
            OpenApiExample(
                "New lead",
                request_only=True,
                value={
                    "lead_list": LEAD_EXAMPLE["lead_list"],
                    "customer": {
                        "name": "Ольга Петрова",
                        "phone": "8 (912) 345-67-89",
                        "email": "Olga@Example.com",
                    },
                    "external_id": "crm-7781",
                    "source": "vk_ads",
                    "comment": "Перезвоните после 18:00",
                },
            ),
            OpenApiExample(
                "Lead", response_only=True, status_codes=["201", "200"], value=LEAD_EXAMPLE
            ),
            OpenApiExample(
                "Conflicting resend",
                response_only=True,
                status_codes=["409"],
                value={
                    "code": "lead_conflict",
                    "message": "A lead with this external id already exists with other data.",
                    "details": {"lead": LEAD_EXAMPLE["id"], "fields": ["customer.phone"]},
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = LeadCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lead_list = lead_list_of_partner(partner=self.partner, lead_list_id=data["lead_list"])
        customer = data["customer"]
        contact = lead_contact_clean(
            name=customer["name"],
            phone=customer.get("phone", ""),
            email=customer.get("email", ""),
            telegram=customer.get("telegram", ""),
            whatsapp=customer.get("whatsapp", ""),
            prefix="customer.",
        )
        intake = lead_submit(
            lead_list=lead_list,
            contact=contact,
            origin=Lead.Origin.API,
            comment=data.get("comment", ""),
            source=data.get("source", ""),
            external_id=data.get("external_id", ""),
        )
        lead = lead_get_api(partner=self.partner, lead_id=intake.lead.pk)
        answer = status.HTTP_201_CREATED if intake.created else status.HTTP_200_OK
        return Response(lead_output(lead), status=answer)


class LeadDetailApi(PartnerScopedAPIView):
    @extend_schema(
        summary="One lead",
        description="One of the partner's leads; another partner's lead is a 404.",
        responses={200: LeadOutputSerializer, **_errors},
        examples=[OpenApiExample("Lead", response_only=True, value=LEAD_EXAMPLE)],
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(lead_output(lead_get_api(partner=self.partner, lead_id=pk)))
