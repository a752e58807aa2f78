"""Existing orders did not record whether their product fed the queue when they arrived.

They default to "it did" (0004), which keeps today's behaviour for orders still in their grace
period at deploy time. The exception is the backlog the rule is about: a pending order of a
product that does not feed the queue now (switched off, not approved, blocked, or its partner
blocked) is most likely one received while it did not, and would flood the managers the day the
product is approved; such orders are marked as received while the sales department was off.
Orders already in the queue are unaffected (the sweep only inserts missing items, and a
switch-back-on restores withdrawn items as before). Paid, cancelled and refunded orders are left
alone: they never enter the queue anyway.
"""

from django.db import migrations
from django.db.models import Q


def mark_backlog(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Order.objects.filter(status="pending").filter(
        Q(product__sales_enabled=False)
        | ~Q(product__sales_status="approved")
        | Q(partner__status="blocked")
    ).update(sales_active_at_intake=False)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_order_intake_activity_payment_url_source"),
    ]

    operations = [
        migrations.RunPython(mark_backlog, migrations.RunPython.noop),
    ]
