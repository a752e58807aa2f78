"""API v1 of the partners app: products, sales-department settings, the questionnaire,
alignment calls and the head of sales' decisions.

Views stay thin: they check who may call, resolve ids through the selectors (another
partner's object is a 404) and hand validated input to a service.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from partners import selectors, services
from partners.models import Partner, Product
from sales_queue.services import supply
from salesdesk.errors import NotFoundError
from salesdesk.pagination import CursorPagination, paginated_response
from salesdesk.serializers import ErrorSerializer
from web.partners.serializers import (
    ApproveInputSerializer,
    CallBookingCreateInputSerializer,
    CallBookingOutputSerializer,
    CallHeldInputSerializer,
    DecisionCommentInputSerializer,
    PartnerOutputSerializer,
    ProductCreateInputSerializer,
    ProductOutputSerializer,
    ProductUpdateInputSerializer,
    QuestionnaireInputSerializer,
    QuestionnaireOutputSerializer,
    RefuseInputSerializer,
    SlotCreateInputSerializer,
    SlotOutputSerializer,
    StatusChangeOutputSerializer,
)
from web.permissions import IsHead, IsPartner, request_partner
from web.tenancy import PartnerScopedAPIView

PRODUCTS = "products"
HEAD = "head of sales"
CALLS = "alignment calls"


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


E400 = _error("validation_error: the field errors are in details")
E403 = _error("permission_denied: not allowed for this key or role")
E404 = _error("not_found: no such object, or another partner's")
E409 = _error("a conflict with the current state; code says which")


class IsPartnerOrHead(BasePermission):
    """Reads a partner makes of its own objects and the head of sales of everyone's."""

    message = gettext_lazy("This endpoint is for partners and the head of sales.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return (
            request_partner(request) is not None or getattr(request.user, "role", None) == Role.HEAD
        )


def _product_for(request: Request, product_id: uuid.UUID) -> Product:
    """The partner's own product, or — for the head of sales — anyone's."""
    partner = request_partner(request)
    if partner is not None:
        return selectors.partner_product_get(partner=partner, product_id=product_id)
    return selectors.product_for_head_get(product_id=product_id)


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> Any:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _product_response(product: Product, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(ProductOutputSerializer(product).data, status=status_code)


# --- products ---


class ProductListCreateApi(PartnerScopedAPIView):
    pagination_class = CursorPagination

    @extend_schema(
        tags=[PRODUCTS],
        summary="List the partner's products (newest first)",
        responses={200: ProductOutputSerializer(many=True), 403: E403},
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            self, selectors.partner_products(partner=self.partner), ProductOutputSerializer
        )

    @extend_schema(
        tags=[PRODUCTS],
        summary="Create a product",
        request=ProductCreateInputSerializer,
        responses={
            201: ProductOutputSerializer,
            400: E400,
            403: E403,
            409: _error("external_id_taken"),
        },
    )
    def post(self, request: Request) -> Response:
        data = _validated(ProductCreateInputSerializer, request)
        product = services.product_create(
            partner=self.partner,
            name=data["name"],
            price=data["price"],
            external_id=data.get("external_id") or "",
        )
        return _product_response(
            selectors.partner_product_get(partner=self.partner, product_id=product.pk),
            status.HTTP_201_CREATED,
        )


class ProductDetailApi(APIView):
    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "PATCH":
            return [IsPartner()]
        return [IsPartnerOrHead()]

    @extend_schema(
        tags=[PRODUCTS],
        summary="A product with its sales-department settings and status",
        description="A partner reads its own products; the head of sales reads any.",
        responses={200: ProductOutputSerializer, 403: E403, 404: E404},
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        return _product_response(_product_for(request, pk))

    @extend_schema(
        tags=[PRODUCTS],
        summary="Change a product and its sales-department settings (any subset)",
        description=(
            "Switching the sales department off withdraws the product's queued orders "
            "(those a manager holds are finished). A new grace period applies to new orders."
        ),
        request=ProductUpdateInputSerializer,
        responses={
            200: ProductOutputSerializer,
            400: E400,
            403: E403,
            404: E404,
            409: _error("external_id_taken"),
        },
    )
    def patch(self, request: Request, pk: uuid.UUID) -> Response:
        partner = request_partner(request)
        assert partner is not None  # noqa: S101 - IsPartner let only partners through
        product = selectors.partner_product_get(partner=partner, product_id=pk)
        data = _validated(ProductUpdateInputSerializer, request)
        external_id = data.get("external_id")
        if "external_id" in data and external_id is None:
            external_id = ""  # an explicit null clears it
        supply.product_edit(
            product=product,
            actor=request.user,
            name=data.get("name"),
            price=data.get("price"),
            external_id=external_id,
            sales_department=data.get("sales_department"),
        )
        return _product_response(selectors.partner_product_get(partner=partner, product_id=pk))


class ProductHistoryApi(APIView):
    permission_classes = [IsPartnerOrHead]
    pagination_class = CursorPagination

    @extend_schema(
        tags=[PRODUCTS],
        summary="The product's status changes, newest first",
        responses={200: StatusChangeOutputSerializer(many=True), 403: E403, 404: E404},
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        product = _product_for(request, pk)
        return paginated_response(
            self,
            selectors.product_history(partner=product.partner, product=product),
            StatusChangeOutputSerializer,
        )


# --- questionnaire ---


def _questionnaire_response(product: Product) -> Response:
    questionnaire = selectors.product_questionnaire(product=product)
    data = {
        **questionnaire.answers(),
        "submitted_at": questionnaire.submitted_at,
        "missing": list(services.questionnaire_missing(questionnaire)),
    }
    return Response(QuestionnaireOutputSerializer(data).data)


class QuestionnaireApi(APIView):
    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "PUT":
            return [IsPartner()]
        return [IsPartnerOrHead()]

    @extend_schema(
        tags=[PRODUCTS],
        summary="The product's questionnaire, with the required fields still empty",
        responses={200: QuestionnaireOutputSerializer, 403: E403, 404: E404},
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        return _questionnaire_response(_product_for(request, pk))

    @extend_schema(
        tags=[PRODUCTS],
        summary="Replace the questionnaire's answers",
        description=(
            "A field left out is saved empty. After approval a change is kept as a new "
            "version for the head of sales and the product stays approved."
        ),
        request=QuestionnaireInputSerializer,
        responses={200: QuestionnaireOutputSerializer, 400: E400, 403: E403, 404: E404},
    )
    def put(self, request: Request, pk: uuid.UUID) -> Response:
        partner = request_partner(request)
        assert partner is not None  # noqa: S101 - IsPartner let only partners through
        product = selectors.partner_product_get(partner=partner, product_id=pk)
        answers = _validated(QuestionnaireInputSerializer, request)
        services.questionnaire_save(product=product, actor=request.user, answers=answers)
        return _questionnaire_response(product)


class QuestionnaireSubmitApi(PartnerScopedAPIView):
    @extend_schema(
        tags=[PRODUCTS],
        summary="Submit the questionnaire to the head of sales",
        request=None,
        responses={
            200: ProductOutputSerializer,
            400: _error("questionnaire_incomplete: details names each missing field"),
            403: E403,
            404: E404,
            409: _error("invalid_transition, sales_department_off or partner_blocked"),
        },
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        product = selectors.partner_product_get(partner=self.partner, product_id=pk)
        services.questionnaire_submit(product=product, actor=request.user)
        return _product_response(selectors.partner_product_get(partner=self.partner, product_id=pk))


# --- the head's decisions ---

_DECISION_RESPONSES = {
    200: ProductOutputSerializer,
    400: E400,
    403: E403,
    404: E404,
    409: _error("invalid_transition, partner_blocked, already_blocked or not_blocked"),
}


class _HeadProductApi(APIView):
    permission_classes = [IsHead]

    def product(self, pk: uuid.UUID) -> Product:
        return selectors.product_for_head_get(product_id=pk)

    def done(self, pk: uuid.UUID) -> Response:
        return _product_response(selectors.product_for_head_get(product_id=pk))


class ProductApproveApi(_HeadProductApi):
    @extend_schema(
        tags=[HEAD],
        summary="Approve a submitted product (the partner is emailed)",
        description=(
            "Only after the alignment call: a held call covering the product (see "
            "`POST /call-bookings/{id}/held/`), or `call_notes` of an ad-hoc call given here. "
            "Otherwise 409 `call_required`. The call's notes are kept in the product's history."
        ),
        request=ApproveInputSerializer,
        responses={
            **_DECISION_RESPONSES,
            409: _error(
                "call_required (no held call and no call_notes), invalid_transition or "
                "partner_blocked"
            ),
        },
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        product = self.product(pk)
        data = _validated(ApproveInputSerializer, request)
        supply.product_approve(
            product=product,
            actor=request.user,
            comment=data["comment"],
            call_notes=data["call_notes"],
        )
        return self.done(pk)


class ProductRefuseApi(_HeadProductApi):
    @extend_schema(
        tags=[HEAD],
        summary="Refuse a submitted product with a reason (the partner is emailed)",
        request=RefuseInputSerializer,
        responses=_DECISION_RESPONSES,
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        product = self.product(pk)
        data = _validated(RefuseInputSerializer, request)
        supply.product_refuse(
            product=product, actor=request.user, reason=data["reason"], comment=data["comment"]
        )
        return self.done(pk)


class ProductBlockApi(_HeadProductApi):
    @extend_schema(
        tags=[HEAD],
        summary="Block a product: its queued orders are withdrawn, no new ones enter",
        request=DecisionCommentInputSerializer,
        responses=_DECISION_RESPONSES,
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        product = self.product(pk)
        data = _validated(DecisionCommentInputSerializer, request)
        supply.product_block(product=product, actor=request.user, comment=data["comment"])
        return self.done(pk)


class ProductUnblockApi(_HeadProductApi):
    @extend_schema(
        tags=[HEAD],
        summary="Lift a product's block: it returns to the status it had",
        request=DecisionCommentInputSerializer,
        responses=_DECISION_RESPONSES,
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        product = self.product(pk)
        data = _validated(DecisionCommentInputSerializer, request)
        supply.product_unblock(product=product, actor=request.user, comment=data["comment"])
        return self.done(pk)


class _HeadPartnerApi(APIView):
    permission_classes = [IsHead]

    def partner(self, pk: uuid.UUID) -> Partner:
        return selectors.partner_get(partner_id=pk)


_PARTNER_RESPONSES = {
    200: PartnerOutputSerializer,
    400: E400,
    403: E403,
    404: E404,
    409: _error("already_blocked or not_blocked"),
}


class PartnerBlockApi(_HeadPartnerApi):
    @extend_schema(
        tags=[HEAD],
        summary="Block a partner: its queued orders are withdrawn, no new ones enter",
        request=DecisionCommentInputSerializer,
        responses=_PARTNER_RESPONSES,
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        partner = self.partner(pk)
        data = _validated(DecisionCommentInputSerializer, request)
        partner = supply.partner_block(partner=partner, actor=request.user, comment=data["comment"])
        return Response(PartnerOutputSerializer(partner).data)


class PartnerUnblockApi(_HeadPartnerApi):
    @extend_schema(
        tags=[HEAD],
        summary="Lift a partner's block",
        request=DecisionCommentInputSerializer,
        responses=_PARTNER_RESPONSES,
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        partner = self.partner(pk)
        data = _validated(DecisionCommentInputSerializer, request)
        partner = supply.partner_unblock(
            partner=partner, actor=request.user, comment=data["comment"]
        )
        return Response(PartnerOutputSerializer(partner).data)


# --- alignment calls ---


class SlotPagination(CursorPagination):
    ordering = "starts_at"


class AlignmentSlotListCreateApi(APIView):
    pagination_class = SlotPagination

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [IsHead()]
        return [IsPartnerOrHead()]

    @extend_schema(
        tags=[CALLS],
        summary="Alignment call slots, soonest first",
        description=(
            "A partner sees the open slots (future, not booked); the head of sales sees "
            "every future slot with its booking."
        ),
        responses={200: SlotOutputSerializer(many=True), 403: E403},
    )
    def get(self, request: Request) -> Response:
        if request_partner(request) is not None:
            slots = selectors.alignment_slots_open()
        else:
            slots = selectors.alignment_slots_upcoming()
        return paginated_response(self, slots, SlotOutputSerializer)

    @extend_schema(
        tags=[CALLS],
        summary="Publish a slot for alignment calls (head of sales)",
        request=SlotCreateInputSerializer,
        responses={
            201: SlotOutputSerializer,
            400: E400,
            403: E403,
            409: _error("slot_exists: you already have a slot at that time"),
        },
    )
    def post(self, request: Request) -> Response:
        data = _validated(SlotCreateInputSerializer, request)
        slot = services.slot_publish(
            head=request.user,
            starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"],
        )
        return Response(SlotOutputSerializer(slot).data, status=status.HTTP_201_CREATED)


class AlignmentSlotDetailApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(
        tags=[CALLS],
        summary="Withdraw a slot; a booking on it is cancelled (head of sales)",
        responses={
            204: None,
            403: E403,
            404: E404,
            409: _error("slot_in_past: the call has already started"),
        },
    )
    def delete(self, request: Request, pk: uuid.UUID) -> Response:
        slot = selectors.alignment_slot_get(slot_id=pk)
        services.slot_cancel(slot=slot, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CallBookingListCreateApi(PartnerScopedAPIView):
    pagination_class = CursorPagination

    @extend_schema(
        tags=[CALLS],
        summary="The partner's call bookings, newest first",
        responses={200: CallBookingOutputSerializer(many=True), 403: E403},
    )
    def get(self, request: Request) -> Response:
        return paginated_response(
            self,
            selectors.partner_call_bookings(partner=self.partner),
            CallBookingOutputSerializer,
        )

    @extend_schema(
        tags=[CALLS],
        summary="Book a slot for one or more submitted products",
        request=CallBookingCreateInputSerializer,
        responses={
            201: CallBookingOutputSerializer,
            400: E400,
            403: E403,
            404: E404,
            409: _error(
                "slot_taken, slot_unavailable, invalid_transition (a product not "
                "submitted), sales_department_off or partner_blocked"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = _validated(CallBookingCreateInputSerializer, request)
        slot = selectors.alignment_slot_get(slot_id=data["slot"])
        wanted = set(data["products"])
        products = list(selectors.partner_products(partner=self.partner).filter(pk__in=wanted))
        if len(products) != len(wanted):
            found = {p.pk for p in products}
            raise NotFoundError(
                _("Product not found."),
                details={"products": sorted(str(pk) for pk in wanted - found)},
            )
        booking = services.call_book(
            partner=self.partner, actor=request.user, slot=slot, products=products
        )
        booking = selectors.partner_call_booking_get(partner=self.partner, booking_id=booking.pk)
        return Response(CallBookingOutputSerializer(booking).data, status=status.HTTP_201_CREATED)


class CallBookingCancelApi(PartnerScopedAPIView):
    @extend_schema(
        tags=[CALLS],
        summary="Cancel a booking; its products wait for another call",
        request=None,
        responses={
            200: CallBookingOutputSerializer,
            403: E403,
            404: E404,
            409: _error("call_already_started"),
        },
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        booking = selectors.partner_call_booking_get(partner=self.partner, booking_id=pk)
        services.call_cancel(booking=booking, actor=request.user)
        booking = selectors.partner_call_booking_get(partner=self.partner, booking_id=pk)
        return Response(CallBookingOutputSerializer(booking).data)


class CallBookingHeldApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(
        tags=[CALLS],
        summary="Record a booked call as held, with its notes (head of sales)",
        description=(
            "The oral agreement that approving the booking's products requires. The notes go "
            "to each product's history. Repeating with the same notes changes nothing (200); "
            "with other notes it is a 409 `already_held`: a call's record is not rewritten."
        ),
        request=CallHeldInputSerializer,
        responses={
            200: CallBookingOutputSerializer,
            400: E400,
            403: E403,
            404: E404,
            409: _error(
                "call_cancelled (the booking was cancelled), call_not_started (the slot is "
                "in the future) or already_held (recorded before with other notes)"
            ),
        },
    )
    def post(self, request: Request, pk: uuid.UUID) -> Response:
        booking = selectors.call_booking_for_head_get(booking_id=pk)
        data = _validated(CallHeldInputSerializer, request)
        services.call_mark_held(booking=booking, actor=request.user, notes=data["notes"])
        booking = selectors.call_booking_for_head_get(booking_id=pk)
        return Response(CallBookingOutputSerializer(booking).data)
