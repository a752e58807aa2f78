"""The queue over REST, per the v1 contract."""

import datetime as dt

import pytest
from django.utils import timezone

from sales_queue.models import QueueItem
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Noon in Moscow, inside working hours, whenever the suite runs."""
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


def test_take_returns_the_item_its_order_and_its_deal(staff_client) -> None:
    client, ivan = staff_client(role="manager")
    item = queued_item(customer_name="Мария", customer_phone="+79001112233")

    response = client.post("/api/v1/queue/take/")

    assert response.status_code == 200
    body = response.json()
    assert body["item"]["id"] == str(item.pk) and body["item"]["state"] == "active"
    assert body["order"]["id"] == str(item.order_id)
    assert body["order"]["customer"]["name"] == "Мария"
    assert body["order"]["customer"]["phone"] == "+79001112233"
    assert body["deal"]["responsible"] == ivan.email
    assert body["item"]["product"]["channels"] == ["phone", "whatsapp", "telegram", "email"]


def test_take_on_an_empty_queue_is_204(staff_client) -> None:
    client, _ = staff_client(role="manager")

    response = client.post("/api/v1/queue/take/")

    assert response.status_code == 204 and response.content == b""


def test_take_while_holding_is_409_already_holding(staff_client) -> None:
    client, _ = staff_client(role="caller")
    queued_item()
    queued_item()
    client.post("/api/v1/queue/take/")

    response = client.post("/api/v1/queue/take/")

    assert response.status_code == 409
    assert response.json()["code"] == "already_holding"


def test_take_outside_working_hours_is_409(staff_client, monkeypatch) -> None:
    client, _ = staff_client(role="manager")
    queued_item()
    late = NOON.replace(hour=22)
    monkeypatch.setattr(timezone, "now", lambda: late.astimezone(dt.UTC))

    response = client.post("/api/v1/queue/take/")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "outside_working_hours"
    assert body["details"]["opens_at"].startswith("2026-11-21T09:00:00")


def test_current_is_the_same_body_or_204(staff_client) -> None:
    client, _ = staff_client(role="manager")
    assert client.get("/api/v1/queue/current/").status_code == 204
    queued_item()
    taken = client.post("/api/v1/queue/take/").json()

    current = client.get("/api/v1/queue/current/")

    assert current.status_code == 200
    assert current.json()["item"]["id"] == taken["item"]["id"]


def test_a_touch_is_logged_and_moves_the_item(staff_client) -> None:
    client, _ = staff_client(role="manager")
    queued_item()
    item_id = client.post("/api/v1/queue/take/").json()["item"]["id"]

    response = client.post(
        f"/api/v1/queue/items/{item_id}/touches/",
        {
            "channel": "phone",
            "outcome": "callback",
            "callback_at": (NOON + dt.timedelta(hours=3)).isoformat(),
            "comment": "Просила перезвонить после обеда",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["touch"]["outcome"] == "callback"
    assert body["item"]["state"] == "scheduled"
    assert client.get("/api/v1/queue/current/").status_code == 204


def test_after_three_unanswered_calls_a_call_is_409_and_whatsapp_is_logged(
    staff_client, settings
) -> None:
    # given: three unanswered calls in a row (the item comes straight back: no retry delay)
    settings.SALES_RETRY_DELAY_MINUTES = 0
    client, _ = staff_client(role="manager")
    queued_item()
    for _ in range(3):
        item_id = client.post("/api/v1/queue/take/").json()["item"]["id"]
        missed = client.post(
            f"/api/v1/queue/items/{item_id}/touches/", {"channel": "phone", "outcome": "no_answer"}
        )
        assert missed.status_code == 201
    taken = client.post("/api/v1/queue/take/").json()
    assert taken["suggested_channel"] == "whatsapp"

    # when: a fourth call
    response = client.post(
        f"/api/v1/queue/items/{item_id}/touches/", {"channel": "phone", "outcome": "reached"}
    )

    # then: 409 switch_channel with the suggestion, nothing logged
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "switch_channel" and body["message"]
    assert body["details"] == {"channel": "phone", "suggested": "whatsapp"}
    assert QueueItem.objects.get(pk=item_id).touches.count() == 3

    # when / then: a WhatsApp message is logged
    whatsapp = client.post(
        f"/api/v1/queue/items/{item_id}/touches/", {"channel": "whatsapp", "outcome": "reached"}
    )
    assert whatsapp.status_code == 201
    assert whatsapp.json()["touch"]["channel"] == "whatsapp"


def test_the_work_item_names_the_priority_channel(staff_client) -> None:
    client, _ = staff_client(role="manager")
    queued_item(product=ProductFactory.create(on_sale=True, priority_channel="telegram"))

    body = client.post("/api/v1/queue/take/").json()

    assert body["item"]["product"]["priority_channel"] == "telegram"
    assert body["item"]["product"]["channels"] == ["phone", "whatsapp", "telegram", "email"]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"channel": "phone", "outcome": "sold"}, "validation_error"),
        ({"channel": "fax", "outcome": "reached"}, "validation_error"),
        ({"channel": "phone", "outcome": "reached", "mood": "good"}, "validation_error"),
        ({"channel": "phone", "outcome": "callback"}, "validation_error"),
        (
            {"channel": "phone", "outcome": "callback", "callback_at": "2020-01-01T10:00:00Z"},
            "validation_error",
        ),
        (
            {"channel": "phone", "outcome": "callback", "callback_at": "tomorrow"},
            "validation_error",
        ),
        ({"channel": "phone", "outcome": "refused"}, "validation_error"),
        ({"channel": "phone", "outcome": "refused", "reason": "unreachable"}, "validation_error"),
        ({"outcome": "reached"}, "validation_error"),
    ],
)
def test_bad_touches_are_4xx_and_change_nothing(staff_client, payload, code) -> None:
    client, _ = staff_client(role="manager")
    queued_item()
    item_id = client.post("/api/v1/queue/take/").json()["item"]["id"]

    response = client.post(f"/api/v1/queue/items/{item_id}/touches/", payload)

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    item = QueueItem.objects.get(pk=item_id)
    assert item.state == "active" and not item.touches.exists()


def test_a_channel_the_partner_did_not_allow_is_400(staff_client) -> None:
    client, _ = staff_client(role="manager")
    queued_item(product=ProductFactory.create(on_sale=True, channels=["email"]))
    item_id = client.post("/api/v1/queue/take/").json()["item"]["id"]

    response = client.post(
        f"/api/v1/queue/items/{item_id}/touches/", {"channel": "phone", "outcome": "reached"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "channel_not_allowed"


def test_touching_an_item_you_do_not_hold_is_409(staff_client) -> None:
    ivan_client, _ = staff_client(role="manager")
    maria_client, _ = staff_client(role="manager")
    queued_item()
    item_id = ivan_client.post("/api/v1/queue/take/").json()["item"]["id"]

    response = maria_client.post(
        f"/api/v1/queue/items/{item_id}/touches/", {"channel": "phone", "outcome": "reached"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "not_holding"


def test_an_unknown_item_is_404(staff_client) -> None:
    client, _ = staff_client(role="manager")

    for item_id in ["00000000-0000-0000-0000-000000000000", "not-a-uuid"]:
        response = client.post(
            f"/api/v1/queue/items/{item_id}/touches/", {"channel": "phone", "outcome": "reached"}
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_release_then_release_again(staff_client) -> None:
    client, _ = staff_client(role="manager")
    queued_item()
    item_id = client.post("/api/v1/queue/take/").json()["item"]["id"]

    first = client.post(f"/api/v1/queue/items/{item_id}/release/")
    second = client.post(f"/api/v1/queue/items/{item_id}/release/")

    assert first.status_code == 200 and first.json()["state"] == "queued"
    assert second.status_code == 409 and second.json()["code"] == "not_holding"


def test_the_head_reassigns_and_watches_the_queue(staff_client) -> None:
    head_client, _ = staff_client(role="head")
    ivan_client, _ = staff_client(role="manager")
    maria = manager()
    queued_item()
    queued_item(entered_at=NOON - dt.timedelta(minutes=30))
    item_id = ivan_client.post("/api/v1/queue/take/").json()["item"]["id"]

    health = head_client.get("/api/v1/queue/health/").json()
    moved = head_client.post(f"/api/v1/queue/items/{item_id}/reassign/", {"manager": str(maria.pk)})

    assert health["length"] == 1 and health["active"] == 1
    assert health["oldest_waiting_seconds"] == 30 * 60
    assert health["holders"][0]["item"] == item_id
    assert moved.status_code == 200 and moved.json()["holder"] == maria.email


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/queue/take/"),
        ("get", "/api/v1/queue/current/"),
        ("get", "/api/v1/queue/health/"),
        ("post", "/api/v1/queue/items/00000000-0000-0000-0000-000000000000/touches/"),
        ("post", "/api/v1/queue/items/00000000-0000-0000-0000-000000000000/release/"),
        ("post", "/api/v1/queue/items/00000000-0000-0000-0000-000000000000/reassign/"),
    ],
)
def test_a_partner_key_is_refused_on_queue_endpoints(partner_client, method, url) -> None:
    client, _partner = partner_client()
    queued_item()

    response = getattr(client, method)(url, {})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert QueueItem.objects.filter(state="active").count() == 0


def test_managers_cannot_use_head_endpoints(staff_client) -> None:
    client, _ = staff_client(role="manager")

    assert client.get("/api/v1/queue/health/").status_code == 403
