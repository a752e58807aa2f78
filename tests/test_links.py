"""A buyer's address or username becomes a link without changing what the link does."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import Client

from tests.accounts.factories import UserFactory
from tests.crm.factories import ContactFactory
from web.links import mailto_href, telegram_href

HOSTILE = "a?bcc=spy%40evil.example&subject=hi@example.com"


def test_an_address_with_a_query_stays_one_recipient_and_adds_no_header() -> None:
    href = mailto_href(HOSTILE)

    parts = urlsplit(href)
    assert parts.scheme == "mailto"
    assert parts.query == ""  # no bcc, no subject smuggled in
    assert unquote(parts.path) == HOSTILE
    assert href == "mailto:a%3Fbcc%3Dspy%2540evil.example%26subject%3Dhi@example.com"


def test_subject_and_body_are_encoded_after_the_address() -> None:
    href = mailto_href(
        HOSTILE, subject="Оплата & доступ", body="Ссылка: https://x.example/?a=1&b=2"
    )

    parts = urlsplit(href)
    assert unquote(parts.path) == HOSTILE
    assert parse_qs(parts.query) == {
        "subject": ["Оплата & доступ"],
        "body": ["Ссылка: https://x.example/?a=1&b=2"],
    }


def test_a_telegram_username_cannot_leave_the_path() -> None:
    assert telegram_href("@anna_smirnova") == "https://t.me/anna_smirnova"
    assert telegram_href("@x?start=evil") == "https://t.me/x%3Fstart%3Devil"


@pytest.mark.django_db
def test_the_buyers_page_links_the_hostile_address_encoded(client: Client) -> None:
    contact = ContactFactory.create(name="Анна", email=HOSTILE)
    client.force_login(UserFactory.create(role="partner_owner", partner=contact.partner))

    html = client.get(f"/cabinet/contacts/{contact.pk}/").content.decode()

    assert 'href="mailto:a%3Fbcc%3Dspy%2540evil.example%26subject%3Dhi@example.com"' in html
    assert "mailto:a?bcc" not in html
