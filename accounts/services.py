"""Writes for accounts: users, partner API keys and staff personal tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import PARTNER_ROLES, STAFF_ROLES, ApiKey, PersonalToken, Role, User
from salesdesk.errors import ApplicationError, ConflictError
from salesdesk.tenancy import get_object_or_404
from salesdesk.timezones import MOSCOW

if TYPE_CHECKING:
    from partners.models import Partner

API_KEY_PREFIX = "sdk_"
TOKEN_PREFIX = "sdt_"  # noqa: S105 - a type marker, not a secret
_VISIBLE = 8  # random characters kept in clear after the type prefix


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_secret(kind_prefix: str) -> tuple[str, str]:
    """A fresh secret and its visible prefix (type + 8 random characters)."""
    raw = kind_prefix + secrets.token_urlsafe(32)
    return raw, raw[: len(kind_prefix) + _VISIBLE]


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str,
    password: str | None = None,
    partner: Partner | None = None,
    full_name: str = "",
) -> User:
    """Create a login. Partner roles need their partner; staff roles must not have one."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            _("%(email)s is not a valid email address.") % {"email": email or "''"},
            code="invalid_email",
            details={"email": email},
        ) from None
    if role not in Role.values:
        raise ApplicationError(
            _("Unknown role %(role)s.") % {"role": role},
            code="invalid_role",
            details={"allowed": Role.values},
        )
    if role in PARTNER_ROLES and partner is None:
        raise ApplicationError(_("A partner role needs a partner."), code="partner_required")
    if role not in PARTNER_ROLES and partner is not None:
        raise ApplicationError(_("Staff roles belong to no partner."), code="partner_not_allowed")
    if User.objects.filter(email__iexact=email).exists():
        raise ConflictError(
            _("A user with the email %(email)s already exists.") % {"email": email},
            code="email_taken",
            details={"email": email},
        )
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, role=role, partner=partner, full_name=full_name
            )
    except IntegrityError:
        # Lost a race with a concurrent creation of the same email.
        raise ConflictError(
            _("A user with the email %(email)s already exists.") % {"email": email},
            code="email_taken",
            details={"email": email},
        ) from None


@transaction.atomic
def default_api_key_name(now: dt.datetime) -> str:
    """«Ключ от 28 ноября 2026»: the Moscow date the key was issued."""
    day = formats.date_format(timezone.localtime(now, MOSCOW), "j E Y")
    return _("Key of %(date)s") % {"date": day}


def api_key_create(
    *,
    partner: Partner,
    name: str = "",
    created_by: User | None = None,
    now: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """Issue a partner API key. The raw key is returned once and never stored. Without a name
    (or with a blank one) the key is named after the day it was issued."""
    raw, prefix = _new_secret(API_KEY_PREFIX)
    key = ApiKey.objects.create(
        partner=partner,
        name=name.strip()[:100] or default_api_key_name(now or timezone.now()),
        prefix=prefix,
        key_hash=hash_secret(raw),
        created_by=created_by,
    )
    return key, raw


def api_key_revoke(*, partner: Partner, key_id: uuid.UUID | str) -> ApiKey:
    """Revoke one of the partner's keys; revoking twice is harmless."""
    key = get_object_or_404(
        ApiKey.objects.for_partner(partner), pk=key_id, message=_("API key not found.")
    )
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db()
    return key


@transaction.atomic
def personal_token_create(*, user: User, name: str = "") -> tuple[PersonalToken, str]:
    if user.role not in STAFF_ROLES:
        raise ApplicationError(
            _("Personal tokens are for the sales department's staff."), code="not_staff"
        )
    raw, prefix = _new_secret(TOKEN_PREFIX)
    token = PersonalToken.objects.create(
        user=user, name=name.strip()[:100], prefix=prefix, key_hash=hash_secret(raw)
    )
    return token, raw


def personal_token_revoke(*, user: User, token_id: uuid.UUID | str) -> PersonalToken:
    token = get_object_or_404(
        PersonalToken.objects.all(), user=user, pk=token_id, message=_("Token not found.")
    )
    PersonalToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
    return token
