"""A partner's team: inviting people by email (a one-time set-password link through the
outbox), revoking an invitation, removing a member."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import Invitation, Role, User
from accounts.services import invitation_create
from notifications.models import Notification
from notifications.services import notification_render, notify
from partners.models import Partner


@transaction.atomic
def invitation_send(
    *,
    email: str,
    role: str,
    partner: Partner | None,
    invited_by: User | None,
    now: dt.datetime | None = None,
    is_trainee: bool = False,
    commission_percent: Decimal | None = None,
) -> Invitation:
    """Invite ``email`` to join with ``role`` — a partner's team (partner roles) or, with no
    partner, the sales department (staff roles) — and write the email with the link in this
    transaction. Raises ``email_taken`` for an address that already has a login. A staff
    invitation may carry a trainee flag and a commission rate, applied when accepted."""
    invitation, raw = invitation_create(
        email=email,
        role=role,
        partner=partner,
        invited_by=invited_by,
        now=now,
        is_trainee=is_trainee,
        commission_percent=commission_percent,
    )
    context = {
        "invitation": invitation,
        "partner": partner,
        "invited_by": invited_by,
        "role_label": Role(role).label,
        "accept_url": settings.SITE_URL + reverse("invitation-accept", kwargs={"token": raw}),
        "days": settings.INVITATION_DAYS,
    }
    subject, text, html = notification_render("invitation", context)
    notify(
        key=f"invitation:{invitation.pk}",
        kind=Notification.Kind.INVITATION,
        recipient=invitation.email,
        subject=subject,
        text=text,
        html=html,
    )
    return invitation


def partner_member_invite(
    *, partner: Partner, invited_by: User, email: str, now: dt.datetime | None = None
) -> Invitation:
    """The owner invites a colleague: they join the partner's cabinet as its staff."""
    return invitation_send(
        email=email, role=Role.PARTNER_STAFF, partner=partner, invited_by=invited_by, now=now
    )
