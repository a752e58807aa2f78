from __future__ import annotations

from typing import Any

from sales_queue.alerts import callbacks_due_send
from salesdesk.commands import JsonCommand


class Command(JsonCommand):
    help = (
        'Tell managers once that their scheduled callbacks are due. Prints {"sent": N} '
        "(callbacks announced now; the outbox delivers the messages)."
    )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        return {"sent": callbacks_due_send()}
