from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from orders.models import Order, Refund


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "kind", "amount", "refund_id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read-only: orders change only through the storefront's events (the services)."""

    inlines = [RefundInline]

    list_display = ["external_id", "partner", "product", "amount", "status", "created_at", "due_at"]
    list_filter = ["status", "partner"]
    search_fields = ["external_id", "customer_name", "customer_email", "customer_phone"]
    list_select_related = ["partner", "product"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
