from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from crm.models import Contact


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    """Read-mostly: contacts are made and matched at intake. The name and messengers may be
    corrected; phone and email are what buyers are found again by, so they stay as intake set
    them (changing one could merge or split buyers behind the partner's back)."""

    list_display = ["name", "partner", "phone", "email", "created_at"]
    list_filter = ["partner"]
    search_fields = ["name", "phone", "email"]
    list_select_related = ["partner"]
    date_hierarchy = "created_at"
    fields = ["partner", "name", "phone", "email", "telegram", "whatsapp", "created_at"]
    readonly_fields = ["partner", "phone", "email", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
