"""Self sign-up of a school or store: the partner, its owner (unconfirmed) and the
confirmation email — all in one transaction, the email through the outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import (
    Confirmation,
    email_confirmation_token,
    email_confirmation_user,
    password_check,
    user_create,
)
from notifications.models import Notification
from notifications.services import notification_render, notify
from partners.models import Partner
from partners.services.partners import partner_create
from salesdesk.errors import ConflictError


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did. ``partner`` is None when the address already had a login: then
    that address got a message instead (a new confirmation link, or «you already have an
    account»), and the page says the same «check your inbox» as for a new one."""

    partner: Partner | None
    user: User | None


def email_confirmation_send(*, user: User, now: dt.datetime | None = None) -> Notification:
    """A fresh confirmation link to the user's address, through the outbox (each request is
    its own message: the previous links keep working until they expire)."""
    token = email_confirmation_token(user=user, now=now)
    context = {
        "user": user,
        "partner": user.partner,
        "confirm_url": settings.SITE_URL + reverse("signup-confirm", kwargs={"token": token}),
        "days": settings.EMAIL_CONFIRMATION_DAYS,
    }
    subject, text, html = notification_render("email_confirmation", context)
    return notify(
        key=f"email_confirmation:{user.pk}:{uuid.uuid4().hex}",
        kind=Notification.Kind.EMAIL_CONFIRMATION,
        recipient=user.email,
        subject=subject,
        text=text,
        html=html,
        user=user,
    )


def _account_exists_send(*, user: User) -> Notification:
    context = {
        "user": user,
        "login_url": settings.SITE_URL + reverse("login"),
        "reset_url": settings.SITE_URL + reverse("password_reset"),
    }
    subject, text, html = notification_render("account_exists", context)
    return notify(
        key=f"account_exists:{user.pk}:{uuid.uuid4().hex}",
        kind=Notification.Kind.EMAIL_CONFIRMATION,
        recipient=user.email,
        subject=subject,
        text=text,
        html=html,
        user=user,
    )


@transaction.atomic
def partner_sign_up(
    *,
    company: str,
    full_name: str,
    email: str,
    password: str,
    now: dt.datetime | None = None,
) -> SignUp:
    """A new partner named ``company`` with its owner login, unconfirmed until the emailed
    link is opened, and the email (in this transaction). Password rules: Django's
    ``AUTH_PASSWORD_VALIDATORS`` (``weak_password``).

    An address that already has a login creates nothing and is not an error (the page must
    not tell a stranger which addresses have accounts): an unconfirmed owner gets a new
    confirmation link, anyone else a note that they already have an account."""
    email = (email or "").strip().lower()
    full_name = " ".join((full_name or "").split())[:200]
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        _tell_existing(existing, now=now)
        return SignUp(partner=None, user=None)
    password_check(password=password, email=email, full_name=full_name)
    partner = partner_create(name=company)
    try:
        owner = user_create(
            email=email,
            role=Role.PARTNER_OWNER,
            password=password,
            partner=partner,
            full_name=full_name,
            email_confirmed=False,
        )
    except ConflictError:
        # A concurrent sign-up of the same address won: undo this partner, answer the same.
        transaction.set_rollback(True)
        return SignUp(partner=None, user=None)
    email_confirmation_send(user=owner, now=now)
    return SignUp(partner=partner, user=owner)


def _tell_existing(user: User, *, now: dt.datetime | None) -> None:
    if not user.is_active:
        return
    if not user.email_confirmed:
        email_confirmation_send(user=user, now=now)
    else:
        _account_exists_send(user=user)


@transaction.atomic
def email_confirmation_resend(
    *, token: str = "", email: str = "", now: dt.datetime | None = None
) -> bool:
    """A new confirmation link for an unconfirmed login, named by an old (expired) link or by
    its address. False, and nothing sent, when there is no such login or it is confirmed —
    the page answers the same either way."""
    user: User | None = None
    if token:
        state, user = email_confirmation_user(token=token, now=now or timezone.now())
        if state not in (Confirmation.EXPIRED, Confirmation.VALID):
            user = None
    elif email:
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or user.email_confirmed or not user.is_active:
        return False
    email_confirmation_send(user=user, now=now)
    return True
