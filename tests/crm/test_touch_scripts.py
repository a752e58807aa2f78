"""Touch scripts: the built-in defaults (an unpaid order's script built from the product's
questionnaire, the seven-step inbound call), the partner's own scripts in the cabinet (a
product's beats the partner's default), the script beside the buyer in the workspace and on the
deal page, and a new deal's description starting from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crm.models import Deal, Task, TouchScript, TouchScriptStep
from crm.scripts import touch_script_default, touch_script_for
from crm.services import (
    deal_description_set,
    stage_first_open,
    stages_ensure,
    touch_script_create,
    touch_script_step_add,
)
from partners.models import Questionnaire
from sales_queue.services import queue_take_next
from salesdesk.errors import ApplicationError
from tests.accounts.factories import UserFactory
from tests.clients import logged_in
from tests.crm.factories import DealFactory
from tests.crm.lead_factories import lead, lead_list
from tests.partners.factories import ProductFactory
from tests.sales_queue.factories import NOON, manager, queued_item

pytestmark = pytest.mark.django_db

OUTBOUND = TouchScript.Kind.OUTBOUND_ORDER
INBOUND = TouchScript.Kind.INBOUND_CALL


def titles(script: Any) -> list[str]:
    return [step.title for step in script.steps]


def answer(product: Any, **answers: str) -> None:
    Questionnaire.objects.update_or_create(product=product, defaults=answers)


# --- the built-in defaults ------------------------------------------------------------------


def test_the_outbound_default_follows_the_questionnaire_and_skips_empty_sections() -> None:
    # given a product whose questionnaire has prices, FAQ and objections, but no start dates
    product = ProductFactory.create(name="Курс акварели")
    answer(
        product,
        price_and_payment="29 900 ₽, рассрочка на 6 месяцев",
        start_dates="   ",
        faq="Доступ к урокам — год.",
        objections="«Дорого» — рассрочка без переплаты.",
    )

    # when the script is read
    script = touch_script_for(partner_id=product.partner_id, product_id=product.pk, kind=OUTBOUND)

    # then: greeting, price, FAQ, objections (questionnaire order), the payment link; no dates
    assert script.is_default
    assert titles(script) == [
        "Приветствие и причина звонка",
        "Цена и способы оплаты",
        "Частые вопросы (FAQ)",
        "Типичные возражения и ответы на них",
        "Следующий шаг: ссылка на оплату",
    ]
    assert "Вы оформили заказ «Курс акварели» и не завершили оплату" in script.steps[0].text
    assert script.steps[1].text == "29 900 ₽, рассрочка на 6 месяцев"
    assert TouchScript.objects.count() == 0  # built in code, nothing written


def test_the_outbound_default_without_answers_is_the_greeting_and_the_next_step() -> None:
    product = ProductFactory.create()
    Questionnaire.objects.filter(product=product).delete()

    script = touch_script_for(partner_id=product.partner_id, product_id=product.pk, kind=OUTBOUND)

    assert titles(script) == ["Приветствие и причина звонка", "Следующий шаг: ссылка на оплату"]


def test_the_inbound_default_has_the_seven_steps_of_the_algorithm() -> None:
    product = ProductFactory.create(partner__name="Школа Ромашка")

    script = touch_script_default(kind=INBOUND, partner=product.partner)

    assert titles(script) == [
        "Приветствие",
        "Выслушать",
        "Согласиться",
        "Предупредить о переводе",
        "Спросить, откуда узнали о нас",
        "Перевести звонок",
        "Ввести продавца в курс",
    ]
    assert "Школа Ромашка" in script.steps[0].text


def test_a_products_script_beats_the_partners_which_beats_the_default() -> None:
    # given a partner with two products, a default script and a script for the first product
    first = ProductFactory.create()
    second = ProductFactory.create(partner=first.partner)
    partner = first.partner
    general = touch_script_create(partner=partner, product=None, kind=OUTBOUND)
    touch_script_step_add(script=general, title="Общий шаг", text="")
    own = touch_script_create(partner=partner, product=first, kind=OUTBOUND)
    touch_script_step_add(script=own, title="Шаг продукта", text="")

    # then the first product reads its own, the second the partner's, inbound the built-in
    read = touch_script_for(partner_id=partner.pk, product_id=first.pk, kind=OUTBOUND)
    assert read.script == own and titles(read)[-1] == "Шаг продукта"
    read = touch_script_for(partner_id=partner.pk, product_id=second.pk, kind=OUTBOUND)
    assert read.script == general and titles(read)[-1] == "Общий шаг"
    assert touch_script_for(partner_id=partner.pk, product_id=first.pk, kind=INBOUND).is_default


def test_one_script_per_partner_product_and_kind_even_for_the_default() -> None:
    product = ProductFactory.create()
    touch_script_create(partner=product.partner, product=None, kind=OUTBOUND)
    touch_script_create(partner=product.partner, product=product, kind=OUTBOUND)

    for target in (None, product):
        with pytest.raises(ApplicationError) as refused:
            touch_script_create(partner=product.partner, product=target, kind=OUTBOUND)
        assert refused.value.code == "script_exists"
    assert TouchScript.objects.count() == 2


def test_a_script_holds_at_most_thirty_steps() -> None:
    product = ProductFactory.create()
    script = touch_script_create(partner=product.partner, product=None, kind=INBOUND)  # 7 steps
    for n in range(23):
        touch_script_step_add(script=script, title=f"Шаг {n}", text="")

    with pytest.raises(ApplicationError) as refused:
        touch_script_step_add(script=script, title="Тридцать первый", text="")

    assert refused.value.code == "script_steps_limit"
    assert script.steps.count() == 30


# --- the cabinet ----------------------------------------------------------------------------


def owner_of(product: Any) -> Any:
    return UserFactory.create(role="partner_owner", partner=product.partner)


def test_the_owner_creates_edits_reorders_and_deletes_steps() -> None:
    # given an owner whose product has no script of its own
    product = ProductFactory.create()
    client = logged_in(owner_of(product))
    assert "Скрипты" in client.get("/cabinet/").content.decode()

    # when they create the product's inbound script: it starts as the built-in seven steps
    response = client.post("/cabinet/scripts/", {"kind": INBOUND, "product": str(product.pk)})
    script = TouchScript.objects.get()
    assert response.status_code == 302 and script.product == product
    page = f"/cabinet/scripts/{script.pk}/"
    assert client.get(page).content.decode().count('data-testid="script-step"') == 7

    # add an eighth step, rename the first, move the eighth up, delete the second
    assert client.post(page, {"title": "Попрощаться", "text": "Всего доброго!"}).status_code == 302
    steps = list(script.steps.all())
    client.post(f"{page}steps/{steps[0].pk}/", {"action": "save", "title": "Привет", "text": "Х"})
    client.post(f"{page}steps/{steps[7].pk}/", {"action": "up"})
    client.post(f"{page}steps/{steps[1].pk}/", {"action": "delete"})

    # then the steps read in the new order
    assert [s.title for s in script.steps.all()] == [
        "Привет",
        "Согласиться",
        "Предупредить о переводе",
        "Спросить, откуда узнали о нас",
        "Перевести звонок",
        "Попрощаться",
        "Ввести продавца в курс",
    ]


def test_the_cabinet_refuses_long_titles_and_texts_and_saves_nothing() -> None:
    product = ProductFactory.create()
    client = logged_in(owner_of(product))
    script = touch_script_create(partner=product.partner, product=None, kind=INBOUND)
    step = script.steps.first()
    assert step is not None
    page = f"/cabinet/scripts/{script.pk}/"

    too_long_title = client.post(page, {"title": "Ш" * 121, "text": ""})
    too_long_text = client.post(f"{page}steps/{step.pk}/", {"title": "Ок", "text": "т" * 4001})
    empty_title = client.post(page, {"title": "  ", "text": "текст"})

    assert [too_long_title.status_code, too_long_text.status_code, empty_title.status_code] == [
        400,
        400,
        400,
    ]
    step.refresh_from_db()
    assert step.title == "Приветствие" and script.steps.count() == 7


def test_another_partner_gets_404_and_partner_staff_only_read() -> None:
    product = ProductFactory.create()
    script = touch_script_create(partner=product.partner, product=None, kind=INBOUND)
    step = script.steps.first()
    assert step is not None
    stranger = logged_in(UserFactory.create(role="partner_owner"))
    staff = logged_in(UserFactory.create(role="partner_staff", partner=product.partner))

    assert stranger.get(f"/cabinet/scripts/{script.pk}/").status_code == 404
    assert stranger.post(f"/cabinet/scripts/{script.pk}/delete/").status_code == 404
    assert (
        "Приветствие" not in stranger.get("/cabinet/scripts/").content.decode().split("<details")[0]
    )

    read = staff.get(f"/cabinet/scripts/{script.pk}/").content.decode()
    assert 'data-testid="read-only"' in read and 'data-testid="step-add"' not in read
    assert staff.post(f"/cabinet/scripts/{script.pk}/", {"title": "Х"}).status_code == 403
    assert staff.post(f"/cabinet/scripts/{script.pk}/delete/").status_code == 403
    assert (
        staff.post(f"/cabinet/scripts/{script.pk}/steps/{step.pk}/", {"action": "delete"})
    ).status_code == 403
    assert TouchScriptStep.objects.filter(script=script).count() == 7


# --- beside the buyer -----------------------------------------------------------------------


def test_the_workspace_and_the_deal_page_show_the_script_and_the_deal_starts_from_it() -> None:
    # given a product with an answered price section and a manager who takes its order
    product = ProductFactory.create(on_sale=True, name="Курс акварели")
    answer(product, price_and_payment="29 900 ₽", faq="", objections="", start_dates="")
    ivan = manager()
    queued_item(product=product, amount="1000.00")
    item = queue_take_next(manager=ivan, now=NOON)
    assert item is not None
    deal = Deal.objects.get(queue_item=item)

    # then the deal's description is the script's step titles
    assert deal.description == (
        "1. Приветствие и причина звонка\n2. Цена и способы оплаты\n"
        "3. Следующий шаг: ссылка на оплату"
    )
    # and the workspace and the deal page show the steps
    for url in ("/workspace/", f"/workspace/deals/{deal.pk}/"):
        html = logged_in(ivan).get(url).content.decode()
        assert "Скрипт разговора" in html, url
        assert html.count('data-testid="touch-script-step"') == 3, url
        assert "29 900 ₽" in html, url


@pytest.mark.parametrize("funnel", ["made by this deal", "made before"])
@pytest.mark.parametrize(
    "scripts",
    ["product's", "partner's", "default with a questionnaire", "default without one", "lead's"],
)
def test_a_taken_items_deal_starts_from_the_script_the_manager_reads_and_the_first_stage(
    scripts: str, funnel: str
) -> None:
    # given a product whose buyer is called with the product's script, the partner's, or the
    # built-in one (following the questionnaire when there is one; a lead's inbound script),
    # of a partner whose funnel the first deal makes or an earlier one made (on PostgreSQL the
    # take's own statement opens the deal then)
    product = ProductFactory.create(on_sale=True, name="Курс акварели")
    partner = product.partner
    if funnel == "made before":
        stages_ensure(partner_id=partner.pk)
    if scripts == "product's":
        general = touch_script_create(partner=partner, product=None, kind=OUTBOUND)
        touch_script_step_add(script=general, title="Общий шаг", text="")
        own = touch_script_create(partner=partner, product=product, kind=OUTBOUND)
        touch_script_step_add(script=own, title="Шаг продукта", text="")
    elif scripts == "partner's":
        general = touch_script_create(partner=partner, product=None, kind=OUTBOUND)
        touch_script_step_add(script=general, title="Общий шаг", text="")
    elif scripts == "default with a questionnaire":
        answer(
            product, price_and_payment="29 900 ₽", start_dates=" \u00a0\n", faq="", objections="Нет"
        )
    if scripts == "lead's":
        lead(of=lead_list(product=product), now=NOON - dt.timedelta(hours=1))
    else:
        queued_item(product=product, amount="1000.00")

    # when a manager takes the item
    item = queue_take_next(manager=manager(), now=NOON)
    assert item is not None

    # then the new deal's description lists the steps of the script read for that item, and
    # it stands at the partner's first open stage
    deal = Deal.objects.get(queue_item=item)
    kind = INBOUND if scripts == "lead's" else OUTBOUND
    read = touch_script_for(partner_id=partner.pk, product_id=product.pk, kind=kind)
    assert deal.description == read.as_text()
    assert deal.description.count("\n") == len(read.steps) - 1
    if scripts in ("product's", "partner's"):
        assert deal.description.endswith("Шаг продукта" if scripts == "product's" else "Общий шаг")
    if scripts == "default with a questionnaire":
        assert "Цена и способы оплаты" in deal.description
        assert "Типичные возражения" in deal.description.split("\n")[2]
    assert deal.stage == stage_first_open(partner_id=partner.pk)
    assert deal.stage.name == "Новая"


def test_editing_the_description_writes_one_task_and_a_repeat_none() -> None:
    deal = DealFactory.create(title="Курс акварели", description="1. Приветствие")
    client = logged_in(deal.responsible)

    response = client.post(f"/workspace/deals/{deal.pk}/description/", {"text": "Перезвонить"})
    client.post(f"/workspace/deals/{deal.pk}/description/", {"text": "Перезвонить"})

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.description == "Перезвонить"
    tasks = list(Task.objects.filter(deal=deal, kind=Task.Kind.FIELD_CHANGED))
    assert [t.text for t in tasks] == ["Описание сделки «Курс акварели» изменено"]


def test_a_too_long_description_is_refused_and_another_manager_gets_404() -> None:
    deal = DealFactory.create(description="до")

    too_long = logged_in(deal.responsible).post(
        f"/workspace/deals/{deal.pk}/description/", {"text": "x" * 10001}
    )
    other = logged_in(manager()).post(f"/workspace/deals/{deal.pk}/description/", {"text": "x"})

    assert (too_long.status_code, other.status_code) == (400, 404)
    deal.refresh_from_db()
    assert deal.description == "до"
    with pytest.raises(ApplicationError):
        deal_description_set(deal=deal, actor=deal.responsible, text="x" * 10001)
    assert not Task.objects.filter(deal=deal, kind=Task.Kind.FIELD_CHANGED).exists()
