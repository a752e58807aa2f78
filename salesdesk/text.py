"""What a name or an id may contain: printable text on one line.

Control characters (``\\x00``–``\\x1f``, ``\\x7f``, the C1 block) and the bidirectional
formatting characters (the right-to-left override U+202E and its kin) are refused in names and
identifiers: they let ``order-0001`` look like another id, reorder a buyer's name on the
manager's screen or break a CSV export, and no honest storefront sends them. Texts that may have
several lines (comments, answers) are not checked here.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Explicit directional formatting characters (Unicode's "Bidi_Control"): ALM, LRM, RLM,
# LRE…RLO (U+202A–U+202E) and the isolates LRI…PDI (U+2066–U+2069).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def forbidden_characters(value: str) -> list[str]:
    """The refused characters in ``value``, as ``U+XXXX``, each once, in order of appearance."""
    found: list[str] = []
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS:
            code = f"U+{ord(ch):04X}"
            if code not in found:
                found.append(code)
    return found


def validate_single_line(value: str) -> None:
    """A Django validator for names and ids (see the module's docstring)."""
    found = forbidden_characters(value)
    if found:
        raise ValidationError(
            _("Control and text-direction characters are not allowed (%(chars)s)."),
            code="forbidden_characters",
            params={"chars": ", ".join(found)},
        )


# A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """Text from a partner or a storefront (a product's name, an external id) for a CSV or XLSX
    cell: a leading formula character is defused with a quote."""
    return "'" + value if value.startswith(_FORMULA_START) else value
