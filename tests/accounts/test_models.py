"""Integrity of logins lives in the database, not only in forms."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services import user_create
from salesdesk.errors import ApplicationError, ConflictError
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_a_partner_role_without_a_partner_is_refused_by_the_database() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="a@example.com", role="partner_owner", partner=None)


def test_a_staff_role_with_a_partner_is_refused_by_the_database() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="a@example.com", role="manager", partner=PartnerFactory.create())


def test_an_unknown_role_is_refused_by_the_database() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="a@example.com", role="boss")


def test_emails_are_unique_whatever_their_case() -> None:
    User.objects.create(email="a@example.com", role="manager")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="A@Example.com", role="manager")


def test_the_service_explains_what_is_wrong() -> None:
    partner = PartnerFactory.create()
    user_create(email="a@example.com", role="manager")

    with pytest.raises(ConflictError) as taken:
        user_create(email="A@example.com", role="qa")
    with pytest.raises(ApplicationError) as needs_partner:
        user_create(email="b@example.com", role="partner_staff")
    with pytest.raises(ApplicationError) as no_partner:
        user_create(email="c@example.com", role="head", partner=partner)

    assert taken.value.code == "email_taken"
    assert needs_partner.value.code == "partner_required"
    assert no_partner.value.code == "partner_not_allowed"
