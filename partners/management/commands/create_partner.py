from typing import Any

from django.core.management.base import CommandParser

from partners.services import partner_onboard
from salesdesk.commands import JsonCommand


class Command(JsonCommand):
    help = (
        "Create a partner with its owner login and a first API key. "
        'Prints {"partner": "<uuid>", "api_key": "..."}; the key is shown only this once.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the partner's name, e.g. 'Школа рисования'")
        parser.add_argument("--email", required=True, help="the owner's login email")
        parser.add_argument(
            "--password",
            default=None,
            help="the owner's password (default: none; they set it through password reset)",
        )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        partner, _owner, raw_key = partner_onboard(
            name=options["name"], owner_email=options["email"], owner_password=options["password"]
        )
        return {"partner": str(partner.pk), "api_key": raw_key}
