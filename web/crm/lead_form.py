"""The lead form a partner pastes on a landing page: its HTML snippet, the consent text it shows
and where it posts (``POST /forms/<token>/``, :mod:`web.crm.lead_form_views`).

The snippet is self-contained (inline styles, no external files) and works without JavaScript:
a plain HTML form post, answered with a redirect to the thank-you page. Its short optional script
fills in the ``utm_*`` marks of the page's address and the referrer, and sends the form as JSON
without leaving the page, falling back to the plain post if anything goes wrong.

It is always in the site's language (Russian): the buyers see it, not the partner's staff, and
the consent text stored with a lead must be the one the form showed.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from crm.models import UTM_KEYS, LeadList

# The field a person never sees (off-screen, skipped by Tab, hidden from screen readers): a bot
# filling every field fills it, and its post is answered as a success but not stored.
HONEYPOT_FIELD = "website"
TRACKING_FIELDS = (*UTM_KEYS, "referrer")


def lead_form_url(lead_list: LeadList) -> str:
    """The absolute address the list's form posts to (``SITE_URL``: as buyers reach the site)."""
    return settings.SITE_URL + reverse("lead-form", args=[lead_list.form_token])


def consent_text_shown(lead_list: LeadList) -> str:
    """What the buyer agrees to by ticking the form's box: the list's text or the default."""
    if lead_list.consent_text:
        return lead_list.consent_text
    with translation.override(settings.LANGUAGE_CODE):
        return _("I agree to the processing of my personal data.")


def lead_form_html(lead_list: LeadList, *, with_script: bool = True) -> str:
    """The snippet to paste on a landing page; everything the partner wrote is escaped.
    ``with_script=False``: the form alone (the cabinet's preview, which runs no scripts)."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "crm/lead_form_snippet.html",
            {
                "lead_list": lead_list,
                "action": lead_form_url(lead_list),
                "consent_text": consent_text_shown(lead_list),
                "tracking_keys": TRACKING_FIELDS,
                "with_script": with_script,
                "thank_you": _(
                    "Thank you! Your request has been received; we will be in touch soon."
                ),
            },
        ).strip()
