"""The service's default checklist (the knowledge base's call algorithm, third and fourth
seeds): migration 0002 stores it; when the table holds no default rows (a database flushed by
a test, or rows deleted by hand) the reads fall back to this list, so a review always has its
items."""

from __future__ import annotations

DEFAULT_CHECKLIST: list[tuple[str, str]] = [
    (
        "Поприветствовал и представился",
        "Назвал себя и школу или магазин, спросил, удобно ли говорить.",
    ),
    (
        "Слушал, а не говорил",
        "Дал клиенту договорить, переспрашивал, не перебивал.",
    ),
    (
        "Выяснил потребность",
        "Задал вопросы о задаче клиента до того, как рассказывать о продукте.",
    ),
    (
        "Презентовал под потребность",
        "Рассказал о продукте через то, что важно именно этому клиенту.",
    ),
    (
        "Отработал возражения",
        "Уточнил причину сомнений и ответил по существу, без спора.",
    ),
    (
        "Договорился о следующем шаге",
        "Клиент знает, что будет дальше и когда: оплата, звонок, письмо.",
    ),
    (
        "Не давил на первом звонке",
        "Без навязывания и искусственной срочности: решение остаётся за клиентом.",
    ),
]
