"""The head takes a staff member's access away: the login stops working, what they held goes
back to the queue, their open deals to the head and their clients to the next account
manager — all in one transaction. (Bringing someone back is inviting them again:
:func:`accounts.services.invitation_create` lets a deactivated staff login be invited.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, PersonalToken, Role, User
from crm.staff import deals_hand_to_head, portfolio_hand_over
from sales_queue.models import QueueItem
from sales_queue.services.supervision import queue_head_release
from salesdesk.errors import ApplicationError, ConflictError
from salesdesk.tenancy import get_object_or_404

HELD_STATES = (QueueItem.State.ACTIVE, QueueItem.State.SCHEDULED)


@dataclass(frozen=True)
class Deactivation:
    """What a deactivation moved: for the head's message."""

    member: User
    items_released: int
    deals_to_head: int
    clients_handed: int
    clients_cleared: int


def require_head(actor: Any) -> None:
    if getattr(actor, "role", None) != Role.HEAD or not getattr(actor, "is_active", False):
        raise ApplicationError(
            _("Only the head of sales manages the team."), code="not_head", status_code=403
        )


def staff_member(user_id: Any, *, for_update: bool = False) -> User:
    """An active login of the sales department (not a partner's), or a 404."""
    users = User.objects.filter(role__in=STAFF_ROLES, partner__isnull=True, is_active=True)
    if for_update:
        users = users.select_for_update()
    return get_object_or_404(users, pk=user_id, message=_("Team member not found."))


def held_items_release(*, actor: User, member: User, note: str) -> int:
    """Every item ``member`` holds (active, or a callback scheduled for them) goes back to the
    queue through the head's release (a ``released`` event each, naming ``member``)."""
    item_ids = list(
        QueueItem.objects.select_for_update()
        .filter(holder=member, state__in=HELD_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for item_id in item_ids:
        queue_head_release(head=actor, item_id=item_id, note=note)
    return len(item_ids)


@transaction.atomic
def staff_deactivate(*, actor: User, user_id: Any, now: dt.datetime | None = None) -> Deactivation:
    """The head deactivates a staff member: the login is refused from now on (sessions and
    personal tokens stop working; the tokens are revoked), their held and scheduled items go
    back to the queue, their open deals get the head as responsible (a task per deal), their
    clients go to the next account manager (none: left without one). Not oneself."""
    require_head(actor)
    now = now or timezone.now()
    member = staff_member(user_id, for_update=True)
    if member.pk == actor.pk:
        raise ConflictError(_("You cannot deactivate yourself."), code="cannot_deactivate_self")
    User.objects.filter(pk=member.pk).update(is_active=False)
    member.is_active = False
    PersonalToken.objects.filter(user=member, revoked_at__isnull=True).update(revoked_at=now)
    released = held_items_release(actor=actor, member=member, note="member deactivated")
    deals = deals_hand_to_head(member=member, head=actor, now=now)
    handed, cleared = portfolio_hand_over(member=member, now=now)
    return Deactivation(
        member=member,
        items_released=released,
        deals_to_head=deals,
        clients_handed=handed,
        clients_cleared=cleared,
    )
