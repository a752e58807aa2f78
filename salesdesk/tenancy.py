"""Tenancy: the one way a request finds its partner and reaches partner-owned rows.

Every partner-reachable queryset goes through a selector that takes the partner first;
API views get the partner from :class:`PartnerScopedAPIView` and pages from
:class:`PartnerRequiredMixin`. Another partner's object is a 404 — never a 403, which
would confirm that it exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework.views import APIView

from salesdesk.errors import NotFoundError

if TYPE_CHECKING:
    from partners.models import Partner

M = TypeVar("M", bound=Model)


def request_partner(request: Any) -> Partner | None:
    """The partner on whose behalf this request acts, or ``None`` for staff and anonymous."""
    from accounts.authentication import PartnerApiClient
    from accounts.models import PARTNER_ROLES

    user = getattr(request, "user", None)
    if isinstance(user, PartnerApiClient):
        return user.partner
    if getattr(user, "is_authenticated", False) and getattr(user, "role", None) in PARTNER_ROLES:
        return user.partner  # type: ignore[union-attr]
    return None


def get_object_or_404(queryset: QuerySet[M], **lookups: Any) -> M:
    """Like Django's, but a malformed id (not a UUID) is also a plain 'not found'."""
    try:
        return queryset.get(**lookups)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFoundError(
            _("%(model)s not found.") % {"model": queryset.model._meta.verbose_name}
        ) from None


class PartnerScopedAPIView(APIView):
    """Base for partner endpoints: ``self.partner`` is set, staff and anonymous are refused."""

    def get_permissions(self) -> list[Any]:
        from accounts.permissions import IsPartner

        return [IsPartner(), *super().get_permissions()]

    @cached_property
    def partner(self) -> Partner:
        partner = request_partner(self.request)
        if partner is None:  # permissions ran first; this is a programming error
            raise PermissionDenied
        return partner


class PartnerRequiredMixin(LoginRequiredMixin):
    """Pages of the partner cabinet: a logged-in partner member; ``self.partner`` is theirs."""

    partner: Partner

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        partner = request_partner(request)
        if partner is None:
            raise Http404
        self.partner = partner
        return super().dispatch(request, *args, **kwargs)


class RoleRequiredMixin(LoginRequiredMixin):
    """Pages for given staff roles; anyone else logged in gets 403."""

    allowed_roles: frozenset[str] = frozenset()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if getattr(request.user, "role", None) not in self.allowed_roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
