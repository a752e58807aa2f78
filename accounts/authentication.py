"""``Authorization: Bearer <key>`` for partner API keys and staff personal tokens."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import ApiKey, PersonalToken
from accounts.services import API_KEY_PREFIX, TOKEN_PREFIX, hash_secret

if TYPE_CHECKING:
    from partners.models import Partner
# last_used_at is bookkeeping, not an audit log: write it at most once a minute per key.
_TOUCH_EVERY = dt.timedelta(minutes=1)


class PartnerApiClient:
    """The principal behind a partner API key (a storefront, not a person)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    role = "api_client"
    pk = None
    id = None

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.partner: Partner = api_key.partner

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


def _touch(
    model: type[ApiKey] | type[PersonalToken], pk: Any, last_used: dt.datetime | None
) -> None:
    now = timezone.now()
    if last_used is None or now - last_used >= _TOUCH_EVERY:
        model.objects.filter(pk=pk).update(last_used_at=now)


class BearerAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: use 'Bearer <key>'.")
            )
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API key.")) from None

        key_hash = hash_secret(raw)
        if raw.startswith(API_KEY_PREFIX):
            api_key = (
                ApiKey.objects.select_related("partner")
                .filter(key_hash=key_hash, revoked_at__isnull=True)
                .first()
            )
            if api_key is not None:
                _touch(ApiKey, api_key.pk, api_key.last_used_at)
                return PartnerApiClient(api_key), api_key
        elif raw.startswith(TOKEN_PREFIX):
            token = (
                PersonalToken.objects.select_related("user")
                .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
                .first()
            )
            if token is not None:
                _touch(PersonalToken, token.pk, token.last_used_at)
                return token.user, token
        raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
