"""Contacts, deals and stages for the crm tests (contacts built with the ORM:
``contact_find_or_create`` has its own tests). A ``DealFactory`` deal has no queue item (a deal the
sales department opened by hand, as leads will): its stage moves are free of the queue."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from crm.models import Contact, Deal, Stage, Task
from crm.services import stage_first_open
from tests.accounts.factories import UserFactory
from tests.partners.factories import PartnerFactory, ProductFactory


class StageFactory(factory.django.DjangoModelFactory[Stage]):
    """An extra open stage; the default funnel comes from ``crm.services.stages_ensure``."""

    class Meta:
        model = Stage

    partner = factory.SubFactory("tests.partners.factories.PartnerFactory")
    name = factory.Sequence(lambda n: f"Этап {n}")
    position = factory.Sequence(lambda n: 100 + n)
    kind = Stage.Kind.OPEN


class DealFactory(factory.django.DjangoModelFactory[Deal]):
    class Meta:
        model = Deal

    product = factory.SubFactory(ProductFactory)
    partner = factory.SelfAttribute("product.partner")
    responsible = factory.SubFactory(UserFactory, role="manager")
    title = factory.SelfAttribute("product.name")
    source = "vk_ads"
    contact_name = "Анна Смирнова"
    contact_email = "anna@example.com"
    contact_phone = "+79123456789"
    contact_telegram = "@anna_smirnova"
    lead_created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    stage = factory.LazyAttribute(lambda o: stage_first_open(partner_id=o.partner.pk))


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    """A buyer of a new partner (pass ``partner=``), with a phone and an email."""

    class Meta:
        model = Contact

    partner = factory.SubFactory(PartnerFactory)
    name = "Анна Смирнова"
    phone = factory.Sequence(lambda n: f"+7916{n:07d}")
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")


class TaskFactory(factory.django.DjangoModelFactory[Task]):
    """A task on a new deal for its responsible manager (pass ``deal=`` or ``assignee=``)."""

    class Meta:
        model = Task

    deal = factory.SubFactory(DealFactory, responsible=factory.SelfAttribute("..assignee"))
    assignee = factory.SubFactory(UserFactory, role="manager")
    partner = factory.SelfAttribute("deal.partner")
    kind = Task.Kind.STAGE_CHANGED
    text = factory.LazyAttribute(lambda o: f"Сделка «{o.deal.title}»: новый этап")
