"""Public pages of self sign-up and invitations: the sign-up form, «check your inbox», the
confirmation link, a new link on request, and accepting an invitation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Invitation, User
from accounts.services import (
    Confirmation,
    email_confirm,
    email_confirmation_user,
    invitation_by_secret,
)
from partners.services import email_confirmation_resend, partner_sign_up
from salesdesk.errors import ApplicationError
from stats.staff import invitation_join
from web.accounts.forms import InvitationAcceptForm, SignUpForm
from web.ratelimit import over_limit, too_many_requests

# Logging in from a link: the password was not typed, so name the backend (there are two).
LINK_LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignUpView(View):
    template_name = "registration/signup.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("home")
        return render(request, self.template_name, {"form": SignUpForm()})

    def post(self, request: HttpRequest) -> HttpResponseBase:
        retry_after = over_limit(request, "signup")
        if retry_after is not None:
            return too_many_requests(request, retry_after)
        form = SignUpForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        if not form.is_bot:
            try:
                partner_sign_up(
                    company=form.cleaned_data["company"],
                    full_name=form.cleaned_data["full_name"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                return render(request, self.template_name, {"form": form})
        request.session["signup_email"] = form.cleaned_data["email"]
        return redirect("signup-sent")


class SignUpSentView(View):
    """«Check your inbox» — the same page whether the address was new or not."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "registration/signup_sent.html",
            {
                "email": request.session.get("signup_email", ""),
                "days": settings.EMAIL_CONFIRMATION_DAYS,
            },
        )


class ConfirmView(View):
    """The link from the email. Opening it shows a button (mail scanners that fetch links
    must not use it up); pressing it confirms the address and logs the owner in."""

    template_name = "registration/signup_confirm.html"

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        state, _user = email_confirmation_user(token=token)
        return self._page(request, state, token)

    def post(self, request: HttpRequest, token: str) -> HttpResponseBase:
        state, user = email_confirm(token=token)
        if state != Confirmation.CONFIRMED or user is None:
            return self._page(request, state, token)
        login(request, user, backend=LINK_LOGIN_BACKEND)
        messages.success(request, _("Your email address is confirmed. Welcome to SalesDesk!"))
        return redirect("partners:cabinet")

    def _page(self, request: HttpRequest, state: str, token: str) -> HttpResponse:
        status = 404 if state == Confirmation.INVALID else 200
        return render(request, self.template_name, {"state": state, "token": token}, status=status)


class ResendView(View):
    """A new confirmation link: from an expired link (its token) or from the login page (the
    address). The answer is the same whether anything was sent."""

    def post(self, request: HttpRequest) -> HttpResponseBase:
        retry_after = over_limit(request, "signup-resend")
        if retry_after is not None:
            return too_many_requests(request, retry_after)
        email = request.POST.get("email", "").strip()[:254]
        email_confirmation_resend(token=request.POST.get("token", "")[:500], email=email)
        if email:
            request.session["signup_email"] = email
        return redirect("signup-sent")


class InvitationAcceptView(View):
    """The link from an invitation: name and password, then the cabinet (or the sales
    department's home) as the new member. Used, revoked and expired links say so."""

    template_name = "registration/invitation_accept.html"

    def _invitation(self, token: str) -> Invitation | None:
        return invitation_by_secret(token[:200])

    def _render(
        self, request: HttpRequest, invitation: Invitation | None, **extra: Any
    ) -> HttpResponse:
        state = invitation.state() if invitation is not None else "invalid"
        context = {"invitation": invitation, "state": state, **extra}
        return render(
            request, self.template_name, context, status=404 if invitation is None else 200
        )

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(token)
        form = InvitationAcceptForm(email=invitation.email) if invitation is not None else None
        return self._render(request, invitation, form=form)

    def post(self, request: HttpRequest, token: str) -> HttpResponseBase:
        invitation = self._invitation(token)
        if invitation is None or invitation.state() != Invitation.State.PENDING:
            return self._render(request, invitation)
        form = InvitationAcceptForm(request.POST, email=invitation.email)
        if not form.is_valid():
            return self._render(request, invitation, form=form)
        try:
            user: User = invitation_join(
                raw=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ApplicationError as exc:
            invitation.refresh_from_db()
            form.add_error(None, exc.message)
            return self._render(request, invitation, form=form)
        login(request, user, backend=LINK_LOGIN_BACKEND)
        messages.success(request, _("Welcome to SalesDesk!"))
        return redirect("home")
