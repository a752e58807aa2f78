from __future__ import annotations

from typing import Any

from partners.reminders import call_reminders_send
from salesdesk.commands import JsonCommand


class Command(JsonCommand):
    help = (
        "Run the alignment-call reminders once: a booked call gets a reminder to the partner's "
        'people the day before and an hour before. Prints {"sent": N} (bookings reminded of '
        "now; the outbox delivers the messages)."
    )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        return {"sent": call_reminders_send()}
