"""Which kinds of message each role can get: the rows of the notification settings page.

When you add a kind to ``Notification.Kind`` for an alert that only some roles receive, add it
here too; a kind not listed here is offered to everyone."""

from __future__ import annotations

from accounts.models import PARTNER_ROLES, SELLER_ROLES, Role
from notifications.models import Notification

K = Notification.Kind

KIND_ROLES: dict[str, frozenset[str]] = {
    K.PARTNER_DECISION: frozenset(PARTNER_ROLES),
    K.STALE_DEAL: frozenset(PARTNER_ROLES | SELLER_ROLES | {Role.HEAD}),
    K.NEW_APPLICATION: frozenset({Role.HEAD}),
    K.CALL_BOOKED: frozenset({Role.HEAD}),
    K.CALL_REMINDER: frozenset(PARTNER_ROLES),
    K.NEW_TASK: frozenset(SELLER_ROLES | {Role.HEAD}),
    K.CALLBACK_DUE: frozenset(SELLER_ROLES),
    K.RESPONSE_BREACH: frozenset({Role.HEAD}),
    K.HEAD_DIGEST: frozenset({Role.HEAD}),
    K.QA_FEEDBACK: frozenset(SELLER_ROLES),
}


# About one's own login, sent to an address before (or without) a preference can exist: never
# on the settings page.
ACCOUNT_KINDS = frozenset({K.EMAIL_CONFIRMATION, K.INVITATION, K.PASSWORD_RESET})


def kinds_for_role(role: str | None) -> list[tuple[str, str]]:
    """(value, label) of the kinds a user of ``role`` can get, in ``Notification.Kind``'s order."""
    return [
        (value, str(label))
        for value, label in Notification.Kind.choices
        if value not in ACCOUNT_KINDS and (value not in KIND_ROLES or role in KIND_ROLES[value])
    ]
