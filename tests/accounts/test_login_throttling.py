"""Guessing passwords: after LOGIN_FAILURE_LIMIT (10) wrong passwords for one account, or from
one address, logging in pauses for LOGIN_LOCKOUT_MINUTES (15) with a Russian page and a 429."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.accounts.factories import PASSWORD, UserFactory
from tests.clients import staff_api

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client: Client, email: str, password: str, ip: str = "203.0.113.5") -> int:
    response = client.post(
        LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="ru"
    )
    return response.status_code


def test_ten_wrong_passwords_pause_the_account_even_for_the_right_one(client: Client) -> None:
    anna = UserFactory.create(role="manager", email="anna@example.com")

    # given nine wrong passwords: each is an ordinary refusal on the form
    assert [attempt(client, anna.email, f"guess-{i}") for i in range(9)] == [200] * 9
    # when the tenth is wrong too, and then the right one comes
    assert attempt(client, anna.email, "guess-9") == 429
    response = client.post(
        LOGIN, {"username": anna.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )

    # then the account stays paused, from another address as well, with a page saying how long
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    page = response.content.decode()
    assert "Слишком много попыток входа" in page
    assert "Попробуйте снова через 15 минут." in page
    assert "_auth_user_id" not in client.session


def test_an_address_guessing_many_accounts_is_paused_others_are_not(client: Client) -> None:
    users = [UserFactory.create(role="manager") for _ in range(10)]
    for user in users:
        assert attempt(client, user.email, "wrong", ip="203.0.113.9") in (200, 429)

    # the guessing address is paused, also for an account it never tried
    bystander = UserFactory.create(role="head")
    assert attempt(client, bystander.email, PASSWORD, ip="203.0.113.9") == 429
    # a colleague elsewhere logs in
    assert attempt(client, bystander.email, PASSWORD, ip="198.51.100.20") == 302


def test_a_success_clears_the_count(client: Client) -> None:
    boris = UserFactory.create(role="manager")
    for _ in range(9):
        attempt(client, boris.email, "wrong")
    assert attempt(client, boris.email, PASSWORD) == 302
    client.logout()

    assert [attempt(client, boris.email, "wrong") for _ in range(9)] == [200] * 9
    assert attempt(client, boris.email, PASSWORD) == 302


def test_after_the_pause_the_right_password_works_again(client: Client) -> None:
    vera = UserFactory.create(role="manager")
    for _ in range(10):
        attempt(client, vera.email, "wrong")
    assert attempt(client, vera.email, PASSWORD) == 429

    # when 15 minutes have passed since the last failure
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))

    assert attempt(client, vera.email, PASSWORD) == 302


def test_api_tokens_are_not_passwords_and_are_not_paused(client: Client) -> None:
    head = UserFactory.create(role="head")
    api = staff_api(head)
    for _ in range(10):
        attempt(client, head.email, "wrong")
    assert attempt(client, head.email, PASSWORD) == 429

    assert api.get("/api/v1/deals/").status_code == 200
