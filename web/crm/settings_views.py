"""The cabinet's deal settings page: the owner changes them, the partner's staff read them."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.models import Role
from crm.models import STALE_AFTER_MAX_MINUTES, STALE_AFTER_MIN_MINUTES, DealSettings
from crm.selectors import deal_settings_get
from crm.services import deal_settings_update
from salesdesk.errors import ApplicationError
from web.partners.forms import add_service_errors
from web.tenancy import PartnerRequiredMixin

# One address a line, or separated by commas, semicolons or spaces.
EMAIL_SEPARATORS = re.compile(r"[\s,;]+")


class DealSettingsForm(forms.Form):
    """Shapes only; the service checks the addresses, their number and the on-needs-an-address
    rule, and its errors are shown beside the fields."""

    stale_reminder_enabled = forms.BooleanField(
        label=gettext_lazy("Remind by email about stale deals"), required=False
    )
    stale_after_minutes = forms.IntegerField(
        label=gettext_lazy("A deal is stale after, minutes"),
        min_value=STALE_AFTER_MIN_MINUTES,
        max_value=STALE_AFTER_MAX_MINUTES,
        help_text=gettext_lazy(
            "An open deal that has not changed for this long is reminded about. For example, "
            "60 is one hour, 1440 is one day; from 15 minutes to 43200 (30 days)."
        ),
    )
    reminder_emails = forms.CharField(
        label=gettext_lazy("Reminder emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 5000}),
        help_text=gettext_lazy("One address a line (or separated by commas); at most 10."),
    )

    def clean_reminder_emails(self) -> list[str]:
        return [e for e in EMAIL_SEPARATORS.split(self.cleaned_data["reminder_emails"]) if e]

    @classmethod
    def for_settings(cls, settings: DealSettings, **kwargs: Any) -> DealSettingsForm:
        form = cls(
            initial={
                "stale_reminder_enabled": settings.stale_reminder_enabled,
                "stale_after_minutes": settings.stale_after_minutes,
                "reminder_emails": "\n".join(settings.reminder_emails),
            },
            **kwargs,
        )
        return form


class DealSettingsView(PartnerRequiredMixin, View):
    template_name = "crm/deal_settings.html"

    def _can_change(self, request: HttpRequest) -> bool:
        return getattr(request.user, "role", None) == Role.PARTNER_OWNER

    def _render(self, request: HttpRequest, form: DealSettingsForm, **extra: Any) -> HttpResponse:
        can_change = self._can_change(request)
        if not can_change:
            for field in form.fields.values():
                field.disabled = True
        context = {"form": form, "can_change": can_change, **extra}
        return render(request, self.template_name, context)

    def get(self, request: HttpRequest) -> HttpResponse:
        settings = deal_settings_get(partner=self.partner)
        return self._render(request, DealSettingsForm.for_settings(settings))

    def post(self, request: HttpRequest) -> HttpResponse:
        if not self._can_change(request):
            settings = deal_settings_get(partner=self.partner)
            return self._render(
                request,
                DealSettingsForm.for_settings(settings),
                error=_("Only the partner's owner changes the deal settings."),
            )
        form = DealSettingsForm(request.POST)
        if form.is_valid():
            try:
                deal_settings_update(partner=self.partner, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The deal settings were saved."))
                return redirect("crm_settings:deal-settings")
        return self._render(request, form)
