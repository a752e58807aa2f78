"""Partners and products (with the questionnaire and status helpers) for every app's tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from partners.models import (
    AlignmentSlot,
    CallBooking,
    Partner,
    Product,
    Questionnaire,
    SalesStatus,
)

# The notes of an ad-hoc alignment call, given with an approval.
ADHOC_CALL_NOTES = "Созвон по телефону: анкета и каналы согласованы."


class PartnerFactory(factory.django.DjangoModelFactory[Partner]):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Партнёр {n}")


# Every answer filled in: submitting this questionnaire succeeds.
COMPLETE_ANSWERS = {
    "project_description": "Онлайн-школа рисования с 2019 года.",
    "product_description": "Курс акварели: 12 модулей с обратной связью.",
    "audience": "Взрослые новички 25–45 лет.",
    "price_and_payment": "14 900 ₽ картой или рассрочка на 6 месяцев.",
    "start_dates": "Каждый понедельник.",
    "course_content": "48 видеоуроков и домашние задания.",
    "faq": "Доступ навсегда; возврат в течение 14 дней.",
    "objections": "«Дорого» — рассрочка; «нет времени» — уроки по 15 минут.",
    "platform_terms": "Оплата на сайте школы.",
    "access_problems": "Письмо с доступом попадает в «Спам».",
    "urgent_contact": "Анна, +7 900 000-00-00, 10:00–19:00 МСК",
}


def _empty_questionnaire(obj: Product, create: bool, extracted: Any, **kwargs: Any) -> None:
    if create:
        Questionnaire.objects.get_or_create(product=obj, defaults=extracted or {})


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    """A product as ``product_create`` leaves it (off, in draft, with its empty questionnaire);
    pass ``sales_enabled=True`` and so on for other starting points, or use
    :func:`product_in_status` to reach a status through the real services.

    ``on_sale=True``: a product the sales department works — switched on and approved straight
    in the database, so its due orders feed the queue — and with no questionnaire row.
    """

    class Meta:
        model = Product
        skip_postgeneration_save = True

    class Params:
        with_questionnaire = True
        on_sale = factory.Trait(
            sales_enabled=True, sales_status=SalesStatus.APPROVED, with_questionnaire=False
        )

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Курс №{n}")
    price = Decimal("1000.00")
    questionnaire = factory.Maybe(
        "with_questionnaire", yes_declaration=factory.PostGeneration(_empty_questionnaire)
    )


def slot_create(*, head: Any = None, in_days: int = 1, minute: int = 0) -> AlignmentSlot:
    from partners.services import slot_publish
    from tests.accounts.factories import UserFactory

    head = head or UserFactory.create(role="head")
    starts = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(
        days=in_days, minutes=minute
    )
    return slot_publish(head=head, starts_at=starts, duration_minutes=30)


def call_started(products: list[Product], *, head: Any = None) -> CallBooking:
    """A call booked (through the services) for the partner's submitted products whose time
    has come: its slot is then moved an hour into the past, as time passing would."""
    from partners import services

    slot = slot_create(head=head, minute=AlignmentSlot.objects.count())
    booking = services.call_book(
        partner=products[0].partner, actor=None, slot=slot, products=products
    )
    AlignmentSlot.objects.filter(pk=slot.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    booking.refresh_from_db()
    return booking


def call_held(
    products: list[Product], *, head: Any, notes: str = "Договорились о скриптах и каналах."
) -> CallBooking:
    """A booked call whose time has come, recorded as held by the head with its notes."""
    from partners import services

    return services.call_mark_held(
        booking=call_started(products, head=head), actor=head, notes=notes
    )


def product_in_status(status: str, *, partner: Partner | None = None, head: Any = None) -> Product:
    """A product brought to a public sales status through the services, as in real use.

    ``off`` is a fresh product (draft, never switched on); ``blocked`` is an approved product
    the head has blocked.
    """
    from partners import services
    from tests.accounts.factories import UserFactory

    product = ProductFactory.create(partner=partner or PartnerFactory.create())
    if status == SalesStatus.OFF:
        return product
    product = services.sales_settings_update(product=product, actor=None, enabled=True)
    if status == SalesStatus.DRAFT:
        return product
    services.questionnaire_save(product=product, actor=None, answers=COMPLETE_ANSWERS)
    product = services.questionnaire_submit(product=product, actor=None)
    if status == SalesStatus.SUBMITTED:
        return product
    head = head or UserFactory.create(role="head")
    if status == SalesStatus.CALL_BOOKED:
        slot = slot_create(head=head, minute=AlignmentSlot.objects.count())
        services.call_book(partner=product.partner, actor=None, slot=slot, products=[product])
        product.refresh_from_db()
        return product
    if status == SalesStatus.REFUSED:
        return services.product_refuse(product=product, actor=head, reason="missing_info")
    # The alignment call comes first: here an ad-hoc one, its notes given with the approval.
    product = services.product_approve(product=product, actor=head, call_notes=ADHOC_CALL_NOTES)
    if status == SalesStatus.APPROVED:
        return product
    if status == SalesStatus.BLOCKED:
        return services.product_block(product=product, actor=head)
    raise ValueError(f"unknown status {status}")
