"""Forms of the deal pages: the list's filters, the stage change, the head's stage editing,
the next step and a touch."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Deal, DealLostReason
from crm.selectors import SEARCH_MAX
from salesdesk.text import validate_single_line
from web.sales_queue.forms import MoscowDateTimeField


class DealFilterForm(forms.Form):
    """The deal list's filters. ``stage`` is a stage name: a seller's or the head's deals span
    several partners' funnels, and the default stages share their names."""

    q = forms.CharField(label=_("Name, phone or email"), required=False, max_length=SEARCH_MAX)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    partner = forms.ChoiceField(label=_("Partner"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    idle = forms.TypedChoiceField(
        label=_("Without touches"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("No matter")),
            (2, _("2 days or more")),
            (3, _("3 days or more")),
            (5, _("5 days or more")),
            (7, _("7 days or more")),
        ],
    )
    responsible = forms.ChoiceField(label=_("Responsible"), required=False)

    def __init__(
        self,
        data: Any,
        *,
        stage_names: list[str],
        partners: list[tuple[str, str]] | None = None,
        products: list[tuple[str, str]] | None = None,
        people: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(data)
        everything: list[tuple[str, Any]] = [("", _("All"))]
        self._choices("stage", everything + [(n, n) for n in stage_names])
        self._choices("status", everything + list(Deal.Status.choices))
        for name, given in (
            ("partner", partners),
            ("product", products),
            ("responsible", people),
        ):
            if given is None:
                del self.fields[name]
            else:
                self._choices(name, everything + given)

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices

    def value(self, name: str) -> str:
        """A valid filter's value, or "" (an invalid one is dropped, not a 500)."""
        self.is_valid()
        return str(self.cleaned_data.get(name) or "")

    def idle_days(self) -> int:
        self.is_valid()
        return int(self.cleaned_data.get("idle") or 0)


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *Deal.Status.choices],
    )


class DealStageForm(forms.Form):
    stage = forms.UUIDField(label=_("Stage"))
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", "—"), *DealLostReason.choices]
    )


class StageActionForm(forms.Form):
    """One edit of a funnel: rename a stage, add one, move one up or down."""

    ACTIONS = ("rename", "add", "up", "down")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    stage = forms.UUIDField(required=False)
    name = forms.CharField(required=False, max_length=200)


class DealNextStepForm(forms.Form):
    """The deal's next step. Both fields are checked by ``crm.services.deal_next_step_set``
    (required, the length, not on a past day); the form only parses them."""

    text = forms.CharField(label=_("Next step"), required=False, max_length=1000)
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class DealFieldsForm(forms.Form):
    """The deal's own fields; the lengths and the required title are checked by
    ``crm.services.deal_fields_set``. The head also hands the deal to another seller."""

    title = forms.CharField(
        label=_("Title"), required=False, max_length=1000, validators=[validate_single_line]
    )
    source = forms.CharField(
        label=_("Ad channel"), required=False, max_length=1000, validators=[validate_single_line]
    )
    responsible = forms.ChoiceField(label=_("Responsible"), required=False)

    def __init__(self, *args: Any, people: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if people is None:
            del self.fields["responsible"]
        else:
            cast(forms.ChoiceField, self.fields["responsible"]).choices = people


class DealTouchForm(forms.Form):
    """A touch logged on the deal's page. The form only parses: which channels and outcomes
    are allowed, the callback's time and a refusal's reason are checked by
    ``sales_queue.services.deal_touch_log``, which names the choices in words."""

    channel = forms.CharField(label=_("Channel"), max_length=16)
    outcome = forms.CharField(label=_("Outcome"), max_length=16)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5000)
    callback_at = MoscowDateTimeField(
        label=_("Call back"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=32)
    recording_url = forms.CharField(label=_("call recording"), required=False)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        # One form holds every outcome's inputs: a half-typed callback time must not stop a
        # «reached», so the inputs of the other outcomes are dropped.
        if data is not None:
            data = data.copy()
            if data.get("outcome") != "callback":
                data.pop("callback_at", None)
            if data.get("outcome") != "refused":
                data.pop("reason", None)
        super().__init__(data, **kwargs)
