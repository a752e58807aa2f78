"""One format for money on every page, e-mail and message: ``{% load money %}{{ amount|rub }}``.

«14 900,00 ₽»: digit groups of three separated by a no-break space (U+00A0), a comma before the
kopecks, a no-break space before «₽»; a negative amount starts with a minus sign «−» (U+2212);
``None`` is «—». The format does not depend on the active language (see
:func:`salesdesk.money.format_rub`).
"""

from __future__ import annotations

from typing import Any

from django import template

from salesdesk.money import format_rub

register = template.Library()


@register.filter
def rub(value: Any) -> str:
    return format_rub(value)
