"""Telegram: the Bot API client, linking a user's chat with a one-time ``/start`` code, and
reading the bot's updates (from ``getUpdates`` polled by beat, or from the webhook).

The bot's replies to ``/start`` are sent straight away, not through the outbox: they answer a
person who is looking at the chat, and a lost reply costs nothing (the profile page shows the
link either way)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import User
from notifications.models import TelegramLink, TelegramPollState

logger = logging.getLogger(__name__)

# Telegram's answers are small; a longer one is not Telegram's.
RESPONSE_MAX_BYTES = 1024 * 1024
# Unambiguous letters and digits (no 0/O, 1/I/L): 10 of them are 50 bits, typed by hand at worst.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
UPDATES_BATCH = 100
MESSAGE_MAX_CHARS = 4096


class TelegramError(Exception):
    """A Bot API call that did not succeed. ``permanent``: asking again cannot help (the user
    blocked the bot, the chat is gone, the request is malformed); ``chat_gone``: the link is
    useless and is removed."""

    def __init__(self, message: str, *, permanent: bool = False, chat_gone: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.chat_gone = chat_gone


def telegram_enabled() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN)


def bot_call(method: str, params: Mapping[str, Any]) -> Any:
    """POST ``params`` as JSON to the Bot API method; its ``result``, or TelegramError. The
    token is part of the URL, so no message here ever quotes the URL."""
    url = f"{settings.TELEGRAM_API_BASE}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}"
    if not url.startswith(("https://", "http://")):
        raise TelegramError("TELEGRAM_API_BASE is not an http(s) address.", permanent=True)
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url,
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 (the scheme is checked above)
            request, timeout=settings.TELEGRAM_TIMEOUT_SECONDS
        ) as response:
            status, raw = response.status, response.read(RESPONSE_MAX_BYTES)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(RESPONSE_MAX_BYTES)
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
        reason = getattr(exc, "reason", exc)
        raise TelegramError(f"{method}: no answer from Telegram ({reason})") from exc
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {}
    if 200 <= status < 300 and data.get("ok") is True:
        return data.get("result")
    description = str(data.get("description") or "")[:500]
    message = f"{method}: HTTP {status} {description}".strip()
    # 403: blocked by the user, kicked from the group, the user deleted; 400 "chat not found":
    # the chat id is no good. Other 400s are our malformed request: retrying repeats it.
    # 401/404 (a wrong token) and 429/5xx are retried: a fixed setting or a calmer Telegram
    # delivers them.
    chat_gone = status == 403 or (status == 400 and "chat not found" in description.lower())
    raise TelegramError(message, permanent=chat_gone or status == 400, chat_gone=chat_gone)


def telegram_send(*, chat_id: int | str, text: str) -> None:
    """One plain-text message (no parse mode, so nothing in it needs escaping)."""
    if len(text) > MESSAGE_MAX_CHARS:
        text = text[: MESSAGE_MAX_CHARS - 1] + "…"
    bot_call(
        "sendMessage",
        {"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True}},
    )


# --- linking ------------------------------------------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def telegram_code_create(*, user: User, now: dt.datetime | None = None) -> str:
    """A new one-time code for ``user`` (the previous one stops working), valid for
    ``TELEGRAM_LINK_CODE_MINUTES``. Returned once; only its hash is kept."""
    now = now or timezone.now()
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    TelegramLink.objects.update_or_create(
        user=user,
        defaults={
            "code_hash": _code_hash(code),
            "code_expires_at": now + dt.timedelta(minutes=settings.TELEGRAM_LINK_CODE_MINUTES),
        },
    )
    return code


def telegram_unlink(*, user: User) -> bool:
    """Forget the user's chat (and any code); True if there was one."""
    deleted, _rows = TelegramLink.objects.filter(user=user).delete()
    return bool(deleted)


def telegram_unlink_chat(*, chat_id: int) -> int:
    """Forget every link to a chat that is gone (the bot was blocked): how many."""
    deleted, _rows = TelegramLink.objects.filter(chat_id=chat_id).delete()
    return deleted


def telegram_link_by_code(
    *, code: str, chat_id: int, now: dt.datetime | None = None
) -> User | None:
    """Link ``chat_id`` to the user whose unexpired code this is; None for an unknown or
    expired code. A code works once: the compare-and-swap clears it."""
    now = now or timezone.now()
    if not code or len(code) > 64:
        return None
    digest = _code_hash(code)
    link = (
        TelegramLink.objects.select_related("user")
        .filter(code_hash=digest, code_expires_at__gt=now)
        .first()
    )
    if link is None:
        return None
    linked = TelegramLink.objects.filter(pk=link.pk, code_hash=digest).update(
        chat_id=chat_id, linked_at=now, code_hash=None, code_expires_at=None
    )
    return link.user if linked else None


def telegram_link_of(user: User) -> TelegramLink | None:
    """The user's link row: a linked chat, or a code waiting to be sent, or None."""
    return TelegramLink.objects.filter(user=user).first()


def telegram_chat_of(user: User) -> int | None:
    link = TelegramLink.objects.filter(user=user, chat_id__isnull=False).first()
    return link.chat_id if link else None


# --- updates ------------------------------------------------------------------------------


def _reply(chat_id: int, text: str) -> None:
    try:
        telegram_send(chat_id=chat_id, text=text)
    except TelegramError:
        logger.warning("could not reply in Telegram chat %s", chat_id, exc_info=True)


def telegram_update_handle(update: Any, *, now: dt.datetime | None = None) -> None:
    """One update from Telegram: ``/start <code>`` links the chat and confirms; other text gets
    a hint. Anything else (edits, group joins, malformed input) is ignored."""
    if not isinstance(update, dict):
        return
    message = update.get("message")
    if not isinstance(message, dict):
        return
    chat = message.get("chat")
    text = message.get("text")
    if not isinstance(chat, dict) or not isinstance(text, str):
        return
    chat_id = chat.get("id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return
    command, _sep, argument = text.strip().partition(" ")
    with override(settings.LANGUAGE_CODE):
        if command.split("@")[0] != "/start" or not argument.strip():
            _reply(
                chat_id,
                _(
                    "To get SalesDesk notifications here, open your profile in SalesDesk and "
                    "send the bot the /start command with the code shown there."
                ),
            )
            return
        with transaction.atomic():
            user = telegram_link_by_code(code=argument.strip(), chat_id=chat_id, now=now)
        if user is None:
            _reply(
                chat_id,
                _(
                    "This code is unknown or has expired. Open your profile in SalesDesk, "
                    "get a new code and send /start with it."
                ),
            )
            return
        _reply(
            chat_id,
            _(
                "Done: SalesDesk notifications for %(name)s will come to this chat. You can "
                "choose which ones in SalesDesk, on the notification settings page."
            )
            % {"name": user.get_full_name() or user.email},
        )


def telegram_poll(*, now: dt.datetime | None = None) -> int:
    """Ask ``getUpdates`` for what came since the stored offset, handle it, store the new
    offset: the number of updates. Two runs at once: the second finds the state row locked and
    does nothing (PostgreSQL; SQLite runs one writer anyway)."""
    if not telegram_enabled():
        return 0
    TelegramPollState.objects.get_or_create(id=1)
    with transaction.atomic():
        state = TelegramPollState.objects.select_for_update(skip_locked=True).filter(id=1).first()
        if state is None:
            return 0
        updates = bot_call(
            "getUpdates",
            {
                "offset": state.next_update_id,
                "limit": UPDATES_BATCH,
                "timeout": 0,
                "allowed_updates": ["message"],
            },
        )
        if not isinstance(updates, list):
            return 0
        handled = 0
        for update in updates:
            update_id = update.get("update_id") if isinstance(update, dict) else None
            if isinstance(update_id, int) and update_id >= state.next_update_id:
                state.next_update_id = update_id + 1
            telegram_update_handle(update, now=now)
            handled += 1
        # Saved with the links in one transaction: a crash handles the batch again, and a code
        # already used just gets the polite "unknown code" reply.
        state.save(update_fields=["next_update_id"])
    return handled
