"""Reads for contacts and deals. Partner-reachable selectors take the partner first.

A contact's orders, touches and purchased products join tables above crm (orders, the queue):
those reads live in :mod:`sales_queue.selectors` (``contact_orders``, ``contact_touches``,
``contact_purchased_products``), the highest app they touch.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from django.db.models import Q, QuerySet

from crm.models import Contact, Deal
from crm.normalizers import ContactError, normalize_phone
from partners.models import Partner
from salesdesk.tenancy import get_object_or_404

SEARCH_MAX = 100
_NOT_DIGITS = re.compile(r"\D")


def contact_search_filter(q: str) -> Q:
    """Name, email or phone containing ``q``; a full phone number in any notation matches its
    E.164 form (``8 (916) 123-45-67`` finds ``+79161234567``)."""
    q = q.strip()[:SEARCH_MAX]
    condition = Q(name__icontains=q) | Q(email__icontains=q)
    digits = _NOT_DIGITS.sub("", q)
    if len(digits) >= 3:
        condition |= Q(phone__contains=digits)
    with contextlib.suppress(ContactError):
        condition |= Q(phone=normalize_phone(q))
    return condition


def contact_list(*, partner: Partner, q: str = "") -> QuerySet[Contact]:
    """The partner's contacts, newest first, searched by name, phone or email."""
    contacts = Contact.objects.for_partner(partner)
    if q.strip():
        contacts = contacts.filter(contact_search_filter(q))
    return contacts.order_by("-created_at", "-id")


def contact_get(*, partner: Partner, contact_id: Any) -> Contact:
    """The partner's contact, or a 404 (another partner's, or a malformed id)."""
    return get_object_or_404(Contact.objects.for_partner(partner), pk=contact_id)


def contact_deals(*, partner: Partner, contact: Contact) -> QuerySet[Deal]:
    """The contact's deals, newest first, with their manager and product."""
    return (
        Deal.objects.for_partner(partner)
        .filter(contact=contact)
        .select_related("responsible", "product")
        .order_by("-created_at", "-id")
    )
