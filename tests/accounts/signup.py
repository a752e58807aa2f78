"""Helpers for the sign-up and invitation tests: the links as the emails in the outbox carry
them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from notifications.models import Notification

CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm/[^/\s]+/")
INVITE_LINK = re.compile(r"https?://\S+/accounts/invite/[^/\s]+/")


def _latest(kind: str, email: str) -> Notification:
    return Notification.objects.filter(kind=kind, recipient=email).latest("created_at")


def confirmation_path(email: str) -> str:
    """The path of the newest confirmation link sent to ``email`` (read from the outbox)."""
    row = _latest(Notification.Kind.EMAIL_CONFIRMATION, email)
    match = CONFIRM_LINK.search(row.text)
    assert match, row.text
    return urlsplit(match.group(0)).path


def invitation_path(email: str) -> str:
    row = _latest(Notification.Kind.INVITATION, email)
    match = INVITE_LINK.search(row.text)
    assert match, row.text
    return urlsplit(match.group(0)).path
