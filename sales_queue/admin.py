from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sales_queue.models import QueueItem


@admin.register(QueueItem)
class QueueItemAdmin(admin.ModelAdmin):
    """Read-only: items move only through the queue's services (sweep, take, touches)."""

    list_display = [
        "pk",
        "source",
        "partner",
        "product",
        "state",
        "holder",
        "entered_at",
        "outcome",
    ]
    list_filter = ["state", "source", "outcome"]
    search_fields = ["order__external_id"]
    list_select_related = ["partner", "product", "holder"]
    raw_id_fields = ["order", "holder"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
