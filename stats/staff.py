"""The head's team page: who works in the sales department (with their commission rate and
load), inviting staff, changing a member's role, trainee flag and rate. Here — the highest
floor below the pages — because a commission rate (:class:`stats.models.CommissionRate`)
belongs to the statistics; deactivation is :mod:`sales_queue.services.staff`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SELLER_ROLES, STAFF_ROLES, Invitation, Role, User
from accounts.services import (
    commission_check,
    invitation_accept,
    invitation_by_secret,
    trainee_check,
)
from crm.models import Deal
from crm.staff import deals_hand_to_head, portfolio_hand_over
from partners.services import invitation_send
from sales_queue.models import QueueItem
from sales_queue.services.staff import (
    HELD_STATES,
    held_items_release,
    require_head,
    staff_member,
)
from salesdesk.errors import ApplicationError, ConflictError
from stats.managers import commission_percent_default
from stats.models import CommissionRate
from stats.services import commission_rate_set

# --- reads -----------------------------------------------------------------------------------


def _count(queryset: QuerySet[Any], field: str) -> Coalesce:
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def staff_rows(*, role: str | None = None) -> QuerySet[User]:
    """The sales department's active logins, by role and name, each with ``rate`` (its own
    commission percent or ``None``), ``held_items`` (active and scheduled items it holds) and
    ``open_deals``. ``role``: only that role."""
    users = User.objects.filter(role__in=STAFF_ROLES, partner__isnull=True, is_active=True)
    if role:
        users = users.filter(role=role)
    return users.annotate(
        rate=F("commission_rate__percent"),
        held_items=_count(QueueItem.objects.filter(state__in=HELD_STATES), "holder"),
        open_deals=_count(Deal.objects.filter(status=Deal.Status.OPEN), "responsible"),
    ).order_by("full_name", "email")


def own_rate(member: User) -> Decimal | None:
    """A seller's own commission percent (``None``: the default; always ``None`` for head and
    QA, who earn none)."""
    if member.role not in SELLER_ROLES:
        return None
    return CommissionRate.objects.filter(user=member).values_list("percent", flat=True).first()


def default_commission() -> Decimal:
    return commission_percent_default()


def staff_invitations_pending(now: dt.datetime | None = None) -> list[Invitation]:
    """The sales department's invitations still waiting to be used (not expired)."""
    now = now or timezone.now()
    return list(
        Invitation.objects.filter(
            partner__isnull=True,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).order_by("-created_at")
    )


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def staff_invite(
    *,
    actor: User,
    email: str,
    role: str,
    is_trainee: bool = False,
    commission_percent: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Invitation:
    """The head invites someone to the sales department: the email with a one-time
    set-password link goes through the outbox (as a partner's team invitation does); the
    trainee flag and the commission rate are applied when the link is used."""
    require_head(actor)
    if role not in STAFF_ROLES:
        raise ApplicationError(
            _("Choose a role of the sales department."),
            code="invalid_role",
            details={"role": [_("Choose a role of the sales department.")]},
        )
    return invitation_send(
        email=email,
        role=role,
        partner=None,
        invited_by=actor,
        now=now,
        is_trainee=is_trainee,
        commission_percent=commission_percent,
    )


@transaction.atomic
def invitation_join(
    *, raw: str, full_name: str, password: str, now: dt.datetime | None = None
) -> User:
    """Use an invitation link (:func:`accounts.services.invitation_accept`) and, for a staff
    invitation with a commission rate, give the new login that rate (set by whoever invited
    them) — in the same transaction."""
    user = invitation_accept(raw=raw, full_name=full_name, password=password, now=now)
    invitation = invitation_by_secret(raw) if user.role in SELLER_ROLES else None
    if invitation is not None and invitation.commission_percent is not None:
        commission_rate_set(
            user=user,
            percent=invitation.commission_percent,
            actor=invitation.invited_by or user,
        )
    return user


@transaction.atomic
def staff_update(
    *,
    actor: User,
    user_id: Any,
    role: str,
    is_trainee: bool,
    commission_percent: Decimal | None,
) -> User:
    """The head changes a member's role, trainee flag (clearing it graduates a trainee) and
    commission rate (``None``: the default rate). Leaving the sellers returns their held items
    to the queue and hands their open deals to the head; an account manager who stops being
    one hands their clients to the next. The head cannot change their own role."""
    require_head(actor)
    member = staff_member(user_id, for_update=True)
    if role not in STAFF_ROLES:
        raise ApplicationError(
            _("Choose a role of the sales department."),
            code="invalid_role",
            details={"role": [_("Choose a role of the sales department.")]},
        )
    if member.pk == actor.pk and role != member.role:
        raise ConflictError(_("You cannot change your own role."), code="cannot_change_own_role")
    trainee_check(role=role, is_trainee=is_trainee)
    percent = commission_check(role=role, percent=commission_percent)
    was_seller, old_role = member.role in SELLER_ROLES, member.role
    User.objects.filter(pk=member.pk).update(role=role, is_trainee=is_trainee)
    member.role, member.is_trainee = role, is_trainee
    if was_seller and role not in SELLER_ROLES:
        held_items_release(actor=actor, member=member, note="role changed")
        deals_hand_to_head(member=member, head=actor)
    if old_role == Role.ACCOUNT_MANAGER and role != Role.ACCOUNT_MANAGER:
        portfolio_hand_over(member=member)
    if percent is None:  # the default rate (and no rate at all outside the sellers)
        CommissionRate.objects.filter(user=member).delete()
    else:
        commission_rate_set(user=member, percent=percent, actor=actor)
    return member
