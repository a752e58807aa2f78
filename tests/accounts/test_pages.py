"""Login, logout, password reset and landing pages, in Russian by default."""

import re
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from notifications.models import Notification
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_speaks_russian_by_default(client: Client) -> None:
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="ru"' in html
    assert "Вход в SalesDesk" in html
    assert "Электронная почта" in html


def test_english_is_available(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")

    assert "Log in to SalesDesk" in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    for url in ["/", "/cabinet/", "/workspace/", "/head/", "/accounts/tokens/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("partner_owner", "/cabinet/"),
        ("partner_staff", "/cabinet/"),
        ("manager", "/workspace/"),
        ("caller", "/workspace/"),
        ("account_manager", "/workspace/"),
        ("head", "/head/"),
        ("qa", "/qa/"),
    ],
)
def test_each_role_lands_on_its_own_home(client: Client, role: str, home: str) -> None:
    user = UserFactory.create(role=role)

    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    landing = client.get(response["Location"])

    assert landing.status_code == 302 and landing["Location"] == home
    assert client.get(home).status_code == 200


def test_login_ignores_email_case(client: Client) -> None:
    user = UserFactory.create(role="manager", email="ivan@example.com")

    response = client.post(
        "/accounts/login/", {"username": "IVAN@Example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_is_explained_in_russian(client: Client) -> None:
    user = UserFactory.create(role="manager")

    response = client.post("/accounts/login/", {"username": user.email, "password": "nope"})

    assert response.status_code == 200
    assert "Пожалуйста, введите правильные" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "forbidden"),
    [
        ("manager", ["/head/"]),
        ("head", ["/workspace/"]),
        ("partner_owner", ["/workspace/", "/head/", "/accounts/tokens/"]),
    ],
)
def test_pages_of_other_roles_are_closed(client: Client, role: str, forbidden: list[str]) -> None:
    client.force_login(UserFactory.create(role=role))

    for url in forbidden:
        assert client.get(url).status_code == 403, url


def test_staff_get_no_partner_cabinet(client: Client) -> None:
    client.force_login(UserFactory.create(role="head"))

    assert client.get("/cabinet/").status_code == 404


def test_logout_ends_the_session(client: Client) -> None:
    client.force_login(UserFactory.create(role="manager"))

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert client.get("/workspace/").status_code == 302


def test_password_reset_sends_a_working_link(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory.create(role="partner_owner", email="owner@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/password-reset/", {"email": "owner@example.com"}, REMOTE_ADDR="192.0.2.10"
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    letter = mail.outbox[0]
    assert letter.to == ["owner@example.com"]
    assert "SalesDesk" in letter.subject
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", str(letter.body))
    assert link is not None

    form = client.get(link.group(1), follow=True)
    assert "Задайте новый пароль" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password-42", "new_password2": "a-new-long-password-42"},
    )

    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-password-42")


def test_password_reset_writes_its_letter_to_the_outbox_instead_of_sending_in_the_request(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a mail server that would fail if the request tried to send
    UserFactory.create(role="manager", email="vera@example.com")

    # when: the request runs; the worker's delivery (after commit) is held back
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/accounts/password-reset/", {"email": "vera@example.com"}, REMOTE_ADDR="192.0.2.11"
        )

    # then: the page answered, nothing was sent in the request, one letter waits to be sent
    assert response.status_code == 302
    assert mail.outbox == []
    letter = Notification.objects.get(kind="password_reset")
    assert (letter.recipient, letter.status) == ("vera@example.com", "pending")
    assert "/accounts/reset/" in letter.text
    assert len(callbacks) == 1


def test_too_many_password_resets_from_one_address_get_a_429(client: Client, settings) -> None:
    settings.SIGNUP_RATE_LIMIT = (2, 3600)
    UserFactory.create(role="manager", email="vera@example.com")
    # An address of its own: the counter outlives a test (it is in Redis when there is one).
    address = f"198.51.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"

    def reset() -> Any:
        return client.post(
            "/accounts/password-reset/", {"email": "vera@example.com"}, REMOTE_ADDR=address
        )

    assert [reset().status_code for _ in range(2)] == [302, 302]
    letters = Notification.objects.filter(kind="password_reset").count()
    response = reset()

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert letters >= 1
    assert Notification.objects.filter(kind="password_reset").count() == letters


def test_password_reset_does_not_reveal_unknown_emails(client: Client) -> None:
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert mail.outbox == []
