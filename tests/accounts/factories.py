from __future__ import annotations

from typing import Any

import factory

from accounts.models import PARTNER_ROLES, ApiKey, PersonalToken, User
from accounts.services import api_key_create, personal_token_create
from tests.partners.factories import PartnerFactory

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name", locale="ru_RU")
    role = "manager"
    partner = factory.LazyAttribute(
        lambda o: PartnerFactory.create() if o.role in PARTNER_ROLES else None
    )

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class ApiKeyFactory:
    """Keys go through the real service so the hash/prefix scheme is what tests exercise."""

    @staticmethod
    def issue(*, partner: Any = None, name: str = "test") -> tuple[ApiKey, str]:
        return api_key_create(partner=partner or PartnerFactory.create(), name=name)


class PersonalTokenFactory:
    @staticmethod
    def issue(*, user: Any = None, name: str = "test") -> tuple[PersonalToken, str]:
        return personal_token_create(user=user or UserFactory.create(), name=name)
