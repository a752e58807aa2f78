"""Telegram against a fake Bot API on 127.0.0.1: sending through the outbox, errors and
backoff, a blocked bot (failed at once, chat unlinked), linking a chat with the profile page's
one-time code (getUpdates polled, and the webhook), unlinking."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from notifications.delivery import notification_deliver
from notifications.models import Notification, TelegramLink, TelegramPollState
from notifications.tasks import telegram_poll_task
from notifications.telegram import telegram_code_create, telegram_poll
from tests.accounts.factories import UserFactory
from tests.clients import logged_in
from tests.concurrency import run_concurrently, unwrap
from tests.notifications.factories import NotificationFactory
from tests.notifications.fake_telegram import fake_telegram, start_update

pytestmark = pytest.mark.django_db

S = Notification.Status
NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
CHAT = 5550001


def _telegram_row(**extra: Any) -> Notification:
    return NotificationFactory.create(
        channel="telegram",
        recipient=str(CHAT),
        subject="SalesDesk: Курс <Рисование> & «друзья»",
        text="Здравствуйте!\nКурс одобрен.",
        next_attempt_at=NOW,
        **extra,
    )


def _linked_user() -> Any:
    user = UserFactory.create(role="partner_owner")
    TelegramLink.objects.create(user=user, chat_id=CHAT, linked_at=NOW)
    return user


# --- sending ------------------------------------------------------------------------------


def test_a_message_goes_to_the_chat_as_plain_text(settings: Any) -> None:
    with fake_telegram(settings) as telegram:
        row = _telegram_row()

        sent = notification_deliver(notification_id=row.pk, now=NOW)

    assert sent is True
    assert telegram.sent() == [
        {
            "chat_id": CHAT,
            "text": "SalesDesk: Курс <Рисование> & «друзья»\n\nЗдравствуйте!\nКурс одобрен.",
            "link_preview_options": {"is_disabled": True},
        }
    ]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (S.SENT, 1, NOW)


def test_a_server_error_and_ok_false_are_retried_with_backoff(settings: Any) -> None:
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    with fake_telegram(settings) as telegram:
        telegram.answer("sendMessage", 502, b"<html>Bad Gateway</html>")
        telegram.answer("sendMessage", 200, {"ok": False, "description": "Too Many Requests"})
        row = _telegram_row()

        first = notification_deliver(notification_id=row.pk, now=NOW)
        row.refresh_from_db()
        after_first = (row.status, row.attempts, row.next_attempt_at, row.last_error)
        too_early = notification_deliver(notification_id=row.pk, now=NOW + dt.timedelta(seconds=59))
        second = notification_deliver(notification_id=row.pk, now=NOW + dt.timedelta(minutes=1))
        row.refresh_from_db()
        after_second = (row.status, row.attempts, row.next_attempt_at)
        third = notification_deliver(notification_id=row.pk, now=NOW + dt.timedelta(minutes=3))

    assert (first, too_early, second, third) == (False, False, False, True)
    assert after_first == (
        S.PENDING,
        1,
        NOW + dt.timedelta(minutes=1),
        "TelegramError: sendMessage: HTTP 502",
    )
    # 1 minute after the first failure, 2 after the second
    assert after_second == (S.PENDING, 2, NOW + dt.timedelta(minutes=3))
    assert len(telegram.sent()) == 3
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.SENT, 3)
    assert settings.TELEGRAM_BOT_TOKEN not in row.last_error


def test_no_answer_at_all_is_retried(settings: Any) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.TELEGRAM_BOT_TOKEN = "123:abc"
    settings.TELEGRAM_API_BASE = f"http://127.0.0.1:{port}"
    row = _telegram_row()

    assert notification_deliver(notification_id=row.pk, now=NOW) is False

    row.refresh_from_db()
    assert row.status == S.PENDING
    assert row.last_error.startswith("TelegramError: sendMessage: no answer from Telegram")
    assert "123:abc" not in row.last_error


def test_a_blocked_bot_fails_at_once_and_unlinks_the_chat(settings: Any) -> None:
    user = _linked_user()
    with fake_telegram(settings) as telegram:
        telegram.answer(
            "sendMessage",
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        )
        row = _telegram_row(user=user)

        sent = notification_deliver(notification_id=row.pk, now=NOW)

    assert sent is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.FAILED, 1)
    assert "bot was blocked by the user" in row.last_error
    assert not TelegramLink.objects.filter(user=user).exists()


def test_a_malformed_request_fails_at_once_but_keeps_the_link(settings: Any) -> None:
    user = _linked_user()
    with fake_telegram(settings) as telegram:
        telegram.answer(
            "sendMessage",
            400,
            {"ok": False, "description": "Bad Request: message text is empty"},
        )
        row = _telegram_row(user=user)

        notification_deliver(notification_id=row.pk, now=NOW)

    row.refresh_from_db()
    assert row.status == S.FAILED
    assert TelegramLink.objects.filter(user=user, chat_id=CHAT).exists()


# --- linking --------------------------------------------------------------------------------


def test_the_profile_gives_a_code_and_the_bot_links_the_chat_with_it(settings: Any) -> None:
    user = UserFactory.create(role="manager", full_name="Ольга Петрова")
    with fake_telegram(settings) as telegram:
        # when: the profile page makes a code
        page = logged_in(user).post("/accounts/profile/", {"action": "telegram-code"})
        html = page.content.decode()
        code = re.search(r"/start ([A-Z0-9]{10})<", html).group(1)  # type: ignore[union-attr]
        # and the person sends it to the bot
        telegram.updates = [
            start_update(700, 111, "привет"),
            start_update(701, CHAT, f"/start {code}"),
        ]
        handled = telegram_poll(now=timezone.now())
        again = telegram_poll(now=timezone.now())

    assert f"https://t.me/salesdesk_test_bot?start={code}" in html
    assert "Откройте @salesdesk_test_bot в Telegram и отправьте:" in html
    assert (handled, again) == (2, 0)
    link = TelegramLink.objects.get(user=user)
    assert (link.chat_id, link.code_hash) == (CHAT, None)
    # the stored offset: the second poll asked for what came after 701
    offsets = [c.params["offset"] for c in telegram.calls if c.method == "getUpdates"]
    assert offsets == [0, 702]
    assert TelegramPollState.objects.get().next_update_id == 702
    replies = {m["chat_id"]: m["text"] for m in telegram.sent()}
    assert replies[CHAT].startswith("Готово: уведомления SalesDesk для Ольга Петрова")
    assert replies[111].startswith("Чтобы получать сюда уведомления SalesDesk")
    # the profile now says so
    linked = logged_in(user).get("/accounts/profile/").content.decode()
    assert 'data-testid="telegram-linked"' in linked


def test_an_expired_or_used_code_gets_a_polite_answer_and_links_nothing(settings: Any) -> None:
    user = UserFactory.create(role="manager")
    old = telegram_code_create(user=user, now=NOW - dt.timedelta(minutes=31))
    with fake_telegram(settings) as telegram:
        telegram.updates = [start_update(1, CHAT, f"/start {old}")]
        telegram_poll(now=NOW)
        fresh = telegram_code_create(user=user, now=NOW)
        telegram.updates = [
            start_update(2, CHAT, f"/start {fresh.lower()}"),  # typed in lower case: fine
            start_update(3, 999, f"/start {fresh}"),  # the same code again, another chat
        ]
        telegram_poll(now=NOW)

    texts = [m["text"] for m in telegram.sent()]
    assert texts[0].startswith("Такого кода нет, или он уже истёк.")
    assert texts[1].startswith("Готово:")
    assert texts[2].startswith("Такого кода нет, или он уже истёк.")
    assert TelegramLink.objects.get(user=user).chat_id == CHAT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_polls_handle_an_update_once(settings: Any) -> None:
    # given: a code sent to the bot, and a slow getUpdates so that four polls overlap
    user = UserFactory.create(role="manager")
    code = telegram_code_create(user=user)
    with fake_telegram(settings) as telegram:
        telegram.updates = [start_update(10, CHAT, f"/start {code}")]
        telegram.updates_delay = 0.3

        # when
        handled = unwrap(run_concurrently(*[telegram_poll] * 4))

    # then: one poll took it (the others skipped the locked state or found nothing new)
    assert sum(handled) == 1
    assert [m["text"][:7] for m in telegram.sent()] == ["Готово:"]
    assert TelegramLink.objects.get(user=user).chat_id == CHAT
    assert TelegramPollState.objects.get().next_update_id == 11


def test_a_new_code_replaces_the_old_one(settings: Any) -> None:
    user = UserFactory.create(role="manager")
    first = telegram_code_create(user=user, now=NOW)
    second = telegram_code_create(user=user, now=NOW)
    with fake_telegram(settings) as telegram:
        telegram.updates = [start_update(1, CHAT, f"/start {first}")]
        telegram_poll(now=NOW)

    assert first != second
    assert TelegramLink.objects.get(user=user).chat_id is None


def test_unlinking_forgets_the_chat(settings: Any) -> None:
    user = _linked_user()
    settings.TELEGRAM_BOT_TOKEN = "123:abc"

    response = logged_in(user).post(
        "/accounts/profile/", {"action": "telegram-unlink"}, follow=True
    )

    assert "Telegram отвязан." in response.content.decode()
    assert not TelegramLink.objects.filter(user=user).exists()


def test_without_a_token_the_profile_has_no_telegram_and_nothing_is_polled(settings: Any) -> None:
    settings.TELEGRAM_BOT_TOKEN = ""
    user = UserFactory.create(role="manager")

    page = logged_in(user).get("/accounts/profile/").content.decode()
    post = logged_in(user).post("/accounts/profile/", {"action": "telegram-code"})

    assert 'data-testid="telegram"' not in page
    assert post.status_code == 302
    assert not TelegramLink.objects.exists()
    assert telegram_poll_task() == 0


def test_a_poll_that_gets_no_answer_is_logged_not_raised(settings: Any) -> None:
    settings.TELEGRAM_BOT_TOKEN = "123:abc"
    settings.TELEGRAM_API_BASE = "http://127.0.0.1:9"  # discard: nothing listens

    assert telegram_poll_task() == 0


# --- the webhook ----------------------------------------------------------------------------


HOOK_SECRET = "hook-secret"


def _hook(body: Any, *, secret: str = HOOK_SECRET, header: str = HOOK_SECRET) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Client().post(
        f"/telegram/webhook/{secret}/",
        data=data,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=header,
    )


def test_the_webhook_links_a_chat_and_refuses_bad_input(settings: Any) -> None:
    user = UserFactory.create(role="manager")
    with fake_telegram(settings) as telegram:
        settings.TELEGRAM_WEBHOOK_SECRET = "hook-secret"
        code = telegram_code_create(user=user)
        statuses = {
            "wrong path secret": _hook({}, secret="guess").status_code,
            "wrong header": _hook({}, header="guess").status_code,
            "not JSON": _hook(b"{not json").status_code,
            "not an object": _hook([1, 2]).status_code,
            "too large": _hook(b"{" + b" " * 70_000 + b"}").status_code,
            "odd update": _hook({"update_id": 1, "message": {"chat": "x"}}).status_code,
            "a get": Client().get("/telegram/webhook/hook-secret/").status_code,
        }
        linked = _hook(start_update(5, CHAT, f"/start {code}"))

    assert statuses == {
        "wrong path secret": 404,
        "wrong header": 403,
        "not JSON": 400,
        "not an object": 400,
        "too large": 413,
        "odd update": 200,
        "a get": 405,
    }
    assert linked.status_code == 200
    assert TelegramLink.objects.get(user=user).chat_id == CHAT
    assert telegram.sent()[0]["text"].startswith("Готово:")


def test_without_a_webhook_secret_the_route_is_a_404(settings: Any) -> None:
    settings.TELEGRAM_BOT_TOKEN = "123:abc"
    settings.TELEGRAM_WEBHOOK_SECRET = ""

    assert _hook({}, secret="anything", header="").status_code == 404


def test_the_admin_lists_links_without_their_codes() -> None:
    admin_user = UserFactory.create(role="head", is_staff=True, is_superuser=True)
    user = _linked_user()
    waiting = UserFactory.create(role="caller")
    telegram_code_create(user=waiting)

    listing = logged_in(admin_user).get("/admin/notifications/telegramlink/")
    detail = logged_in(admin_user).get(
        f"/admin/notifications/telegramlink/{TelegramLink.objects.get(user=waiting).pk}/change/"
    )

    assert listing.status_code == 200
    assert user.email in listing.content.decode() and str(CHAT) in listing.content.decode()
    assert detail.status_code == 200
    code_hash = TelegramLink.objects.get(user=waiting).code_hash
    assert code_hash and code_hash not in detail.content.decode()
