"""A partner's deal settings (stale-deal reminders): defaults on first read, any subset changed,
bad input refused with nothing changed, each partner only ever reaching its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from crm.models import DealSettings
from crm.selectors import deal_settings_get
from crm.services import deal_settings_update
from salesdesk.errors import ApplicationError
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/deal-settings/"
PAGE = "/cabinet/deal-settings/"
DEFAULTS = {"stale_reminder_enabled": False, "stale_after_minutes": 1440, "reminder_emails": []}

PartnerClient = Callable[..., tuple[APIClient, Any]]


def stored(partner: Any) -> dict[str, Any]:
    """What the database holds (the defaults while no row was saved)."""
    row = deal_settings_get(partner=partner)
    return {
        "stale_reminder_enabled": row.stale_reminder_enabled,
        "stale_after_minutes": row.stale_after_minutes,
        "reminder_emails": row.reminder_emails,
    }


# --- API ------------------------------------------------------------------------------------


def test_the_first_get_answers_and_stores_the_defaults(partner_client: PartnerClient) -> None:
    # given a partner that never opened its settings
    client, partner = partner_client()
    assert not DealSettings.objects.filter(partner=partner).exists()

    # when
    response = client.get(URL)

    # then
    assert response.status_code == 200
    assert response.json() == DEFAULTS
    row = DealSettings.objects.get(partner=partner)
    assert (row.stale_reminder_enabled, row.stale_after_minutes, row.reminder_emails) == (
        False,
        1440,
        [],
    )


def test_a_patch_changes_only_the_keys_it_sends(partner_client: PartnerClient) -> None:
    client, partner = partner_client()

    # given addresses, written in mixed case with a duplicate
    response = client.patch(
        URL,
        {"reminder_emails": ["Head@Shop.RU", " sales@shop.ru", "head@shop.ru"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {**DEFAULTS, "reminder_emails": ["head@shop.ru", "sales@shop.ru"]}

    # when only the switch and then only the interval change
    client.patch(URL, {"stale_reminder_enabled": True}, format="json")
    response = client.patch(URL, {"stale_after_minutes": 90}, format="json")

    # then each kept what the others set
    expected = {
        "stale_reminder_enabled": True,
        "stale_after_minutes": 90,
        "reminder_emails": ["head@shop.ru", "sales@shop.ru"],
    }
    assert response.json() == expected
    assert stored(partner) == expected
    assert client.get(URL).json() == expected


def test_an_empty_patch_changes_nothing(partner_client: PartnerClient) -> None:
    client, partner = partner_client()

    response = client.patch(URL, {}, format="json")

    assert response.status_code == 200
    assert response.json() == DEFAULTS
    assert stored(partner) == DEFAULTS


ELEVEN = [f"m{n}@shop.ru" for n in range(11)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reminder_emails": ["ok@shop.ru", "not-an-email"]}, "reminder_emails"),
        ({"reminder_emails": "ok@shop.ru"}, "reminder_emails"),
        ({"reminder_emails": [42]}, "reminder_emails"),
        ({"reminder_emails": ELEVEN}, "reminder_emails"),
        ({"stale_after_minutes": 10}, "stale_after_minutes"),
        ({"stale_after_minutes": 0}, "stale_after_minutes"),
        ({"stale_after_minutes": 43201}, "stale_after_minutes"),
        ({"stale_after_minutes": "60"}, "stale_after_minutes"),
        ({"stale_after_minutes": "a day"}, "stale_after_minutes"),
        ({"stale_reminder_enabled": "yes"}, "stale_reminder_enabled"),
        ({"stale_after_minutes": 60, "remind_every": 5}, "remind_every"),
        # one good value and one bad: the good one is not saved either
        ({"stale_after_minutes": 60, "reminder_emails": ["@shop.ru"]}, "reminder_emails"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_changes(
    partner_client: PartnerClient, body: dict[str, Any], field: str
) -> None:
    # given settings already saved
    client, partner = partner_client()
    client.patch(URL, {"reminder_emails": ["head@shop.ru"]}, format="json")
    before = stored(partner)

    # when
    response = client.patch(URL, body, format="json")

    # then
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["details"]
    assert stored(partner) == before


def test_a_bad_email_is_named_by_its_index(partner_client: PartnerClient) -> None:
    client, _partner = partner_client()

    response = client.patch(
        URL, {"reminder_emails": ["ok@shop.ru", "nope", "also@ok.ru"]}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["details"]["reminder_emails"]) == ["1"]


def test_reminders_cannot_be_turned_on_without_an_address(partner_client: PartnerClient) -> None:
    # given the defaults: no addresses
    client, partner = partner_client()

    # when
    response = client.patch(
        URL, {"stale_reminder_enabled": True, "stale_after_minutes": 60}, format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["details"]["reminder_emails"] == [
        "Добавьте хотя бы один адрес, чтобы включить напоминания о зависших сделках."
    ]
    assert stored(partner) == DEFAULTS


def test_the_last_address_cannot_be_removed_while_reminders_are_on(
    partner_client: PartnerClient,
) -> None:
    client, partner = partner_client()
    client.patch(
        URL, {"stale_reminder_enabled": True, "reminder_emails": ["a@shop.ru"]}, format="json"
    )

    response = client.patch(URL, {"reminder_emails": []}, format="json")

    assert response.status_code == 400
    assert stored(partner)["reminder_emails"] == ["a@shop.ru"]
    # turning them off and clearing the list together is fine
    response = client.patch(
        URL, {"stale_reminder_enabled": False, "reminder_emails": []}, format="json"
    )
    assert response.status_code == 200


def test_a_partner_only_ever_reaches_its_own_settings(partner_client: PartnerClient) -> None:
    # given partner A's settings
    client_a, partner_a = partner_client()
    client_a.patch(
        URL,
        {"stale_reminder_enabled": True, "reminder_emails": ["a@a.ru"], "stale_after_minutes": 60},
        format="json",
    )
    a_before = stored(partner_a)

    # when partner B reads and changes "the" settings
    client_b, partner_b = partner_client()
    read = client_b.get(URL).json()
    client_b.patch(URL, {"reminder_emails": ["b@b.ru"], "stale_after_minutes": 30}, format="json")

    # then B saw the defaults, changed its own row only
    assert read == DEFAULTS
    assert stored(partner_a) == a_before
    assert stored(partner_b) == {
        **DEFAULTS,
        "reminder_emails": ["b@b.ru"],
        "stale_after_minutes": 30,
    }


@pytest.mark.parametrize("method", ["get", "patch"])
def test_staff_get_403(staff_client: Callable[..., Any], method: str) -> None:
    client, _user = staff_client(role="head")

    response = getattr(client, method)(URL, {"stale_after_minutes": 60}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not DealSettings.objects.exists()


def test_anonymous_gets_401_or_403(api_client: APIClient) -> None:
    assert api_client.get(URL).status_code in (401, 403)


def test_a_partner_staff_login_reads_but_cannot_patch() -> None:
    staff: Any = UserFactory.create(role="partner_staff")
    client = APIClient()
    client.force_authenticate(staff)

    assert client.get(URL).json() == DEFAULTS
    response = client.patch(URL, {"stale_after_minutes": 60}, format="json")

    assert response.status_code == 403
    assert stored(staff.partner) == DEFAULTS


def test_the_schema_documents_the_endpoint(client: Client) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operations = schema["paths"]["/api/v1/deal-settings/"]
    assert set(operations) >= {"get", "patch"}
    assert "400" in operations["patch"]["responses"]


# --- service and database -------------------------------------------------------------------


def test_the_service_refuses_unknown_keys_and_keeps_the_row() -> None:
    owner: Any = UserFactory.create(role="partner_owner")

    with pytest.raises(ApplicationError) as raised:
        deal_settings_update(partner=owner.partner, actor=owner, stale_after=60)

    assert list(raised.value.details) == ["stale_after"]
    assert deal_settings_get(partner=owner.partner).stale_after_minutes == 1440


def test_the_service_records_who_changed_them() -> None:
    owner: Any = UserFactory.create(role="partner_owner")

    row = deal_settings_update(partner=owner.partner, actor=owner, stale_after_minutes=15)

    assert row.updated_by == owner and row.stale_after_minutes == 15


def test_the_database_refuses_an_interval_out_of_range() -> None:
    owner: Any = UserFactory.create(role="partner_owner")
    deal_settings_get(partner=owner.partner)

    with pytest.raises(Exception, match="deal_settings_stale_after_range"):
        DealSettings.objects.filter(partner=owner.partner).update(stale_after_minutes=14)


# --- the cabinet page -----------------------------------------------------------------------


@pytest.fixture
def owner() -> Any:
    return UserFactory.create(role="partner_owner")


def test_the_owner_saves_the_settings_from_the_page(client: Client, owner: Any) -> None:
    client.force_login(owner)

    response = client.post(
        PAGE,
        {
            "stale_reminder_enabled": "on",
            "stale_after_minutes": "120",
            "reminder_emails": "Head@Shop.ru, sales@shop.ru\nhead@shop.ru",
        },
    )

    assert response.status_code == 302
    assert stored(owner.partner) == {
        "stale_reminder_enabled": True,
        "stale_after_minutes": 120,
        "reminder_emails": ["head@shop.ru", "sales@shop.ru"],
    }
    html = client.get(PAGE).content.decode()
    assert "head@shop.ru\nsales@shop.ru" in html


def test_the_page_shows_errors_beside_the_fields_and_saves_nothing(
    client: Client, owner: Any
) -> None:
    client.force_login(owner)

    with translation.override("ru"):
        response = client.post(
            PAGE,
            {
                "stale_reminder_enabled": "on",
                "stale_after_minutes": "120",
                "reminder_emails": "ok@shop.ru\nnot-an-email",
            },
            HTTP_ACCEPT_LANGUAGE="ru",
        )

    html = response.content.decode()
    assert response.status_code == 200
    assert "not-an-email" in html and "Адрес 2" in html
    assert stored(owner.partner) == DEFAULTS


def test_the_page_refuses_reminders_without_an_address(client: Client, owner: Any) -> None:
    client.force_login(owner)

    response = client.post(
        PAGE,
        {"stale_reminder_enabled": "on", "stale_after_minutes": "120", "reminder_emails": ""},
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.status_code == 200
    assert "Добавьте хотя бы один адрес" in response.content.decode()
    assert stored(owner.partner) == DEFAULTS


def test_partner_staff_see_the_settings_read_only(client: Client) -> None:
    staff: Any = UserFactory.create(role="partner_staff")
    deal_settings_update(
        partner=staff.partner,
        actor=None,
        stale_reminder_enabled=True,
        reminder_emails=["head@shop.ru"],
    )
    client.force_login(staff)

    html = client.get(PAGE).content.decode()
    client.post(PAGE, {"stale_after_minutes": "60", "reminder_emails": "x@x.ru"})

    assert 'data-testid="read-only"' in html and "head@shop.ru" in html
    assert 'type="submit" class="primary"' not in html
    assert stored(staff.partner)["reminder_emails"] == ["head@shop.ru"]
    assert stored(staff.partner)["stale_after_minutes"] == 1440


def test_the_page_is_for_partners_only(client: Client) -> None:
    client.force_login(UserFactory.create(role="manager"))

    assert client.get(PAGE).status_code == 404


def test_the_cabinet_menu_links_the_page(client: Client, owner: Any) -> None:
    client.force_login(owner)

    html = client.get("/cabinet/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert f'href="{PAGE}"' in html and "Настройки сделок" in html
