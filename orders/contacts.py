"""The buyer as stored on an order.

The normalisers live in :mod:`crm.normalizers` (a contact is matched on their output, and crm
is below orders); they are re-exported here for the intake serializers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from crm.normalizers import (
    DEFAULT_REGION,
    ContactError,
    normalize_email,
    normalize_phone,
    normalize_telegram,
)

__all__ = [
    "DEFAULT_REGION",
    "ContactError",
    "Customer",
    "normalize_email",
    "normalize_phone",
    "normalize_telegram",
]


@dataclass(frozen=True)
class Customer:
    """The buyer as stored on the order; empty strings for what the storefront did not send."""

    name: str
    email: str = ""
    phone: str = ""
    telegram: str = ""
    whatsapp: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
