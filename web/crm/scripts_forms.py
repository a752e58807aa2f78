"""Forms of the cabinet's touch-script pages: shapes only, the services keep the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import SCRIPT_STEP_TEXT_MAX, SCRIPT_STEP_TITLE_MAX, TouchScript


class ScriptCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TouchScript.Kind.choices)
    product = forms.ChoiceField(label=_("Product"), required=False)

    def __init__(self, *args: Any, products: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = cast("forms.ChoiceField", self.fields["product"])
        product.choices = [
            ("", _("All products (the partner's default)")),
            *products,
        ]


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step title"), max_length=SCRIPT_STEP_TITLE_MAX)
    text = forms.CharField(
        label=_("What to say"),
        max_length=SCRIPT_STEP_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
