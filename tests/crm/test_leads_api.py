"""POST/GET /api/v1/leads/ and /leads/{id}/ (partner key): idempotent intake, tenancy, the
derived sales status and deal; and the lead's item over the queue API and its deal over the
deals API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jsonschema
import pytest
from django.utils import timezone

from crm.leads import lead_list_archive
from crm.models import Deal, Lead
from sales_queue.models import QueueItem
from tests.accounts.factories import UserFactory
from tests.clients import partner_api, staff_api
from tests.concurrency import failures, run_concurrently
from tests.crm.lead_factories import lead, lead_list
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/"


@pytest.fixture(autouse=True)
def clock(monkeypatch: Any) -> dt.datetime:
    """Noon in Moscow, inside working hours, whenever the suite runs."""
    monkeypatch.setattr(timezone, "now", lambda: NOON.astimezone(dt.UTC))
    return NOON


def _body(made: Any, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lead_list": str(made.pk),
        "customer": {"name": "Ольга Петрова", "phone": "8 (912) 345-67-89"},
        "external_id": "crm-1",
        "source": "vk_ads",
        "comment": "Перезвоните вечером",
    }
    body.update(changes)
    return body


def test_a_pushed_lead_is_201_queued_and_shown_with_its_normalised_buyer() -> None:
    # given
    made = lead_list(name="Вебинар")
    client = partner_api(made.partner)

    # when
    response = client.post(URL, _body(made), format="json")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    got = Lead.objects.get()
    assert body["id"] == str(got.pk)
    assert body["lead_list"] == str(made.pk) and body["product"] == str(made.product_id)
    assert body["customer"] == {
        "name": "Ольга Петрова",
        "email": "",
        "phone": "+79123456789",
        "telegram": "",
        "whatsapp": "",
    }
    assert (body["external_id"], body["source"], body["comment"]) == (
        "crm-1",
        "vk_ads",
        "Перезвоните вечером",
    )
    assert (body["origin"], body["cold"], body["sales_status"], body["deal"]) == (
        "api",
        False,
        "queued",
        None,
    )
    assert QueueItem.objects.filter(lead=got, state="queued").count() == 1


def test_the_same_external_id_and_body_is_200_and_the_same_lead() -> None:
    # given
    made = lead_list()
    client = partner_api(made.partner)
    first = client.post(URL, _body(made), format="json")

    # when: the same lead, the phone written another way
    again = client.post(
        URL,
        _body(made, customer={"name": "Ольга Петрова", "phone": "+7 912 345-67-89"}),
        format="json",
    )

    # then
    assert first.status_code == 201 and again.status_code == 200, again.json()
    assert again.json()["id"] == first.json()["id"]
    assert Lead.objects.count() == 1 and QueueItem.objects.count() == 1


def test_the_same_external_id_with_another_body_is_409_naming_the_fields() -> None:
    made = lead_list()
    client = partner_api(made.partner)
    client.post(URL, _body(made), format="json")

    response = client.post(
        URL,
        _body(made, customer={"name": "Ольга Петрова", "phone": "+79000000000"}, comment="x"),
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "lead_conflict"
    assert response.json()["details"]["fields"] == ["comment", "customer.phone"]
    assert Lead.objects.count() == 1


def test_a_lead_without_any_contact_is_400_on_the_customers_field() -> None:
    made = lead_list()
    client = partner_api(made.partner)

    response = client.post(URL, _body(made, customer={"name": "Ольга"}), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "customer.phone" in response.json()["details"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer": {"name": "Ольга", "phone": "12"}}, "customer.phone"),
        ({"customer": {"name": "Ольга", "email": "not-an-email"}}, "customer.email"),
        ({"customer": {"name": "Ольга", "phone": 79123456789}}, "customer"),
        ({"customer": {"name": "Ольга", "phone": "+79123456789", "age": 3}}, "customer"),
        ({"source": "x" * 101}, "source"),
        ({"comment": "x" * 2001}, "comment"),
        ({"external_id": "x" * 201}, "external_id"),
        ({"lead_list": "not-a-uuid"}, "lead_list"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_input_is_400_naming_the_field(changes: dict[str, Any], field: str) -> None:
    made = lead_list()
    client = partner_api(made.partner)

    response = client.post(URL, _body(made, **changes), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["details"]
    assert not Lead.objects.exists()


def test_an_archived_list_is_409() -> None:
    made = lead_list()
    lead_list_archive(lead_list=made)
    client = partner_api(made.partner)

    response = client.post(URL, _body(made), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "lead_list_archived"


def test_another_partners_list_lead_and_leads_are_404_or_invisible() -> None:
    # given: partner A's list and lead; partner B's key
    made = lead_list()
    got = lead(of=made, external_id="a-1")
    other = partner_api(ProductFactory.create().partner)

    # when / then
    created = other.post(URL, _body(made, external_id="b-1"), format="json")
    assert created.status_code == 404 and created.json()["code"] == "not_found"
    assert other.get(f"{URL}{got.pk}/").status_code == 404
    listed = other.get(URL, {"lead_list": str(made.pk)})
    assert listed.status_code == 200 and listed.json()["results"] == []
    assert other.get(URL, {"external_id": "a-1"}).json()["results"] == []
    assert Lead.objects.count() == 1


def test_a_staff_token_is_refused_on_the_partner_endpoints() -> None:
    made = lead_list()
    got = lead(of=made)
    client = staff_api(UserFactory.create(role="head"))

    assert client.post(URL, _body(made), format="json").status_code == 403
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{got.pk}/").status_code == 403


def test_the_list_filters_by_list_and_external_id_and_pages() -> None:
    # given
    made = lead_list(name="Первый")
    second = lead_list(product=made.product, name="Второй")
    lead(of=made, external_id="a", now=NOON - dt.timedelta(minutes=3))
    lead(of=made, external_id="b", phone="+79000000001", now=NOON - dt.timedelta(minutes=2))
    lead(of=second, external_id="c", phone="+79000000002", now=NOON - dt.timedelta(minutes=1))
    client = partner_api(made.partner)

    # when
    everything = client.get(URL).json()
    of_first = client.get(URL, {"lead_list": str(made.pk)}).json()
    by_id = client.get(URL, {"external_id": "c"}).json()
    page = client.get(URL, {"page_size": 2}).json()

    # then
    assert [row["external_id"] for row in everything["results"]] == ["c", "b", "a"]
    assert [row["external_id"] for row in of_first["results"]] == ["b", "a"]
    assert [row["external_id"] for row in by_id["results"]] == ["c"]
    assert len(page["results"]) == 2 and page["next"]
    assert client.get(URL, {"lead_list": "nope"}).status_code == 400


def test_sales_status_and_deal_follow_the_leads_item() -> None:
    # given: a lead taken by a manager; one of a product the sales department does not work
    made = lead_list()
    taken = lead(of=made, external_id="taken", now=NOON - dt.timedelta(minutes=5))
    off = lead_list(product=ProductFactory.create(partner=made.partner), name="Выключен")
    kept = lead(of=off, phone="+79000000003")
    seller = manager()
    client = partner_api(made.partner)
    staff_api(seller).post("/api/v1/queue/take/")
    deal = Deal.objects.get(queue_item__lead=taken)

    # when
    shown = client.get(f"{URL}{taken.pk}/").json()
    not_queued = client.get(f"{URL}{kept.pk}/").json()

    # then
    assert (shown["sales_status"], shown["deal"]) == ("active", str(deal.pk))
    assert (not_queued["sales_status"], not_queued["deal"]) == ("none", None)

    # when the manager refuses it
    item = QueueItem.objects.get(lead=taken)
    staff_api(seller).post(
        f"/api/v1/queue/items/{item.pk}/touches/",
        {"channel": "phone", "outcome": "refused", "reason": "no_time"},
        format="json",
    )

    # then
    assert client.get(f"{URL}{taken.pk}/").json()["sales_status"] == "closed"


def test_taking_a_lead_answers_with_the_lead_not_an_order() -> None:
    # given
    made = lead_list(name="Вебинар по Python")
    got = lead(
        of=made,
        name="Ольга",
        email="olga@example.com",
        source="VK",
        comment="Хочу в рассрочку",
        now=NOON - dt.timedelta(minutes=1),
    )
    seller = manager()
    client = staff_api(seller)

    # when
    taken = client.post("/api/v1/queue/take/")
    current = client.get("/api/v1/queue/current/")

    # then
    assert taken.status_code == 200, taken.content
    body = taken.json()
    assert "order" not in body
    assert body["item"]["source"] == "lead" and body["item"]["state"] == "active"
    assert body["lead"] == {
        "id": str(got.pk),
        "lead_list": {"id": str(made.pk), "name": "Вебинар по Python"},
        "customer": {
            "name": "Ольга",
            "email": "olga@example.com",
            "phone": "+79123456789",
            "telegram": "",
            "whatsapp": "",
        },
        "source": "VK",
        "comment": "Хочу в рассрочку",
        "created_at": body["lead"]["created_at"],
        "cold": False,
    }
    assert dt.datetime.fromisoformat(body["lead"]["created_at"]) == NOON - dt.timedelta(minutes=1)
    assert body["deal"]["title"] == "Вебинар по Python"
    assert body["deal"]["responsible"] == seller.email
    assert current.status_code == 200 and current.json() == body


def test_a_lead_deal_over_the_deals_api_has_the_lists_name_source_time_and_buyer() -> None:
    # given
    made = lead_list(name="Интенсив")
    got = lead(of=made, name="Пётр", source="telegram_ads", now=NOON - dt.timedelta(hours=2))
    staff_api(manager()).post("/api/v1/queue/take/")
    deal = Deal.objects.get(queue_item__lead=got)

    # when
    body = partner_api(made.partner).get(f"/api/v1/deals/{deal.pk}/").json()

    # then
    assert body["title"] == "Интенсив"
    assert body["source"] == "telegram_ads"
    assert dt.datetime.fromisoformat(body["lead_created_at"]) == NOON - dt.timedelta(hours=2)
    assert body["contact"]["name"] == "Пётр"
    assert body["contact"]["phone"] == "+79123456789"
    assert body["orders"] == []
    assert body["deal_after_seconds"] == 2 * 3600


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_posts_over_the_api_make_one_lead_and_one_item() -> None:
    # given
    made = lead_list()
    body = _body(made, external_id="dup-1")
    clients = [partner_api(made.partner) for _ in range(6)]

    def post(client: Any) -> Any:
        return lambda: int(client.post(URL, body, format="json").status_code)

    # when: six posts of one lead at once
    results = run_concurrently(*[post(client) for client in clients])

    # then
    assert not failures(results)
    assert sorted(results) == [200] * 5 + [201]
    assert Lead.objects.filter(external_id="dup-1").count() == 1
    assert QueueItem.objects.filter(source="lead").count() == 1


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable`` as JSON Schema says it (``anyOf`` with null)."""
    if isinstance(node, list):
        return [_nullable(child) for child in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def _matches(schema: dict[str, Any], component: str, body: Any) -> bool:
    document = {"$ref": f"#/components/schemas/{component}", "components": schema["components"]}
    return jsonschema.Draft7Validator(_nullable(document)).is_valid(body)


def test_the_schema_of_take_tells_a_leads_item_from_an_orders_item() -> None:
    # given: a lead's item and an order's item, both held
    lead(now=NOON - dt.timedelta(minutes=1))
    queued_item()
    schema = partner_api(ProductFactory.create().partner).get("/api/schema/?format=json").json()
    bodies = [staff_api(manager()).post("/api/v1/queue/take/").json() for _ in range(2)]
    by_kind = {("lead" if "lead" in body else "order"): body for body in bodies}

    # then: each body is exactly one of the two shapes the schema offers
    response = schema["paths"]["/api/v1/queue/take/"]["post"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/AnyWorkItem")
    assert _matches(schema, "AnyWorkItem", by_kind["lead"])
    assert _matches(schema, "LeadWorkItem", by_kind["lead"])
    assert not _matches(schema, "WorkItem", by_kind["lead"])
    assert _matches(schema, "WorkItem", by_kind["order"])
    assert not _matches(schema, "LeadWorkItem", by_kind["order"])
