"""Contacts API: a partner key reads its own buyers, a seller's token the buyers of the deals
they are responsible for, the head's every buyer; searched, and one buyer's orders, purchased
products and deals (of those, only the deals the caller may see)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from crm.models import Contact
from crm.selectors import contact_deals, contact_get, contact_list
from sales_queue.selectors import contact_orders, contact_purchased_products
from salesdesk.pagination import paginated_response
from salesdesk.serializers import ErrorSerializer
from web.crm.serializers import ContactDetailOutputSerializer, ContactOutputSerializer
from web.permissions import IsPartnerOrStaff, request_partner

_errors = {
    401: OpenApiResponse(ErrorSerializer, description="not_authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="permission_denied"),
}


class ContactsApiMixin(generics.GenericAPIView):
    permission_classes = [IsPartnerOrStaff]

    def caller(self) -> dict[str, Any]:
        return {"partner": request_partner(self.request), "user": self.request.user}


class ContactListApi(ContactsApiMixin):
    queryset = Contact.objects.none()  # for the schema; get() reads through the selector
    serializer_class = ContactOutputSerializer

    @extend_schema(
        summary="List contacts",
        description="The buyers the caller sees — a partner key its own, a seller those of "
        "the deals they are responsible for, the head all — newest first, in cursor pages "
        '(`{"results": [...], "next": <url or null>}`). `q` searches the name, email and phone '
        "(a full phone number in any notation finds its E.164 form).",
        parameters=[OpenApiParameter("q", str, description="Search in name, email, phone.")],
        responses={200: ContactOutputSerializer(many=True), **_errors},
    )
    def get(self, request: Request) -> Response:
        contacts = contact_list(**self.caller(), q=request.query_params.get("q", ""))
        return paginated_response(self, contacts, ContactOutputSerializer)


class ContactDetailApi(ContactsApiMixin):
    queryset = Contact.objects.none()
    serializer_class = ContactDetailOutputSerializer

    @extend_schema(
        summary="Get a contact",
        description="The buyer with their orders (newest first), purchased products (the "
        "products of their paid orders) and the deals the caller sees. A contact the caller "
        "does not see (another partner's, a buyer of another manager's deals) is a 404.",
        parameters=[OpenApiParameter("contact_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            200: ContactDetailOutputSerializer,
            404: OpenApiResponse(ErrorSerializer, description="not_found"),
            **_errors,
        },
    )
    def get(self, request: Request, contact_id: str) -> Response:
        caller = self.caller()
        contact = contact_get(**caller, contact_id=contact_id)
        partner = contact.partner
        data: dict[str, Any] = {
            **ContactOutputSerializer(contact).data,
            "partner_id": contact.partner_id,
            "orders": contact_orders(partner=partner, contact=contact),
            "purchased_products": contact_purchased_products(partner=partner, contact=contact),
            "deals": contact_deals(**caller, contact=contact),
        }
        return Response(ContactDetailOutputSerializer(data).data)
