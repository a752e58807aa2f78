"""The partner's «Team» page: members, pending invitations; the owner invites colleagues by
email, revokes an invitation, removes a member (not the owner, not themselves)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Invitation, Role, User
from accounts.services import invitation_revoke, member_remove
from partners.services import partner_member_invite
from salesdesk.errors import ApplicationError
from web.accounts.forms import InviteForm
from web.tenancy import PartnerRequiredMixin


class TeamMixin(PartnerRequiredMixin):
    def is_owner(self, request: HttpRequest) -> bool:
        return getattr(request.user, "role", None) == Role.PARTNER_OWNER

    def require_owner(self, request: HttpRequest) -> User:
        if not self.is_owner(request):
            raise PermissionDenied
        return cast(User, request.user)


class TeamView(TeamMixin, View):
    template_name = "partners/team.html"

    def _render(self, request: HttpRequest, form: InviteForm | None = None) -> HttpResponse:
        now = timezone.now()
        members = User.objects.filter(partner=self.partner, is_active=True).order_by(
            "role", "full_name", "email"
        )
        invitations = [
            i
            for i in Invitation.objects.for_partner(self.partner).filter(
                accepted_at__isnull=True, revoked_at__isnull=True
            )
            if i.state(now) == Invitation.State.PENDING
        ]
        context: dict[str, Any] = {
            "partner": self.partner,
            "members": members,
            "invitations": invitations,
            "is_owner": self.is_owner(request),
            "form": form or InviteForm(),
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest) -> HttpResponseBase:
        owner = self.require_owner(request)
        form = InviteForm(request.POST)
        if not form.is_valid():
            return self._render(request, form)
        try:
            invitation = partner_member_invite(
                partner=self.partner, invited_by=owner, email=form.cleaned_data["email"]
            )
        except ApplicationError as exc:
            form.add_error("email", exc.message)
            return self._render(request, form)
        messages.success(
            request,
            _("The invitation was sent to %(email)s.") % {"email": invitation.email},
        )
        return redirect("partners:team")


class InvitationRevokeView(TeamMixin, View):
    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        self.require_owner(request)
        try:
            invitation = invitation_revoke(partner=self.partner, invitation_id=pk)
        except ApplicationError as exc:
            if exc.status_code == 404:
                raise
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The invitation of %(email)s was revoked.") % {"email": invitation.email},
            )
        return redirect("partners:team")


class MemberRemoveView(TeamMixin, View):
    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        owner = self.require_owner(request)
        try:
            member = member_remove(partner=self.partner, actor=owner, member_id=pk)
        except ApplicationError as exc:
            if exc.status_code == 404:
                raise
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(name)s no longer has access to the cabinet.")
                % {"name": member.get_full_name()},
            )
        return redirect("partners:team")
