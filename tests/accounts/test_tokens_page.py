import pytest
from django.test import Client

from accounts.models import PersonalToken
from tests.accounts.factories import PersonalTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_manager_creates_and_revokes_a_personal_token(client: Client) -> None:
    manager = UserFactory.create(role="manager")
    client.force_login(manager)

    client.post("/accounts/tokens/", {"action": "create", "name": "скрипт"})
    token = PersonalToken.objects.get(user=manager)
    client.post("/accounts/tokens/", {"action": "revoke", "token": str(token.pk)})

    token.refresh_from_db()
    assert token.name == "скрипт" and token.revoked_at is not None


def test_a_colleagues_token_cannot_be_revoked(client: Client) -> None:
    other, _ = PersonalTokenFactory.issue()
    client.force_login(UserFactory.create(role="manager"))

    client.post("/accounts/tokens/", {"action": "revoke", "token": str(other.pk)})

    other.refresh_from_db()
    assert other.revoked_at is None
