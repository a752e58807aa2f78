from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import LedgerEntry
from billing.months import parse_past_or_current_month
from salesdesk.errors import ApplicationError


class ChargeFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *LedgerEntry.Kind.choices],
    )
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    order = forms.CharField(label=_("Order external id"), required=False, max_length=200)

    def clean_month(self) -> dt.date | None:
        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        try:
            return parse_past_or_current_month(value)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
