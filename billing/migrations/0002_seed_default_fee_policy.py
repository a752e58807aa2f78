import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import migrations

# The terms as they were when billing started; frozen here on purpose (a later change of terms
# is a new policy row, never an edit of this migration).
EFFECTIVE_FROM = dt.datetime(2000, 1, 1, tzinfo=ZoneInfo("Europe/Moscow"))


def seed(apps, schema_editor):
    FeePolicy = apps.get_model("billing", "FeePolicy")
    FeePolicy.objects.get_or_create(
        effective_from=EFFECTIVE_FROM,
        defaults={
            "rate": Decimal("0.069"),
            "minimum": Decimal("60.00"),
            "maximum": Decimal("2500.00"),
            "currency": "RUB",
        },
    )


def unseed(apps, schema_editor):
    FeePolicy = apps.get_model("billing", "FeePolicy")
    FeePolicy.objects.filter(effective_from=EFFECTIVE_FROM).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_ledger_policy_statements"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
