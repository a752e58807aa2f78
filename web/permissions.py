"""Role permissions for the API. A partner principal is a partner API key or a partner login."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.authentication import PartnerApiClient
from accounts.models import PARTNER_ROLES, SELLER_ROLES, STAFF_ROLES, Role
from partners.models import Partner


def request_partner(request: Any) -> Partner | None:
    """The partner on whose behalf this request acts, or ``None`` for staff and anonymous."""
    user = getattr(request, "user", None)
    if isinstance(user, PartnerApiClient):
        return user.partner
    if getattr(user, "is_authenticated", False) and getattr(user, "role", None) in PARTNER_ROLES:
        return user.partner  # type: ignore[union-attr]
    return None


class IsPartner(BasePermission):
    """A partner's API key or one of the partner's people."""

    message = _("This endpoint is for partners (use a partner API key).")

    def has_permission(self, request: Request, view: Any) -> bool:
        return request_partner(request) is not None


class IsStaff(BasePermission):
    """Anyone of the sales department (manager, caller, account manager, head, QA)."""

    message = _("This endpoint is for the sales department's staff.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request.user, "role", None) in STAFF_ROLES


class IsSeller(BasePermission):
    """Those who work the queue: managers, callers and account managers."""

    message = _("This endpoint is for sales managers.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request.user, "role", None) in SELLER_ROLES


class IsHead(BasePermission):
    message = _("This endpoint is for the head of sales.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request.user, "role", None) == Role.HEAD


class IsPartnerOrStaff(BasePermission):
    """A partner key (or partner login) or a staff member; the view narrows what each sees."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return IsPartner().has_permission(request, view) or IsStaff().has_permission(request, view)
