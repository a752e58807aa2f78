from django.apps import AppConfig

from salesdesk import sqlite


class SalesdeskConfig(AppConfig):
    """The project package as an app: start-up wiring that belongs to no domain app."""

    name = "salesdesk"
    verbose_name = "SalesDesk"

    def ready(self) -> None:
        sqlite.connect()
