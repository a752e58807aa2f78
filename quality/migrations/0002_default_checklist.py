"""The default checklist from the knowledge base's call algorithm (third and fourth seeds)."""

from django.db import migrations

DEFAULT_ITEMS = [
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


def create_defaults(apps, schema_editor):
    ChecklistItem = apps.get_model("quality", "ChecklistItem")
    if ChecklistItem.objects.filter(partner__isnull=True).exists():
        return
    ChecklistItem.objects.bulk_create(
        ChecklistItem(partner=None, position=position, title=title, hint=hint)
        for position, (title, hint) in enumerate(DEFAULT_ITEMS, start=1)
    )


def remove_defaults(apps, schema_editor):
    apps.get_model("quality", "ChecklistItem").objects.filter(partner__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
