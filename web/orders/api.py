"""Orders API for storefronts: intake, reads and payment events (partner API key)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from billing.selectors import (
    order_as_shown,
    order_list_with_fee,
    order_received,
    order_with_fee_get,
)
from billing.services import order_pay, order_refund
from orders.models import Order
from orders.services import order_create, order_ref
from sales_queue.services import order_cancel
from salesdesk.pagination import paginated_response
from salesdesk.serializers import ErrorSerializer
from web.orders.filters import OrderFilter
from web.orders.serializers import (
    OrderCancelInputSerializer,
    OrderCreateInputSerializer,
    OrderOutputSerializer,
    OrderPayInputSerializer,
    OrderRefundInputSerializer,
    order_output,
)
from web.tenancy import PartnerScopedAPIView

ORDER_EXAMPLE = {
    "id": "3f0c2a8e-5b7d-4c1e-9a57-0d6a9f1b2c3d",
    "external_id": "shop-10045",
    "product": "8d3b6f1a-2c4e-4f7a-b1d2-9e8f7a6b5c4d",
    "amount": "1000.00",
    "currency": "RUB",
    "customer": {
        "name": "Анна Смирнова",
        "email": "anna@example.com",
        "phone": "+79123456789",
        "telegram": "@anna_smirnova",
        "whatsapp": "",
    },
    "created_at": "2026-03-02T12:00:00+03:00",
    "due_at": "2026-03-02T13:00:00+03:00",
    "status": "pending",
    "sales_status": "none",
    "paid_at": None,
    "paid_amount": None,
    "refunded_amount": "0.00",
    "fee": None,
    "payment_url": "https://shop.example.com/pay/10045",
    "source": "vk_ads",
}
PAID_EXAMPLE = {
    **ORDER_EXAMPLE,
    "status": "paid",
    "sales_status": "closed",
    "paid_at": "2026-03-02T15:20:00+03:00",
    "paid_amount": "1000.00",
    "fee": "69.00",
}

_errors = {
    400: OpenApiResponse(ErrorSerializer, description="validation_error / malformed_request"),
    401: OpenApiResponse(ErrorSerializer, description="not_authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="permission_denied (not a partner key)"),
    404: OpenApiResponse(ErrorSerializer, description="not_found (or another partner's order)"),
    413: OpenApiResponse(ErrorSerializer, description="payload_too_large"),
}
_order_id = OpenApiParameter("order_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class OrderListCreateApi(PartnerScopedAPIView, generics.GenericAPIView):
    filterset_class = OrderFilter
    serializer_class = OrderOutputSerializer

    def get_queryset(self) -> QuerySet[Order]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request partner
            return Order.objects.none()
        return order_list_with_fee(partner=self.partner)

    @extend_schema(
        summary="List orders",
        description="The partner's orders, newest first, in cursor pages "
        '(`{"results": [...], "next": <url or null>}`). A bad filter value is a 400.',
        responses={200: OrderOutputSerializer(many=True), **_errors},
    )
    def get(self, request: Request) -> Response:
        orders = self.filter_queryset(self.get_queryset())
        return paginated_response(self, orders, OrderOutputSerializer)

    @extend_schema(
        summary="Push an order (idempotent on external_id)",
        description="201 with a new order. The same `external_id` with the same body (after "
        "normalisation: phones to E.164, emails lower-cased) is a retry: 200 and the same "
        "order. With a different body: 409 `order_conflict`, `details.fields` naming the "
        "differing fields. `product` is the product's id or its external id; another "
        "partner's product is a 400 on `product`.",
        request=OrderCreateInputSerializer,
        responses={
            201: OrderOutputSerializer,
            200: OpenApiResponse(OrderOutputSerializer, description="A retry: the same order."),
            409: OpenApiResponse(ErrorSerializer, description="order_conflict"),
            **_errors,
        },
        examples=[
            OpenApiExample(
                "New order",
                request_only=True,
                value={
                    "external_id": "shop-10045",
                    "product": "8d3b6f1a-2c4e-4f7a-b1d2-9e8f7a6b5c4d",
                    "amount": "1000.00",
                    "currency": "RUB",
                    "customer": {
                        "name": "Анна Смирнова",
                        "email": "anna@example.com",
                        "phone": "8 (912) 345-67-89",
                        "telegram": "@anna_smirnova",
                    },
                },
            ),
            OpenApiExample(
                "Imported order",
                request_only=True,
                value={
                    "external_id": "shop-9001",
                    "product": "course-drawing-101",
                    "amount": 2500,
                    "currency": "RUB",
                    "customer": {"name": "Иван", "whatsapp": "+7 912 345 67 89"},
                    "created_at": "2026-03-01T09:30:00+03:00",
                },
            ),
            OpenApiExample(
                "Order", response_only=True, status_codes=["201", "200"], value=ORDER_EXAMPLE
            ),
            OpenApiExample(
                "Conflicting resend",
                response_only=True,
                status_codes=["409"],
                value={
                    "code": "order_conflict",
                    "message": "An order with this external id already exists with other data.",
                    "details": {"order": ORDER_EXAMPLE["id"], "fields": ["amount"]},
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = OrderCreateInputSerializer(
            data=request.data, context={"partner": self.partner}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        intake = order_create(
            partner=self.partner,
            product=data["product"],
            external_id=data["external_id"],
            amount=data["amount"],
            currency=data["currency"],
            customer=serializer.customer_data(),
            created_at=data.get("created_at"),
            payment_url=data.get("payment_url", ""),
            source=data.get("source", ""),
        )
        if not intake.created:  # a retry: the order as it stands now (it may be paid since)
            order = order_with_fee_get(partner=self.partner, order_id=intake.order.pk)
            return Response(order_output(order), status=status.HTTP_200_OK)
        # Answered from what was written: a new order is in no queue and owes no fee yet.
        return Response(
            order_output(order_received(intake.order)),
            status=status.HTTP_201_CREATED,
        )


class OrderDetailApi(PartnerScopedAPIView):
    @extend_schema(
        summary="One order",
        description="One of the partner's orders; another partner's order is a 404.",
        parameters=[_order_id],
        responses={200: OrderOutputSerializer, **_errors},
        examples=[OpenApiExample("Paid order", response_only=True, value=PAID_EXAMPLE)],
    )
    def get(self, request: Request, order_id: str) -> Response:
        return Response(order_output(order_with_fee_get(partner=self.partner, order_id=order_id)))


class _OrderEventApi(PartnerScopedAPIView):
    """An event on one of the partner's orders. The service reads the order once, locked (a
    404 when it is not the partner's); the answer is the order as that service left it, read
    again only when the service cannot tell what the API shows."""

    input_serializer: type[Any]

    def apply(self, order: Order, data: dict[str, Any]) -> Order:
        raise NotImplementedError

    def post(self, request: Request, order_id: str) -> Response:
        serializer = self.input_serializer(data=request.data)
        if not serializer.is_valid():
            order_with_fee_get(partner=self.partner, order_id=order_id)  # a 404 comes first
            serializer.is_valid(raise_exception=True)
        order = self.apply(
            order_ref(partner=self.partner, order_id=order_id), serializer.validated_data
        )
        return Response(order_output(order_as_shown(partner=self.partner, order=order)))


class OrderPayApi(_OrderEventApi):
    input_serializer = OrderPayInputSerializer

    def apply(self, order: Order, data: dict[str, Any]) -> Order:
        return order_pay(order=order, paid_at=data.get("paid_at"), amount=data.get("amount"))

    @extend_schema(
        summary="Report a payment (idempotent)",
        description="Marks the order paid. Paying a paid order again with the same or no body "
        "is 200 and changes nothing; with another time or amount it is 409 "
        "`order_already_paid`; a cancelled order is 409 `order_cancelled`. An `amount` above "
        "10 times the order's amount is 400 `amount_implausible`. The payment time "
        "decides the fee: paid within the grace period (before `due_at`) owes nothing even if "
        "reported late; the order leaves the sales queue either way.",
        parameters=[_order_id],
        request=OrderPayInputSerializer,
        responses={
            200: OrderOutputSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description="order_cancelled, order_already_paid"
            ),
            **_errors,
        },
        examples=[
            OpenApiExample("Paid now, the full amount", request_only=True, value={}),
            OpenApiExample(
                "Paid earlier, reported late",
                request_only=True,
                value={"paid_at": "2026-03-02T12:40:00+03:00", "amount": "1000.00"},
            ),
            OpenApiExample("Paid order", response_only=True, value=PAID_EXAMPLE),
        ],
    )
    def post(self, request: Request, order_id: str) -> Response:
        return super().post(request, order_id)


class OrderCancelApi(_OrderEventApi):
    input_serializer = OrderCancelInputSerializer

    def apply(self, order: Order, data: dict[str, Any]) -> Order:
        return order_cancel(order=order)

    @extend_schema(
        summary="Cancel an unpaid order (idempotent)",
        description="Cancelling a cancelled order is 200 and changes nothing; a paid order is "
        "409 `order_paid`. The order leaves the sales queue.",
        parameters=[_order_id],
        request=OrderCancelInputSerializer,
        responses={
            200: OrderOutputSerializer,
            409: OpenApiResponse(ErrorSerializer, description="order_paid"),
            **_errors,
        },
        examples=[
            OpenApiExample("Cancel", request_only=True, value={}),
            OpenApiExample(
                "Cancelled order",
                response_only=True,
                value={**ORDER_EXAMPLE, "status": "cancelled", "sales_status": "closed"},
            ),
        ],
    )
    def post(self, request: Request, order_id: str) -> Response:
        return super().post(request, order_id)


class OrderRefundApi(_OrderEventApi):
    input_serializer = OrderRefundInputSerializer

    def apply(self, order: Order, data: dict[str, Any]) -> Order:
        return order_refund(
            order=order, amount=data.get("amount"), refund_id=data.get("refund_id", "")
        )

    @extend_schema(
        summary="Refund a paid order, fully or in part",
        description="Without `amount`, refunds everything not yet refunded and sets status "
        "`refunded`; a retry of that is 200 and changes nothing. With `amount`, a partial "
        "refund: status stays `paid`, `refunded_amount` grows by it. Idempotent: a request "
        "repeating an earlier `refund_id`, or without `refund_id` an earlier partial refund's "
        "amount, is the same refund again — 200, nothing changes. Two real partial refunds of "
        "equal amounts need distinct `refund_id`s; a `refund_id` reused with another amount is "
        "409 `refund_conflict`. Refunds never exceed the paid amount: 409 "
        "`refund_exceeds_paid` with `details.refundable`. An unpaid order is 409 "
        "`order_not_paid`. The order's `fee` follows: the fee on the amount kept.",
        parameters=[_order_id],
        request=OrderRefundInputSerializer,
        responses={
            200: OrderOutputSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="order_not_paid, refund_exceeds_paid, refund_conflict",
            ),
            **_errors,
        },
        examples=[
            OpenApiExample("Full refund", request_only=True, value={}),
            OpenApiExample("Partial refund", request_only=True, value={"amount": "300.00"}),
            OpenApiExample(
                "Partial refund with the storefront's id",
                request_only=True,
                value={"amount": "300.00", "refund_id": "rf-20261124-17"},
            ),
            OpenApiExample(
                "Partly refunded order",
                response_only=True,
                value={**PAID_EXAMPLE, "refunded_amount": "300.00", "fee": "60.00"},
            ),
        ],
    )
    def post(self, request: Request, order_id: str) -> Response:
        return super().post(request, order_id)
