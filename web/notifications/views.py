"""The head's page of notifications that did not go out (failed) or are still waiting, with
«send again» per row."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import Role
from notifications.models import Notification
from notifications.selectors import notifications_unsent
from notifications.services import notification_resend
from salesdesk.tenancy import get_object_or_404
from web.tenancy import RoleRequiredMixin

PAGE_SIZE = 50


class HeadNotificationsView(RoleRequiredMixin, TemplateView):
    allowed_roles = frozenset({Role.HEAD})
    template_name = "notifications/head_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = Paginator(notifications_unsent(), PAGE_SIZE).get_page(self.request.GET.get("page"))
        context.update(page=page, failed=Notification.Status.FAILED)
        return context


class HeadNotificationResendView(RoleRequiredMixin, View):
    allowed_roles = frozenset({Role.HEAD})

    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        notification = get_object_or_404(Notification.objects.all(), pk=pk)
        with transaction.atomic():
            resent = notification_resend(notification=notification)
        if resent:
            messages.success(request, _("The notification will be sent again."))
        else:
            messages.info(request, _("The notification has already been sent."))
        url = reverse("notifications_head:list")
        page = request.POST.get("page", "")
        return redirect(f"{url}?page={page}" if page.isdigit() else url)
