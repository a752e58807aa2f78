"""Every API list is a cursor page ``{"results": [...], "next": <url or null>, "previous": ...}``
with the ``cursor`` and ``page_size`` query parameters; :func:`paginated_response` builds one."""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView


class CursorPagination(pagination.CursorPagination):
    """Stable paging for lists that grow while a client walks them: ``{"results", "next"}``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-created_at"


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
