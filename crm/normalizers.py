"""Buyer contacts as storefronts send them, normalised to one stored form.

Phones (and WhatsApp numbers) become E.164. Russian numbers come in every notation —
``8 (912) 345-67-89``, ``+7 912 345 67 89``, ``9123456789`` — so a number without a country
code is read as Russian. Telegram handles become ``@username``; a Telegram contact given as a
phone number is stored as that number in E.164. Emails are compared lower-cased.

These live in crm, below orders, because a contact is found again by exactly these forms:
intake (orders) normalises with them and crm matches on what they return.
"""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext as _

DEFAULT_REGION = "RU"
_PHONE_CHARS = re.compile(r"^[0-9+()\-.\s]{5,32}$")
_TELEGRAM = re.compile(
    r"^(?:@|(?:https?://)?(?:t\.me|telegram\.me)/)?([A-Za-z][A-Za-z0-9_]{4,31})$", re.ASCII
)


class ContactError(ValueError):
    """A contact that cannot be understood; the message is for the storefront's developer."""


def normalize_phone(raw: str) -> str:
    """E.164 (``+79123456789``) or :class:`ContactError`."""
    value = raw.strip()
    if not _PHONE_CHARS.match(value):
        raise ContactError(_("Enter a phone number, e.g. +7 912 345-67-89."))
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ContactError(_("Enter a phone number, e.g. +7 912 345-67-89.")) from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError(_("This phone number does not exist."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_telegram(raw: str) -> str:
    """``@username`` (5–32 letters, digits, underscores), or a phone number in E.164."""
    value = raw.strip()
    match = _TELEGRAM.match(value)
    if match:
        return "@" + match.group(1)
    try:
        return normalize_phone(value)
    except ContactError:
        raise ContactError(
            _("Enter a Telegram username (@name, 5 to 32 letters, digits or _) or a phone number.")
        ) from None


def normalize_email(raw: str) -> str:
    """Stripped and lower-cased: ``Anna@Example.COM`` and ``anna@example.com`` are one buyer."""
    return raw.strip().lower()
