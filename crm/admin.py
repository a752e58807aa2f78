from django.contrib import admin
from django.http import HttpRequest

from crm.models import DealSettings


@admin.register(DealSettings)
class DealSettingsAdmin(admin.ModelAdmin):
    """Read-only: the settings change through ``crm.services.deal_settings_update`` (the cabinet
    page or the API), which validates and normalises the addresses."""

    list_display = ("partner", "stale_reminder_enabled", "stale_after_minutes", "updated_at")
    list_filter = ("stale_reminder_enabled",)
    search_fields = ("partner__name", "partner__id")
    list_select_related = ("partner",)
    readonly_fields = (
        "partner",
        "stale_reminder_enabled",
        "stale_after_minutes",
        "reminder_emails",
        "updated_at",
        "updated_by",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DealSettings | None = None) -> bool:
        return False
