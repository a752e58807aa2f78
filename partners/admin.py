from django.contrib import admin
from django.http import HttpRequest

from partners.models import (
    AlignmentSlot,
    CallBooking,
    Partner,
    Product,
    Questionnaire,
    QuestionnaireVersion,
    StatusChange,
)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "id")
    readonly_fields = ("id", "created_at", "updated_at")


class QuestionnaireInline(admin.StackedInline):
    model = Questionnaire
    can_delete = False
    readonly_fields = ("submitted_at",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Statuses change only through the services (they write the audit and send email),
    so the admin shows them read-only."""

    list_display = ("name", "partner", "price", "sales_enabled", "sales_status", "created_at")
    list_filter = ("sales_status", "sales_enabled")
    search_fields = ("name", "external_id", "id", "partner__name")
    list_select_related = ("partner",)
    raw_id_fields = ("partner",)
    readonly_fields = (
        "id",
        "sales_status",
        "status_before_block",
        "refusal_reason",
        "refusal_comment",
        "approved_at",
        "created_at",
        "updated_at",
    )
    inlines = [QuestionnaireInline]


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(_ReadOnlyAdmin):
    list_display = ("product", "number", "kind", "created_at", "created_by")
    list_filter = ("kind",)
    search_fields = ("product__name", "product__id")


@admin.register(AlignmentSlot)
class AlignmentSlotAdmin(_ReadOnlyAdmin):
    list_display = ("starts_at", "duration_minutes", "head", "cancelled_at")
    list_filter = ("cancelled_at",)


@admin.register(CallBooking)
class CallBookingAdmin(_ReadOnlyAdmin):
    list_display = ("slot", "partner", "created_at", "cancelled_at")
    list_select_related = ("slot", "partner")


@admin.register(StatusChange)
class StatusChangeAdmin(_ReadOnlyAdmin):
    list_display = ("created_at", "partner", "product", "from_status", "to_status", "reason")
    list_filter = ("to_status", "reason")
    list_select_related = ("partner", "product")
    search_fields = ("partner__name", "product__name", "actor_label")
