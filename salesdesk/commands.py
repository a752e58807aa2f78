"""Helpers for management commands whose last stdout line is one JSON object (the contract)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from salesdesk.errors import ApplicationError


class JsonCommand(BaseCommand):
    """Runs ``handle_json`` and prints its result as one JSON line; domain errors become
    a clear ``CommandError`` (a message on stderr and exit code 1, no traceback)."""

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = self.handle_json(*args, **options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        raise NotImplementedError
