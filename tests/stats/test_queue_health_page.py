"""«Здоровье очереди» at /head/stats/queue/: who may see it, what it shows, bad input, queries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stats.queue_health import QUERIES
from tests.accounts.factories import UserFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import NOON, queued_item

pytestmark = pytest.mark.django_db

URL = "/head/stats/queue/"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


def client_for(role: str, **fields: Any) -> Client:
    client = Client()
    client.force_login(UserFactory.create(role=role, **fields))
    return client


def test_the_route_is_the_one_the_head_queue_page_links_to(clock: Any) -> None:
    assert reverse("stats_queue:health") == URL
    page = client_for("head").get("/head/queue/")
    assert f'href="{URL}"' in page.content.decode()


@pytest.mark.parametrize("role", ["head", "qa"])
def test_the_head_and_qa_see_the_page_with_its_figures_and_charts(clock: Any, role: str) -> None:
    product = ProductFactory.create(on_sale=True, name="Курс рисования")
    # entered at 11:00, still waiting at noon: one in the queue, waiting an hour
    queued_item(product=product, entered_at=NOON - dt.timedelta(hours=1))

    page = client_for(role).get(URL, {"period": "today"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Здоровье очереди" in html
    assert 'data-testid="qh-length">1<' in html
    assert "Курс рисования" in html
    assert "Как считаются эти цифры" in html
    specs = page.context["charts"]
    # today up to noon: buckets 00:00 … 11:00, length 1 at noon (the last point)
    assert len(specs["length"]["x"]) == 12
    assert specs["length"]["series"][0]["values"][-1] == 1
    assert specs["oldest"]["series"][0]["values"][-1] == 1.0  # hours
    assert specs["intake"]["series"][0]["values"][11] == 1.0
    for key in ("length", "oldest", "intake", "within"):
        json.dumps(specs[key])  # what json_script writes


@pytest.mark.parametrize("role", ["manager", "caller", "account_manager", "partner_owner"])
def test_managers_and_partners_are_refused(clock: Any, role: str) -> None:
    fields = {"partner": PartnerFactory.create()} if role == "partner_owner" else {}
    assert client_for(role, **fields).get(URL).status_code == 403


def test_anonymous_goes_to_the_login(clock: Any) -> None:
    response = Client().get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "year"}, "period"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"partner": "not-an-id"}, "partner"),
    ],
)
def test_bad_input_is_a_400_page_not_a_500(clock: Any, params: dict[str, str], field: str) -> None:
    page = client_for("head").get(URL, params)
    assert page.status_code == 400
    assert field in page.context["error"].details
    assert 'data-testid="queue-health-error"' in page.content.decode()


def test_the_page_reads_a_fixed_number_of_queries(
    clock: Any, django_assert_max_num_queries: Any
) -> None:
    head = client_for("head")
    product = ProductFactory.create(on_sale=True)
    for hours in range(1, 30):
        queued_item(product=product, entered_at=NOON - dt.timedelta(hours=hours))
    # session, user and the bell's count, then the selector's own
    with django_assert_max_num_queries(QUERIES + 3):
        assert head.get(URL, {"period": "month"}).status_code == 200
