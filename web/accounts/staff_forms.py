"""The head's team page forms: the team's mode, an invitation, a member's role and rate."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SELLER_ROLES, Role, TeamSettings
from accounts.team import QA_SAMPLE_MAX

STAFF_ROLE_CHOICES = [
    (Role.MANAGER.value, _("Sales manager")),
    (Role.CALLER.value, _("Caller")),
    (Role.ACCOUNT_MANAGER.value, _("Account manager")),
    (Role.HEAD.value, _("Head of sales")),
    (Role.QA.value, _("Quality assurance")),
]


class TeamModeForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("How the team works"),
        choices=[
            (TeamSettings.Mode.SINGLE.value, _("One manager takes a deal from start to finish")),
            (
                TeamSettings.Mode.SPLIT.value,
                _("Split: caller → closer → account manager"),
            ),
        ],
        widget=forms.RadioSelect,
    )
    qa_sample_size = forms.IntegerField(
        label=_("Touches quality assurance reviews per seller and day"),
        min_value=0,
        max_value=QA_SAMPLE_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "style": "width:6rem"}),
    )


class PercentField(forms.Field):
    """A percent typed the Russian way («7,5») or not at all (the default rate)."""

    def to_python(self, value: Any) -> Decimal | None:
        raw = str(value or "").strip()[:20].replace(",", ".").replace(" ", "").rstrip("%")
        if not raw:
            return None
        try:
            percent = Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError(_("A number from 0 to 100.")) from None
        if not percent.is_finite() or not Decimal(0) <= percent <= Decimal(100):
            raise forms.ValidationError(_("A number from 0 to 100."))
        return percent


class _MemberFields(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)
    is_trainee = forms.BooleanField(
        label=_("Trainee (takes leads only, never unpaid orders)"), required=False
    )
    commission_percent = PercentField(
        label=_("Commission, %"),
        required=False,
        help_text=_("Empty: the default rate. Sellers only."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "style": "width:8rem"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role = cleaned.get("role")
        if role and role not in SELLER_ROLES:
            if cleaned.get("is_trainee"):
                self.add_error(
                    "is_trainee",
                    _("Only a manager, a caller or an account manager can be a trainee."),
                )
            if cleaned.get("commission_percent") is not None:
                self.add_error("commission_percent", _("Only sales managers earn a commission."))
        return cleaned


class StaffInviteForm(_MemberFields):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )

    field_order = ["email", "role", "is_trainee", "commission_percent"]


class StaffEditForm(_MemberFields):
    pass
