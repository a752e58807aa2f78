"""Contacts for every app's tests, built with the ORM (``contact_find_or_create`` has its own
tests)."""

from __future__ import annotations

import factory

from crm.models import Contact
from tests.partners.factories import PartnerFactory


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    """A buyer of a new partner (pass ``partner=``), with a phone and an email."""

    class Meta:
        model = Contact

    partner = factory.SubFactory(PartnerFactory)
    name = "Анна Смирнова"
    phone = factory.Sequence(lambda n: f"+7916{n:07d}")
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
