from django.db import migrations, models

# Each lost deal gets the reason the statistics looked up per deal before: its latest stage
# change to a lost stage with a reason, else its queue item's outcome reason. One UPDATE with
# correlated subqueries, the same on PostgreSQL and SQLite.
BACKFILL = """
UPDATE crm_deal SET lost_reason = COALESCE(
    (SELECT sc.reason FROM crm_stagechange sc
        JOIN crm_stage s ON s.id = sc.to_stage_id
        WHERE sc.deal_id = crm_deal.id AND s.kind = 'lost' AND sc.reason <> ''
        ORDER BY sc.created_at DESC, sc.id DESC LIMIT 1),
    NULLIF((SELECT i.outcome_reason FROM queue_queueitem i WHERE i.id = crm_deal.queue_item_id),
        ''),
    '')
WHERE status = 'lost'
"""


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0014_deal_stale_reminded_for"),
        ("queue", "0005_take_first_touch_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="lost_reason",
            field=models.CharField(blank=True, max_length=32, verbose_name="lost reason"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
