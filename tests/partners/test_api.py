"""REST contract v1 of products, the sales department, alignment calls and the head's
decisions: shapes, the bad-input matrix, tenancy and roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import AlignmentSlot, CallBooking, Product, SalesStatus, StatusChange
from tests.accounts.factories import UserFactory
from tests.partners.factories import (
    ADHOC_CALL_NOTES,
    COMPLETE_ANSWERS,
    ProductFactory,
    product_in_status,
    slot_create,
)
from tests.sales_queue.factories import QueueItemFactory

pytestmark = pytest.mark.django_db

S = SalesStatus
ClientMaker = Callable[..., tuple[APIClient, Any]]


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def _url(product: Product, suffix: str = "") -> str:
    return f"/api/v1/products/{product.pk}/{suffix}"


def _state(product: Product) -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    row = Product.objects.filter(pk=product.pk).values().get()
    return {
        "row": row,
        "questionnaire": Product.objects.get(pk=product.pk).questionnaire.answers(),
        "audit": StatusChange.objects.filter(product=product).count(),
        "bookings": CallBooking.objects.count(),
    }


@pytest.fixture
def partner_api(partner_client: ClientMaker) -> tuple[APIClient, Any]:
    return partner_client()


@pytest.fixture
def head_api(staff_client: ClientMaker) -> tuple[APIClient, Any]:
    return staff_client(role="head")


# --- products ---


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Курс\u202eсрук", "price": "10"}, "name"),
        ({"name": "Курс", "price": "10", "external_id": "sku\u2067-1"}, "external_id"),
    ],
)
def test_a_product_name_or_id_with_control_characters_is_a_400(partner_api, body, field) -> None:
    client, partner = partner_api

    response = client.post("/api/v1/products/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert set(response.json()["details"]) == {field}
    assert not Product.objects.filter(partner=partner).exists()


def test_creating_a_product_returns_the_contract_shape(partner_api) -> None:
    client, partner = partner_api

    response = client.post(
        "/api/v1/products/", {"name": " Курс акварели ", "price": "14900.5"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    product = Product.objects.get(partner=partner)
    assert body == {
        "id": str(product.pk),
        "name": "Курс акварели",
        "price": "14900.50",
        "external_id": None,
        "created_at": body["created_at"],
        "sales_department": {
            "enabled": False,
            "grace_period_minutes": 60,
            "channels": ["phone", "whatsapp", "telegram", "email"],
            "priority_channel": None,
            "status": "off",
            "refusal": None,
        },
    }
    assert dt.datetime.fromisoformat(body["created_at"]).tzinfo is not None
    assert product.questionnaire.answers()["faq"] == ""


def test_an_external_id_is_returned_and_unique_per_partner(partner_api, partner_client) -> None:
    client, _partner = partner_api
    other, _ = partner_client()
    body = {"name": "A", "price": 10, "external_id": "sku-1"}

    first = client.post("/api/v1/products/", body, format="json")
    duplicate = client.post("/api/v1/products/", body, format="json")
    elsewhere = other.post("/api/v1/products/", body, format="json")

    assert first.json()["external_id"] == "sku-1"
    assert_error(duplicate, 409, "external_id_taken")
    assert elsewhere.status_code == 201


def test_the_list_shows_the_partners_own_products_newest_first(partner_api) -> None:
    client, partner = partner_api
    older = ProductFactory.create(partner=partner)
    newer = ProductFactory.create(partner=partner)
    ProductFactory.create()  # another partner's

    body = client.get("/api/v1/products/").json()

    assert set(body) >= {"results", "next"}
    assert [p["id"] for p in body["results"]] == [str(newer.pk), str(older.pk)]


def test_the_list_pages_with_a_cursor(partner_api) -> None:
    client, partner = partner_api
    for _ in range(3):
        ProductFactory.create(partner=partner)

    first = client.get("/api/v1/products/?page_size=2").json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert second["next"] is None


def test_patching_any_subset_changes_only_that(partner_api) -> None:
    client, partner = partner_api
    product = ProductFactory.create(partner=partner, external_id="sku-1")

    response = client.patch(
        _url(product),
        {"price": "990.00", "sales_department": {"grace_period_minutes": 0}},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["price"], body["external_id"]) == (product.name, "990.00", "sku-1")
    assert body["sales_department"]["grace_period_minutes"] == 0
    assert body["sales_department"]["channels"] == ["phone", "whatsapp", "telegram", "email"]


def test_patching_the_sales_department_on_with_channels(partner_api) -> None:
    client, partner = partner_api
    product = ProductFactory.create(partner=partner)

    response = client.patch(
        _url(product),
        {"sales_department": {"enabled": True, "channels": ["telegram", "phone"]}},
        format="json",
    )

    department = response.json()["sales_department"]
    assert department["enabled"] is True
    assert department["status"] == "draft"
    assert department["channels"] == ["telegram", "phone"]  # the partner's order
    change = StatusChange.objects.get(product=product)
    assert change.actor_label.startswith("api-key:sdk_")


def test_the_priority_channel_is_set_shown_and_kept_by_other_patches(partner_api) -> None:
    # given: a product allowing all four channels, no priority
    client, partner = partner_api
    product = ProductFactory.create(partner=partner)

    # when: Telegram is named the priority channel
    response = client.patch(
        _url(product), {"sales_department": {"priority_channel": "telegram"}}, format="json"
    )

    # then: shown beside the other keys, which keep their values
    assert response.status_code == 200, response.content
    department = response.json()["sales_department"]
    assert department["priority_channel"] == "telegram"
    assert department["channels"] == ["phone", "whatsapp", "telegram", "email"]
    assert (department["enabled"], department["grace_period_minutes"]) == (False, 60)
    # a patch that does not name it leaves it
    again = client.patch(
        _url(product), {"sales_department": {"grace_period_minutes": 5}}, format="json"
    )
    assert again.json()["sales_department"]["priority_channel"] == "telegram"
    assert client.get(_url(product)).json()["sales_department"]["priority_channel"] == "telegram"


@pytest.mark.parametrize("cleared", [None, ""])
def test_the_priority_channel_is_cleared_by_null_or_empty(partner_api, cleared) -> None:
    client, partner = partner_api
    product = ProductFactory.create(partner=partner, priority_channel="email")

    response = client.patch(
        _url(product), {"sales_department": {"priority_channel": cleared}}, format="json"
    )

    assert response.json()["sales_department"]["priority_channel"] is None
    product.refresh_from_db()
    assert product.priority_channel == ""


def test_a_priority_channel_the_partner_does_not_allow_is_a_400(partner_api) -> None:
    # given: phone and Telegram allowed
    client, partner = partner_api
    product = ProductFactory.create(partner=partner, channels=["phone", "telegram"])
    before = _state(product)

    # when: email is named the priority channel (with a rename in the same patch)
    response = client.patch(
        _url(product),
        {"name": "Новое", "sales_department": {"priority_channel": "email"}},
        format="json",
    )

    # then: a 400 naming the field, and nothing stored, not even the name
    error = assert_error(response, 400, "validation_error")
    assert set(error["details"]) == {"priority_channel"}
    assert _state(product) == before


def test_new_channels_without_the_priority_channel_clear_it_in_the_api(partner_api) -> None:
    client, partner = partner_api
    product = ProductFactory.create(partner=partner, priority_channel="whatsapp")

    response = client.patch(
        _url(product), {"sales_department": {"channels": ["email", "phone"]}}, format="json"
    )

    department = response.json()["sales_department"]
    assert (department["channels"], department["priority_channel"]) == (["email", "phone"], None)


def test_a_second_partner_cannot_set_the_priority_channel(partner_api, partner_client) -> None:
    _client, partner = partner_api
    other, _ = partner_client()
    product = ProductFactory.create(partner=partner)

    response = other.patch(
        _url(product), {"sales_department": {"priority_channel": "email"}}, format="json"
    )

    assert_error(response, 404, "not_found")
    product.refresh_from_db()
    assert product.priority_channel == ""


@pytest.mark.parametrize("cleared", [None, ""])
def test_an_external_id_can_be_cleared(partner_api, cleared) -> None:
    client, partner = partner_api
    product = ProductFactory.create(partner=partner, external_id="sku-1")

    body = client.patch(_url(product), {"external_id": cleared}, format="json").json()

    assert body["external_id"] is None
    product.refresh_from_db()
    assert product.external_id == ""


def test_switching_off_withdraws_queued_items(partner_api) -> None:
    client, partner = partner_api
    product = product_in_status(S.APPROVED, partner=partner)
    queued = QueueItemFactory.create(order__product=product)
    manager = UserFactory.create(role="manager")
    active = QueueItemFactory.create(order__product=product, state="active", holder=manager)

    response = client.patch(_url(product), {"sales_department": {"enabled": False}}, format="json")

    assert response.json()["sales_department"]["status"] == "off"
    queued.refresh_from_db()
    active.refresh_from_db()
    assert (queued.state, active.state) == ("withdrawn", "active")


BAD_PATCHES: list[tuple[dict[str, Any], list[str]]] = [
    ({"nmae": "typo"}, ["nmae"]),
    ({"name": ""}, ["name"]),
    ({"name": "   "}, ["name"]),
    ({"name": "x" * 201}, ["name"]),
    ({"name": 123}, ["name"]),
    ({"name": None}, ["name"]),
    ({"price": "0"}, ["price"]),
    ({"price": -5}, ["price"]),
    ({"price": "abc"}, ["price"]),
    ({"price": "NaN"}, ["price"]),
    ({"price": "10.555"}, ["price"]),
    ({"price": "100000000.01"}, ["price"]),
    ({"price": True}, ["price"]),
    ({"external_id": 5}, ["external_id"]),
    ({"external_id": "x" * 201}, ["external_id"]),
    ({"sales_department": "on"}, ["sales_department"]),
    ({"sales_department": None}, ["sales_department"]),
    ({"sales_department": {"grace_minutes": 5}}, ["sales_department"]),
    ({"sales_department": {"enabled": "yes"}}, ["sales_department"]),
    ({"sales_department": {"enabled": 1}}, ["sales_department"]),
    ({"sales_department": {"grace_period_minutes": "10"}}, ["sales_department"]),
    ({"sales_department": {"grace_period_minutes": 10.5}}, ["sales_department"]),
    ({"sales_department": {"grace_period_minutes": -1}}, ["sales_department"]),
    ({"sales_department": {"grace_period_minutes": 10_081}}, ["sales_department"]),
    ({"sales_department": {"grace_period_minutes": True}}, ["sales_department"]),
    ({"sales_department": {"grace_period_minutes": None}}, ["sales_department"]),
    ({"sales_department": {"channels": []}}, ["sales_department"]),
    ({"sales_department": {"channels": ["phone", "fax"]}}, ["sales_department"]),
    ({"sales_department": {"channels": "phone"}}, ["sales_department"]),
    ({"sales_department": {"channels": [None]}}, ["sales_department"]),
    # A valid part does not get through when another part is bad.
    (
        {"name": "Новое", "sales_department": {"enabled": True, "channels": []}},
        ["sales_department"],
    ),
    ({"price": "5", "status": "approved"}, ["status"]),
    ({"sales_department": {"priority_channel": "fax"}}, ["sales_department"]),
    ({"sales_department": {"priority_channel": ["phone"]}}, ["sales_department"]),
]


@pytest.mark.parametrize(("body", "fields"), BAD_PATCHES)
def test_bad_patches_are_a_400_naming_the_field_and_change_nothing(
    partner_api, body: dict[str, Any], fields: list[str]
) -> None:
    client, partner = partner_api
    product = ProductFactory.create(partner=partner)
    before = _state(product)

    response = client.patch(_url(product), body, format="json")

    error = assert_error(response, 400, "validation_error")
    assert set(error["details"]) == set(fields)
    assert _state(product) == before


def test_nested_errors_name_the_inner_field(partner_api) -> None:
    client, partner = partner_api
    product = ProductFactory.create(partner=partner)

    response = client.patch(
        _url(product),
        {"sales_department": {"grace_period_minutes": 99_999, "channels": ["fax"], "x": 1}},
        format="json",
    )

    details = assert_error(response, 400, "validation_error")["details"]
    assert set(details["sales_department"]) == {"x"}  # unknown keys are reported first


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "Курс"},
        {"price": "10"},
        {"name": "Курс", "price": "10", "currency": "RUB"},
        {"name": "Курс", "price": 0},
        {"name": "Курс", "price": "10", "external_id": 42},
    ],
)
def test_bad_creations_are_a_400_and_store_nothing(partner_api, body: dict[str, Any]) -> None:
    client, _partner = partner_api

    assert_error(client.post("/api/v1/products/", body, format="json"), 400, "validation_error")

    assert not Product.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(partner_api) -> None:
    client, partner = partner_api
    product = ProductFactory.create(partner=partner)

    response = client.patch(_url(product), [1, 2], format="json")

    assert_error(response, 400, "validation_error")


def test_unauthenticated_calls_are_a_401() -> None:
    product = ProductFactory.create()

    assert_error(APIClient().get(_url(product)), 401, "not_authenticated")


# --- questionnaire ---


def test_the_questionnaire_is_replaced_and_read_back(partner_api) -> None:
    client, partner = partner_api
    product = product_in_status(S.DRAFT, partner=partner)
    partial = {k: v for k, v in COMPLETE_ANSWERS.items() if k not in ("faq", "objections")}

    put = client.put(_url(product, "questionnaire/"), partial, format="json")
    got = client.get(_url(product, "questionnaire/"))

    assert put.status_code == 200 and got.status_code == 200
    body = got.json()
    assert body == put.json()
    assert body["faq"] == "" and body["audience"] == COMPLETE_ANSWERS["audience"]
    assert body["submitted_at"] is None
    assert body["missing"] == ["faq", "objections"]


@pytest.mark.parametrize(
    "body", [{"favourite_colour": "red"}, {"faq": 42}, {"faq": ["a"]}, {"faq": "x" * 20_001}]
)
def test_bad_questionnaires_are_a_400_and_change_nothing(partner_api, body) -> None:
    client, partner = partner_api
    product = product_in_status(S.DRAFT, partner=partner)
    client.put(_url(product, "questionnaire/"), COMPLETE_ANSWERS, format="json")
    before = _state(product)

    response = client.put(_url(product, "questionnaire/"), body, format="json")

    assert_error(response, 400, "validation_error")
    assert _state(product) == before


def test_submitting_an_incomplete_questionnaire_names_the_missing_fields(partner_api) -> None:
    client, partner = partner_api
    product = product_in_status(S.DRAFT, partner=partner)
    client.put(_url(product, "questionnaire/"), {**COMPLETE_ANSWERS, "audience": ""}, format="json")
    before = _state(product)

    response = client.post(_url(product, "questionnaire/submit/"))

    body = assert_error(response, 400, "questionnaire_incomplete")
    assert set(body["details"]) == {"audience"}
    assert _state(product) == before


def test_submitting_a_complete_questionnaire(partner_api) -> None:
    client, partner = partner_api
    product = product_in_status(S.DRAFT, partner=partner)
    client.put(_url(product, "questionnaire/"), COMPLETE_ANSWERS, format="json")

    response = client.post(_url(product, "questionnaire/submit/"))

    assert response.status_code == 200, response.content
    assert response.json()["sales_department"]["status"] == "submitted"
    assert client.get(_url(product, "questionnaire/")).json()["submitted_at"] is not None


@pytest.mark.parametrize(
    ("status", "code"),
    [(S.OFF, "sales_department_off"), (S.SUBMITTED, "invalid_transition")],
)
def test_submitting_from_the_wrong_status_is_a_409(partner_api, status, code) -> None:
    client, partner = partner_api
    product = product_in_status(status, partner=partner)
    client.put(_url(product, "questionnaire/"), COMPLETE_ANSWERS, format="json")
    before = _state(product)

    assert_error(client.post(_url(product, "questionnaire/submit/")), 409, code)
    assert _state(product) == before


# --- the head's decisions ---


def test_the_head_approves_a_submitted_product(head_api) -> None:
    client, head = head_api
    product = product_in_status(S.CALL_BOOKED)

    response = client.post(
        _url(product, "sales-department/approve/"),
        {"comment": "Ок", "call_notes": ADHOC_CALL_NOTES},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["sales_department"]["status"] == "approved"
    change = StatusChange.objects.filter(product=product).first()
    assert change is not None and (change.actor, change.comment) == (head, "Ок")


def test_approving_a_draft_is_a_409_and_changes_nothing(head_api) -> None:
    client, _head = head_api
    product = product_in_status(S.DRAFT)
    before = _state(product)

    response = client.post(_url(product, "sales-department/approve/"), {}, format="json")

    body = assert_error(response, 409, "invalid_transition")
    assert body["details"]["from"] == "draft"
    assert _state(product) == before


@pytest.mark.parametrize(
    "reason",
    [
        "missing_info",
        "inconsistent_info",
        "unacceptable_price",
        "security_block",
        "partner_unreachable",
        "other",
    ],
)
def test_the_head_refuses_with_each_reason_and_the_partner_sees_it(
    head_api, partner_client, reason: str
) -> None:
    client, _head = head_api
    product = product_in_status(S.SUBMITTED)
    partner_api, _ = partner_client(partner=product.partner)

    response = client.post(
        _url(product, "sales-department/refuse/"),
        {"reason": reason, "comment": "Подробности"},
        format="json",
    )

    assert response.status_code == 200, response.content
    department = partner_api.get(_url(product)).json()["sales_department"]
    assert department["status"] == "refused"
    assert department["refusal"] == {"reason": reason, "comment": "Подробности"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "other"}, "comment"),
        ({"reason": "other", "comment": "   "}, "comment"),
        ({"reason": "bad_vibes", "comment": "x"}, "reason"),
        ({"comment": "x"}, "reason"),
        ({"reason": "missing_info", "comment": 5}, "comment"),
        ({"reason": "missing_info", "note": "x"}, "note"),
    ],
)
def test_bad_refusals_are_a_400_and_change_nothing(head_api, body, field) -> None:
    client, _head = head_api
    product = product_in_status(S.SUBMITTED)
    before = _state(product)

    response = client.post(_url(product, "sales-department/refuse/"), body, format="json")

    assert field in assert_error(response, 400, "validation_error")["details"]
    assert _state(product) == before


def test_the_head_blocks_and_unblocks_a_product(head_api) -> None:
    client, _head = head_api
    product = product_in_status(S.APPROVED)

    blocked = client.post(_url(product, "sales-department/block/"), {"comment": "жалоба"})
    again = client.post(_url(product, "sales-department/block/"))
    unblocked = client.post(_url(product, "sales-department/unblock/"))
    not_blocked = client.post(_url(product, "sales-department/unblock/"))

    assert blocked.json()["sales_department"]["status"] == "blocked"
    assert_error(again, 409, "already_blocked")
    assert unblocked.json()["sales_department"]["status"] == "approved"
    assert_error(not_blocked, 409, "not_blocked")


def test_the_head_blocks_and_unblocks_a_partner(head_api, partner_client) -> None:
    client, _head = head_api
    product = product_in_status(S.APPROVED)
    queued = QueueItemFactory.create(order__product=product)
    partner_api, partner = partner_client(partner=product.partner)
    url = f"/api/v1/partners/{partner.pk}/"

    blocked = client.post(url + "block/", {"comment": "мошенничество"}, format="json")

    assert blocked.status_code == 200, blocked.content
    assert blocked.json() == {
        "id": str(partner.pk),
        "name": partner.name,
        "status": "blocked",
        "block_reason": "мошенничество",
    }
    assert partner_api.get(_url(product)).json()["sales_department"]["status"] == "blocked"
    queued.refresh_from_db()
    assert queued.state == "withdrawn"
    assert_error(client.post(url + "block/"), 409, "already_blocked")

    assert client.post(url + "unblock/").json()["status"] == "active"
    assert partner_api.get(_url(product)).json()["sales_department"]["status"] == "approved"


def test_head_endpoints_on_missing_objects_are_a_404(head_api) -> None:
    client, _head = head_api
    missing = "00000000-0000-0000-0000-000000000000"

    assert_error(
        client.post(f"/api/v1/products/{missing}/sales-department/approve/"), 404, "not_found"
    )
    assert_error(client.get(f"/api/v1/products/{missing}/"), 404, "not_found")
    assert_error(client.post(f"/api/v1/partners/{missing}/block/"), 404, "not_found")
    assert_error(client.delete(f"/api/v1/alignment-slots/{missing}/"), 404, "not_found")
    assert_error(client.get("/api/v1/products/not-a-uuid/"), 404, "not_found")


def _head_calls(product: Product, slot: AlignmentSlot) -> list[tuple[str, str, dict[str, Any]]]:
    future = (timezone.now() + dt.timedelta(days=5)).isoformat()
    return [
        ("post", _url(product, "sales-department/approve/"), {}),
        ("post", _url(product, "sales-department/refuse/"), {"reason": "missing_info"}),
        ("post", _url(product, "sales-department/block/"), {}),
        ("post", _url(product, "sales-department/unblock/"), {}),
        ("post", f"/api/v1/partners/{product.partner_id}/block/", {}),
        ("post", f"/api/v1/partners/{product.partner_id}/unblock/", {}),
        ("post", "/api/v1/alignment-slots/", {"starts_at": future}),
        ("delete", f"/api/v1/alignment-slots/{slot.pk}/", {}),
    ]


@pytest.mark.parametrize("who", ["own partner", "manager", "caller", "qa"])
def test_partners_and_other_staff_get_403_on_head_endpoints(
    partner_client, staff_client, who: str
) -> None:
    # given
    product = product_in_status(S.SUBMITTED)
    slot = slot_create()
    if who == "own partner":
        client, _ = partner_client(partner=product.partner)
    else:
        client, _ = staff_client(role=who)
    before = (_state(product), AlignmentSlot.objects.filter(cancelled_at__isnull=True).count())

    for method, url, body in _head_calls(product, slot):
        # when
        response = getattr(client, method)(url, body, format="json")

        # then
        assert_error(response, 403, "permission_denied")
    assert (
        _state(product),
        AlignmentSlot.objects.filter(cancelled_at__isnull=True).count(),
    ) == before


def test_the_head_reads_any_product_and_its_history(head_api) -> None:
    client, _head = head_api
    product = product_in_status(S.SUBMITTED)

    assert client.get(_url(product)).json()["sales_department"]["status"] == "submitted"
    assert client.get(_url(product, "questionnaire/")).json()["missing"] == []
    assert [row["to"] for row in client.get(_url(product, "history/")).json()["results"]] == [
        "submitted",
        "draft",
    ]


def test_the_head_cannot_change_a_partners_product(head_api) -> None:
    client, _head = head_api
    product = product_in_status(S.SUBMITTED)
    before = _state(product)

    assert_error(
        client.patch(_url(product), {"name": "x"}, format="json"), 403, "permission_denied"
    )
    assert_error(
        client.put(_url(product, "questionnaire/"), {}, format="json"), 403, "permission_denied"
    )
    assert_error(client.post(_url(product, "questionnaire/submit/")), 403, "permission_denied")
    assert _state(product) == before


@pytest.mark.parametrize("role", ["manager", "qa"])
def test_other_staff_cannot_read_products(staff_client, role: str) -> None:
    client, _ = staff_client(role=role)
    product = ProductFactory.create()

    for suffix in ("", "questionnaire/", "history/"):
        assert_error(client.get(_url(product, suffix)), 403, "permission_denied")
    assert_error(client.get("/api/v1/products/"), 403, "permission_denied")
    assert_error(client.get("/api/v1/alignment-slots/"), 403, "permission_denied")


# --- history ---


def test_the_history_lists_status_changes_newest_first(partner_api, head_api) -> None:
    client, partner = partner_api
    head_client, head = head_api
    product = product_in_status(S.SUBMITTED, partner=partner)
    head_client.post(
        _url(product, "sales-department/refuse/"),
        {"reason": "other", "comment": "Нет сайта"},
        format="json",
    )

    rows = client.get(_url(product, "history/")).json()["results"]

    assert rows[0] == {
        "from": "submitted",
        "to": "refused",
        "reason": "other",
        "comment": "Нет сайта",
        "actor": head.email,
        "created_at": rows[0]["created_at"],
    }
    assert [(r["from"], r["to"]) for r in rows] == [
        ("submitted", "refused"),
        ("draft", "submitted"),
        ("off", "draft"),
    ]


# --- alignment calls ---


def test_the_head_publishes_a_slot(head_api) -> None:
    client, head = head_api
    starts = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)

    response = client.post(
        "/api/v1/alignment-slots/",
        {"starts_at": starts.isoformat(), "duration_minutes": 45},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert dt.datetime.fromisoformat(body["starts_at"]) == starts
    assert (body["duration_minutes"], body["booking"]) == (45, None)
    assert AlignmentSlot.objects.get().head == head
    again = client.post("/api/v1/alignment-slots/", {"starts_at": starts.isoformat()})
    assert_error(again, 409, "slot_exists")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"starts_at": "tomorrow"},
        {"starts_at": "2000-01-01T10:00:00+03:00"},
        {"starts_at": "2999-01-01T10:00:00+03:00", "duration_minutes": 4},
        {"starts_at": "2999-01-01T10:00:00+03:00", "duration_minutes": "30"},
        {"starts_at": "2999-01-01T10:00:00+03:00", "room": "A"},
    ],
)
def test_bad_slots_are_a_400(head_api, body) -> None:
    client, _head = head_api

    assert_error(
        client.post("/api/v1/alignment-slots/", body, format="json"), 400, "validation_error"
    )
    assert not AlignmentSlot.objects.exists()


def test_partners_see_open_slots_and_the_head_sees_bookings(head_api, partner_client) -> None:
    # given
    head_client, head = head_api
    open_slot = slot_create(head=head, in_days=1)
    booked_slot = slot_create(head=head, in_days=2)
    withdrawn = slot_create(head=head, in_days=3)
    head_client.delete(f"/api/v1/alignment-slots/{withdrawn.pk}/")
    product = product_in_status(S.SUBMITTED)
    client, partner = partner_client(partner=product.partner)
    client.post(
        "/api/v1/call-bookings/",
        {"slot": str(booked_slot.pk), "products": [str(product.pk)]},
        format="json",
    )

    # when
    partner_view = client.get("/api/v1/alignment-slots/").json()["results"]
    head_view = head_client.get("/api/v1/alignment-slots/").json()["results"]

    # then
    assert [s["id"] for s in partner_view] == [str(open_slot.pk)]
    assert partner_view[0]["booking"] is None
    assert [s["id"] for s in head_view] == [str(open_slot.pk), str(booked_slot.pk)]
    booking = head_view[1]["booking"]
    assert booking["partner"] == {"id": str(partner.pk), "name": partner.name}
    assert booking["products"] == [{"id": str(product.pk), "name": product.name}]


def test_booking_a_call_and_cancelling_it(partner_api) -> None:
    # given
    client, partner = partner_api
    first = product_in_status(S.SUBMITTED, partner=partner)
    second = product_in_status(S.SUBMITTED, partner=partner)
    slot = slot_create()

    # when
    response = client.post(
        "/api/v1/call-bookings/",
        {"slot": str(slot.pk), "products": [str(first.pk), str(second.pk)]},
        format="json",
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slot"]["id"] == str(slot.pk)
    assert sorted(body["products"]) == sorted([str(first.pk), str(second.pk)])
    assert body["cancelled_at"] is None
    assert client.get(_url(first)).json()["sales_department"]["status"] == "call_booked"
    listed = client.get("/api/v1/call-bookings/").json()["results"]
    assert [b["id"] for b in listed] == [body["id"]]

    cancelled = client.post(f"/api/v1/call-bookings/{body['id']}/cancel/")

    assert cancelled.status_code == 200
    assert cancelled.json()["cancelled_at"] is not None
    assert client.get(_url(second)).json()["sales_department"]["status"] == "submitted"
    rebooked = client.post(
        "/api/v1/call-bookings/",
        {"slot": str(slot.pk), "products": [str(first.pk)]},
        format="json",
    )
    assert rebooked.status_code == 201


def test_double_booking_is_a_409_slot_taken(partner_client) -> None:
    slot = slot_create()
    mine, theirs = product_in_status(S.SUBMITTED), product_in_status(S.SUBMITTED)
    first, _ = partner_client(partner=mine.partner)
    second, _ = partner_client(partner=theirs.partner)
    first.post(
        "/api/v1/call-bookings/", {"slot": str(slot.pk), "products": [str(mine.pk)]}, format="json"
    )

    response = second.post(
        "/api/v1/call-bookings/",
        {"slot": str(slot.pk), "products": [str(theirs.pk)]},
        format="json",
    )

    assert_error(response, 409, "slot_taken")
    theirs.refresh_from_db()
    assert theirs.sales_status == S.SUBMITTED


def test_booking_a_product_not_submitted_is_a_409_and_stores_nothing(partner_api) -> None:
    client, partner = partner_api
    ready = product_in_status(S.SUBMITTED, partner=partner)
    draft = product_in_status(S.DRAFT, partner=partner)
    slot = slot_create()
    before = _state(ready)

    response = client.post(
        "/api/v1/call-bookings/",
        {"slot": str(slot.pk), "products": [str(ready.pk), str(draft.pk)]},
        format="json",
    )

    assert_error(response, 409, "invalid_transition")
    assert _state(ready) == before
    assert not CallBooking.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"slot": "x", "products": []},
        {"products": ["00000000-0000-0000-0000-000000000000"]},
        {"slot": "00000000-0000-0000-0000-000000000000", "products": []},
        {"slot": "00000000-0000-0000-0000-000000000000", "products": "abc"},
        {"slot": "00000000-0000-0000-0000-000000000000", "products": ["abc"]},
    ],
)
def test_bad_bookings_are_a_400(partner_api, body) -> None:
    client, _partner = partner_api

    assert_error(
        client.post("/api/v1/call-bookings/", body, format="json"), 400, "validation_error"
    )


def test_booking_a_missing_slot_is_a_404(partner_api) -> None:
    client, partner = partner_api
    product = product_in_status(S.SUBMITTED, partner=partner)

    response = client.post(
        "/api/v1/call-bookings/",
        {"slot": "00000000-0000-0000-0000-000000000000", "products": [str(product.pk)]},
        format="json",
    )

    assert_error(response, 404, "not_found")


def test_withdrawing_a_booked_slot_releases_the_products(head_api, partner_client) -> None:
    head_client, head = head_api
    slot = slot_create(head=head)
    product = product_in_status(S.SUBMITTED)
    client, _ = partner_client(partner=product.partner)
    client.post(
        "/api/v1/call-bookings/",
        {"slot": str(slot.pk), "products": [str(product.pk)]},
        format="json",
    )

    response = head_client.delete(f"/api/v1/alignment-slots/{slot.pk}/")

    assert response.status_code == 204
    assert client.get(_url(product)).json()["sales_department"]["status"] == "submitted"
    assert client.get("/api/v1/call-bookings/").json()["results"][0]["cancelled_at"] is not None
    assert head_client.delete(f"/api/v1/alignment-slots/{slot.pk}/").status_code == 204


# --- tenancy: a second partner reaches nothing of the first's ---


def test_a_second_partner_gets_404_on_every_product_url(partner_client) -> None:
    # given
    product = product_in_status(S.SUBMITTED)
    owner, _ = partner_client(partner=product.partner)
    booking = owner.post(
        "/api/v1/call-bookings/",
        {"slot": str(slot_create().pk), "products": [str(product.pk)]},
        format="json",
    ).json()
    intruder, intruder_partner = partner_client()
    their_product = product_in_status(S.SUBMITTED, partner=intruder_partner)
    before = _state(product)
    calls: list[tuple[str, str, Any]] = [
        ("get", _url(product), None),
        ("patch", _url(product), {"name": "взлом"}),
        ("patch", _url(product), {"sales_department": {"enabled": False}}),
        ("get", _url(product, "questionnaire/"), None),
        ("put", _url(product, "questionnaire/"), COMPLETE_ANSWERS),
        ("post", _url(product, "questionnaire/submit/"), None),
        ("get", _url(product, "history/"), None),
        ("post", f"/api/v1/call-bookings/{booking['id']}/cancel/", None),
        (
            "post",
            "/api/v1/call-bookings/",
            {"slot": str(slot_create(in_days=4).pk), "products": [str(product.pk)]},
        ),
        (
            "post",
            "/api/v1/call-bookings/",
            {
                "slot": str(slot_create(in_days=5).pk),
                "products": [str(their_product.pk), str(product.pk)],
            },
        ),
    ]

    for method, url, body in calls:
        # when
        response = getattr(intruder, method)(url, body, format="json")

        # then
        assert_error(response, 404, "not_found")
    assert _state(product) == before
    listed = intruder.get("/api/v1/products/").json()["results"]
    assert [p["id"] for p in listed] == [str(their_product.pk)]
    assert intruder.get("/api/v1/call-bookings/").json()["results"] == []
    their_product.refresh_from_db()
    assert their_product.sales_status == S.SUBMITTED


# --- the OpenAPI schema ---

PATHS = {
    "/api/v1/products/": {"get", "post"},
    "/api/v1/products/{id}/": {"get", "patch"},
    "/api/v1/products/{id}/questionnaire/": {"get", "put"},
    "/api/v1/products/{id}/questionnaire/submit/": {"post"},
    "/api/v1/products/{id}/history/": {"get"},
    "/api/v1/products/{id}/sales-department/approve/": {"post"},
    "/api/v1/products/{id}/sales-department/refuse/": {"post"},
    "/api/v1/products/{id}/sales-department/block/": {"post"},
    "/api/v1/products/{id}/sales-department/unblock/": {"post"},
    "/api/v1/partners/{id}/block/": {"post"},
    "/api/v1/partners/{id}/unblock/": {"post"},
    "/api/v1/alignment-slots/": {"get", "post"},
    "/api/v1/alignment-slots/{id}/": {"delete"},
    "/api/v1/call-bookings/": {"get", "post"},
    "/api/v1/call-bookings/{id}/cancel/": {"post"},
    "/api/v1/call-bookings/{id}/held/": {"post"},
}


def test_the_schema_describes_every_endpoint_and_is_valid(client) -> None:
    from drf_spectacular.validation import validate_schema

    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    schema = response.json()
    validate_schema(schema)
    for path, methods in PATHS.items():
        assert path in schema["paths"], path
        assert set(schema["paths"][path]) >= methods, path
    patch = schema["paths"]["/api/v1/products/{id}/"]["patch"]
    assert {"200", "400", "404"} <= set(patch["responses"])
    product = schema["components"]["schemas"]["ProductOutput"]
    assert set(product["properties"]) == {
        "id",
        "name",
        "price",
        "external_id",
        "created_at",
        "sales_department",
    }
    listing = schema["paths"]["/api/v1/products/"]["get"]["responses"]["200"]
    assert "Paginated" in listing["content"]["application/json"]["schema"]["$ref"]


def test_money_is_a_decimal_string(partner_api) -> None:
    client, partner = partner_api
    ProductFactory.create(partner=partner, price=Decimal("1000"))

    assert client.get("/api/v1/products/").json()["results"][0]["price"] == "1000.00"
