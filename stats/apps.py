from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from stats import aggregates


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        aggregates.connect()
