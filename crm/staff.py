"""What a leaving staff member leaves behind in the CRM: their open deals go to the head (who
hands them on) and their portfolio of clients to the next account manager. Called by
:func:`sales_queue.services.staff.staff_deactivate` inside its transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.team import account_manager_next
from crm.models import Contact, Deal, Task
from crm.services import task_for_deal


@transaction.atomic
def deals_hand_to_head(*, member: User, head: User, now: dt.datetime | None = None) -> int:
    """Every open deal of ``member`` gets ``head`` as its responsible, with a «handed to you»
    task per deal on the head's list (to pass it on to a manager). Returns how many."""
    now = now or timezone.now()
    deals = list(
        Deal.objects.select_for_update()
        .filter(responsible=member, status=Deal.Status.OPEN)
        .order_by("created_at", "pk")
    )
    for deal in deals:
        Deal.objects.filter(pk=deal.pk).update(responsible=head, updated_at=now)
        deal.responsible = head
        task_for_deal(deal=deal, kind=Task.Kind.RESPONSIBLE_CHANGED, previous_id=member.pk, now=now)
    return len(deals)


@transaction.atomic
def portfolio_hand_over(*, member: User, now: dt.datetime | None = None) -> tuple[int, int]:
    """The clients kept by ``member`` (an account manager) go, one by one, to the next active
    account manager by round robin (:func:`accounts.team.account_manager_next`; ``member``
    must be deactivated first so that the turn skips them), or are left without one when there
    is none. Returns (handed over, left without an account manager)."""
    now = now or timezone.now()
    contacts = list(
        Contact.objects.select_for_update()
        .filter(account_manager=member)
        .order_by("account_manager_since", "pk")
        .values_list("pk", flat=True)
    )
    handed = cleared = 0
    for contact_id in contacts:
        successor = account_manager_next()
        if successor is None or successor.pk == member.pk:
            Contact.objects.filter(pk=contact_id).update(
                account_manager=None, account_manager_since=None, updated_at=now
            )
            cleared += 1
        else:
            Contact.objects.filter(pk=contact_id).update(
                account_manager=successor, account_manager_since=now, updated_at=now
            )
            handed += 1
    return handed, cleared
