from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Registers the OpenAPI description of the Bearer authentication.
        from accounts import schema  # noqa: F401
