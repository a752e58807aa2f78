"""``Authorization: Bearer <key>`` for partner API keys and staff personal tokens."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any, cast

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import ApiKey, PersonalToken
from accounts.services import API_KEY_PREFIX, TOKEN_PREFIX, hash_secret
from salesdesk.lean import columns, instances

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


def _partner_model() -> type[Model]:
    # partners is a floor above accounts: its model is reached through the key's foreign key.
    return cast("type[Model]", ApiKey._meta.get_field("partner").related_model)


@functools.cache
def _api_key_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    partner = _partner_model()
    return (
        # Identifiers from the models' metadata; the hash is a parameter.
        f"SELECT {columns(ApiKey, 'k')}, {columns(partner, 'p')}"  # noqa: S608
        f" FROM {quote(ApiKey._meta.db_table)} k"
        f" JOIN {quote(partner._meta.db_table)} p ON p.{quote('id')} = k.{quote('partner_id')}"
        f" WHERE k.{quote('key_hash')} = %s AND k.{quote('revoked_at')} IS NULL"
    )


def _live_api_key(key_hash: str) -> ApiKey | None:
    """The unrevoked key with this hash and its partner, in one statement built once (every
    storefront request makes this lookup; compiling the queryset cost more than running it)."""
    partner = _partner_model()
    with connection.cursor() as cursor:
        cursor.execute(_api_key_sql(connection.vendor), [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    api_key, owner = instances(row, ApiKey, partner)
    api_key.partner = owner  # type: ignore[attr-defined]
    return api_key  # type: ignore[return-value]


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
            api_key = _live_api_key(key_hash)
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
