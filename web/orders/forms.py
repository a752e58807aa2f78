"""The cabinet's order filters (GET parameters of the list page)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.selectors import SalesStatus
from orders.models import Order

SALES_STATUS_LABELS = {
    SalesStatus.NONE: _("Not in the sales department"),
    SalesStatus.QUEUED: _("Waiting in the queue"),
    SalesStatus.ACTIVE: _("With a manager"),
    SalesStatus.CLOSED: _("Closed"),
}


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("External id, buyer's name, email or phone."),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Order.Status.choices]
    )
    sales_status = forms.ChoiceField(
        label=_("Sales department"),
        required=False,
        choices=[("", _("Any")), *SALES_STATUS_LABELS.items()],
    )
    created_from = forms.DateField(
        label=_("Created from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label=_("Created to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def day_start(self, day: dt.date) -> dt.datetime:
        """Midnight of that day in the site's time zone (Moscow)."""
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
