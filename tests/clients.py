"""Callers the tests act as: a logged-in browser session, a staff member's token, a partner's
API key."""

from __future__ import annotations

from typing import Any

from django.test import Client
from rest_framework.test import APIClient

from tests.accounts.factories import ApiKeyFactory, PersonalTokenFactory


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bearer(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def staff_api(user: Any) -> APIClient:
    """An API client with a new personal token of ``user``."""
    _token, raw = PersonalTokenFactory.issue(user=user)
    return _bearer(raw)


def partner_api(partner: Any) -> APIClient:
    """An API client with a new API key of ``partner``."""
    _key, raw = ApiKeyFactory.issue(partner=partner)
    return _bearer(raw)
