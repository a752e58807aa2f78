from __future__ import annotations

from typing import Any

from sales_queue.alerts import response_breaches_send
from salesdesk.commands import JsonCommand


class Command(JsonCommand):
    help = (
        "Alert the heads if orders have waited in the queue longer than "
        "SALES_RESPONSE_SLA_MINUTES of working time (at most once per 15 minutes). Prints "
        '{"sent": N} (heads alerted now).'
    )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        return {"sent": response_breaches_send()}
