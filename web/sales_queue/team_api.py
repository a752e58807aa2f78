"""The team's settings over REST, for the head: the mode (one manager does everything, or
callers hand qualified buyers over to closers) and quality assurance's daily sample."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import TeamSettings, User
from accounts.team import team_settings, team_settings_update
from salesdesk.serializers import ErrorSerializer, StrictSerializer, StringField
from web.permissions import IsHead

TAG = "team"


class TeamOutputSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=TeamSettings.Mode.values,
        help_text="`single`: every seller takes any item and closes it; `split`: callers take "
        "new items and hand qualified buyers over to the closers (managers).",
    )
    qa_sample_size = serializers.IntegerField(
        help_text="Touches per seller and day that quality assurance reviews."
    )
    updated_at = serializers.DateTimeField()


class TeamPatchSerializer(StrictSerializer):
    # Any string: an unknown mode is the service's 400 ``invalid_team_mode``, naming the modes.
    mode = StringField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="`single` or `split`."
    )
    qa_sample_size = serializers.IntegerField(required=False, help_text="From 0 to 50.")


def _answer(row: TeamSettings) -> Response:
    return Response(
        TeamOutputSerializer(
            {"mode": row.mode, "qa_sample_size": row.qa_sample_size, "updated_at": row.updated_at}
        ).data
    )


_FORBIDDEN = OpenApiResponse(
    ErrorSerializer, description="`permission_denied`: not the head of sales (a partner key too)."
)
_EXAMPLE: dict[str, Any] = {
    "mode": "split",
    "qa_sample_size": 3,
    "updated_at": "2026-11-20T09:00:00Z",
}


class TeamApi(APIView):
    permission_classes = [IsHead]

    @extend_schema(
        tags=[TAG],
        summary="The team's mode and QA sample",
        responses={
            200: TeamOutputSerializer,
            401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
            403: _FORBIDDEN,
        },
        examples=[OpenApiExample("Split team", response_only=True, value=_EXAMPLE)],
    )
    def get(self, request: Request) -> Response:
        return _answer(team_settings())

    @extend_schema(
        tags=[TAG],
        summary="Change the team's mode or QA sample (any subset)",
        description="Switching to `split` makes callers hand qualified buyers over (touch "
        "outcome `qualified`) to the closers' pool, which managers take first; switching back "
        "to `single` lets every seller take the pool's buyers, so none is stranded.",
        request=TeamPatchSerializer,
        responses={
            200: TeamOutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`invalid_team_mode`, `invalid_qa_sample_size`, `validation_error` "
                "(an unknown key, a value of the wrong type); nothing is changed.",
            ),
            401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
            403: _FORBIDDEN,
        },
        examples=[OpenApiExample("Split the team", request_only=True, value={"mode": "split"})],
    )
    def patch(self, request: Request) -> Response:
        data = TeamPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = team_settings_update(
            actor=cast(User, request.user),
            mode=data.validated_data.get("mode"),
            qa_sample_size=data.validated_data.get("qa_sample_size"),
        )
        return _answer(row)
