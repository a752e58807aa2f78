"""Tasks over REST, for the sales department: a seller reads and marks done their own, the
head every one; QA and partners are refused."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import SELLER_ROLES, Role
from crm.models import Task
from crm.selectors import tasks_filter, tasks_visible
from crm.services import task_done
from salesdesk.pagination import CursorPagination, paginated_response
from salesdesk.serializers import ErrorSerializer
from salesdesk.tenancy import get_object_or_404


class IsSellerOrHead(BasePermission):
    message = gettext_lazy("Tasks are for sales managers and the head of sales.")

    def has_permission(self, request: Request, view: Any) -> bool:
        role = getattr(request.user, "role", None)
        return role in SELLER_ROLES or role == Role.HEAD


class TaskSerializer(serializers.ModelSerializer[Task]):
    deal = serializers.UUIDField(source="deal_id", read_only=True)
    done = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = ["id", "deal", "text", "done", "created_at", "due_at", "kind"]
        read_only_fields = fields


class _DoneFilterField(serializers.BooleanField):
    """``true``/``false`` (DRF's spellings); absent or empty means "all". DRF would also read
    ``null`` as "all", which the schema's boolean does not admit: a 400 like any other word."""

    NULL_VALUES = {"", None}


class TaskListQuerySerializer(serializers.Serializer[Any]):
    done = _DoneFilterField(required=False, allow_null=True, default=None)


ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="`not_authenticated`."),
    403: OpenApiResponse(ErrorSerializer, description="QA, partners and their keys."),
}


class TaskListApi(APIView):
    permission_classes = [IsSellerOrHead]
    pagination_class = CursorPagination

    @extend_schema(
        summary="List tasks",
        description="Newest first, in cursor pages. A manager sees their own tasks, the head "
        "every one. `done=false` the open ones, `done=true` the done ones, without it all; "
        "another value is a 400. Each creation or change of a deal writes a task for its "
        "responsible employee; `kind` says which change, `due_at` is set for a callback.",
        parameters=[OpenApiParameter("done", bool, required=False)],
        responses={
            200: TaskSerializer(many=True),
            400: OpenApiResponse(ErrorSerializer, description="`validation_error`."),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        query = TaskListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tasks = tasks_filter(
            tasks_visible(user=request.user), done=query.validated_data.get("done")
        )
        return paginated_response(self, tasks, TaskSerializer)


class TaskDoneApi(APIView):
    permission_classes = [IsSellerOrHead]

    @extend_schema(
        summary="Mark a task done",
        description="Idempotent: a done task stays as it was. Another manager's task is a 404; "
        "the head may mark any.",
        request=None,
        parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            200: TaskSerializer,
            404: OpenApiResponse(ErrorSerializer, description="`not_found`."),
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: Any) -> Response:
        task = get_object_or_404(
            tasks_visible(user=request.user), message=_("Task not found."), pk=pk
        )
        task = task_done(task=task, actor=request.user)  # type: ignore[arg-type]
        return Response(TaskSerializer(task).data)
