"""A per-address limit for the public forms that send email (sign-up, a new confirmation
link): ``SIGNUP_RATE_LIMIT`` requests per window, counted in the cache (Redis when
``REDIS_URL`` is set, per process otherwise). django-axes counts logins only, DRF's throttles
the API only; this is their counterpart for these pages. The address is ``REMOTE_ADDR``, as
for the login throttling."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from salesdesk.cache import count_in_window


def over_limit(request: HttpRequest, scope: str) -> int | None:
    """Count this request; the seconds until the window ends if it is one too many, else
    None (a fixed window: :func:`salesdesk.cache.count_in_window`)."""
    allowed, seconds = settings.SIGNUP_RATE_LIMIT
    key = f"ratelimit:{scope}:{request.META.get('REMOTE_ADDR', '')}"
    count, left = count_in_window(caches["default"], key, seconds)
    if count <= allowed:
        return None
    return max(1, int(left))


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(1, (retry_after + 59) // 60)
    response = render(
        request, "registration/too_many_requests.html", {"minutes": minutes}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response
