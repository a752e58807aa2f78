"""Demo data for ``make run`` and ``manage.py seed_demo``: idempotent, safe to run again.

Each issue extends :func:`seed_demo` with its own objects (products, orders, deals…).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import api_key_create, user_create
from billing.services import order_pay
from crm.leads import lead_contact_clean, lead_list_create, tracking_clean
from crm.models import Lead, LeadList
from orders.contacts import Customer
from orders.models import Order
from orders.services import order_create
from partners.models import Partner, Product, SalesStatus
from partners.services import (
    partner_create,
    product_create,
    questionnaire_save,
    questionnaire_submit,
    slot_publish,
)
from sales_queue.hours import is_working_time, next_working_time
from sales_queue.services import queue_release, queue_sweep_due_orders, queue_take_next
from sales_queue.services.leads import lead_submit
from sales_queue.services.supply import product_approve, sales_settings_update
from salesdesk.timezones import MOSCOW
from web.crm.lead_form import consent_text_shown

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "salesdesk-demo"  # noqa: S105 - documented demo login, refused without DEBUG

DEMO_PARTNERS = [
    ("Онлайн-школа «Кисть и холст»", "school@demo.salesdesk.local", "Анна Школьникова"),
    ("Магазин «Чайный дом»", "shop@demo.salesdesk.local", "Пётр Чаев"),
]
# (name, price, approved?) per demo partner, in DEMO_PARTNERS order.
DEMO_PRODUCTS = [
    [("Курс «Акварель с нуля»", "14900.00", True), ("Интенсив «Портрет маслом»", "4900.00", False)],
    [("Подписка «Чай месяца»", "1990.00", True), ("Набор «Пуэр коллекционный»", "7800.00", False)],
]
DEMO_ANSWERS = {
    "project_description": "Онлайн-проект с 2019 года, более 20 000 выпускников.",
    "product_description": "Основной продукт: доступ к урокам и обратная связь куратора.",
    "audience": "Взрослые 25–45 лет, новички без опыта.",
    "price_and_payment": "Полная оплата картой или рассрочка на 6 месяцев без переплаты.",
    "start_dates": "Старт потоков каждый понедельник.",
    "course_content": "12 модулей, 48 видеоуроков, домашние задания с проверкой.",
    "faq": "Доступ к материалам сохраняется навсегда. Возврат — в течение 14 дней.",
    "objections": "«Дорого» — предложить рассрочку; «Нет времени» — уроки по 15 минут.",
    "platform_terms": "Оплата через платёжную страницу на сайте партнёра.",
    "access_problems": "Письмо с доступом иногда попадает в «Спам».",
    "urgent_contact": "Анна, +7 900 000-00-00, Telegram @demo_support, 10:00–19:00 МСК",
}

DEMO_STAFF = [
    ("head@demo.salesdesk.local", Role.HEAD, "Ольга Руководова"),
    ("manager1@demo.salesdesk.local", Role.MANAGER, "Иван Продажин"),
    ("manager2@demo.salesdesk.local", Role.MANAGER, "Мария Звонкова"),
    ("caller@demo.salesdesk.local", Role.CALLER, "Сергей Обзвонов"),
    ("qa@demo.salesdesk.local", Role.QA, "Елена Контролёва"),
]

# A trainee manager (issue 17, the team): takes leads only until the head graduates them.
DEMO_TRAINEES = [
    ("trainee@demo.salesdesk.local", Role.MANAGER, "Артём Новичков"),
]


# The account manager (team mode split: won deals' buyers go to them, see /portfolio/).
DEMO_ACCOUNT_MANAGER = ("am@demo.salesdesk.local", "Наталья Клиентова")


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)
    logins: list[dict[str, str]] = field(default_factory=list)
    api_keys: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def seed_demo() -> DemoResult:
    result = DemoResult()
    for name, email, person in DEMO_PARTNERS:
        owner = User.objects.filter(email=email).select_related("partner").first()
        if owner is None:
            partner = Partner.objects.filter(name=name).first() or partner_create(name=name)
            owner = user_create(
                email=email,
                role=Role.PARTNER_OWNER,
                password=DEMO_PASSWORD,
                partner=partner,
                full_name=person,
            )
            _key, raw = api_key_create(partner=partner, name="Витрина (демо)", created_by=owner)
            result.api_keys[name] = raw
            result.created.append(email)
        partner_name = owner.partner.name if owner.partner else ""
        result.logins.append({"email": email, "role": owner.role, "partner": partner_name})
    for email, role, person in DEMO_STAFF:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(email=email, role=role, password=DEMO_PASSWORD, full_name=person)
            result.created.append(email)
        result.logins.append({"email": email, "role": user.role, "partner": ""})
    _seed_trainees(result)
    _seed_account_manager(result)
    head = User.objects.get(email=DEMO_STAFF[0][0])
    for (partner_name, _email, _person), products in zip(DEMO_PARTNERS, DEMO_PRODUCTS, strict=True):
        partner = Partner.objects.get(name=partner_name)
        for name, price, approved in products:
            _seed_product(partner=partner, head=head, name=name, price=price, approved=approved)
    _seed_slots(head=head)
    _seed_orders()
    _seed_leads()
    return result


def _seed_trainees(result: DemoResult) -> None:
    for email, role, person in DEMO_TRAINEES:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(
                email=email, role=role, password=DEMO_PASSWORD, full_name=person, is_trainee=True
            )
            result.created.append(email)
        result.logins.append({"email": email, "role": user.role, "partner": ""})


def _seed_account_manager(result: DemoResult) -> None:
    email, person = DEMO_ACCOUNT_MANAGER
    user = User.objects.filter(email=email).first()
    if user is None:
        user = user_create(
            email=email, role=Role.ACCOUNT_MANAGER, password=DEMO_PASSWORD, full_name=person
        )
        result.created.append(email)
    result.logins.append({"email": email, "role": user.role, "partner": ""})


def _seed_product(*, partner: Partner, head: User, name: str, price: str, approved: bool) -> None:
    if Product.objects.filter(partner=partner, name=name).exists():
        return
    product = product_create(partner=partner, name=name, price=price)
    product = sales_settings_update(
        product=product, actor=None, enabled=True, grace_period_minutes=60
    )
    questionnaire_save(product=product, actor=None, answers=DEMO_ANSWERS)
    if approved:
        product = questionnaire_submit(product=product, actor=None)
        # The demo's partners agreed by phone: an ad-hoc alignment call, noted with the approval.
        product_approve(
            product=product,
            actor=head,
            comment="Демо: согласовано на созвоне.",
            call_notes="Созвон по телефону: анкета, каналы и часы работы согласованы.",
        )
    expected = SalesStatus.APPROVED if approved else SalesStatus.DRAFT
    product.refresh_from_db()
    if product.sales_status != expected:  # pragma: no cover - a broken service
        raise RuntimeError(f"demo product {name} ended in {product.sales_status}")


def _seed_slots(*, head: User) -> None:
    """Three alignment slots over the next working days, 11:00 Moscow time."""
    if head.alignment_slots.filter(starts_at__gt=timezone.now()).exists():
        return
    today = timezone.localdate()
    for days in (1, 2, 3):
        starts = timezone.make_aware(
            dt.datetime.combine(today + dt.timedelta(days=days), dt.time(11, 0))
        )
        slot_publish(head=head, starts_at=starts, duration_minutes=30)


# (buyer, phone, email, telegram, minutes ago, what happens) per demo order; the products'
# grace period is 60 minutes.
DEMO_ORDERS = [
    ("Алексей Смирнов", "+79161234501", "alexey@example.com", "", 180, "queued"),
    ("Екатерина Волкова", "+79161234502", "", "katya_v", 150, "queued"),
    ("Дмитрий Козлов", "+79161234503", "dk@example.com", "", 120, "queued"),
    ("Ольга Новикова", "", "olga.n@example.com", "olga_nov", 95, "queued"),
    ("Никита Морозов", "+79161234505", "", "", 75, "queued"),
    ("Светлана Павлова", "+79161234506", "sveta@example.com", "", 20, "in_grace"),
    ("Игорь Соколов", "+79161234507", "", "", 240, "paid_in_grace"),
    ("Татьяна Лебедева", "+79161234508", "tanya@example.com", "", 300, "won"),
]


def _seed_orders() -> None:
    """Orders of the approved demo products: a few past their grace period and waiting in the
    queue, one still within it, one paid within it (no fee), one won by the sales department
    (its fee charged: a manager took it, then the buyer paid). Seeded once per partner."""
    now = timezone.now()
    taken_at = _won_take_time(now)
    won: list[Order] = []
    for product in Product.objects.filter(
        sales_status=SalesStatus.APPROVED, partner__name__in=[p[0] for p in DEMO_PARTNERS]
    ).select_related("partner"):
        if Order.objects.filter(partner=product.partner, external_id__startswith="demo-").exists():
            continue
        for number, (name, phone, email, telegram, minutes, fate) in enumerate(DEMO_ORDERS, 1):
            created_at = now - dt.timedelta(minutes=minutes)
            if fate == "won":
                created_at = taken_at - _WON_TAKEN_AFTER_CREATED
            intake = order_create(
                partner=product.partner,
                product=product,
                external_id=f"demo-{number:03}",
                amount=product.price,
                customer=Customer(
                    name=name, phone=phone, email=email, telegram=telegram, whatsapp=phone
                ),
                created_at=created_at,
                payment_url=f"https://pay.example.com/{product.partner.pk}/demo-{number:03}",
                source=_DEMO_SOURCES[number % len(_DEMO_SOURCES)],
            )
            if fate == "paid_in_grace":
                order_pay(order=intake.order, paid_at=intake.order.created_at + _HALF_GRACE)
            elif fate == "won":
                won.append(intake.order)
    if won:
        _win(won, taken_at=taken_at)
    queue_sweep_due_orders(now=now)


# The won demo order: created 70 minutes before a manager took it (grace 60 minutes, queued 5
# minutes before the take), paid by the buyer 20 minutes after the take — a fee is owed only
# for an order a manager took before it was paid.
_WON_TAKEN_AFTER_CREATED = dt.timedelta(minutes=70)
_WON_PAID_AFTER_TAKEN = dt.timedelta(minutes=20)


def _won_take_time(now: dt.datetime) -> dt.datetime:
    """3 h 20 min ago when that was within working hours, else yesterday's opening time."""
    moment = now - dt.timedelta(minutes=200)
    # One take a minute per demo partner: all of them within the same working hours.
    last_take = moment + dt.timedelta(minutes=len(DEMO_PARTNERS))
    if is_working_time(moment) and is_working_time(last_take):
        return moment
    yesterday = timezone.localtime(now, MOSCOW).date() - dt.timedelta(days=1)
    return next_working_time(dt.datetime.combine(yesterday, dt.time(0, 0), tzinfo=MOSCOW))


def _win(orders: list[Order], *, taken_at: dt.datetime) -> None:
    """Queue the won orders when they fell due, let the demo manager take each, then pay."""
    queue_sweep_due_orders(now=taken_at - dt.timedelta(minutes=5))
    manager = User.objects.get(email=DEMO_STAFF[1][0])
    ids = {order.pk for order in orders}
    for step in range(len(orders)):
        at = taken_at + dt.timedelta(minutes=step)
        item = queue_take_next(manager=manager, now=at)
        if item is None:
            return
        if item.order_id not in ids:  # pragma: no cover - someone else's order, left alone
            queue_release(manager=manager, item_id=item.pk)
            return
        order = Order.objects.get(pk=item.order_id)
        order_pay(order=order, paid_at=at + _WON_PAID_AFTER_TAKEN)


_HALF_GRACE = dt.timedelta(minutes=30)
# Ad channels as storefronts report them (the deal shows it as "Канал рекламы").
_DEMO_SOURCES = ["vk_ads", "yandex_direct", "telegram_channel", "email_newsletter"]


# (buyer, phone, email, comment, minutes ago, utm_source, origin) per demo lead.
DEMO_LEADS = [
    (
        "Марина Котова",
        "+79161234511",
        "marina@example.com",
        "Хочу узнать про рассрочку",
        40,
        "vk",
        Lead.Origin.FORM,
    ),
    ("Павел Орлов", "+79161234512", "", "Перезвоните после 18:00", 25, "yandex", Lead.Origin.FORM),
    ("Юлия Белова", "", "yulia.b@example.com", "", 10, "", Lead.Origin.API),
]


def _seed_leads() -> None:
    """A lead list («Заявки с сайта») on each approved demo product, with three leads that
    entered the queue at once: two from the landing page's form, one over the API."""
    now = timezone.now()
    for product in Product.objects.filter(
        sales_status=SalesStatus.APPROVED, partner__name__in=[p[0] for p in DEMO_PARTNERS]
    ).select_related("partner"):
        if LeadList.objects.filter(partner=product.partner).exists():
            continue
        lead_list = lead_list_create(
            partner=product.partner,
            product=product,
            name="Заявки с сайта",
            allowed_origins=["https://example.com"],
            default_source="Сайт",
        )
        for name, phone, email, comment, minutes, utm, origin in DEMO_LEADS:
            at = now - dt.timedelta(minutes=minutes)
            lead_submit(
                lead_list=lead_list,
                contact=lead_contact_clean(name=name, phone=phone, email=email),
                origin=origin,
                comment=comment,
                tracking=tracking_clean({"utm_source": utm, "utm_medium": "cpc"} if utm else {}),
                consent_text=consent_text_shown(lead_list) if origin == Lead.Origin.FORM else "",
                consent_at=at if origin == Lead.Origin.FORM else None,
                now=at,
            )
