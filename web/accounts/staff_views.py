"""The head's «Команда» page: how the team works (one manager or split), the staff list,
inviting by email, pending invitations, editing and deactivating a member."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import SELLER_ROLES, Role, User
from accounts.services import staff_invitation_revoke
from accounts.team import team_settings, team_settings_update
from sales_queue.services.staff import staff_deactivate, staff_member
from salesdesk.errors import ApplicationError
from stats.staff import (
    default_commission,
    own_rate,
    staff_invitations_pending,
    staff_invite,
    staff_rows,
    staff_update,
)
from web.accounts.staff_forms import (
    STAFF_ROLE_CHOICES,
    StaffEditForm,
    StaffInviteForm,
    TeamModeForm,
)
from web.tenancy import RoleRequiredMixin

HEAD_ONLY = frozenset({Role.HEAD})


def _form_errors(form: Any, error: ApplicationError, default_field: str | None) -> None:
    """Put a service's refusal on the form: on its fields when it names them."""
    details = error.details if isinstance(error.details, dict) else {}
    placed = False
    for field, messages_ in details.items():
        if field in form.fields and isinstance(messages_, list):
            for message in messages_:
                form.add_error(field, str(message))
            placed = True
    if not placed:
        form.add_error(default_field, str(error.message))


class _HeadPage(RoleRequiredMixin, View):
    allowed_roles = HEAD_ONLY

    @property
    def acting_head(self) -> User:
        return cast(User, self.request.user)


class TeamView(_HeadPage):
    template_name = "accounts/team.html"

    def render_page(
        self,
        request: HttpRequest,
        *,
        mode_form: TeamModeForm | None = None,
        invite_form: StaffInviteForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        settings_row = team_settings()
        role = request.GET.get("role", "")
        if role not in dict(STAFF_ROLE_CHOICES):
            role = ""
        context = {
            "mode_form": mode_form
            or TeamModeForm(
                initial={"mode": settings_row.mode, "qa_sample_size": settings_row.qa_sample_size}
            ),
            "team_settings": settings_row,
            "invite_form": invite_form or StaffInviteForm(initial={"role": Role.MANAGER}),
            "members": list(staff_rows(role=role or None)),
            "invitations": staff_invitations_pending(),
            "default_rate": default_commission(),
            "roles": STAFF_ROLE_CHOICES,
            "role": role,
            "seller_roles": sorted(SELLER_ROLES),
            "invitation_days": settings.INVITATION_DAYS,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(request)


class TeamModeView(_HeadPage):
    def post(self, request: HttpRequest) -> HttpResponseBase:
        form = TeamModeForm(request.POST)
        if form.is_valid():
            try:
                team_settings_update(
                    actor=self.acting_head,
                    mode=form.cleaned_data["mode"],
                    qa_sample_size=form.cleaned_data["qa_sample_size"],
                )
            except ApplicationError as error:
                _form_errors(form, error, None)
            else:
                messages.success(request, _("The team's settings are saved."))
                return redirect("team_head:team")
        return _team_page(request, mode_form=form)


class StaffInviteView(_HeadPage):
    def post(self, request: HttpRequest) -> HttpResponseBase:
        form = StaffInviteForm(request.POST)
        if form.is_valid():
            try:
                invitation = staff_invite(
                    actor=self.acting_head,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    is_trainee=form.cleaned_data["is_trainee"],
                    commission_percent=form.cleaned_data["commission_percent"],
                )
            except ApplicationError as error:
                _form_errors(form, error, "email")
            else:
                messages.success(
                    request,
                    _("The invitation was sent to %(email)s.") % {"email": invitation.email},
                )
                return redirect("team_head:team")
        return _team_page(request, invite_form=form)


def _team_page(request: HttpRequest, **forms: Any) -> HttpResponse:
    view = TeamView()
    view.setup(request)
    return view.render_page(request, status=400, **forms)


class StaffInvitationRevokeView(_HeadPage):
    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        try:
            invitation = staff_invitation_revoke(invitation_id=pk)
        except ApplicationError as error:
            if error.status_code == 404:
                raise
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("The invitation of %(email)s was revoked.") % {"email": invitation.email},
            )
        return redirect("team_head:team")


class StaffEditView(_HeadPage):
    template_name = "accounts/team_member.html"

    def _render(
        self, request: HttpRequest, member: User, form: StaffEditForm, status: int = 200
    ) -> HttpResponse:
        context = {
            "member": member,
            "form": form,
            "is_self": member.pk == self.acting_head.pk,
            "default_rate": default_commission(),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        member = staff_member(pk)
        rate = own_rate(member)
        form = StaffEditForm(
            initial={
                "role": member.role,
                "is_trainee": member.is_trainee,
                "commission_percent": _percent_text(rate),
            }
        )
        return self._render(request, member, form)

    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        member = staff_member(pk)
        form = StaffEditForm(request.POST)
        if form.is_valid():
            try:
                staff_update(
                    actor=self.acting_head,
                    user_id=member.pk,
                    role=form.cleaned_data["role"],
                    is_trainee=form.cleaned_data["is_trainee"],
                    commission_percent=form.cleaned_data["commission_percent"],
                )
            except ApplicationError as error:
                if error.status_code == 404:
                    raise
                _form_errors(form, error, None)
            else:
                messages.success(
                    request,
                    _("The changes for %(name)s are saved.") % {"name": member.get_full_name()},
                )
                return redirect("team_head:team")
        return self._render(request, member, form, status=400)


class StaffGraduateView(_HeadPage):
    """«Выпустить из стажёров»: the trainee flag off, the rest as it is."""

    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        member = staff_member(pk)
        rate = own_rate(member)
        try:
            staff_update(
                actor=self.acting_head,
                user_id=member.pk,
                role=member.role,
                is_trainee=False,
                commission_percent=rate,
            )
        except ApplicationError as error:
            if error.status_code == 404:
                raise
            messages.error(request, str(error.message))
        else:
            messages.success(
                request,
                _("%(name)s is no longer a trainee.") % {"name": member.get_full_name()},
            )
        return redirect("team_head:team")


class StaffDeactivateView(_HeadPage):
    template_name = "accounts/team_deactivate.html"

    def get(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        member = staff_member(pk)
        row = staff_rows().filter(pk=member.pk).first()
        context = {
            "member": member,
            "row": row,
            "clients": member.portfolio.count(),
            "is_self": member.pk == self.acting_head.pk,
        }
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        try:
            done = staff_deactivate(actor=self.acting_head, user_id=pk)
        except ApplicationError as error:
            if error.status_code == 404:
                raise
            messages.error(request, str(error.message))
            return redirect("team_head:team")
        messages.success(
            request,
            _(
                "%(name)s can no longer log in. Items returned to the queue: %(items)s; "
                "deals handed to you: %(deals)s; clients handed to other account managers: "
                "%(handed)s, left without one: %(cleared)s."
            )
            % {
                "name": done.member.get_full_name(),
                "items": done.items_released,
                "deals": done.deals_to_head,
                "handed": done.clients_handed,
                "cleared": done.clients_cleared,
            },
        )
        return redirect("team_head:team")


def _percent_text(value: Any) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")
