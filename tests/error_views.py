"""A tiny API used only by tests of the error handler (mounted with ``pytest.mark.urls``)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from salesdesk.errors import ConflictError


class EchoSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    name = serializers.CharField(max_length=10)


class EchoApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request: Request) -> Response:
        serializer = EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["name"] == "taken":
            raise ConflictError("Already there.", code="name_taken", details={"name": "taken"})
        return Response({"ok": True})


class CrashApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request: Request) -> Response:
        raise RuntimeError("boom")


def crashing_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


handler500 = "web.errors.handler500"

urlpatterns = [
    path("api/test/echo/", EchoApi.as_view()),
    path("api/test/crash/", CrashApi.as_view()),
    path("test/crash/", crashing_page),
    path("", include("web.urls")),
]
