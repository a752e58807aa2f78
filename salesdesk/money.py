"""Money: roubles as ``Decimal`` with 2 places, parsed in one place, never through ``float``.

Three ways in, one set of rules (greater than zero, at most :data:`MONEY_MAX`, at most 2 decimal
places, no exponent, no NaN or Infinity):

* :func:`parse_money` — what the API receives: a JSON string (``"1000.50"``), a JSON integer, or
  a JSON number that :class:`salesdesk.parsers.JSONParser` has already read as a ``Decimal``
  (see :func:`json_number`); also what the services accept from Python callers.
* :func:`parse_money_text` — what a person types on a page, in the format the site shows:
  ``"1 500,50"`` (thousands separated by spaces, no-break or narrow no-break spaces; a comma or
  a dot before the kopecks).
* :class:`MoneyField` (DRF) and :class:`MoneyFormField` (Django forms) wrap the two.

A refusal is a :class:`MoneyError` carrying one of :data:`ERROR_CODES`; the fields turn it into
their own validation error, the services into an :class:`~salesdesk.errors.ApplicationError`.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY_MIN = KOPECK
MONEY_MAX = Decimal("100000000.00")  # 100 million RUB: anything above is a typo
# Database columns: DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES).
MAX_DIGITS = 12
DECIMAL_PLACES = 2

ERROR_CODES = ("invalid", "decimals", "min", "max")
MESSAGES = {
    "invalid": _('A number with at most 2 decimal places is required, e.g. "1000.00".'),
    "decimals": _("At most 2 decimal places."),
    "min": _("Must be greater than zero."),
    "max": _("Must be at most 100000000.00."),
}

# Up to 15 integer digits so that an over-long number is "too large", not "not a number".
_NUMBER = re.compile(r"^[0-9]{1,15}(?:\.[0-9]+)?$", re.ASCII)
_MONEY = re.compile(r"^[0-9]{1,15}(?:\.[0-9]{1,2})?$", re.ASCII)
# What the pages show (floatformat:"2g" in Russian: "1 500,50" with a no-break space) and what
# people type: digit groups of three separated by a space, U+00A0 or U+202F, or no grouping at
# all; a comma or a dot before the kopecks (",5" and "1500," are accepted as typed).
_SPACES = " \u00a0\u202f"
_TEXT = re.compile(
    rf"^(?P<int>[0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+|[0-9]*)(?:[.,](?P<frac>[0-9]*))?$",
    re.ASCII,
)


class MoneyError(ValueError):
    """A refused amount; ``code`` is one of :data:`ERROR_CODES`."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code])


class ExponentDecimal(Decimal):
    """A JSON number written with an exponent (``1e3``): kept apart so money can refuse it."""


def json_number(token: str) -> Decimal:
    """``parse_float`` for ``json.loads``: a JSON number with a fraction or an exponent becomes a
    ``Decimal`` exactly as written, never a ``float``."""
    if "e" in token or "E" in token:
        return ExponentDecimal(token)
    return Decimal(token)


def quantize(value: Decimal) -> Decimal:
    """Round to kopecks, half up (``0.005`` → ``0.01``), as the fee rule says."""
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def as_money(value: Decimal | int | str | None) -> Decimal:
    """A database aggregate (or ``None`` for an empty one) as an amount with 2 places."""
    return ZERO if value is None else quantize(Decimal(value))


def to_decimal(value: Any) -> Decimal:
    """A finite ``Decimal`` from a ``Decimal``, an ``int`` or a plain decimal string.

    A ``float`` has already lost the kopecks and a ``bool`` is not a number: both are refused,
    as are exponents, NaN and Infinity. Sign, range and places are the caller's to check.
    """
    if isinstance(value, bool | float | ExponentDecimal):
        raise MoneyError("invalid")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError("invalid")
        return value
    if isinstance(value, str):
        text = value.strip()
        body = text[1:] if text[:1] in "+-" else text
        if not _NUMBER.match(body):
            raise MoneyError("invalid")
        return Decimal(text)
    raise MoneyError("invalid")


def check_range(value: Decimal) -> Decimal:
    """At most 2 places, above zero, at most :data:`MONEY_MAX`; the amount with 2 places."""
    if not value.is_finite():
        raise MoneyError("invalid")
    if value <= 0:
        raise MoneyError("min")
    try:
        exact = value == value.quantize(KOPECK)
    except InvalidOperation:  # more digits than the context holds: far above the maximum
        raise MoneyError("max") from None
    if not exact:
        raise MoneyError("decimals")
    if value > MONEY_MAX:
        raise MoneyError("max")
    return value.quantize(KOPECK)


def parse_money(value: Any) -> Decimal:
    """An amount from the API or a Python caller.

    Strings are judged as written: ``"1000"``, ``"1000.5"``, ``" 1000.00 "`` are amounts;
    ``"1e3"``, ``"NaN"``, ``"1 000"``, ``"10,50"``, ``"+5"``, ``".5"`` and ``"1000.500"`` are
    not. JSON numbers arrive as ``int`` or ``Decimal`` (see :func:`json_number`) and are judged
    by value, so ``1000.50`` and ``1000.500`` are the same amount; ``1e3`` is refused.
    """
    if isinstance(value, bool | float | ExponentDecimal):
        raise MoneyError("invalid")
    if isinstance(value, int | Decimal):
        return check_range(to_decimal(value))
    if not isinstance(value, str):
        raise MoneyError("invalid")
    text = value.strip()
    if text.startswith("-") and _NUMBER.match(text[1:]):
        raise MoneyError("min")
    if not _NUMBER.match(text):
        # A run of digits that the pattern refused is too long, i.e. too large.
        raise MoneyError("max" if text.isdigit() else "invalid")
    if not _MONEY.match(text):
        raise MoneyError("decimals")
    return check_range(Decimal(text))


def parse_money_text(text: str) -> Decimal:
    """An amount as a person types it on a page: ``"1 500,50"``, ``"1500.5"``, ``"4900"``."""
    if not isinstance(text, str):
        raise MoneyError("invalid")
    text = text.strip()
    negative = text.startswith("-")
    match = _TEXT.match(text[1:].strip() if negative else text)
    if match is None or not any(ch.isdigit() for ch in text):
        raise MoneyError("invalid")
    if negative:
        raise MoneyError("min")
    whole = re.sub(f"[{_SPACES}]", "", match["int"]) or "0"
    frac = match["frac"] or ""
    if len(frac) > DECIMAL_PLACES:
        raise MoneyError("decimals")
    if len(whole) > 15:
        raise MoneyError("max")
    try:
        value = Decimal(f"{whole}.{frac}" if frac else whole)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise MoneyError("invalid") from None
    return check_range(value)


def format_money(value: Decimal) -> str:
    """``Decimal("1500.5")`` → ``"1 500,50"`` in Russian (as ``floatformat:"2g"`` shows it)."""
    return formats.number_format(value, DECIMAL_PLACES, use_l10n=True, force_grouping=True)


NBSP = "\u00a0"
MINUS = "\u2212"


def format_rub(value: Decimal | int | str | None) -> str:
    """The one way pages, e-mails and messages show money: ``Decimal("14900")`` →
    ``"14 900,00 ₽"`` (no-break spaces between digit groups and before «₽», a comma before the
    kopecks), ``Decimal("-60")`` → ``"−60,00 ₽"`` (a minus sign, U+2212), ``None`` → ``"—"``.

    Independent of the active language: the site is Russian, an e-mail rendered by a worker
    without a translation activated looks the same."""
    if value is None or value == "":
        return "—"
    amount = quantize(Decimal(value))
    text = f"{abs(amount):,.2f}".replace(",", NBSP).replace(".", ",")
    sign = MINUS if amount < 0 else ""
    return f"{sign}{text}{NBSP}₽"


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "pattern": r"^[0-9]{1,9}(\.[0-9]{1,2})?$",
        "description": "Roubles with at most 2 decimals, as a string (a JSON number is accepted "
        "too); no exponent, NaN or Infinity. Greater than 0, at most 100000000.",
        "example": "1000.00",
    }
)
class MoneyField(serializers.Field):
    """Roubles in the API: ``"1000.00"``, ``"1000.5"``, ``1000``, ``1000.5`` in; ``"1000.00"``
    out. Every API field that takes money is one of these (:func:`parse_money`)."""

    default_error_messages: ClassVar[dict[str, str | _StrPromise]] = dict(MESSAGES)

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return parse_money(data)
        except MoneyError as exc:
            self.fail(exc.code)

    def to_representation(self, value: Any) -> str | None:
        return None if value is None else f"{Decimal(value):.2f}"


class MoneyFormField(forms.Field):
    """Roubles on a page, typed as the page shows them (:func:`parse_money_text`)."""

    default_error_messages = {
        **MESSAGES,
        "invalid": _("Enter an amount such as 1 500,50."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_money(Decimal(value))
        return value

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            return parse_money_text(str(value))
        except MoneyError as exc:
            raise forms.ValidationError(self.error_messages[exc.code], code=exc.code) from None
