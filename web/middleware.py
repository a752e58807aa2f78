"""Selectors raise the domain's :class:`~salesdesk.errors.NotFoundError` for a missing, foreign
or malformed id. The API turns it into the JSON 404 in its exception handler
(:func:`web.errors.api_exception_handler`); this middleware does the same for every page, once,
so no view converts it by hand."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponseBase

from salesdesk.errors import NotFoundError


class NotFoundPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotFoundError):
            # Raised as Django's own 404, the response goes through the URLconf's
            # ``handler404`` (:func:`web.errors.handler404`), is logged as a 404 like any
            # other, and shows the debug 404 page when DEBUG is on.
            raise Http404(exception.message) from exception
