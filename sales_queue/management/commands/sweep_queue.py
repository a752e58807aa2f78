from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from sales_queue.services import SWEEP_BATCH_SIZE, queue_sweep_due_orders
from salesdesk.commands import JsonCommand


class Command(JsonCommand):
    help = (
        "Run the grace-period sweep once: every unpaid order past its due time, of a product "
        'whose sales department is active, enters the queue. Prints {"queued": N}.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=SWEEP_BATCH_SIZE,
            help=f"Orders per INSERT (default {SWEEP_BATCH_SIZE}).",
        )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        return {"queued": queue_sweep_due_orders(batch_size=options["batch_size"])}
