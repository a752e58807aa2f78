"""The project's routes plus ``POST /bench/bare/``, the yardstick of ``bench http``: a DRF view
with no authentication, permission or throttle that parses the JSON body and does one
``INSERT`` (raw SQL through Django's connection, autocommit) into ``bench_hit``, a table
``bench http`` creates in its scratch database. Loaded only by :mod:`bench.server_settings`."""

from __future__ import annotations

from django.db import connection
from django.urls import path
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from web.urls import handler400, handler403, handler404, handler500  # noqa: F401
from web.urls import urlpatterns as project_urlpatterns

BENCH_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_hit (id bigserial PRIMARY KEY,"
    " external_id varchar(100) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)


class BareInsertApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def post(self, request: Request) -> Response:
        external_id = str(request.data.get("external_id", ""))[:100]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_hit (external_id) VALUES (%s) RETURNING id, created_at",
                [external_id],
            )
            hit_id, created_at = cursor.fetchone()
        return Response(
            {"id": hit_id, "external_id": external_id, "created_at": created_at},
            status=status.HTTP_201_CREATED,
        )


urlpatterns = [
    path("bench/bare/", BareInsertApi.as_view(), name="bench-bare"),
    *project_urlpatterns,
]
