from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueueConfig(AppConfig):
    # The package cannot be called ``queue`` (the stdlib module; Django and kombu import it),
    # but the app label can.
    name = "sales_queue"
    label = "queue"
    verbose_name = _("Sales queue")
