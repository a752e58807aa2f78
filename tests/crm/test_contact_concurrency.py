"""Two intakes of one buyer at once make one contact: the database's constraint, not luck."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm.models import Contact
from crm.services import contact_find_or_create
from orders.contacts import Customer
from orders.models import Order
from orders.services import order_create
from tests.concurrency import run_concurrently
from tests.partners.factories import ProductFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def test_concurrent_orders_of_one_buyer_make_one_contact() -> None:
    # given a product, and eight orders of one buyer who writes the phone differently each time
    product = ProductFactory.create(on_sale=True)
    phones = ["+79161234567", "8 (916) 123-45-67", "89161234567", "+7 916 123 45 67"]

    def intake(n: int):
        def run() -> object:
            return order_create(
                partner=product.partner,
                product=product,
                external_id=f"shop-{n}",
                amount=Decimal("1000.00"),
                customer=Customer(name="Анна", phone=phones[n % len(phones)]),
            ).order.contact_id

        return run

    # when they all arrive at once
    results = run_concurrently(*[intake(n) for n in range(THREADS)])

    # then there are eight orders, one contact, and every order is linked to it
    assert not [r for r in results if isinstance(r, BaseException)], results
    contact = Contact.objects.get()
    assert contact.phone == "+79161234567"
    assert Order.objects.filter(contact=contact).count() == THREADS
    assert set(results) == {contact.pk}


def test_concurrent_find_or_create_by_email_in_different_case_makes_one_contact() -> None:
    product = ProductFactory.create(on_sale=True)
    emails = ["anna@example.com", "ANNA@example.com", "Anna@Example.com"]

    def find(n: int):
        def run() -> object:
            return contact_find_or_create(
                partner=product.partner, name="Анна", email=emails[n % len(emails)]
            ).pk

        return run

    results = run_concurrently(*[find(n) for n in range(THREADS)])

    assert Contact.objects.count() == 1
    assert set(results) == {Contact.objects.get().pk}
