"""After the sale (team mode split): a won deal's buyer goes to an account manager, who keeps
the client from then on (their portfolio), with a follow-up task some days after the win.

Called by the deal services (:mod:`crm.services`) in the transaction that turns a deal won —
a compare-and-swap on the deal's status, so each win comes here once however often the payment
event that caused it is processed. The services alert the assignees of the tasks returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Role, User
from accounts.team import account_manager_next, team_is_split
from crm.models import Contact, Deal, Task

TEXT_MAX = 500


def follow_up_due(won_at: dt.datetime) -> dt.datetime:
    """When the account manager gets back to the client: ``SALES_FOLLOW_UP_DAYS`` after the win."""
    return won_at + dt.timedelta(days=settings.SALES_FOLLOW_UP_DAYS)


def _keeps_client(manager: User | None) -> bool:
    """A client stays with their account manager while that person is one and active."""
    return manager is not None and manager.is_active and manager.role == Role.ACCOUNT_MANAGER


def _client_name(contact: Contact, deal: Deal) -> str:
    return (
        contact.name
        or deal.contact_name
        or contact.phone
        or contact.email
        or deal.title
        or gettext("no name")
    )


def _follow_up_text(contact: Contact, deal: Deal) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        text = gettext(
            "Follow up with the client %(client)s after the won deal «%(title)s»: ask how it "
            "is going and whether they need anything else"
        ) % {"client": _client_name(contact, deal), "title": deal.title}
    return text[:TEXT_MAX]


def account_managers_for_wins(*, deals: Iterable[Deal], now: dt.datetime) -> list[Task]:
    """The deals just turned won: in split mode give each one's buyer an account manager and
    write the follow-up task, due :func:`follow_up_due`; returns the tasks written.

    A buyer whose account manager is still an active one keeps them (no turn is taken); any
    other buyer gets the next one by round robin (:func:`accounts.team.account_manager_next`,
    whose counter row orders concurrent wins). The buyers' rows are locked (in id order) first,
    so two wins of one buyer at once assign them once. In single mode, for a deal without a
    buyer, or when no account manager is active, nothing is assigned and no task written.
    Call it inside the transaction of the win."""
    deals = sorted((d for d in deals if d.contact_id is not None), key=lambda d: str(d.pk))
    if not deals or not team_is_split():
        return []
    contact_ids = sorted({d.contact_id for d in deals}, key=str)
    # Locked without a join: a row re-read after waiting for a concurrent win's lock carries
    # that win's account manager id, while a joined user row would still be the one read before
    # (PostgreSQL re-checks only the locked table), i.e. none.
    contacts = {
        c.pk: c
        for c in Contact.objects.select_for_update().filter(pk__in=contact_ids).order_by("pk")
    }
    managers = User.objects.in_bulk(
        {c.account_manager_id for c in contacts.values() if c.account_manager_id is not None}
    )
    due_at = follow_up_due(now)
    tasks: list[Task] = []
    for deal in deals:
        contact = contacts.get(deal.contact_id) if deal.contact_id is not None else None
        if contact is None:
            continue
        manager = managers.get(contact.account_manager_id)
        if not _keeps_client(manager):
            manager = account_manager_next()
            if manager is None:  # no active account manager: the buyer stays unassigned
                continue
            Contact.objects.filter(pk=contact.pk).update(
                account_manager=manager, account_manager_since=now, updated_at=now
            )
            contact.account_manager, contact.account_manager_since = manager, now
            managers[manager.pk] = manager
        assert manager is not None  # noqa: S101 - kept or just assigned
        tasks.append(
            Task(
                partner_id=deal.partner_id,
                deal=deal,
                assignee=manager,
                kind=Task.Kind.FOLLOW_UP,
                text=_follow_up_text(contact, deal),
                due_at=due_at,
                created_at=now,
            )
        )
    return Task.objects.bulk_create(tasks)
