from __future__ import annotations

from typing import Any

from notifications.selectors import outbox_status
from sales_queue.selectors import queue_health
from salesdesk.commands import JsonCommand
from salesdesk.health import broker_queue_length


class Command(JsonCommand):
    help = (
        'What to watch when running at scale (README, "Running at scale"), as one JSON line: '
        "the sales queue (takeable items, the oldest one's wait), the notification outbox "
        "(pending, the oldest pending row's age, failed) and the tasks waiting in the broker."
    )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        health = queue_health()
        return {
            "queue": {
                "waiting": health["length"],
                "oldest_waiting_seconds": health["oldest_waiting_seconds"],
                "active": health["active"],
                "deferred": health["deferred"],
            },
            "outbox": outbox_status(),
            "broker_queue": broker_queue_length(),
        }
