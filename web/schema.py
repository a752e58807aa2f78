"""The OpenAPI schema (drf-spectacular): how it describes :class:`BearerAuthentication`, and
the error answers that every operation shares.

Some errors do not come from a view's own code but from the machinery around every view: the
authentication (401), the role permissions and the CSRF check of a browser session (403), the
rate limit (429), the JSON parser (400 ``malformed_request``, 413, 415), a malformed query
parameter or cursor (400), an unknown or foreign id in the path (404). :class:`AutoSchema`
declares them on each operation where they can happen, so the schema says what the API does;
an operation's own ``extend_schema(responses=...)`` keeps its more specific descriptions.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.permissions import AllowAny

from salesdesk.serializers import ErrorSerializer


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A partner API key (`sdk_…`, acts for its partner) or a staff personal token "
                "(`sdt_…`, acts as its user). Shown once when issued; revoke and issue a new "
                "one if it leaks."
            ),
        }


_BODY_400 = (
    "`validation_error` (`details`: the messages per field) or `malformed_request` (the body "
    "is not JSON, or nests too deeply)."
)
_QUERY_400 = (
    "`validation_error`: a malformed query parameter (`details` names it), e.g. a "
    "`page_size` that is not a whole number from 1, or a `cursor` not taken from `next`."
)
_SHARED_ERRORS = {
    "401": "`not_authenticated` (no credentials) or `authentication_failed` (a malformed, "
    "unknown or revoked key or token).",
    "403": "`permission_denied`: not for the caller's role or key (or a browser session's "
    "request without its CSRF token).",
    "404": "`not_found`: no such object, or not the caller's to see.",
    "413": "`payload_too_large`: the body is over the size limit.",
    "415": "`unsupported_media_type`: the body is not `application/json`.",
    "429": "`throttled`: over the caller's rate limit (`API_RATE_LIMIT`); try again after "
    "`Retry-After` seconds (also `details.retry_after_seconds`).",
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the caller may send again.",
        "schema": {"type": "integer"},
    }
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema of a view, with the shared error answers of :mod:`web.schema`."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = {
            "application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
        }
        responses = operation["responses"]
        for code, description in self._shared_errors(operation).items():
            if code not in responses:
                responses[code] = {"description": description, "content": error}
        if "429" in responses:
            responses["429"].setdefault("headers", _RETRY_AFTER)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and not parameter.get("required"):
                # DRF's serializers and django-filter read a query parameter sent empty
                # (``?status=``, as an HTML form sends it) as not given; so does the paginator.
                parameter["allowEmptyValue"] = True
        return operation

    def _shared_errors(self, operation: dict[str, Any]) -> dict[str, str]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        errors: dict[str, str] = {}
        if has_body:
            errors["400"] = _BODY_400
        elif any(p["in"] == "query" for p in parameters):
            errors["400"] = _QUERY_400
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            errors["401"] = _SHARED_ERRORS["401"]
            errors["403"] = _SHARED_ERRORS["403"]
        if any(p["in"] == "path" for p in parameters):
            errors["404"] = _SHARED_ERRORS["404"]
        if has_body:
            errors["413"] = _SHARED_ERRORS["413"]
            errors["415"] = _SHARED_ERRORS["415"]
        if self.view.get_throttles():
            errors["429"] = _SHARED_ERRORS["429"]
        return errors
