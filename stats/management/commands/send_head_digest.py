from __future__ import annotations

from typing import Any

from salesdesk.commands import JsonCommand
from stats.digest import head_digest_send


class Command(JsonCommand):
    help = (
        "Send today's digest to each active head of sales who has not had it: yesterday's "
        'figures and the tasks overdue now. Prints {"sent": N} (heads sent the digest now).'
    )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        return {"sent": head_digest_send()}
