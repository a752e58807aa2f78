"""Writes for accounts: users, partner API keys and staff personal tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import (
    PARTNER_ROLES,
    SELLER_ROLES,
    STAFF_ROLES,
    ApiKey,
    Invitation,
    PersonalToken,
    Role,
    User,
)
from salesdesk.errors import ApplicationError, ConflictError, NotFoundError
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
    email_confirmed: bool = True,
    is_trainee: bool = False,
) -> User:
    """Create a login. Partner roles need their partner; staff roles must not have one.
    ``email_confirmed=False`` (a self sign-up) refuses the login until the address is
    confirmed (:func:`email_confirm`). ``is_trainee``: a seller who takes leads only (400
    ``trainee_not_seller`` for any other role)."""
    email = _valid_email(email)
    _check_role_and_partner(role=role, partner=partner)
    trainee_check(role=role, is_trainee=is_trainee)
    if User.objects.filter(email__iexact=email).exists():
        raise ConflictError(
            _("A user with the email %(email)s already exists.") % {"email": email},
            code="email_taken",
            details={"email": email},
        )
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email,
                password=password,
                role=role,
                partner=partner,
                full_name=full_name,
                email_confirmed=email_confirmed,
                is_trainee=is_trainee,
            )
    except IntegrityError:
        # Lost a race with a concurrent creation of the same email.
        raise ConflictError(
            _("A user with the email %(email)s already exists.") % {"email": email},
            code="email_taken",
            details={"email": email},
        ) from None


def _valid_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApplicationError(
            _("%(email)s is not a valid email address.") % {"email": email or "''"},
            code="invalid_email",
            details={"email": email},
        ) from None
    return email


def _check_role_and_partner(*, role: str, partner: Partner | None) -> None:
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


def trainee_check(*, role: str, is_trainee: bool) -> None:
    """Only those who work the queue (manager, caller, account manager) may be trainees."""
    if is_trainee and role not in SELLER_ROLES:
        raise ApplicationError(
            _("Only a manager, a caller or an account manager can be a trainee."),
            code="trainee_not_seller",
            details={"is_trainee": [_("Only for a manager, a caller or an account manager.")]},
        )


def commission_check(*, role: str, percent: Decimal | None) -> Decimal | None:
    """A commission rate for a seller: a percent from 0 to 100 (two places), or ``None`` for
    the default rate."""
    if percent is None:
        return None
    if role not in SELLER_ROLES:
        raise ApplicationError(
            _("Only sales managers earn a commission."),
            code="validation_error",
            details={
                "commission_percent": [_("Only for a manager, a caller or an account manager.")]
            },
        )
    if not percent.is_finite() or not Decimal(0) <= percent <= Decimal(100):
        raise ApplicationError(
            _("The rate is a percentage from 0 to 100."),
            code="validation_error",
            details={"commission_percent": [_("From 0 to 100.")]},
        )
    return percent.quantize(Decimal("0.01"))


def password_check(*, password: str, email: str, full_name: str = "") -> None:
    """Django's ``AUTH_PASSWORD_VALIDATORS`` for a login not created yet (the similarity rule
    compares with its email and name): ``weak_password`` with the messages in ``details``."""
    try:
        password_validation.validate_password(password, user=User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ApplicationError(
            " ".join(exc.messages), code="weak_password", details={"password": exc.messages}
        ) from None


# --- email confirmation (self sign-up) -------------------------------------------------------

_CONFIRMATION_SALT = "accounts.email-confirmation"


class Confirmation:
    """What opening a confirmation link did."""

    VALID = "valid"  # not used yet: opening it (a POST) will confirm
    CONFIRMED = "confirmed"  # just now: the view logs the user in
    ALREADY = "already"  # opened before: offer the login page
    EXPIRED = "expired"  # older than EMAIL_CONFIRMATION_DAYS: offer a new link
    INVALID = "invalid"  # not ours, altered, or its user is gone


def email_confirmation_token(*, user: User, now: dt.datetime | None = None) -> str:
    """A signed ``{user, email, issued at}``: nothing is stored; it stops working when the
    address is confirmed (one-time), when the email changes, or after
    ``EMAIL_CONFIRMATION_DAYS``."""
    issued = int((now or timezone.now()).timestamp())
    return signing.Signer(salt=_CONFIRMATION_SALT).sign_object(
        {"u": str(user.pk), "e": user.email, "t": issued}
    )


def email_confirmation_user(
    *, token: str, now: dt.datetime | None = None
) -> tuple[str, User | None]:
    """Check a confirmation token without changing anything: (state, user)."""
    try:
        data = signing.Signer(salt=_CONFIRMATION_SALT).unsign_object(token)
        user = User.objects.filter(pk=uuid.UUID(str(data["u"]))).first()
        issued = dt.datetime.fromtimestamp(int(data["t"]), tz=dt.UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Confirmation.INVALID, None
    if user is None or user.email != data.get("e") or not user.is_active:
        return Confirmation.INVALID, None
    if user.email_confirmed:
        return Confirmation.ALREADY, user
    now = now or timezone.now()
    if now - issued > dt.timedelta(days=settings.EMAIL_CONFIRMATION_DAYS):
        return Confirmation.EXPIRED, user
    return Confirmation.VALID, user


def email_confirm(*, token: str, now: dt.datetime | None = None) -> tuple[str, User | None]:
    """Open a confirmation link: the first valid opening confirms the address
    (``CONFIRMED``); any later one says ``ALREADY`` — also when two openings race, since the
    flag is flipped with a compare-and-swap."""
    state, user = email_confirmation_user(token=token, now=now)
    if state != Confirmation.VALID or user is None:
        return state, user
    flipped = User.objects.filter(pk=user.pk, email_confirmed=False).update(email_confirmed=True)
    if not flipped:
        return Confirmation.ALREADY, user
    user.email_confirmed = True
    return Confirmation.CONFIRMED, user


# --- invitations -----------------------------------------------------------------------------

INVITATION_PREFIX = "inv_"


def _returning_member(user: User, partner: Partner | None) -> bool:
    """A login removed from this same place (the partner's team, or the sales department for
    ``partner=None``): it may be invited back; accepting gives the login back."""
    return not user.is_active and user.partner_id == (partner.pk if partner else None)


@transaction.atomic
def invitation_create(
    *,
    email: str,
    role: str,
    partner: Partner | None = None,
    invited_by: User | None = None,
    now: dt.datetime | None = None,
    is_trainee: bool = False,
    commission_percent: Decimal | None = None,
) -> tuple[Invitation, str]:
    """A one-time link for ``email`` to join with ``role`` (and ``partner`` for a partner
    role), valid ``INVITATION_DAYS``. The raw secret is returned once; a pending invitation of
    the same address to the same place is revoked (the new link replaces it). A staff
    invitation may make a seller a trainee and give a commission rate (applied when
    accepted)."""
    email = _valid_email(email)
    _check_role_and_partner(role=role, partner=partner)
    trainee_check(role=role, is_trainee=is_trainee)
    commission_percent = commission_check(role=role, percent=commission_percent)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and not _returning_member(existing, partner):
        raise ConflictError(
            _("%(email)s already has a SalesDesk login.") % {"email": email},
            code="email_taken",
            details={"email": email},
        )
    now = now or timezone.now()
    Invitation.objects.filter(
        email=email, partner=partner, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    raw, _prefix = _new_secret(INVITATION_PREFIX)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        partner=partner,
        invited_by=invited_by,
        token_hash=hash_secret(raw),
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.INVITATION_DAYS),
        is_trainee=is_trainee,
        commission_percent=commission_percent,
    )
    return invitation, raw


def invitation_by_secret(raw: str) -> Invitation | None:
    """The invitation a link's secret names (any state), or None."""
    if not raw.startswith(INVITATION_PREFIX):
        return None
    return Invitation.objects.select_related("partner").filter(token_hash=hash_secret(raw)).first()


def invitation_revoke(
    *, partner: Partner, invitation_id: uuid.UUID | str, now: dt.datetime | None = None
) -> Invitation:
    """Revoke one of the partner's pending invitations; revoking twice is harmless, an
    accepted one cannot be revoked (remove the member instead)."""
    invitation = get_object_or_404(
        Invitation.objects.for_partner(partner),
        pk=invitation_id,
        message=_("Invitation not found."),
    )
    return _revoke(invitation, now)


def staff_invitation_revoke(
    *, invitation_id: uuid.UUID | str, now: dt.datetime | None = None
) -> Invitation:
    """Revoke one of the sales department's pending invitations (the head's), the same way."""
    invitation = get_object_or_404(
        Invitation.objects.filter(partner__isnull=True),
        pk=invitation_id,
        message=_("Invitation not found."),
    )
    return _revoke(invitation, now)


def _revoke(invitation: Invitation, now: dt.datetime | None) -> Invitation:
    if invitation.accepted_at is not None:
        raise ConflictError(_("The invitation was already accepted."), code="invitation_accepted")
    Invitation.objects.filter(
        pk=invitation.pk, revoked_at__isnull=True, accepted_at__isnull=True
    ).update(revoked_at=now or timezone.now())
    invitation.refresh_from_db()
    return invitation


@transaction.atomic
def invitation_accept(
    *, raw: str, full_name: str, password: str, now: dt.datetime | None = None
) -> User:
    """Use an invitation: the login is created with the name and password given, its address
    confirmed by the link. Used, revoked and expired links raise a ``ConflictError`` whose
    code is the invitation's state; two acceptances racing: the row lock lets one through."""
    now = now or timezone.now()
    found = invitation_by_secret(raw)
    if found is None:
        raise NotFoundError(_("Invitation not found."), code="invitation_not_found")
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    state = invitation.state(now)
    if state != Invitation.State.PENDING:
        refusals = {
            Invitation.State.ACCEPTED: _("The invitation was already used."),
            Invitation.State.REVOKED: _("The invitation was revoked."),
            Invitation.State.EXPIRED: _("The invitation has expired."),
        }
        raise ConflictError(refusals[Invitation.State(state)], code=f"invitation_{state}")
    full_name = " ".join((full_name or "").split())[:200]
    password_check(password=password, email=invitation.email, full_name=full_name)
    returning = User.objects.select_for_update().filter(email__iexact=invitation.email).first()
    if returning is not None and _returning_member(returning, invitation.partner):
        # Removed before and invited back: the same login (its past work stays its own) with
        # the role, name and password of now.
        returning.role, returning.full_name = invitation.role, full_name
        returning.is_trainee = invitation.is_trainee
        returning.is_active = returning.email_confirmed = True
        returning.set_password(password)
        returning.save(
            update_fields=[
                "role",
                "full_name",
                "is_trainee",
                "is_active",
                "email_confirmed",
                "password",
            ]
        )
        user = returning
    else:
        user = user_create(
            email=invitation.email,
            role=invitation.role,
            password=password,
            partner=invitation.partner,
            full_name=full_name,
            is_trainee=invitation.is_trainee,
        )
    invitation.accepted_at = now
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


def member_remove(*, partner: Partner, actor: User, member_id: uuid.UUID | str) -> User:
    """Take a member's access to the partner away (the login is deactivated, its sessions
    stop working; its past actions stay attributed). Not the owner, not oneself."""
    member = get_object_or_404(
        User.objects.filter(partner=partner, is_active=True),
        pk=member_id,
        message=_("Team member not found."),
    )
    if member.pk == actor.pk:
        raise ConflictError(_("You cannot remove yourself."), code="cannot_remove_self")
    if member.role == Role.PARTNER_OWNER:
        raise ConflictError(_("The owner cannot be removed."), code="cannot_remove_owner")
    User.objects.filter(pk=member.pk).update(is_active=False)
    member.is_active = False
    return member


def default_api_key_name(now: dt.datetime) -> str:
    """«Ключ от 28 ноября 2026»: the Moscow date the key was issued."""
    day = formats.date_format(timezone.localtime(now, MOSCOW), "j E Y")
    return _("Key of %(date)s") % {"date": day}


@transaction.atomic
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
