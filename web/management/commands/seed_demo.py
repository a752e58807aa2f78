from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from salesdesk.commands import JsonCommand
from web.demo import DEMO_PASSWORD, seed_demo


class Command(JsonCommand):
    help = "Create demo partners, staff and their data (idempotent). Prints the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="seed even with DEBUG off (demo logins share a published password)",
        )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to seed demo data with DEBUG off: the demo logins share a published "
                "password. Pass --force if this really is a demo instance."
            )
        result = seed_demo()
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for login in result.logins:
            suffix = f" — {login['partner']}" if login["partner"] else ""
            self.stdout.write(f"  {login['email']:<34} {login['role']}{suffix}")
        for partner_name, key in result.api_keys.items():
            self.stdout.write(f"  API key of {partner_name}: {key}")
        return {
            "created": len(result.created),
            "password": DEMO_PASSWORD,
            "logins": result.logins,
            "api_keys": result.api_keys,
        }
