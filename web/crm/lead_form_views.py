"""The public lead form endpoint ``POST /forms/<token>/``: what a landing page's form posts to.

No login and no CSRF token: it is posted from other sites. What guards it instead:

* the token: an unknown one, one rotated away and an archived list's all answer the same 404;
* CORS for the list's ``allowed_origins`` only. A plain HTML form post (the no-JavaScript
  path: form-encoded, the browser asks for a page) is taken from any site, as browsers send
  such posts without asking anyone. A script's post (JSON, or asking for JSON) that carries an
  ``Origin`` outside the list is refused with a 403 and no CORS headers; a request without
  ``Origin`` is not a browser's script and is taken;
* a honeypot field (:data:`~web.crm.lead_form.HONEYPOT_FIELD`): filled, the post is answered as
  a success and nothing is stored;
* rate limits per client address and per list (``LEAD_FORM_RATE_LIMIT_PER_IP`` /
  ``_PER_LIST``): one more is a 429 with ``Retry-After``;
* a body limit (``LEAD_FORM_MAX_BODY_BYTES``: a 413 unread) and the API's JSON depth limit;
* consent to personal-data processing is required (a 400 without it).

Fields it does not know are ignored and never stored. A browser's post is answered with a page
(a 303 to the thank-you page, or a page saying what is missing); a script's with JSON (201
``{"id", "status": "received"}`` — no personal data echoed — or the API's error shape). Nothing
here waits on the broker or on email: the lead and its queue item are two rows written in one
transaction.
"""

from __future__ import annotations

import io
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import ParseError

from crm.lead_list_selectors import lead_list_for_form
from crm.leads import lead_contact_clean, tracking_clean
from crm.models import LeadList
from sales_queue.services.leads import lead_submit
from salesdesk.errors import ApplicationError, error_payload
from salesdesk.parsers import JSONParser
from web.crm.lead_form import HONEYPOT_FIELD, TRACKING_FIELDS, consent_text_shown
from web.ratelimit import client_address, window_exceeded

logger = logging.getLogger(__name__)

CONTACT_FIELDS = ("name", "phone", "email", "telegram", "whatsapp")
CONSENT_YES = {"yes", "on", "true", "1"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def _wants_page(request: HttpRequest) -> bool:
    """A browser's own form post: a form-encoded body, and the browser asks for a page."""
    return request.content_type in FORM_TYPES and "text/html" in request.headers.get("Accept", "")


def _cors(request: HttpRequest, lead_list: LeadList | None) -> dict[str, str]:
    origin = request.headers.get("Origin", "")
    if lead_list is not None and origin and origin.lower() in lead_list.allowed_origins:
        return {"Access-Control-Allow-Origin": origin}
    return {}


def _page(
    request: HttpRequest,
    status: int,
    title: str,
    text: str,
    *,
    problems: list[str] | None = None,
    success: bool = False,
) -> HttpResponse:
    back = request.headers.get("Referer", "")
    return render(
        request,
        "crm/lead_form_page.html",
        {
            "title": title,
            "text": text,
            "problems": problems or [],
            "success": success,
            "back_url": back if back.startswith(("https://", "http://")) and not success else "",
        },
        status=status,
    )


def _refusal(request: HttpRequest, refused: _Refused, cors: dict[str, str]) -> HttpResponse:
    if _wants_page(request):
        titles = {
            400: _("The request was not sent"),
            404: _("This form does not work any more"),
            413: _("The request is too long"),
            415: _("The request was not sent"),
            429: _("Too many requests"),
        }
        problems = _problems(refused.details) if refused.status == 400 else []
        response = _page(
            request,
            refused.status,
            titles.get(refused.status, _("The request was not sent")),
            refused.message,
            problems=problems,
        )
    else:
        response = JsonResponse(
            error_payload(refused.code, refused.message, refused.details), status=refused.status
        )
    return _add(response, cors)


def _add(response: HttpResponse, headers: dict[str, str]) -> HttpResponse:
    for name, value in headers.items():
        response[name] = value
    return response


def _problems(details: dict[str, Any]) -> list[str]:
    """The field errors for people: each after its field's name as the form shows it."""
    labels = {
        "name": _("Your name"),
        "phone": _("Phone"),
        "email": _("Email"),
        "telegram": "Telegram",
        "whatsapp": "WhatsApp",
        "comment": _("Comment"),
    }
    problems: list[str] = []
    for field, messages in details.items():
        for message in messages if isinstance(messages, list) else [messages]:
            label = labels.get(field)
            problems.append(f"{label}: {message}" if label else str(message))
    return problems


def _not_found() -> _Refused:
    return _Refused(
        404,
        "not_found",
        _("This form is not accepting requests. Please contact the site's owner another way."),
    )


def _too_many(retry_after: int) -> _Refused:
    return _Refused(
        429,
        "throttled",
        _("Too many requests were sent from here. Please try again in %(minutes)s min.")
        % {"minutes": max(1, (retry_after + 59) // 60)},
        retry_after_seconds=retry_after,
    )


def _read(request: HttpRequest) -> dict[str, Any]:
    """The posted fields: a JSON object or a form; anything else is refused."""
    if request.content_type == "application/json":
        try:
            data = JSONParser().parse(
                io.BytesIO(request.body), "application/json", {"request": request}
            )
        except ParseError as exc:
            raise _Refused(400, "malformed_request", str(exc.detail)) from None
        if not isinstance(data, dict):
            raise _Refused(400, "malformed_request", _("Send a JSON object."))
        return data
    if request.content_type in FORM_TYPES:
        try:
            return {key: request.POST.get(key) for key in request.POST}
        except (SuspiciousOperation, RequestDataTooBig):  # too many fields
            raise _Refused(400, "malformed_request", _("The form is malformed.")) from None
    raise _Refused(
        415, "unsupported_media_type", _("Send the form as JSON or as an HTML form does.")
    )


def _consented(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in CONSENT_YES)


def _submit(request: HttpRequest, lead_list: LeadList, data: dict[str, Any]) -> uuid.UUID:
    """Check the fields and record the lead (it enters the queue at once); its id."""
    errors: dict[str, list[str]] = {}
    if not _consented(data.get("consent")):
        errors["consent"] = [_("Tick the box to agree to the processing of your personal data.")]
    contact = None
    try:
        contact = lead_contact_clean(**{field: data.get(field, "") for field in CONTACT_FIELDS})
    except ApplicationError as exc:
        errors.update(exc.details)
    if errors or contact is None:
        raise _Refused(400, "validation_error", _("Check the form."), **errors)
    tracking = {key: data.get(key) for key in TRACKING_FIELDS}
    if not isinstance(tracking["referrer"], str) or not tracking["referrer"].strip():
        tracking["referrer"] = request.headers.get("Referer", "")
    now = timezone.now()
    try:
        intake = lead_submit(
            lead_list=lead_list,
            contact=contact,
            origin="form",
            comment=data.get("comment", ""),
            tracking=tracking_clean(tracking),
            consent_text=consent_text_shown(lead_list),
            consent_at=now,
            now=now,
        )
    except ApplicationError as exc:
        if exc.code == "lead_list_archived":  # archived meanwhile: as any archived list
            raise _not_found() from None
        raise _Refused(400, exc.code, exc.message, **exc.details) from None
    return intake.lead.pk


def _received(request: HttpRequest, lead_list: LeadList, lead_id: uuid.UUID) -> HttpResponse:
    if _wants_page(request):
        # 303: the browser follows with a GET (and never posts the form again on a reload).
        response = HttpResponseRedirect(lead_list.thank_you_url or reverse("lead-form-thanks"))
        response.status_code = 303
        return response
    return JsonResponse({"id": str(lead_id), "status": "received"}, status=201)


def _preflight(request: HttpRequest, form_token: str) -> HttpResponse:
    lead_list = lead_list_for_form(form_token=form_token)
    if lead_list is None:
        return _refusal(request, _not_found(), {})
    response = HttpResponse(status=204)
    cors = _cors(request, lead_list)
    if cors:
        _add(response, cors)
        response["Access-Control-Allow-Methods"] = "POST"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "86400"
    return response


@csrf_exempt
def lead_form(request: HttpRequest, form_token: str) -> HttpResponse:
    response = _lead_form(request, form_token)
    # Whether CORS headers come depends on the Origin: caches must keep the answers apart.
    patch_vary_headers(response, ["Origin"])
    # A 303 for a browser posting from another site: its thank-you page must not learn the
    # form's secret address from the Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _lead_form(request: HttpRequest, form_token: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight(request, form_token)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST", "OPTIONS"])
    cors: dict[str, str] = {}
    try:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.LEAD_FORM_MAX_BODY_BYTES:
            raise _Refused(413, "payload_too_large", _("The request is too long."))
        lead_list = lead_list_for_form(form_token=form_token)
        if lead_list is None:
            raise _not_found()
        # Per address and list: one visitor (or bot) sending one form over and over. Tokens
        # are 32 random bytes, so guessing them needs no limit of its own; and one address may
        # fill the forms of several partners' landing pages (an office, a mobile carrier's NAT).
        retry_after = window_exceeded(
            f"lead-form:ip:{client_address(request)}:{lead_list.pk}",
            settings.LEAD_FORM_RATE_LIMIT_PER_IP,
        )
        if retry_after is not None:
            raise _too_many(retry_after)
        cors = _cors(request, lead_list)
        if request.headers.get("Origin") and not cors and not _wants_page(request):
            raise _Refused(
                403, "origin_not_allowed", _("This site may not send the form from a script.")
            )
        retry_after = window_exceeded(
            f"lead-form:list:{lead_list.pk}", settings.LEAD_FORM_RATE_LIMIT_PER_LIST
        )
        if retry_after is not None:
            raise _too_many(retry_after)
        if len(request.body) > settings.LEAD_FORM_MAX_BODY_BYTES:
            raise _Refused(413, "payload_too_large", _("The request is too long."))
        data = _read(request)
        if isinstance(data.get(HONEYPOT_FIELD), str) and data[HONEYPOT_FIELD].strip():
            logger.info("lead form %s: honeypot filled, nothing stored", lead_list.pk)
            lead_id = uuid.uuid4()  # answered as a success, so a bot learns nothing
        else:
            lead_id = _submit(request, lead_list, data)
    except _Refused as refused:
        response = _refusal(request, refused, cors)
        if refused.status == 429:
            response["Retry-After"] = str(refused.details["retry_after_seconds"])
        return response
    return _add(_received(request, lead_list, lead_id), cors)


def lead_form_thanks(request: HttpRequest) -> HttpResponse:
    """Where a browser lands after posting a form whose list has no thank-you page of its own."""
    return _page(
        request,
        200,
        _("Thank you! Your request has been received"),
        _("A manager will contact you soon. You can close this page."),
        success=True,
    )
