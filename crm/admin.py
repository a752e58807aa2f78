"""The crm tables in the Django admin: read-only, since crm's services own every write (a
deal's status and stage move together, and each move leaves a stage-change row)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from crm.models import (
    Contact,
    Deal,
    DealSettings,
    Stage,
    StageChange,
    Task,
    TouchScript,
    TouchScriptStep,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StageChangeInline(admin.TabularInline):
    model = StageChange
    fields = ["created_at", "from_stage", "to_stage", "actor", "reason"]
    readonly_fields = ["created_at", "from_stage", "to_stage", "actor", "reason"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Deal)
class DealAdmin(ReadOnlyAdmin):
    list_display = ["title", "partner", "stage", "status", "responsible", "updated_at"]
    list_filter = ["status", "stage__kind"]
    search_fields = ["title", "contact_name", "contact_email", "contact_phone"]
    list_select_related = ["partner", "stage", "responsible"]
    inlines = [StageChangeInline]


@admin.register(Stage)
class StageAdmin(ReadOnlyAdmin):
    list_display = ["name", "partner", "position", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "partner__name"]
    list_select_related = ["partner"]


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ["deal", "from_stage", "to_stage", "actor", "reason", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["deal", "from_stage", "to_stage", "actor"]


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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    """Read-only: tasks are written by the deal services and marked done by their assignee."""

    list_display = ["text", "kind", "assignee", "partner", "due_at", "done_at", "created_at"]
    list_filter = ["kind", "partner"]
    search_fields = ["text", "assignee__email"]
    list_select_related = ["partner", "assignee"]
    date_hierarchy = "created_at"
    raw_id_fields = ["deal"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TouchScriptStepInline(admin.TabularInline):
    model = TouchScriptStep
    fields = ["position", "title", "text"]
    readonly_fields = ["position", "title", "text"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TouchScript)
class TouchScriptAdmin(ReadOnlyAdmin):
    list_display = ["name", "partner", "product", "kind", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "partner__name", "product__name"]
    list_select_related = ["partner", "product"]
    inlines = [TouchScriptStepInline]
