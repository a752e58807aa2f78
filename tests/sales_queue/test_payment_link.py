"""The order's payment link in the manager's workspace: one click copies it, each allowed
channel sends it with a prefilled Russian message, and sending logs a ``reached`` touch
(a contact made, never an unanswered attempt). The deal's ad channel is the order's source."""

from __future__ import annotations

import datetime as dt
import html as html_lib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from crm.models import Deal
from sales_queue.models import QueueItem, Touch
from sales_queue.services import queue_take_next
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PAY = "https://shop.example.com/pay/42?t=x&y=1"


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


@pytest.fixture
def ivan() -> Any:
    return manager(full_name="Иван Менеджер")


@pytest.fixture
def ivan_client(client: Client, ivan: Any) -> Client:
    client.force_login(ivan)
    return client


def held(ivan: Any, *, channels: list[str] | None = None, **order_fields: Any) -> QueueItem:
    product = ProductFactory.create(
        on_sale=True,
        name="Курс Python",
        channels=channels or ["phone", "whatsapp", "telegram", "email"],
    )
    fields = {
        "customer_name": "Анна",
        "customer_phone": "+79123456789",
        "customer_telegram": "@anna_s",
        "customer_email": "anna@example.com",
        "payment_url": PAY,
        **order_fields,
    }
    queued_item(product=product, **fields)
    item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    return item


def hrefs(page: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for channel in ("whatsapp", "telegram", "email"):
        marker = f'data-testid="payment-link-send-{channel}"'
        if marker in page:
            tag = page[: page.index(marker)]
            found[channel] = html_lib.unescape(tag[tag.rindex('href="') + 6 :].split('"', 1)[0])
    return found


def test_the_deal_takes_its_ad_channel_from_the_order_source(ivan: Any) -> None:
    held(ivan, source="vk_ads")

    assert Deal.objects.get().source == "vk_ads"


def test_without_a_source_the_deal_says_unpaid_order(ivan: Any) -> None:
    held(ivan)

    assert Deal.objects.get().source == "Неоплаченный заказ"


def test_the_workspace_offers_to_copy_the_link_and_send_it_on_each_allowed_channel(
    ivan_client: Client, ivan: Any
) -> None:
    # given
    held(ivan)

    # when
    page = ivan_client.get("/workspace/").content.decode()

    # then: the link to copy
    assert 'data-testid="payment-link-copy"' in page
    assert f'value="{html_lib.escape(PAY)}"' in page
    links = hrefs(page)
    assert set(links) == {"whatsapp", "telegram", "email"}
    # WhatsApp: the buyer's number, the Russian message with the link
    wa = urlsplit(links["whatsapp"])
    assert (wa.scheme, wa.netloc, wa.path) == ("https", "wa.me", "/79123456789")
    assert parse_qs(wa.query)["text"] == [
        f"Здравствуйте, Анна! Ссылка для оплаты заказа «Курс Python»: {PAY}"
    ]
    # Telegram: the share page with the link and the message
    tg = urlsplit(links["telegram"])
    assert (tg.netloc, tg.path) == ("t.me", "/share/url")
    assert parse_qs(tg.query) == {
        "url": [PAY],
        "text": ["Здравствуйте, Анна! Ссылка для оплаты заказа «Курс Python»:"],
    }
    # Email: to the buyer, with a subject and the message as the body
    mail = urlsplit(links["email"])
    assert (mail.scheme, mail.path) == ("mailto", "anna@example.com")
    assert parse_qs(mail.query) == {
        "subject": ["Ссылка для оплаты заказа «Курс Python»"],
        "body": [f"Здравствуйте, Анна! Ссылка для оплаты заказа «Курс Python»: {PAY}"],
    }


def test_only_channels_the_partner_allows_and_the_buyer_left_are_offered(
    ivan_client: Client, ivan: Any
) -> None:
    held(ivan, channels=["phone", "telegram", "email"], customer_email="")

    page = ivan_client.get("/workspace/").content.decode()

    assert set(hrefs(page)) == {"telegram"}


def test_an_order_without_a_link_shows_no_payment_block(ivan_client: Client, ivan: Any) -> None:
    held(ivan, payment_url="")

    page = ivan_client.get("/workspace/").content.decode()

    assert 'data-testid="payment-link"' not in page


def test_sending_the_link_logs_a_reached_touch_and_keeps_the_order(
    ivan_client: Client, ivan: Any
) -> None:
    # given
    item = held(ivan)

    # when
    page = ivan_client.post(
        f"/workspace/items/{item.pk}/payment-link/", {"channel": "whatsapp"}, headers=HTMX
    ).content.decode()

    # then
    touch = Touch.objects.get()
    assert (touch.channel, touch.outcome, touch.comment) == (
        "whatsapp",
        "reached",
        "Отправлена ссылка на оплату",
    )
    item.refresh_from_db()
    assert (item.state, item.holder, item.attempts) == ("active", ivan, 0)
    assert "Ссылка на оплату отправлена" in page


@pytest.mark.parametrize("channel", ["phone", "sms", ""])
def test_a_link_cannot_be_sent_by_call_or_an_unknown_channel(
    ivan_client: Client, ivan: Any, channel: str
) -> None:
    item = held(ivan)

    response = ivan_client.post(
        f"/workspace/items/{item.pk}/payment-link/", {"channel": channel}, headers=HTMX
    )

    assert response.status_code == 200
    assert not Touch.objects.exists()


def test_a_link_cannot_be_sent_on_a_channel_the_partner_did_not_allow(
    ivan_client: Client, ivan: Any
) -> None:
    item = held(ivan, channels=["phone", "email"])

    ivan_client.post(
        f"/workspace/items/{item.pk}/payment-link/", {"channel": "whatsapp"}, headers=HTMX
    )

    assert not Touch.objects.exists()


def test_another_managers_order_cannot_be_marked_as_sent(client: Client, ivan: Any) -> None:
    item = held(ivan)
    client.force_login(manager())

    client.post(f"/workspace/items/{item.pk}/payment-link/", {"channel": "email"}, headers=HTMX)

    assert not Touch.objects.exists()


def test_the_send_buttons_read_as_russian_phrases(ivan_client: Client, ivan: Any) -> None:
    held(ivan)

    page = ivan_client.get("/workspace/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    for phrase in ("Отправить в WhatsApp", "Отправить в Telegram", "Отправить письмом"):
        assert phrase in page
    assert "Отправить в Электронная почта" not in page
