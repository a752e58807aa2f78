"""Every alert's message renders in Russian (the default) and in English, with no untranslated
English in the Russian one and no Russian in the English one (except the names given)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from notifications.services import notification_render
from tests.sales_queue.factories import MSK

AT = dt.datetime(2026, 11, 28, 20, 13, tzinfo=MSK)
PARTNER = SimpleNamespace(name="Kod School")
PRODUCT = SimpleNamespace(name="Python course")
TOTALS = SimpleNamespace(
    taken=2, touches=5, won=1, lost=1, revenue=Decimal("14900.00"), fees=Decimal("1043.00")
)
ROW = SimpleNamespace(name="Vera", taken=2, won=1, revenue=Decimal("14900.00"), overdue_tasks=3)
CONTEXTS: dict[str, dict[str, Any]] = {
    "new_application": {"product": PRODUCT, "partner": PARTNER, "review_url": "http://x/r/"},
    "call_booked": {
        "partner": PARTNER,
        "products": [PRODUCT],
        "starts_at": AT,
        "slots_url": "http://x/s/",
    },
    "call_reminder": {
        "partner": PARTNER,
        "products": [PRODUCT],
        "starts_at": AT,
        "duration_minutes": 30,
        "which": "day",
        "cabinet_url": "http://x/c/",
    },
    "new_task": {
        "task": SimpleNamespace(text="Call Anna", due_at=AT),
        "deal_url": "http://x/d/",
        "tasks_url": "http://x/t/",
    },
    "callback_due": {
        "product": PRODUCT,
        "buyer": "Anna",
        "phone": "+79123456789",
        "at": AT,
        "workspace_url": "http://x/w/",
    },
    "response_breach": {
        "waiting": 3,
        "oldest_since": AT,
        "oldest_waited": "2 hours",
        "sla_minutes": 60,
        "queue_url": "http://x/q/",
    },
    "qa_feedback": {
        "review": SimpleNamespace(comment="OK"),
        "score": Decimal("66.67"),
        "touch_at": AT,
        "url": "http://x/qa/",
    },
    "head_digest": {
        "day": AT.date(),
        "totals": TOTALS,
        "conversion_percent": Decimal("50"),
        "managers": [ROW],
        "overdue": [ROW],
        "stats_url": "http://x/st/",
        "tasks_url": "http://x/t/",
    },
}
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_russian_by_default_english_on_request(template: str) -> None:
    ru = notification_render(template, CONTEXTS[template])
    en = notification_render(template, CONTEXTS[template], language="en")

    for part in ru:
        assert CYRILLIC.search(part), part
    for part in en:
        assert not CYRILLIC.search(part), part
    # the subject is one line; the dates are Moscow's «28 ноября, 20:13» where shown
    assert "\n" not in ru[0]
    if "28" in ru[1]:
        assert "28 ноября" in ru[1]


def test_money_and_dates_read_the_russian_way() -> None:
    _s, text, _h = notification_render("head_digest", CONTEXTS["head_digest"])
    assert "Выручка: 14\xa0900,00\xa0₽" in text
    _s, text, _h = notification_render("callback_due", CONTEXTS["callback_due"])
    assert "покупателю 28 ноября в 20:13." in text  # never «в 28 ноября, 20:13»
    subject, _t, _h = notification_render("call_reminder", CONTEXTS["call_reminder"])
    assert subject == "Напоминаем: созвон с отделом продаж 28 ноября, 20:13"
