"""notify_user fans out by the user's preferences (defaults: email and the bell), the bell's
count, the in-app list (one's own only), «Отметить прочитанным» / «Прочитать все», the
settings page and the head's page naming the channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification, NotificationPreference, TelegramLink
from notifications.selectors import unread_count
from notifications.services import notify_user
from tests.accounts.factories import UserFactory
from tests.clients import logged_in
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

C = Notification.Channel
CONTEXT = {
    "partner": {"name": "Онлайн-школа «Рисунок»"},
    "change": {"to_label": "одобрен"},
    "cabinet_url": "http://localhost:8000/cabinet/",
}


def _tell(user: User, key: str = "decision:1") -> list[Notification]:
    return notify_user(
        key=key,
        kind=Notification.Kind.PARTNER_DECISION,
        user=user,
        template="partner_decision",
        context=CONTEXT,
    )


def _in_app(user: User, subject: str = "Сделка не менялась", **extra: Any) -> Notification:
    return NotificationFactory.create(
        channel=C.IN_APP,
        status="sent",
        sent_at=timezone.now(),
        recipient=user.email,
        user=user,
        subject=subject,
        text="Сделка «Курс» не менялась 2 часа.\nОткройте её.",
        **extra,
    )


# --- fan-out --------------------------------------------------------------------------------


def test_with_no_preferences_a_user_gets_email_and_the_bell(
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = UserFactory.create(role="partner_owner", email="owner@school.example")

    with django_capture_on_commit_callbacks(execute=True):
        rows = _tell(owner)

    assert sorted((r.channel, r.key) for r in rows) == [
        ("email", f"decision:1:email:{owner.pk}"),
        ("in_app", f"decision:1:in_app:{owner.pk}"),
    ]
    assert [m.to for m in mail.outbox] == [["owner@school.example"]]
    bell = Notification.objects.get(channel=C.IN_APP)
    # the outbox delivered it (nothing to send: stored is delivered), the link kept, no HTML
    assert bell.status == Notification.Status.SENT
    assert bell.url == "http://localhost:8000/cabinet/"
    assert bell.html == ""
    assert bell.subject == "SalesDesk: Онлайн-школа «Рисунок» — одобрен"
    assert unread_count(owner) == 1


def test_the_same_event_twice_writes_nothing_new() -> None:
    owner = UserFactory.create(role="partner_owner")

    first = _tell(owner)
    again = _tell(owner)

    assert [r.pk for r in again] == [r.pk for r in first]
    assert Notification.objects.count() == 2


def test_a_channel_turned_off_for_a_kind_gets_nothing_of_that_kind() -> None:
    owner = UserFactory.create(role="partner_owner")
    NotificationPreference.objects.create(
        user=owner, kind="partner_decision", channel="email", enabled=False
    )
    # another kind's choice does not matter here
    NotificationPreference.objects.create(
        user=owner, kind="stale_deal", channel="in_app", enabled=False
    )

    rows = _tell(owner)

    assert [r.channel for r in rows] == ["in_app"]


def test_telegram_goes_to_the_linked_chat_only_while_the_bot_is_configured(settings: Any) -> None:
    owner = UserFactory.create(role="partner_owner")
    TelegramLink.objects.create(user=owner, chat_id=5550001, linked_at=timezone.now())
    settings.TELEGRAM_BOT_TOKEN = ""

    without_bot = _tell(owner, key="decision:1")
    settings.TELEGRAM_BOT_TOKEN = "123:abc"
    settings.CELERY_TASK_ALWAYS_EAGER = False  # not sent here: test_telegram.py sends
    with_bot = _tell(owner, key="decision:2")

    assert sorted(r.channel for r in without_bot) == ["email", "in_app"]
    assert sorted((r.channel, r.recipient) for r in with_bot) == [
        ("email", owner.email),
        ("in_app", owner.email),
        ("telegram", "5550001"),
    ]


# --- the bell and the list --------------------------------------------------------------------


def test_the_bell_counts_only_the_users_own_unread_in_app_rows() -> None:
    me = UserFactory.create(role="manager")
    colleague = UserFactory.create(role="manager")
    _in_app(me)
    _in_app(me, read_at=timezone.now())
    _in_app(colleague)
    NotificationFactory.create(user=me, recipient=me.email)  # an email is not in the bell
    client = logged_in(me)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notifications/bell/")

    assert response.status_code == 200
    assert 'data-count="1"' in response.content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    # every page's top bar shows it too
    page = client.get("/workspace/tasks/").content.decode()
    assert 'data-testid="bell" data-count="1"' in page


def test_the_list_shows_ones_own_newest_first_with_links() -> None:
    me = UserFactory.create(role="partner_owner")
    other = UserFactory.create(role="partner_owner")
    _in_app(me, subject="Старое", created_at=timezone.now() - dt.timedelta(hours=2))
    _in_app(me, subject="Новое", url="http://localhost:8000/cabinet/")
    _in_app(other, subject="Чужое")

    page = logged_in(me).get("/notifications/").content.decode()

    assert page.index("Новое") < page.index("Старое")
    assert "Чужое" not in page
    assert '<a href="http://localhost:8000/cabinet/">Новое</a>' in page
    assert "Отметить прочитанным" in page and "Прочитать все" in page


def test_the_list_pages_by_fifty() -> None:
    me = UserFactory.create(role="caller")
    for n in range(51):
        _in_app(me, subject=f"Сообщение {n}")

    first = logged_in(me).get("/notifications/").content.decode()
    second = logged_in(me).get("/notifications/?page=2").content.decode()

    assert first.count('data-testid="inbox-item"') == 50
    assert second.count('data-testid="inbox-item"') == 1
    assert "Страница 2 из 2" in second


def test_marking_one_read_drops_the_count_and_tells_the_bell() -> None:
    me = UserFactory.create(role="manager")
    first, second = _in_app(me), _in_app(me)
    client = logged_in(me)

    response = client.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    assert 'data-read="yes"' in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert unread_count(me) == 1


def test_someone_elses_notification_is_a_404_and_stays_unread() -> None:
    me = UserFactory.create(role="partner_owner")
    colleague = UserFactory.create(role="partner_staff", partner=me.partner)
    stranger = UserFactory.create(role="partner_owner")
    theirs = _in_app(colleague)
    email = NotificationFactory.create(user=me, recipient=me.email)  # mine, but not in-app

    assert logged_in(me).post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert logged_in(stranger).post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert logged_in(me).post(f"/notifications/{email.pk}/read/").status_code == 404
    assert logged_in(me).post("/notifications/not-a-uuid/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_ones_own() -> None:
    me = UserFactory.create(role="head")
    other = UserFactory.create(role="head")
    _in_app(me), _in_app(me), _in_app(other)
    client = logged_in(me)

    response = client.post("/notifications/read-all/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    assert unread_count(me) == 0
    assert unread_count(other) == 1
    # without htmx: back to the list with a message
    plain = client.post("/notifications/read-all/", follow=True)
    assert "Все уведомления отмечены как прочитанные." in plain.content.decode()


def test_the_pages_need_a_login() -> None:
    from_anonymous = [
        Client().get(url)
        for url in ("/notifications/", "/notifications/bell/", "/notifications/settings/")
    ]

    assert [r.status_code for r in from_anonymous] == [302, 302, 302]


# --- the settings page ------------------------------------------------------------------------


def test_settings_show_the_kinds_of_the_role_with_the_defaults_ticked() -> None:
    head = UserFactory.create(role="head")
    owner = UserFactory.create(role="partner_owner")

    head_page = logged_in(head).get("/notifications/settings/").content.decode()
    owner_page = logged_in(owner).get("/notifications/settings/").content.decode()

    # the head gets stale-deal reminders (as a deal's manager) and the floor's alerts, not a
    # partner's decisions or call reminders
    assert 'data-kind="stale_deal"' in head_page and 'data-kind="head_digest"' in head_page
    assert 'data-kind="partner_decision"' not in head_page
    assert 'data-kind="call_reminder"' not in head_page
    assert 'data-kind="partner_decision"' in owner_page
    assert 'data-kind="head_digest"' not in owner_page
    assert ">Почта<" in owner_page and ">На сайте<" in owner_page
    assert "Telegram" not in owner_page  # no bot configured
    # decisions, stale deals and call reminders × 2 channels, all on by default
    assert owner_page.count(" checked") == 6


def test_saving_settings_stores_every_shown_cell() -> None:
    owner = UserFactory.create(role="partner_owner")
    client = logged_in(owner)

    response = client.post(
        "/notifications/settings/",
        {"on": ["partner_decision:in_app", "stale_deal:email", "nonsense:fax"]},
        follow=True,
    )

    assert "Настройки уведомлений сохранены." in response.content.decode()
    stored = set(
        NotificationPreference.objects.filter(user=owner).values_list("kind", "channel", "enabled")
    )
    assert stored == {
        ("partner_decision", "email", False),
        ("partner_decision", "in_app", True),
        ("stale_deal", "email", True),
        ("stale_deal", "in_app", False),
        ("call_reminder", "email", False),
        ("call_reminder", "in_app", False),
    }
    assert [r.channel for r in _tell(owner)] == ["in_app"]


def test_telegram_is_a_column_once_linked_and_the_bot_is_on(settings: Any) -> None:
    settings.TELEGRAM_BOT_TOKEN = "123:abc"
    owner = UserFactory.create(role="partner_owner")
    client = logged_in(owner)

    before = client.get("/notifications/settings/").content.decode()
    TelegramLink.objects.create(user=owner, chat_id=42, linked_at=timezone.now())
    after = client.get("/notifications/settings/").content.decode()

    assert 'data-channel="telegram"' not in before
    assert "свяжите его на" in before or "профиля" in before
    assert 'data-channel="telegram"' in after


# --- the head's page ----------------------------------------------------------------------


def test_the_heads_page_names_the_channel_in_words() -> None:
    head = UserFactory.create(role="head")
    NotificationFactory.create(channel="telegram", recipient="5550001", subject="В Телеграм")
    NotificationFactory.create(channel="email", subject="На почту")

    page = logged_in(head).get("/head/notifications/").content.decode()

    assert "· Telegram ·" in page
    assert "· Электронная почта ·" in page
    assert "telegram ·" not in page
