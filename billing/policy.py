"""The fee arithmetic and the choice of the policy in effect.

The terms (rate and bounds) live in :class:`billing.models.FeePolicy` rows with an
``effective_from``; the numbers below only seed the first policy (data migration) and recreate it
when a database has been emptied (test flushes), so there is a single source of the default terms.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from salesdesk.errors import ApplicationError
from salesdesk.money import ZERO, MoneyError, quantize, to_decimal
from salesdesk.timezones import MOSCOW

DEFAULT_RATE = Decimal("0.069")
DEFAULT_MINIMUM = Decimal("60.00")
DEFAULT_MAXIMUM = Decimal("2500.00")
DEFAULT_CURRENCY = "RUB"
DEFAULT_ATTRIBUTION_DAYS = 30
DEFAULT_EFFECTIVE_FROM = dt.datetime(2000, 1, 1, tzinfo=MOSCOW)


def money(value: Decimal | int | str) -> Decimal:
    """A money amount as a finite, non-negative Decimal; anything else is the client's error."""
    if isinstance(value, float | bool):
        # A float has already lost the kopecks; refuse it rather than guess.
        raise ApplicationError(
            _("Amounts must be decimal numbers."),
            code="invalid_amount",
            details={"amount": str(value)},
        )
    try:
        amount = to_decimal(value)
    except MoneyError:
        raise ApplicationError(
            _("The amount is not a number."), code="invalid_amount", details={"amount": str(value)}
        ) from None
    if amount < 0:
        raise ApplicationError(
            _("The amount cannot be negative."),
            code="invalid_amount",
            details={"amount": str(value)},
        )
    return amount


def fee_rule(*, attribution_days: int) -> str:
    """The rule of when a fee is owed, in one plain sentence (the cabinet, the timeline)."""
    return ngettext(
        "A fee is owed only when the order was paid after its grace period, a manager had taken "
        "it at or before the time of payment, and the payment came while the sales department "
        "was working on it or within %(days)s day after it closed.",
        "A fee is owed only when the order was paid after its grace period, a manager had taken "
        "it at or before the time of payment, and the payment came while the sales department "
        "was working on it or within %(days)s days after it closed.",
        attribution_days,
    ) % {"days": attribution_days}


def fee_amount(
    amount: Decimal | int | str, *, rate: Decimal, minimum: Decimal, maximum: Decimal
) -> Decimal:
    """``clamp(round_half_up(amount × rate, 0.01), minimum, maximum)``; nothing kept owes nothing.

    A zero amount is the state after a full refund: the fee on it is zero, not the minimum.
    """
    amount = money(amount)
    if amount == 0:
        return ZERO
    return quantize(min(max(quantize(amount * rate), minimum), maximum))
