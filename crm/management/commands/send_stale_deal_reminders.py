from __future__ import annotations

from typing import Any

from crm.reminders import stale_deal_reminders_send
from salesdesk.commands import JsonCommand


class Command(JsonCommand):
    help = (
        "Run the stale-deal reminders once: each open deal unchanged for longer than its "
        "partner's interval gets one reminder per stale period, to the partner's reminder "
        'addresses and the responsible manager. Prints {"sent": N} (reminders written; the '
        "outbox delivers them)."
    )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        return {"sent": stale_deal_reminders_send()}
