"""``POST /telegram/webhook/<secret>/``: updates pushed by Telegram when the bot's webhook is
set (``setWebhook`` with ``secret_token`` = ``TELEGRAM_WEBHOOK_SECRET``). Without a secret the
route answers 404 and the beat job polls ``getUpdates`` instead. Bad input is a 4xx, never a
500; Telegram only needs a 2xx to stop resending an update."""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.telegram import telegram_enabled, telegram_update_handle

logger = logging.getLogger(__name__)

# An update with a /start message is a few hundred bytes.
BODY_MAX_BYTES = 64 * 1024


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    expected = settings.TELEGRAM_WEBHOOK_SECRET
    if not (telegram_enabled() and expected and _same(secret, expected)):
        return JsonResponse({"detail": "Not found."}, status=404)
    header = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not _same(header, expected):
        return JsonResponse({"detail": "Forbidden."}, status=403)
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = BODY_MAX_BYTES + 1
    if length > BODY_MAX_BYTES:
        return JsonResponse({"detail": "Too large."}, status=413)
    try:
        update = json.loads(request.body[: BODY_MAX_BYTES + 1])
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"detail": "Not JSON."}, status=400)
    if not isinstance(update, dict):
        return JsonResponse({"detail": "Not an update."}, status=400)
    telegram_update_handle(update)
    return JsonResponse({"ok": True})
