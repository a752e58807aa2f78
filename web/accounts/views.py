from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import PARTNER_ROLES, SELLER_ROLES, STAFF_ROLES, Role, User
from accounts.services import personal_token_create, personal_token_revoke
from notifications.telegram import (
    telegram_code_create,
    telegram_enabled,
    telegram_link_of,
    telegram_unlink,
)
from partners.models import Partner
from salesdesk.errors import ApplicationError
from web.accounts.forms import OutboxPasswordResetForm
from web.ratelimit import over_limit, too_many_requests
from web.tenancy import RoleRequiredMixin


def home_url_for(user: Any) -> str:
    """Where a user lands after logging in: their own home for their role."""
    role = getattr(user, "role", None)
    if role in PARTNER_ROLES:
        return reverse("partners:cabinet")
    if role in SELLER_ROLES:
        return reverse("queue:workspace")
    if role == Role.QA:
        return reverse("quality:queue")
    if role == Role.HEAD:
        return reverse("head-home")
    if getattr(user, "is_superuser", False):
        return reverse("admin:index")
    return reverse("login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_for(request.user))


class TokensView(RoleRequiredMixin, View):
    """A staff member's personal API tokens: list, create (shown once), revoke."""

    allowed_roles = frozenset(STAFF_ROLES)
    template_name = "accounts/tokens.html"

    def _render(self, request: HttpRequest, **extra: Any) -> HttpResponse:
        user = cast(User, request.user)  # RoleRequiredMixin let only staff through
        context = {"tokens": user.tokens.all(), **extra}
        template = "accounts/_tokens.html" if request.htmx else self.template_name  # type: ignore[attr-defined]
        return render(request, template, context)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest) -> HttpResponseBase:
        user = cast(User, request.user)
        action = request.POST.get("action")
        if action == "create":
            _token, raw = personal_token_create(user=user, name=request.POST.get("name", ""))
            return self._render(request, new_secret=raw)
        if action == "revoke":
            try:
                personal_token_revoke(user=user, token_id=request.POST.get("token", ""))
            except ApplicationError as exc:
                return self._render(request, error=exc.message)
            return self._render(request, notice=_("The token was revoked."))
        return self._render(request, error=_("Unknown action."))


class ProfileView(LoginRequiredMixin, View):
    """Everyone's own page: who they are, where their notifications go, and linking a
    Telegram chat with a one-time code (shown once, right after it is made)."""

    template_name = "accounts/profile.html"

    def _render(self, request: HttpRequest, **extra: Any) -> HttpResponse:
        user = cast(User, request.user)
        link = telegram_link_of(user) if telegram_enabled() else None
        context = {
            "telegram_on": telegram_enabled(),
            "telegram_bot": settings.TELEGRAM_BOT_NAME,
            "telegram_linked": link is not None and link.chat_id is not None,
            "telegram_link": link,
            "code_minutes": settings.TELEGRAM_LINK_CODE_MINUTES,
            **extra,
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest) -> HttpResponseBase:
        user = cast(User, request.user)
        action = request.POST.get("action")
        if not telegram_enabled():
            return redirect("accounts:profile")
        if action == "telegram-code":
            return self._render(request, telegram_code=telegram_code_create(user=user))
        if action == "telegram-unlink":
            if telegram_unlink(user=user):
                messages.success(request, _("Telegram is unlinked."))
            return redirect("accounts:profile")
        return redirect("accounts:profile")


class HeadHomeView(RoleRequiredMixin, TemplateView):
    """The head of sales' start page: partners and the sales team at a glance."""

    allowed_roles = frozenset({Role.HEAD, Role.QA})
    template_name = "accounts/head_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["partners"] = Partner.objects.annotate(
            member_count=Count("members", filter=Q(members__is_active=True))
        ).order_by("name")
        context["staff"] = User.objects.filter(role__in=STAFF_ROLES).order_by("role", "email")
        return context


def login_locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes' lockout answer (``AXES_LOCKOUT_CALLABLE``): too many wrong passwords for
    this account or from this address. A page in the site's layout with how long to wait, a
    429 with ``Retry-After``; the password is not even checked until the pause is over."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "reset_url": reverse("password_reset")},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's «forgot password» page with the sign-up's per-address limit (a form that sends
    email must not be a way to flood someone's inbox) and its letter through the outbox
    (:class:`web.accounts.forms.OutboxPasswordResetForm`)."""

    form_class = OutboxPasswordResetForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        retry_after = over_limit(request, "password-reset")
        if retry_after is not None:
            return too_many_requests(request, retry_after)
        return cast(HttpResponse, super().post(request, *args, **kwargs))
