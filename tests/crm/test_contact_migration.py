"""The data migration links orders received before contacts to their buyers' contacts, by the
rule of intake: per partner, phone first, then email; neither → a contact of its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("orders", "0006_order_contact"), ("crm", "0006_contacts")]
AFTER = [("orders", "0007_link_orders_to_contacts")]


@pytest.fixture
def old_apps() -> Any:
    """The apps as they were before the migration; the latest schema is restored after."""
    yield migrate(BEFORE)
    migrate(latest())


def test_existing_orders_are_grouped_into_contacts(old_apps) -> None:
    # given orders of two partners, stored before contacts existed
    Partner = old_apps.get_model("partners", "Partner")
    Product = old_apps.get_model("partners", "Product")
    Order = old_apps.get_model("orders", "Order")
    start = timezone.now() - dt.timedelta(days=1)

    def order(partner: Any, n: int, **customer: str) -> None:
        product = Product.objects.filter(partner=partner).first() or Product.objects.create(
            partner=partner, name="Курс", price="1000.00"
        )
        created = start + dt.timedelta(minutes=n)
        Order.objects.create(
            partner=partner,
            product=product,
            external_id=f"o-{n}",
            amount="1000.00",
            created_at=created,
            due_at=created + dt.timedelta(hours=1),
            **{f"customer_{k}": v for k, v in {"name": "Анна", **customer}.items()},
        )

    first = Partner.objects.create(name="Школа")
    second = Partner.objects.create(name="Магазин")
    order(first, 1, phone="+79161234567")
    order(first, 2, email="Anna@Example.com")  # no phone yet: a contact by email
    order(first, 3, phone="+79161234567", email="anna@example.com")  # phone wins; email taken
    order(first, 4, telegram="@anna_s")  # neither: its own
    order(second, 5, phone="+79161234567")  # another partner: another contact

    # when the migration runs
    new_apps = migrate(AFTER)

    # then
    Order = new_apps.get_model("orders", "Order")
    Contact = new_apps.get_model("crm", "Contact")
    contact_of = {o.external_id: o.contact_id for o in Order.objects.all()}
    assert None not in contact_of.values()
    assert contact_of["o-1"] == contact_of["o-3"]
    assert len({contact_of["o-1"], contact_of["o-2"], contact_of["o-4"], contact_of["o-5"]}) == 4
    by_phone = Contact.objects.get(pk=contact_of["o-1"])
    assert (by_phone.phone, by_phone.email) == ("+79161234567", "")
    assert Contact.objects.get(pk=contact_of["o-2"]).email == "anna@example.com"
    assert Contact.objects.count() == 4
