"""Linking another paid order of the buyer to a deal over REST (the responsible seller or the
head; a partner reads deals only). The rules are :func:`orders.services.order_link_to_deal`'s."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from orders.selectors import deal_linked_orders
from orders.services import order_link_to_deal
from salesdesk.serializers import ErrorSerializer
from web.crm.deals_api import DEAL_ID, ERRORS, DealsApiMixin
from web.crm.deals_serializers import DealOrderSerializer, linked_orders_payload


class DealOrderLinkInputSerializer(serializers.Serializer[Any]):
    order = serializers.UUIDField(help_text="The id of a paid order of the deal's buyer.")


class DealOrdersSerializer(serializers.Serializer[Any]):
    orders = DealOrderSerializer(many=True, help_text="The deal's linked paid orders.")


class DealOrdersApi(DealsApiMixin):
    @extend_schema(
        summary="Link a paid order to a deal",
        description="For the deal's responsible manager and the head: links another paid order "
        "of the deal's buyer, so it counts for the manager's statistics and commission (not for "
        "fees). 201 when linked, 200 when it was linked to this deal already; the answer lists "
        "the deal's linked orders. An order of another partner (or none) is a 404; 409 "
        "`order_not_paid`, `other_contact` (another buyer's order), `already_linked` (linked to "
        "another deal), `deal_withdrawn`.",
        parameters=[DEAL_ID],
        request=DealOrderLinkInputSerializer,
        responses={
            200: DealOrdersSerializer,
            201: DealOrdersSerializer,
            403: OpenApiResponse(ErrorSerializer, description="A partner reads deals only."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`order_not_paid`, `other_contact`, `already_linked`, "
                "`deal_withdrawn`.",
            ),
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: Any) -> Response:
        deal = self.writable_deal(pk)
        data = DealOrderLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        linked = order_link_to_deal(
            deal=deal, order_id=data.validated_data["order"], actor=request.user
        )
        return Response(
            DealOrdersSerializer(
                {"orders": linked_orders_payload(deal, deal_linked_orders(deals=[deal])[deal.pk])}
            ).data,
            status=status.HTTP_201_CREATED if linked.created else status.HTTP_200_OK,
        )
