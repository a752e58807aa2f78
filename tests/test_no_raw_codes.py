"""No internal code reaches a person: every page of each role's menu, and a deal, an order and
a product page, on the demo data, show no snake_case value of the project's choices in their
visible text (attributes such as ``value="not_interested"`` or ``data-*`` do not count)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.test import Client

from accounts.models import User
from crm.models import Deal
from orders.models import Order
from partners.models import Product
from tests.browser.pages import seed_demo

pytestmark = pytest.mark.django_db

SNAKE = re.compile(r"^[a-z]+(?:_[a-z]+)+$")  # several words: «not_interested», not «won»


def all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= all_subclasses(sub)
    return found


def raw_codes() -> set[str]:
    values: set[str] = set()
    for choices in all_subclasses(models.TextChoices):
        if choices.__module__.split(".")[0] in {"django", "rest_framework"}:
            continue
        values |= {str(v) for v in getattr(choices, "values", [])}
    for model in apps.get_models():
        if model._meta.app_label in {"auth", "admin", "contenttypes", "sessions"}:
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                values.add(str(value))
    return {v for v in values if SNAKE.match(v)}


class VisibleText(HTMLParser):
    """The text a person reads: no tags, no attributes, no scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in {"script", "style", "template"}:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"} and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def menu_paths(html: str) -> list[str]:
    menu = re.search(r'<nav class="menu".*?</nav>', html, re.S)
    assert menu is not None, "no menu on the start page"
    return list(dict.fromkeys(re.findall(r'href="(/[^"?#]*)', menu.group(0))))


def code_pattern(codes: set[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w/.-])(" + "|".join(sorted(codes, key=len, reverse=True)) + r")\b")


def codes_shown(html: str, pattern: re.Pattern[str]) -> list[str]:
    return [m.group(1) for m in pattern.finditer(visible_text(html))]


@pytest.fixture
def demo(settings: Any) -> None:
    seed_demo(settings)


def test_the_codes_are_collected() -> None:
    codes = raw_codes()
    assert {"not_interested", "too_expensive", "paid_before_work"} <= codes
    assert "won" not in codes


def test_only_the_visible_text_counts() -> None:
    html = (
        '<select name="reason"><option value="not_interested">Не интересно</option></select>'
        '<p data-x="in_review">Причина: too_expensive</p>'
        '<script>let a = "paid_before_work";</script>'
        '<a href="/x/not_interested/">ссылка</a>'
    )
    assert codes_shown(html, code_pattern(raw_codes())) == ["too_expensive"]


def test_no_page_shows_a_raw_code(demo: None) -> None:
    codes = raw_codes()
    found = code_pattern(codes)
    deal = Deal.objects.order_by("created_at").first()
    order = Order.objects.order_by("created_at").first()
    assert deal is not None and order is not None
    product = Product.objects.filter(partner=order.product.partner).order_by("name").first()
    assert product is not None
    owner = User.objects.filter(partner=order.product.partner, role="partner_owner").first()
    extra = {
        "head@demo.salesdesk.local": [f"/head/deals/{deal.pk}/"],
        owner.email if owner else "": [
            f"/cabinet/orders/{order.pk}/",
            f"/cabinet/products/{product.pk}/",
        ],
    }
    emails = [
        "head@demo.salesdesk.local",
        "manager1@demo.salesdesk.local",
        "caller@demo.salesdesk.local",
        "qa@demo.salesdesk.local",
        "school@demo.salesdesk.local",
        "shop@demo.salesdesk.local",
    ]
    problems: list[str] = []
    seen = 0
    for email in emails:
        client = Client()
        client.force_login(User.objects.get(email=email))
        start = client.get("/", follow=True)
        assert start.status_code == 200, email
        for path in [*menu_paths(start.content.decode()), *extra.get(email, [])]:
            response = client.get(path)
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            seen += 1
            for code in codes_shown(response.content.decode(), found):
                problems.append(f"{email} {path}: {code}")
    assert seen >= 20
    assert not problems, "\n".join(sorted(set(problems)))
