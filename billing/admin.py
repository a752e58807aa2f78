from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from billing.models import FeePolicy, LedgerEntry, MonthlyStatement, PaymentRecord


@admin.register(FeePolicy)
class FeePolicyAdmin(admin.ModelAdmin):
    """New terms are a new policy with a future ``effective_from``; a policy in use is never
    edited, or past charges would be recomputed on terms they were not made under."""

    list_display = (
        "effective_from",
        "rate",
        "minimum",
        "maximum",
        "attribution_days",
        "currency",
        "created_at",
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(_ReadOnlyAdmin):
    list_display = ("created_at", "partner", "order", "kind", "amount", "base_amount")
    list_filter = ("kind",)
    search_fields = ("order__external_id", "order__id", "partner__name")
    list_select_related = ("partner", "order")


@admin.register(MonthlyStatement)
class MonthlyStatementAdmin(_ReadOnlyAdmin):
    list_display = ("month", "partner", "orders_handled", "fees", "reversals", "total", "closed_at")
    list_select_related = ("partner",)


@admin.register(PaymentRecord)
class PaymentRecordAdmin(_ReadOnlyAdmin):
    list_display = ("recorded_at", "partner", "order", "paid_at", "paid_amount", "verdict")
    list_filter = ("verdict",)
    search_fields = ("order__external_id", "order__id", "partner__name")
    list_select_related = ("partner", "order")
