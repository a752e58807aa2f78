"""The queue over REST: managers take and work items; the head watches and intervenes."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import SELLER_ROLES, User
from sales_queue.models import QueueItem
from sales_queue.selectors import item_handoff, queue_current, queue_health, suggested_channel
from sales_queue.services import (
    queue_head_release,
    queue_reassign,
    queue_release,
    queue_take_callback,
    queue_take_next,
    queue_touch,
)
from salesdesk.errors import NotFoundError
from salesdesk.serializers import ErrorSerializer
from web.permissions import IsHead, IsSeller
from web.sales_queue import serializers as s

ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="`validation_error`, `malformed_request`; a touch: `invalid_recording_url`.",
    ),
    401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
    403: OpenApiResponse(
        ErrorSerializer, description="Not a sales manager (e.g. a partner API key)."
    ),
    404: OpenApiResponse(ErrorSerializer, description="`not_found`."),
    409: OpenApiResponse(
        ErrorSerializer,
        description=(
            "`already_holding`, `outside_working_hours`, `not_holding`; a trainee given an "
            "order: `trainee_leads_only`; a touch: "
            '`switch_channel` (`details`: `{"channel", "suggested"}`), `qualified` outside '
            "split mode: `team_not_split`, by anyone but a caller: `handoff_callers_only`."
        ),
    ),
}


def _work_item(item: QueueItem) -> dict[str, Any]:
    item = QueueItem.objects.select_related(
        "order",
        "lead__lead_list",
        "product",
        "product__questionnaire",
        "partner",
        "holder",
        "deal__responsible",
    ).get(pk=item.pk)
    return s.work_item_data(
        item, suggested=suggested_channel(item=item), handoff=item_handoff(item=item)
    )


class QueueTakeApi(APIView):
    permission_classes = [IsSeller]

    @extend_schema(
        request=None,
        responses={
            200: s.ANY_WORK_ITEM,
            204: OpenApiResponse(description="Queue empty."),
            **ERRORS,
        },
        summary="Take the next item (own due callbacks first, then the oldest)",
        description=(
            'An order\'s item answers `{"item", "order", "deal", ...}`; a lead\'s item '
            '`{"item", "lead", "deal", ...}` (no `"order"`). Closers (managers, account '
            "managers; every seller in single mode) get the closers' pool first — buyers a "
            'caller qualified, with `"handoff": {"by", "by_email", "note", "at"}`; a caller '
            "in split mode never gets those; a trainee gets leads only, cold ones first (204 "
            "when only orders wait)."
        ),
    )
    def post(self, request: Request) -> Response:
        item = queue_take_next(manager=cast(User, request.user))
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(_work_item(item))


class QueueTakeCallbackApi(APIView):
    permission_classes = [IsSeller]

    @extend_schema(
        request=None,
        responses={200: s.ANY_WORK_ITEM, **ERRORS},
        summary="Take one of my scheduled callbacks now, due or not",
        description=(
            "The item must be the caller's own scheduled callback, else 404. 409 "
            "`already_holding` while the caller holds an item, `outside_working_hours` outside "
            "working hours."
        ),
    )
    def post(self, request: Request, item_id: str) -> Response:
        item = queue_take_callback(manager=cast(User, request.user), item_id=item_id)
        return Response(_work_item(item))


class QueueCurrentApi(APIView):
    permission_classes = [IsSeller]

    @extend_schema(
        responses={200: s.ANY_WORK_ITEM, 204: OpenApiResponse(description="Holding nothing.")},
        summary="The item the manager holds now",
    )
    def get(self, request: Request) -> Response:
        item = queue_current(manager=cast(User, request.user))
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(_work_item(item))


class QueueTouchApi(APIView):
    permission_classes = [IsSeller]

    @extend_schema(
        request=s.TouchInputSerializer,
        responses={201: s.TouchResultSerializer, **ERRORS},
        summary="Log a touch on the held item (reached, no_answer, callback, refused, qualified)",
        description=(
            "`qualified` (team mode split, a caller only; `comment` — the note for the closer — "
            "required) hands the item over to the closers' pool: it goes back to the queue, "
            "warm, and its deal stays open until a closer takes it. `recording_url`: the "
            "call's recording, https only."
        ),
    )
    def post(self, request: Request, item_id: str) -> Response:
        data = s.TouchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        touch = queue_touch(
            manager=cast(User, request.user), item_id=item_id, **data.validated_data
        )
        item = QueueItem.objects.select_related("product", "partner", "holder").get(touches=touch)
        return Response(
            s.TouchResultSerializer({"touch": touch, "item": item}).data,
            status=status.HTTP_201_CREATED,
        )


class QueueReleaseApi(APIView):
    """A manager releases their own item; the head may release anyone's."""

    permission_classes = [IsSeller | IsHead]

    @extend_schema(request=None, responses={200: s.QueueItemSerializer, **ERRORS})
    def post(self, request: Request, item_id: str) -> Response:
        user = cast(User, request.user)
        if user.role in SELLER_ROLES:
            item = queue_release(manager=user, item_id=item_id)
        else:
            item = queue_head_release(head=user, item_id=item_id)
        item = QueueItem.objects.select_related("product", "partner", "holder").get(pk=item.pk)
        return Response(s.QueueItemSerializer(item).data)


class QueueReassignApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(request=s.ReassignInputSerializer, responses={200: s.QueueItemSerializer})
    def post(self, request: Request, item_id: str) -> Response:
        data = s.ReassignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = User.objects.filter(
            pk=data.validated_data["manager"], role__in=SELLER_ROLES
        ).first()
        if target is None:
            raise NotFoundError("Manager not found.", details={"manager": ["not found"]})
        item = queue_reassign(head=cast(User, request.user), item_id=item_id, to_manager=target)
        item = QueueItem.objects.select_related("product", "partner", "holder").get(pk=item.pk)
        return Response(s.QueueItemSerializer(item).data)


class QueueHealthApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(responses=s.QueueHealthSerializer, summary="Queue length, age, load per partner")
    def get(self, request: Request) -> Response:
        return Response(s.QueueHealthSerializer(queue_health()).data)
