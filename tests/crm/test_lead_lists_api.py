"""The lead lists API (partner key): create, list, read, change, a new form token, archive;
another partner's list or product is a 404, a staff token is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crm.models import LeadList
from tests.crm.lead_factories import lead_list
from tests.partners.factories import ProductFactory

pytestmark = pytest.mark.django_db

Make = Callable[..., tuple[Any, Any]]


def test_a_partner_creates_a_lead_list_and_gets_its_form(
    partner_client: Make, settings: Any
) -> None:
    # given
    settings.SITE_URL = "https://salesdesk.example"
    client, partner = partner_client()
    product = ProductFactory.create(partner=partner)

    # when
    response = client.post(
        "/api/v1/lead-lists/",
        {
            "name": "Вебинар 12 марта",
            "product": str(product.pk),
            "allowed_origins": ["https://School.example/"],
            "thank_you_url": "https://school.example/thanks",
            "default_source": "webinar",
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    made = LeadList.objects.get()
    assert body["id"] == str(made.pk) and body["product"] == str(product.pk)
    assert body["form_token"] == made.form_token
    assert body["form_url"] == f"https://salesdesk.example/forms/{made.form_token}/"
    assert f'action="{body["form_url"]}"' in body["form_html"]
    assert body["allowed_origins"] == ["https://school.example"]
    assert (body["thank_you_url"], body["default_source"], body["consent_text"]) == (
        "https://school.example/thanks",
        "webinar",
        "",
    )
    assert body["archived"] is False and body["created_at"]


def test_the_partner_lists_reads_and_changes_its_lists(partner_client: Make) -> None:
    # given
    client, partner = partner_client()
    made = lead_list(product=ProductFactory.create(partner=partner, on_sale=True))

    # when
    listed = client.get("/api/v1/lead-lists/")
    read = client.get(f"/api/v1/lead-lists/{made.pk}/")
    changed = client.patch(
        f"/api/v1/lead-lists/{made.pk}/",
        {"name": "Новое имя", "consent_text": "Согласен на звонок"},
        format="json",
    )

    # then
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [str(made.pk)]
    assert "next" in listed.json()
    assert read.json()["name"] == made.name
    assert changed.status_code == 200
    assert changed.json()["name"] == "Новое имя"
    assert "Согласен на звонок" in changed.json()["form_html"]


def test_a_new_token_retires_the_old_form_address(partner_client: Make) -> None:
    # given
    client, partner = partner_client()
    made = lead_list(product=ProductFactory.create(partner=partner, on_sale=True))
    old = made.form_token

    # when
    response = client.post(f"/api/v1/lead-lists/{made.pk}/rotate-token/")

    # then
    assert response.status_code == 200
    assert response.json()["form_token"] not in ("", old)
    assert client.post(f"/forms/{old}/", {}, format="json").status_code == 404


def test_archiving_and_bringing_back(partner_client: Make) -> None:
    client, partner = partner_client()
    made = lead_list(product=ProductFactory.create(partner=partner, on_sale=True))

    archived = client.post(f"/api/v1/lead-lists/{made.pk}/archive/", {}, format="json")
    back = client.post(f"/api/v1/lead-lists/{made.pk}/archive/", {"archived": False}, format="json")

    assert archived.json()["archived"] is True
    assert back.json()["archived"] is False


def test_another_partners_product_is_a_404(partner_client: Make) -> None:
    client, _partner = partner_client()
    foreign = ProductFactory.create()
    response = client.post(
        "/api/v1/lead-lists/", {"name": "Чужой", "product": str(foreign.pk)}, format="json"
    )
    assert response.status_code == 404
    assert not LeadList.objects.exists()


def test_another_partners_list_is_a_404_and_unchanged(partner_client: Make) -> None:
    # given
    foreign = lead_list()
    client, _partner = partner_client()

    # when
    answers = [
        client.get(f"/api/v1/lead-lists/{foreign.pk}/"),
        client.patch(f"/api/v1/lead-lists/{foreign.pk}/", {"name": "Взлом"}, format="json"),
        client.post(f"/api/v1/lead-lists/{foreign.pk}/rotate-token/"),
        client.post(f"/api/v1/lead-lists/{foreign.pk}/archive/", {}, format="json"),
    ]

    # then
    assert [a.status_code for a in answers] == [404, 404, 404, 404]
    assert all(a.json()["code"] == "not_found" for a in answers)
    again = LeadList.objects.get(pk=foreign.pk)
    assert (again.name, again.form_token, again.archived_at) == (
        foreign.name,
        foreign.form_token,
        None,
    )
    assert client.get("/api/v1/lead-lists/").json()["results"] == []


def test_a_staff_token_is_refused(staff_client: Make) -> None:
    client, _user = staff_client(role="head")
    assert client.get("/api/v1/lead-lists/").status_code == 403
    assert client.post("/api/v1/lead-lists/", {}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "Ок", "allowed_origins": ["https://school.example/path"]}, "allowed_origins"),
        ({"name": "Ок", "allowed_origins": "https://school.example"}, "allowed_origins"),
        ({"name": "Ок", "thank_you_url": "javascript:alert(1)"}, "thank_you_url"),
        ({"name": "Ок", "default_source": "a\u202eb"}, "default_source"),
        ({"name": "Ок", "colour": "red"}, "colour"),
        ({"name": 5}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    partner_client: Make, body: dict[str, Any], field: str
) -> None:
    client, partner = partner_client()
    product = ProductFactory.create(partner=partner)
    response = client.post(
        "/api/v1/lead-lists/", {"product": str(product.pk), **body}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["details"]


def test_a_name_taken_by_another_list_of_the_partner_is_a_400(partner_client: Make) -> None:
    client, partner = partner_client()
    product = ProductFactory.create(partner=partner)
    lead_list(product=product, name="Вебинар")
    response = client.post(
        "/api/v1/lead-lists/", {"name": "Вебинар", "product": str(product.pk)}, format="json"
    )
    assert response.status_code == 400 and "name" in response.json()["details"]


def test_the_product_cannot_be_changed(partner_client: Make) -> None:
    client, partner = partner_client()
    made = lead_list(product=ProductFactory.create(partner=partner))
    other = ProductFactory.create(partner=partner)
    response = client.patch(
        f"/api/v1/lead-lists/{made.pk}/", {"product": str(other.pk)}, format="json"
    )
    assert response.status_code == 400 and "product" in response.json()["details"]
