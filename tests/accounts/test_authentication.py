"""Bearer authentication with partner API keys and staff personal tokens."""

import hashlib

import pytest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from accounts.authentication import BearerAuthentication
from accounts.models import ApiKey, PersonalToken
from accounts.services import api_key_revoke
from tests.accounts.factories import ApiKeyFactory, PersonalTokenFactory, UserFactory
from web.permissions import IsHead, IsPartner, IsSeller, IsStaff

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_partner_key_acts_for_its_partner() -> None:
    key, raw = ApiKeyFactory.issue()

    response = bearer(raw).get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "kind": "partner",
        "partner": str(key.partner.pk),
        "partner_name": key.partner.name,
        "key_prefix": key.prefix,
    }


def test_a_staff_token_acts_as_its_user() -> None:
    token, raw = PersonalTokenFactory.issue(user=UserFactory.create(role="head"))

    response = bearer(raw).get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "kind": "staff",
        "user": str(token.user.pk),
        "email": token.user.email,
        "role": "head",
    }


@pytest.mark.parametrize(
    "header",
    [
        "Bearer sdk_not-a-real-key",
        "Bearer sdt_not-a-real-token",
        "Bearer something-else",
        "Bearer",
        "Bearer two parts",
    ],
)
def test_a_wrong_key_is_a_401_in_the_error_shape(header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == "authentication_failed"


def test_no_key_is_a_401_not_authenticated() -> None:
    response = APIClient().get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_revoked_key_stops_working_at_once() -> None:
    key, raw = ApiKeyFactory.issue()
    assert bearer(raw).get(ME).status_code == 200

    api_key_revoke(partner=key.partner, key_id=key.pk)

    assert bearer(raw).get(ME).status_code == 401


def test_a_revoked_token_and_a_deactivated_user_are_refused() -> None:
    token, raw = PersonalTokenFactory.issue()
    PersonalToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert bearer(raw).get(ME).status_code == 401

    other, raw2 = PersonalTokenFactory.issue()
    other.user.is_active = False
    other.user.save()
    assert bearer(raw2).get(ME).status_code == 401


def test_keys_are_stored_only_as_a_hash_with_a_visible_prefix() -> None:
    key, raw = ApiKeyFactory.issue()

    stored = ApiKey.objects.values().get(pk=key.pk)

    assert raw not in {str(v) for v in stored.values()}
    assert stored["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(stored["prefix"]) and len(stored["prefix"]) == 12
    assert len(raw) > 40


def test_every_key_is_different() -> None:
    raws = {ApiKeyFactory.issue()[1] for _ in range(20)}

    assert len(raws) == 20


def test_use_of_a_key_records_when_it_was_last_used() -> None:
    key, raw = ApiKeyFactory.issue()
    assert key.last_used_at is None

    bearer(raw).get(ME)

    key.refresh_from_db()
    assert key.last_used_at is not None
    assert (timezone.now() - key.last_used_at).total_seconds() < 60


def test_role_permissions_tell_partners_and_staff_apart() -> None:
    _key, raw = ApiKeyFactory.issue()
    _token, staff_raw = PersonalTokenFactory.issue(user=UserFactory.create(role="manager"))
    factory = APIRequestFactory()

    def principal_request(raw_key: str) -> Request:
        wsgi = factory.get("/", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        return Request(wsgi, authenticators=[BearerAuthentication()])

    partner_request, staff_request = principal_request(raw), principal_request(staff_raw)

    assert IsPartner().has_permission(partner_request, None)
    assert not IsStaff().has_permission(partner_request, None)
    assert not IsSeller().has_permission(partner_request, None)
    assert IsStaff().has_permission(staff_request, None)
    assert IsSeller().has_permission(staff_request, None)
    assert not IsHead().has_permission(staff_request, None)
    assert not IsPartner().has_permission(staff_request, None)
