"""Lead lists and leads for every app's tests: through the real services, so a lead enters the
queue as in production."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm.leads import lead_contact_clean, lead_list_create
from crm.models import Lead, LeadList
from partners.models import Product
from sales_queue.services.leads import lead_submit
from tests.partners.factories import ProductFactory


def lead_list(
    *, product: Product | None = None, name: str = "Заявки с лендинга", **fields: Any
) -> LeadList:
    """A lead list; by default of a new product the sales department works (``on_sale``)."""
    product = product or ProductFactory.create(on_sale=True)
    return lead_list_create(partner=product.partner, product=product, name=name, **fields)


def lead(
    *,
    of: LeadList | None = None,
    name: str = "Ольга Петрова",
    phone: str = "+79123456789",
    email: str = "",
    origin: str = Lead.Origin.API,
    now: dt.datetime | None = None,
    **fields: Any,
) -> Lead:
    """A lead submitted as the API would (it enters the queue when its product feeds it)."""
    of = of or lead_list()
    contact = lead_contact_clean(name=name, phone=phone, email=email)
    return lead_submit(lead_list=of, contact=contact, origin=origin, now=now, **fields).lead
