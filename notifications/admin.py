"""The outbox in the Django admin: read-only (the delivery task owns the statuses), with
"send again" for failed and pending rows."""

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Notification, TelegramLink
from notifications.services import notification_resend


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "channel", "recipient", "subject", "status", "attempts")
    list_filter = ("status", "kind", "channel")
    search_fields = ("key", "recipient", "subject")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    actions = ("send_again",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Send again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        with transaction.atomic():
            count = sum(
                notification_resend(notification=notification)
                for notification in queryset.order_by("pk")
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d notification will be sent again.",
                "%(count)d notifications will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(TelegramLink)
class TelegramLinkAdmin(admin.ModelAdmin):
    """Who has linked a chat (read-only: linking is the user's, with a code; deleting a row
    unlinks it, as «Отвязать» does)."""

    list_display = ("user", "chat_id", "linked_at", "code_expires_at")
    search_fields = ("user__email",)
    readonly_fields = ("user", "chat_id", "linked_at", "code_expires_at")
    exclude = ("code_hash",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
