"""Errors as the client sees them: the DRF exception handler that renders every API error
in the JSON shape, and the error pages (an ``/api/`` URL gets JSON there too)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from salesdesk.errors import ApplicationError, error_payload

logger = logging.getLogger(__name__)


def _validation_details(detail: Any) -> dict[str, Any]:
    """DRF's nested ErrorDetail structure as plain JSON: ``{field: [messages]}``."""
    if isinstance(detail, dict):
        return {str(k): _plain(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": _plain(detail)}
    return {"non_field_errors": [str(detail)]}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value)


_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn any exception raised in an API view into the JSON error shape.

    Returns ``None`` (a real 500, logged by Django) only for genuine server faults.
    """
    if isinstance(exc, ApplicationError):
        return Response(error_payload(exc.code, exc.message, exc.details), status=exc.status_code)

    if isinstance(exc, DjangoValidationError):
        field_errors = (
            {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": [str(m) for m in exc.messages]}
        )
        return Response(
            error_payload("validation_error", str(_("Invalid input.")), field_errors), status=400
        )

    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_payload("payload_too_large", str(_("The request body is too large."))),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):
        return Response(error_payload("bad_request", str(_("Bad request."))), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        response.data = error_payload(
            "validation_error", str(_("Invalid input.")), _validation_details(exc.detail)
        )
        return response

    code = _DRF_CODES.get(type(exc))
    if code is None:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
    message = exc.detail if isinstance(exc.detail, str) else exc.default_detail
    details: dict[str, Any] = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        details["retry_after_seconds"] = int(wait)
    if isinstance(exc, exceptions.ParseError):
        # "JSON parse error - Expecting value: line 1 column 1 (char 0)" is useful to a developer.
        details["reason"] = str(exc.detail)
        message = str(_("The request body is not valid JSON."))
    response.data = error_payload(code, str(message), details)
    return response


# --- Non-DRF fallbacks so /api/ never answers with an HTML page ------------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_page(request: HttpRequest, status_code: int, title: str, text: str) -> HttpResponse:
    """A page in the site's layout saying what happened, with the way home."""
    return render(
        request,
        "error.html",
        {"error_code": status_code, "error_title": title, "error_text": text},
        status=status_code,
    )


def handler404(request: HttpRequest, exception: Exception | None = None) -> Any:
    if _is_api(request):
        return JsonResponse(
            error_payload("not_found", str(_("Not found."))), status=status.HTTP_404_NOT_FOUND
        )
    return error_page(
        request,
        404,
        str(_("Page not found")),
        str(_("The address may be mistyped, or the page was removed or is not yours to see.")),
    )


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Any method on an unknown ``/api/`` path (or an id that is not one): a JSON 404. Exempt
    from CSRF, which would otherwise answer a POST with Django's HTML failure page first."""
    return JsonResponse(
        error_payload("not_found", str(_("Not found."))), status=status.HTTP_404_NOT_FOUND
    )


def handler400(request: HttpRequest, exception: Exception | None = None) -> Any:
    if _is_api(request):
        return JsonResponse(error_payload("bad_request", str(_("Bad request."))), status=400)
    return error_page(
        request,
        400,
        str(_("Bad request")),
        str(_("The request could not be understood. Go back and try again.")),
    )


def handler403(request: HttpRequest, exception: Exception | None = None) -> Any:
    if _is_api(request):
        return JsonResponse(
            error_payload("permission_denied", str(_("Permission denied."))), status=403
        )
    return error_page(
        request,
        403,
        str(_("No access")),
        str(
            _(
                "This page is for another role. If you think you should see it, ask the head "
                "of sales."
            )
        ),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> Any:
    """``CSRF_FAILURE_VIEW``: JSON under ``/api/`` (a session-authenticated API call without
    its token), a page saying what to do elsewhere."""
    if _is_api(request):
        return JsonResponse(
            error_payload(
                "permission_denied", str(_("CSRF check failed.")), {"reason": str(reason)}
            ),
            status=403,
        )
    return error_page(
        request,
        403,
        str(_("The page is out of date")),
        str(
            _(
                "The form was sent from a page that is too old, or cookies are off for this "
                "site. Reload the page and send it again."
            )
        ),
    )


def handler500(request: HttpRequest) -> Any:
    if _is_api(request):
        return JsonResponse(
            error_payload("server_error", str(_("Internal server error. We have been notified."))),
            status=500,
        )
    try:
        # No request context: a fault may have come from a context processor or the database.
        return HttpResponseServerError(render_to_string("500.html"))
    except Exception:
        logger.exception("the 500 page itself failed")
        return HttpResponseServerError(str(_("Something went wrong")), content_type="text/plain")
