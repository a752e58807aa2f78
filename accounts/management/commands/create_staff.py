from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from accounts.models import STAFF_ROLES
from accounts.services import personal_token_create, user_create
from salesdesk.commands import JsonCommand


class Command(JsonCommand):
    help = (
        "Create a member of the sales department with a personal API token. "
        'Prints {"user": "<uuid>", "token": "...", "trainee": false}; the token is shown only '
        "this once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=sorted(r.value for r in STAFF_ROLES))
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="", help="full name shown to colleagues")
        parser.add_argument(
            "--trainee",
            action="store_true",
            help="a trainee seller: takes leads only (cold ones first), never unpaid orders",
        )

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        with transaction.atomic():
            user = user_create(
                email=options["email"],
                role=options["role"],
                password=options["password"],
                full_name=options["name"],
                is_trainee=options["trainee"],
            )
            _token, raw = personal_token_create(user=user, name="create_staff")
        return {"user": str(user.pk), "token": raw, "trainee": user.is_trainee}
