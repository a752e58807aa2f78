"""Orders linked to deals (``Order.deal``), and the paid orders of the past linked to their own
deal: each paid (or since refunded) order whose deal exists gets the most recent one — the rule
of ``orders.services.order_payment_record``. One UPDATE with a correlated subquery, the same on
PostgreSQL and SQLite."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def link_paid_orders(apps: Any, schema_editor: Any) -> None:
    Order = apps.get_model("orders", "Order")
    Deal = apps.get_model("crm", "Deal")
    own_deals = Deal.objects.filter(order_id=OuterRef("pk"))
    Order.objects.filter(
        Exists(own_deals), paid_at__isnull=False, deal__isnull=True
    ).update(deal=Subquery(own_deals.order_by("-created_at", "-id").values("pk")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0010_task_kinds_next_step_and_field_changed"),
        ("orders", "0007_link_orders_to_contacts"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="deal",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="linked_orders",
                to="crm.deal",
                verbose_name="linked deal",
            ),
        ),
        migrations.RunPython(link_paid_orders, migrations.RunPython.noop, elidable=True),
    ]
