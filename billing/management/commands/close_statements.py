from typing import Any

from django.core.management.base import CommandParser

from billing.months import format_month, parse_month
from billing.services import statements_close_due, statements_close_month
from salesdesk.commands import JsonCommand


class Command(JsonCommand):
    help = (
        "Close (freeze) the partners' monthly statements: by default every month that is over "
        'and still open, or the one given. Prints {"months": {"YYYY-MM": closed}}; '
        "a month already closed is left as it is (closed 0)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="the Moscow-time month to close, YYYY-MM")

    def handle_json(self, *args: Any, **options: Any) -> dict[str, Any]:
        if options["month"]:
            month = parse_month(options["month"])
            return {"months": {format_month(month): statements_close_month(month=month)}}
        return {"months": statements_close_due()}
