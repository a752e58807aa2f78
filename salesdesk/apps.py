from django.apps import AppConfig


class SalesdeskConfig(AppConfig):
    """The project package as an app: start-up wiring that belongs to no domain app."""

    name = "salesdesk"
    verbose_name = "SalesDesk"

    def ready(self) -> None:
        from salesdesk import sqlite

        sqlite.connect()
