"""The sign-up pages: the form, «check your inbox», the confirmation link, the login of an
unconfirmed owner, a new link on request, the per-address limit."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from notifications.models import Notification
from partners.models import Partner
from tests.accounts.factories import UserFactory
from tests.accounts.signup import confirmation_path

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
STRONG = "акварель-по-средам-42"
FORM = {
    "company": "Школа акварели",
    "full_name": "Ольга Петрова",
    "email": "olga@school.example",
    "password1": STRONG,
    "password2": STRONG,
}


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    cache.clear()  # the per-address counters live in the cache (Redis in the PostgreSQL run)


def test_the_login_page_links_the_sign_up(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()

    assert 'href="/accounts/signup/"' in html and "Зарегистрироваться" in html


def test_the_form_signs_up_and_says_check_your_inbox(client: Client) -> None:
    response = client.post(SIGNUP, FORM, follow=True)

    assert response.redirect_chain == [("/accounts/signup/sent/", 302)]
    html = response.content.decode()
    assert "Проверьте почту" in html and "olga@school.example" in html
    assert User.objects.get(email="olga@school.example").email_confirmed is False


def test_a_duplicate_address_gets_the_same_page_and_no_new_partner(client: Client) -> None:
    UserFactory.create(role="partner_owner", email="olga@school.example")
    partners = Partner.objects.count()

    response = client.post(SIGNUP, {**FORM, "email": "OLGA@school.example"}, follow=True)

    assert response.redirect_chain == [("/accounts/signup/sent/", 302)]
    assert Partner.objects.count() == partners
    assert Notification.objects.filter(recipient="olga@school.example").count() == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "Введённый пароль слишком короткий"),
        ("12345678901", "Введённый пароль состоит только из цифр"),
        ("password123", "Введённый пароль слишком широко распространён"),
        ("olga@school.example", "Введённый пароль слишком похож"),
    ],
)
def test_djangos_password_rules_show_in_russian(
    client: Client, password: str, message: str
) -> None:
    response = client.post(SIGNUP, {**FORM, "password1": password, "password2": password})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="olga@school.example").exists()


def test_mismatched_passwords_are_refused(client: Client) -> None:
    response = client.post(SIGNUP, {**FORM, "password2": STRONG + "!"})

    assert "Пароли не совпадают." in response.content.decode()
    assert not Partner.objects.exists()


def test_the_honeypot_pretends_and_creates_nothing(client: Client) -> None:
    response = client.post(SIGNUP, {**FORM, "website": "http://spam.example"})

    assert response.status_code == 302
    assert not User.objects.filter(email="olga@school.example").exists()
    assert not Notification.objects.exists()


def test_too_many_sign_ups_from_one_address_get_a_russian_429(client: Client, settings) -> None:
    settings.SIGNUP_RATE_LIMIT = (2, 3600)
    for n in range(2):
        assert client.post(SIGNUP, {**FORM, "email": f"u{n}@example.com"}).status_code == 302

    response = client.post(SIGNUP, {**FORM, "email": "u3@example.com"})
    other_address = client.post(
        SIGNUP, {**FORM, "email": "u4@example.com"}, REMOTE_ADDR="198.51.100.4"
    )

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "Слишком много регистраций с вашего адреса" in response.content.decode()
    assert not User.objects.filter(email="u3@example.com").exists()
    assert other_address.status_code == 302


def test_the_link_asks_for_a_click_then_logs_in_to_the_cabinet(client: Client) -> None:
    client.post(SIGNUP, FORM)
    link = confirmation_path("olga@school.example")

    # opening it (a mail scanner may do this) changes nothing
    page = client.get(link)
    assert "Подтвердить и войти в кабинет" in page.content.decode()
    assert User.objects.get(email="olga@school.example").email_confirmed is False

    response = client.post(link, follow=True)

    assert response.redirect_chain[-1][0] == "/cabinet/"
    html = response.content.decode()
    assert "Адрес почты подтверждён" in html
    assert "Школа акварели" in html and 'data-testid="checklist"' in html


def test_the_second_click_says_already_confirmed_and_offers_the_login() -> None:
    Client().post(SIGNUP, FORM)
    link = confirmation_path("olga@school.example")
    Client().post(link)

    again = Client()
    response = again.post(link)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Адрес уже подтверждён" in html and 'href="/accounts/login/"' in html
    assert "_auth_user_id" not in again.session


def test_a_broken_link_is_a_404_page_in_russian(client: Client) -> None:
    response = client.get("/accounts/confirm/not-a-token/")

    assert response.status_code == 404
    assert "Ссылка не работает" in response.content.decode()


def test_an_unconfirmed_owner_cannot_log_in_and_can_ask_for_a_new_link(client: Client) -> None:
    client.post(SIGNUP, FORM)

    response = client.post(
        "/accounts/login/", {"username": "olga@school.example", "password": STRONG}
    )

    html = response.content.decode()
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Подтвердите адрес почты" in html
    assert 'data-testid="resend-confirmation"' in html
    resent = client.post("/accounts/signup/resend/", {"email": "olga@school.example"})
    assert resent.status_code == 302
    assert Notification.objects.filter(kind="email_confirmation").count() == 2


def test_a_wrong_password_does_not_tell_that_the_address_is_unconfirmed(client: Client) -> None:
    client.post(SIGNUP, FORM)

    response = client.post(
        "/accounts/login/", {"username": "olga@school.example", "password": "не-тот-пароль"}
    )

    html = response.content.decode()
    assert "Подтвердите адрес почты" not in html and "resend-confirmation" not in html


def test_an_expired_link_offers_a_new_one(client: Client, settings) -> None:
    settings.EMAIL_CONFIRMATION_DAYS = 1
    client.post(SIGNUP, FORM)
    link = confirmation_path("olga@school.example")
    settings.EMAIL_CONFIRMATION_DAYS = 0  # every link is now older than allowed

    page = client.get(link).content.decode()
    assert "Срок ссылки истёк" in page
    token = link.rstrip("/").rsplit("/", 1)[1]
    client.post("/accounts/signup/resend/", {"token": token})

    assert Notification.objects.filter(kind="email_confirmation").count() == 2
    settings.EMAIL_CONFIRMATION_DAYS = 1
    new_link = confirmation_path("olga@school.example")
    assert "Подтвердить и войти в кабинет" in client.get(new_link).content.decode()
