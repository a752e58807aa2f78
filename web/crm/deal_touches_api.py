"""A touch logged on a deal over REST: the responsible manager or the head records a contact
with the buyer. The rules (who, which outcomes, a held queue item's touch going through the
queue) are :func:`sales_queue.services.deal_touch_log`'s."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from sales_queue.services import deal_touch_log
from salesdesk.serializers import ErrorSerializer
from web.crm.deals_api import DEAL_ID, ERRORS, DealsApiMixin
from web.crm.deals_serializers import DealTouchSerializer, touch_payload
from web.sales_queue.serializers import TouchInputSerializer

# Who writes to a deal (as the stage move): its sellers and the head.


class DealTouchApi(DealsApiMixin):
    @extend_schema(
        summary="Log a touch on a deal",
        description="For the responsible manager and the head; a partner key reads deals "
        "only (403), another manager's deal is a 404. While the caller holds the deal's queue "
        "item the touch is the queue's (attempts, the channel switch — 409 `switch_channel`, "
        "callbacks, refusals with a `reason`, as `POST /api/v1/queue/items/{id}/touches/`). "
        "Otherwise it is logged on the deal: `reached`, `no_answer` or `callback` (which sets "
        "the deal's next step to `callback_at`); `refused` is a 400 there. Either way the deal "
        "remembers its last touch and the responsible employee gets a task. 409 `deal_closed` "
        "on a won, lost or withdrawn deal. The body is the queue touch's: `reason` is read "
        "only for a refusal through the held item.",
        parameters=[DEAL_ID],
        request=TouchInputSerializer,
        responses={
            201: DealTouchSerializer,
            403: OpenApiResponse(ErrorSerializer, description="A partner reads deals only."),
            409: OpenApiResponse(
                ErrorSerializer, description="`deal_closed`, `switch_channel`, `not_holding`."
            ),
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: Any) -> Response:
        deal = self.writable_deal(pk)
        user = request.user
        data = TouchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        touch = deal_touch_log(deal=deal, actor=cast(User, user), **data.validated_data)
        return Response(
            DealTouchSerializer(touch_payload(touch)).data, status=status.HTTP_201_CREATED
        )
