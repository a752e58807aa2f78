"""The partner cabinet: API keys, scoped to the partner; a second partner reaches nothing."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation

from accounts.models import ApiKey
from accounts.services import api_key_create
from tests.accounts.factories import ApiKeyFactory, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory.create(role="partner_owner")


def test_the_cabinet_lists_only_the_partners_own_keys(client: Client, owner) -> None:
    mine, _ = ApiKeyFactory.issue(partner=owner.partner, name="витрина")
    theirs, _ = ApiKeyFactory.issue(name="чужой")
    client.force_login(owner)

    html = client.get("/cabinet/").content.decode()

    assert mine.prefix in html and "витрина" in html
    assert theirs.prefix not in html and "чужой" not in html


def test_the_owner_creates_a_key_and_sees_it_once(client: Client, owner) -> None:
    client.force_login(owner)

    response = client.post(
        "/cabinet/", {"action": "create", "name": "новая"}, HTTP_HX_REQUEST="true"
    )

    key = ApiKey.objects.get(partner=owner.partner)
    html = response.content.decode()
    assert key.prefix in html and "<html" not in html  # an htmx fragment
    raw = html.split('data-testid="new-secret">')[1].split("<")[0]
    assert raw.startswith(key.prefix)
    assert 'data-testid="new-secret"' not in client.get("/cabinet/").content.decode()


def test_the_owner_revokes_a_key(client: Client, owner) -> None:
    key, _ = ApiKeyFactory.issue(partner=owner.partner)
    client.force_login(owner)

    client.post("/cabinet/", {"action": "revoke", "key": str(key.pk)})

    key.refresh_from_db()
    assert key.revoked_at is not None


def test_a_second_partner_cannot_revoke_the_first_partners_key(client: Client, owner) -> None:
    victim_key, _ = ApiKeyFactory.issue()
    client.force_login(owner)

    response = client.post("/cabinet/", {"action": "revoke", "key": str(victim_key.pk)})

    assert response.status_code == 200
    assert "не найден" in response.content.decode().lower()
    victim_key.refresh_from_db()
    assert victim_key.revoked_at is None


def test_partner_staff_see_keys_but_cannot_manage_them(client: Client, owner) -> None:
    staff = UserFactory.create(role="partner_staff", partner=owner.partner)
    key, _ = ApiKeyFactory.issue(partner=owner.partner)
    client.force_login(staff)

    assert key.prefix in client.get("/cabinet/").content.decode()
    client.post("/cabinet/", {"action": "revoke", "key": str(key.pk)})
    client.post("/cabinet/", {"action": "create"})

    key.refresh_from_db()
    assert key.revoked_at is None
    assert ApiKey.objects.filter(partner=owner.partner).count() == 1


def test_a_malformed_key_id_is_not_found(client: Client, owner) -> None:
    client.force_login(owner)

    response = client.post("/cabinet/", {"action": "revoke", "key": "not-a-uuid"})

    assert response.status_code == 200
    assert "не найден" in response.content.decode().lower()


@pytest.mark.parametrize("name", ["", "   "])
def test_a_key_created_without_a_name_is_named_after_its_moscow_date(
    client: Client, owner, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # given: 21:30 UTC on 28 November is already 00:30 on the 29th in Moscow
    late = dt.datetime(2026, 11, 28, 21, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late)
    client.force_login(owner)

    html = client.post("/cabinet/", {"action": "create", "name": name}).content.decode()

    key = ApiKey.objects.get(partner=owner.partner)
    assert key.name == "Ключ от 29 ноября 2026"
    assert "Ключ от 29 ноября 2026" in html


def test_the_service_names_a_nameless_key_by_the_day_and_keeps_a_given_name() -> None:
    noon = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 12:00 in Moscow
    with translation.override("ru"):
        nameless, _raw = api_key_create(partner=PartnerFactory.create(), now=noon)
        named, _raw = api_key_create(partner=PartnerFactory.create(), name=" витрина ", now=noon)

    assert nameless.name == "Ключ от 2 марта 2026"
    assert named.name == "витрина"
