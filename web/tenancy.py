"""How a request finds its partner: API views get it from :class:`PartnerScopedAPIView`,
pages from :class:`PartnerRequiredMixin`. Staff pages check the role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.functional import cached_property
from rest_framework.views import APIView

from partners.models import Partner
from web.permissions import IsPartner, request_partner


class PartnerScopedAPIView(APIView):
    """Base for partner endpoints: ``self.partner`` is set, staff and anonymous are refused."""

    def get_permissions(self) -> list[Any]:
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
