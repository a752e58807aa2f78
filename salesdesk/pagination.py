"""Every API list is a cursor page ``{"results": [...], "next": <url or null>, "previous": ...}``
with the ``cursor`` and ``page_size`` query parameters; :func:`paginated_response` builds one.

DRF reads a malformed ``page_size`` as "the default" and a malformed ``cursor`` as a 404; here
both are a 400 ``validation_error`` naming the parameter, so a client's typo is not silently
served a page it did not ask for."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView


def _single_query_value(request: Request, name: str) -> str | None:
    """The parameter's value; ``None`` when absent or empty (``?page_size=`` is "not given",
    as for every query parameter of the API)."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: [_("Give this parameter once.")]})
    return values[0] if values and values[0] != "" else None


class CursorPagination(pagination.CursorPagination):
    """Stable paging for lists that grow while a client walks them: ``{"results", "next"}``."""

    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = (
        "Rows per page: a whole number from 1; more than 500 gives 500. Default 50."
    )
    max_page_size = 500
    ordering = "-created_at"

    def get_page_size(self, request: Request) -> int:
        raw = _single_query_value(request, self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = serializers.IntegerField(min_value=1).run_validation(raw)
        except ValidationError as exc:
            raise ValidationError({self.page_size_query_param: exc.detail}) from None
        return min(int(size), self.max_page_size)

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError:
            # A forged cursor's position that is not a value of the ordering field.
            raise self._invalid_cursor() from None

    def decode_cursor(self, request: Request) -> Any:
        if _single_query_value(request, self.cursor_query_param) is None:
            return None
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise self._invalid_cursor() from None

    def _invalid_cursor(self) -> ValidationError:
        return ValidationError(
            {self.cursor_query_param: [_("Not a cursor of this list: take it from `next`.")]}
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


def paginated_response(
    view: APIView, queryset: Any, serializer_class: type[BaseSerializer[Any]]
) -> Response:
    """One cursor page of ``queryset`` rendered by ``serializer_class``.

    The view's ``pagination_class`` decides the ordering (e.g. soonest slots first); a view
    without one pages with :class:`CursorPagination` (newest first).
    """
    pagination_class = getattr(view, "pagination_class", None) or CursorPagination
    paginator = pagination_class()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
