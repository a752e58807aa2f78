from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import ApiKey, PersonalToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "role", "partner", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff", "partner")
    search_fields = ("email", "full_name", "partner__name")
    autocomplete_fields = ("partner",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "role", "partner")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "partner", "password1", "password2"),
            },
        ),
    )


@admin.action(description=_("Revoke the selected credentials"))
def revoke(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    text = ngettext("%(n)d credential revoked.", "%(n)d credentials revoked.", count) % {"n": count}
    modeladmin.message_user(request, text, messages.SUCCESS)


_CREDENTIAL_READONLY = ("prefix", "created_at", "last_used_at", "revoked_at")


class CredentialAdmin(admin.ModelAdmin):
    """Keys are issued in the cabinet or by commands (the raw value is shown once there)."""

    exclude = ("key_hash",)
    actions = [revoke]
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(CredentialAdmin):
    list_display = ("prefix", "name", "partner", "created_at", "last_used_at", "revoked_at")
    search_fields = ("prefix", "name", "partner__name")
    list_select_related = ("partner",)
    readonly_fields = (*_CREDENTIAL_READONLY, "partner", "created_by")


@admin.register(PersonalToken)
class PersonalTokenAdmin(CredentialAdmin):
    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    search_fields = ("prefix", "name", "user__email")
    list_select_related = ("user",)
    readonly_fields = (*_CREDENTIAL_READONLY, "user")
