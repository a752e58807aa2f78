"""The team's set-up for the team tests: the mode, and items in the closers' pool."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.models import TeamSettings
from accounts.team import team_settings_update
from sales_queue.models import QueueItem
from tests.accounts.factories import UserFactory
from tests.sales_queue.factories import NOON, queued_item


def team_mode(mode: str) -> TeamSettings:
    """Set the team's mode as the head does."""
    return team_settings_update(actor=UserFactory.create(role="head"), mode=mode)


def warm_item(*, at: dt.datetime = NOON, **fields: Any) -> QueueItem:
    """An order's item waiting in the closers' pool since ``at`` (as a caller's handoff leaves
    it, without the touch)."""
    item = queued_item(entered_at=at - dt.timedelta(hours=2), **fields)
    QueueItem.objects.filter(pk=item.pk).update(warm=True, available_at=at)
    item.refresh_from_db()
    return item
