"""Every logged-in user's notifications: the bell in the top bar, the in-app list with
«Отметить прочитанным» / «Прочитать все», and the settings page (which kinds on which
channels)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import User
from notifications.selectors import inbox_for, preference_table, unread_count
from notifications.services import (
    notification_mark_read,
    notification_preferences_save,
    notifications_mark_all_read,
)
from notifications.telegram import telegram_chat_of, telegram_enabled
from salesdesk.tenancy import get_object_or_404

PAGE_SIZE = 50
# Tells the bell (hx-trigger "… notifications-changed from:body") to ask for its number now.
CHANGED = "notifications-changed"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # LoginRequiredMixin let only logged-in users through


def _page_query(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    return f"?page={page}" if page.isdigit() else ""


class BellView(LoginRequiredMixin, View):
    """The bell with the unread count; the top bar asks for it every 30 s."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, "notifications/_bell.html", {"bell_unread": unread_count(_user(request))}
        )


def _inbox_context(user: User, page_number: str | None) -> dict[str, Any]:
    page = Paginator(inbox_for(user), PAGE_SIZE).get_page(page_number)
    return {"page": page, "has_unread": unread_count(user) > 0}


class InboxView(LoginRequiredMixin, TemplateView):
    template_name = "notifications/inbox.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(_inbox_context(_user(self.request), self.request.GET.get("page")))
        return context


class MarkReadView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponseBase:
        user = _user(request)
        notification = get_object_or_404(inbox_for(user), pk=pk)
        notification_mark_read(user=user, notification_id=notification.pk)
        if request.htmx:  # type: ignore[attr-defined]
            notification.refresh_from_db()
            response = render(
                request,
                "notifications/_inbox_item.html",
                {"n": notification, "page_number": request.POST.get("page", "")},
            )
            response["HX-Trigger"] = CHANGED
            return response
        return redirect(reverse("notifications:inbox") + _page_query(request))


class MarkAllReadView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> HttpResponseBase:
        user = _user(request)
        notifications_mark_all_read(user=user)
        if request.htmx:  # type: ignore[attr-defined]
            context = _inbox_context(user, request.POST.get("page"))
            response = render(request, "notifications/_inbox.html", context)
            response["HX-Trigger"] = CHANGED
            return response
        messages.success(request, _("All notifications are marked as read."))
        return redirect(reverse("notifications:inbox") + _page_query(request))


class PreferencesView(LoginRequiredMixin, View):
    template_name = "notifications/settings.html"

    def _render(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        telegram_on = telegram_enabled()
        context = {
            "table": preference_table(user),
            "telegram_on": telegram_on,
            "telegram_linked": telegram_on and telegram_chat_of(user) is not None,
            "profile_url": reverse("accounts:profile"),
        }
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest) -> HttpResponseBase:
        enabled = set()
        for value in request.POST.getlist("on"):
            kind, _sep, channel = value.partition(":")
            enabled.add((kind, channel))
        notification_preferences_save(user=_user(request), enabled=enabled)
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications:settings")
