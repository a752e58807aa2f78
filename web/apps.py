from django.apps import AppConfig


class WebConfig(AppConfig):
    """The top floor: every page and REST endpoint, the URLconf and the demo data.

    The apps below hold the domain (models, services, selectors, tasks); ``web`` turns HTTP
    requests into calls of their services and selectors, and may import any of them.
    """

    name = "web"
    verbose_name = "SalesDesk web"
