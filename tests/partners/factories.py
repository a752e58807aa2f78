from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from orders.models import Order
from partners.models import AlignmentSlot, Partner, Product, Questionnaire, SalesStatus
from sales_queue.models import QueueItem


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


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    """A product as ``product_create`` leaves it (with its empty questionnaire); pass
    ``sales_enabled=True`` and so on for other starting points, or use
    :func:`product_in_status` to reach a status through the real services."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Курс №{n}")
    price = Decimal("1000.00")

    @factory.post_generation
    def questionnaire(obj: Product, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            Questionnaire.objects.get_or_create(product=obj, defaults=extracted or {})


def slot_create(*, head: Any = None, in_days: int = 1, minute: int = 0) -> AlignmentSlot:
    from partners.services import slot_publish
    from tests.accounts.factories import UserFactory

    head = head or UserFactory.create(role="head")
    starts = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(
        days=in_days, minutes=minute
    )
    return slot_publish(head=head, starts_at=starts, duration_minutes=30)


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
    product = services.product_approve(product=product, actor=head)
    if status == SalesStatus.APPROVED:
        return product
    if status == SalesStatus.BLOCKED:
        return services.product_block(product=product, actor=head)
    raise ValueError(f"unknown status {status}")


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    """A pending order past its grace period (the kind the sweep queues)."""

    class Meta:
        model = Order

    product = factory.SubFactory(ProductFactory)
    partner = factory.SelfAttribute("product.partner")
    external_id = factory.Sequence(lambda n: f"order-{n}")
    amount = Decimal("1000.00")
    customer_name = "Иван Покупателев"
    customer_phone = "+79000000000"
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    due_at = factory.LazyAttribute(lambda o: o.created_at + dt.timedelta(hours=1))


class QueueItemFactory(factory.django.DjangoModelFactory[QueueItem]):
    """A queue item for an order; ``state="active"`` needs ``holder=<a manager>``."""

    class Meta:
        model = QueueItem

    order = factory.SubFactory(OrderFactory)
    product = factory.SelfAttribute("order.product")
    partner = factory.SelfAttribute("order.partner")
    state = QueueItem.State.QUEUED
    taken_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.state == QueueItem.State.ACTIVE else None
    )
