"""Touch scripts as the managers read them: the partner's own (a product's beats the
partner's default) or, when the partner wrote none, the built-in default, built here in code
each time it is read (no rows are written for it).

The outbound default for an unpaid order follows the product's questionnaire: the greeting and
the reason for the call, then price and payment, start dates, FAQ, typical objections (in the
questionnaire's order; a section the partner left empty is left out), then the next step. The
inbound default is the call-centre algorithm of the third seed, seven steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db.models import Field, Q
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext

from crm.models import TouchScript
from partners.models import Partner, Product, Questionnaire

# The questionnaire answers an outbound call uses, in the questionnaire's order.
OUTBOUND_SECTIONS = ("price_and_payment", "start_dates", "faq", "objections")


@dataclass(frozen=True)
class ScriptStep:
    title: str
    text: str


@dataclass(frozen=True)
class Script:
    kind: str
    name: str
    steps: list[ScriptStep] = field(default_factory=list)
    # The partner's row, or ``None`` for the built-in default.
    script: TouchScript | None = None

    @property
    def is_default(self) -> bool:
        return self.script is None

    def as_text(self) -> str:
        """The steps' titles, one numbered line each: where a new deal's description starts."""
        return "\n".join(f"{n}. {step.title}" for n, step in enumerate(self.steps, start=1))


def _label(name: str) -> str:
    field = cast("Field[Any, Any]", Questionnaire._meta.get_field(name))
    return capfirst(str(field.verbose_name))


def _outbound_default(
    partner: Partner | None, product: Product | None, sections: dict[str, str] | None
) -> list[ScriptStep]:
    company = partner.name if partner is not None else ""
    if product is not None:
        reason = gettext(
            "Hello! My name is …, I am calling from %(company)s. You placed an order for "
            "«%(product)s» and did not complete the payment. Is it convenient to talk for a "
            "couple of minutes?"
        ) % {"company": company, "product": product.name}
    else:
        reason = gettext(
            "Hello! My name is …, I am calling from %(company)s. You placed an order and did "
            "not complete the payment. Is it convenient to talk for a couple of minutes?"
        ) % {"company": company}
    steps = [ScriptStep(gettext("Greeting and the reason for the call"), reason)]
    if sections is None and product is not None:
        questionnaire = Questionnaire.objects.filter(product_id=product.pk).first()
        if questionnaire is not None:
            sections = {name: getattr(questionnaire, name) for name in OUTBOUND_SECTIONS}
    if sections and product is not None:
        for name in OUTBOUND_SECTIONS:
            answer = (sections.get(name) or "").strip()
            if answer:
                steps.append(ScriptStep(_label(name), answer))
    steps.append(
        ScriptStep(
            gettext("Next step: the payment link"),
            gettext(
                "Offer to pay now: send the payment link to the channel the buyer prefers and "
                "agree when you will check that the payment went through. If the buyer needs "
                "time, agree on a callback."
            ),
        )
    )
    return steps


def _inbound_default() -> list[ScriptStep]:
    return [
        ScriptStep(
            gettext("Greeting"),
            gettext("Hello! You have reached %(company)s, my name is …. How can I help you?"),
        ),
        ScriptStep(
            gettext("Listen"),
            gettext("Let the caller say what they need; do not interrupt, ask again if unclear."),
        ),
        ScriptStep(
            gettext("Agree"),
            gettext("Agree with the request: «Yes, of course, we will help you with that»."),
        ),
        ScriptStep(
            gettext("Announce the transfer"),
            gettext(
                "Say that you will now put the caller through to a specialist who will answer "
                "every question."
            ),
        ),
        ScriptStep(
            gettext("Ask where they heard of us"),
            gettext(
                "While connecting: «By the way, where did you hear about us?» Note the answer."
            ),
        ),
        ScriptStep(gettext("Transfer the call"), gettext("Transfer the call to the seller.")),
        ScriptStep(
            gettext("Brief the seller"),
            gettext(
                "Tell the seller in two sentences who is calling, what they need and where they "
                "heard of us."
            ),
        ),
    ]


def touch_script_default(
    *,
    kind: str,
    partner: Partner | None = None,
    product: Product | None = None,
    sections: dict[str, str] | None = None,
) -> Script:
    """The built-in script of ``kind`` for the partner (and product), in the site's language.
    ``sections``: the product's questionnaire answers (``OUTBOUND_SECTIONS``) when the caller
    read them already (``{}`` for a product without a questionnaire); else they are read here."""
    with translation.override(settings.LANGUAGE_CODE):
        if kind == TouchScript.Kind.INBOUND_CALL:
            company = partner.name if partner is not None else ""
            steps = [
                ScriptStep(s.title, s.text.replace("%(company)s", company))
                for s in _inbound_default()
            ]
            name = gettext("Inbound call (default)")
        else:
            steps = _outbound_default(partner, product, sections)
            name = gettext("Unpaid order (default)")
    return Script(kind=kind, name=name, steps=steps)


def touch_script_for(
    *,
    partner_id: Any,
    product_id: Any,
    kind: str,
    partner: Partner | None = None,
    product: Product | None = None,
) -> Script:
    """The script a manager reads: the product's, else the partner's default, else built-in.
    Pass ``partner`` and ``product`` when already loaded: the default is then two queries."""
    rows = TouchScript.objects.filter(partner_id=partner_id, kind=kind).filter(
        Q(product_id=product_id) | Q(product__isnull=True)
        if product_id is not None
        else Q(product__isnull=True)
    )
    found = sorted(rows.prefetch_related("steps"), key=lambda s: s.product_id is None)
    if found:
        script = found[0]
        steps = [ScriptStep(s.title, s.text) for s in script.steps.all()]
        return Script(kind=kind, name=script.name, steps=steps, script=script)
    if partner is None:
        partner = Partner.objects.filter(pk=partner_id).first()
    if product is None and product_id is not None:
        product = Product.objects.filter(pk=product_id).first()
    return touch_script_default(kind=kind, partner=partner, product=product)


def kind_for(*, has_order: bool) -> str:
    """An order's buyer is called about the unpaid order; anyone else called in."""
    return TouchScript.Kind.OUTBOUND_ORDER if has_order else TouchScript.Kind.INBOUND_CALL
