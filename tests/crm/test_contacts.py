"""Contacts: a buyer of one partner found again by phone or email, linked at order intake."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError

from crm.models import Contact
from crm.services import contact_find_or_create, deal_open
from orders.contacts import Customer
from orders.services import order_create
from salesdesk.errors import ApplicationError
from tests.crm.factories import ContactFactory
from tests.partners.factories import PartnerFactory, ProductFactory
from tests.sales_queue.factories import manager, queued_item

pytestmark = pytest.mark.django_db


def find(partner: Any, **given: str) -> Contact:
    return contact_find_or_create(partner=partner, **{"name": "Анна", **given})


def test_a_phone_in_another_notation_finds_the_same_contact() -> None:
    # given a contact made from +79161234567
    partner = PartnerFactory.create()
    first = find(partner, phone="+79161234567")

    # when the same buyer comes back written the Russian way
    again = find(partner, phone="8 (916) 123-45-67")

    # then it is the same contact, stored in E.164
    assert again.pk == first.pk
    assert again.phone == "+79161234567"
    assert Contact.objects.count() == 1


def test_an_email_in_another_case_finds_the_same_contact() -> None:
    partner = PartnerFactory.create()
    first = find(partner, email="Anna@Example.COM")

    again = find(partner, email="anna@example.com")

    assert again.pk == first.pk
    assert again.email == "anna@example.com"


def test_the_phone_wins_over_the_email() -> None:
    # given two contacts: one with the phone, another with the email
    partner = PartnerFactory.create()
    by_phone = ContactFactory.create(partner=partner, phone="+79161234567", email="")
    ContactFactory.create(partner=partner, phone="", email="anna@example.com")

    # when a buyer gives both
    found = find(partner, phone="+79161234567", email="anna@example.com")

    # then the phone's contact is theirs, and the email (held by the other) is not copied
    assert found.pk == by_phone.pk
    assert found.email == ""


def test_empty_fields_of_the_found_contact_are_filled() -> None:
    partner = PartnerFactory.create()
    contact = ContactFactory.create(partner=partner, phone="+79161234567", email="")

    found = find(partner, phone="+79161234567", email="anna@example.com", telegram="@anna_s")

    assert found.pk == contact.pk
    assert (found.email, found.telegram) == ("anna@example.com", "@anna_s")


def test_a_different_phone_is_never_overwritten() -> None:
    # given a contact with a phone and an email
    partner = PartnerFactory.create()
    contact = ContactFactory.create(partner=partner, phone="+79161234567", email="anna@example.com")

    # when the buyer comes back by email with another phone
    found = find(partner, phone="+79267654321", email="anna@example.com")

    # then it is the same contact and its phone stays
    assert found.pk == contact.pk
    found.refresh_from_db()
    assert found.phone == "+79161234567"
    assert Contact.objects.count() == 1


def test_a_buyer_with_neither_phone_nor_email_gets_a_contact_of_their_own() -> None:
    partner = PartnerFactory.create()

    first = find(partner, telegram="@anna_s")
    second = find(partner, telegram="@anna_s")

    assert first.pk != second.pk


def test_another_partners_buyer_is_another_contact() -> None:
    first = find(PartnerFactory.create(), phone="+79161234567")
    second = find(PartnerFactory.create(), phone="+79161234567")

    assert first.pk != second.pk


def test_an_invalid_phone_is_a_validation_error() -> None:
    with pytest.raises(ApplicationError) as error:
        find(PartnerFactory.create(), phone="12")
    assert error.value.code == "validation_error"


def test_the_database_refuses_a_second_contact_with_the_same_phone() -> None:
    partner = PartnerFactory.create()
    ContactFactory.create(partner=partner, phone="+79161234567")

    with pytest.raises(IntegrityError):
        ContactFactory.create(partner=partner, phone="+79161234567")


def test_the_database_refuses_an_email_in_capitals() -> None:
    with pytest.raises(IntegrityError):
        ContactFactory.create(email="Anna@example.com")


# --- intake links orders -------------------------------------------------------------------


def intake(product: Any, external_id: str, **customer: str) -> Any:
    return order_create(
        partner=product.partner,
        product=product,
        external_id=external_id,
        amount=Decimal("1000.00"),
        customer=Customer(**{"name": "Анна", **customer}),
    )


def test_intake_links_the_order_and_a_second_order_of_the_buyer_to_the_same_contact() -> None:
    product = ProductFactory.create(on_sale=True)

    first = intake(product, "shop-1", phone="+79161234567").order
    second = intake(product, "shop-2", phone="+79161234567", email="anna@example.com").order

    assert first.contact is not None
    assert second.contact_id == first.contact_id
    first.contact.refresh_from_db()
    assert first.contact.email == "anna@example.com"


def test_a_retried_intake_returns_the_same_order_and_makes_no_second_contact() -> None:
    product = ProductFactory.create(on_sale=True)
    first = intake(product, "shop-1", email="anna@example.com")

    retry = intake(product, "shop-1", email="anna@example.com")

    assert (retry.created, retry.order.pk) == (False, first.order.pk)
    assert retry.order.contact_id == first.order.contact_id
    assert Contact.objects.count() == 1


def test_a_deal_gets_its_orders_contact() -> None:
    # given a queued order linked to its buyer's contact
    contact = ContactFactory.create()
    product = ProductFactory.create(on_sale=True, partner=contact.partner)
    item = queued_item(product=product, contact=contact)
    order = item.order
    assert order is not None

    # when a manager takes it and the deal opens
    deal = deal_open(
        queue_item_id=item.pk,
        partner_id=product.partner_id,
        product_id=product.pk,
        order=order,
        responsible=manager(),
        title=product.name,
        source="",
        lead_created_at=order.created_at,
    )

    # then the deal is the contact's
    assert deal.contact_id == contact.pk
    assert list(contact.deals.all()) == [deal]
