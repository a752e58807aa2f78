from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from salesdesk.commands import JsonCommand
from stats.rollup import BATCH_DAYS, rollup_run


class Command(JsonCommand):
    help = (
        "Run the statistics rollup once: recompute the past days changed since they were "
        "rolled up, then roll up the past days not rolled up yet, oldest first. "
        'Prints {"rolled": N, "dirty": M}.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=BATCH_DAYS,
            help=f"At most this many days of each kind in the run (default {BATCH_DAYS}).",
        )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        if options["days"] < 1:
            raise CommandError("--days must be at least 1.")
        return rollup_run(batch=options["days"])
