# Indexes for the manager statistics (stats.managers): periods read by date.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0012_task_kind_order_linked'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(fields=['created_at'], name='deal_created_at_idx'),
        ),
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(condition=models.Q(('closed_at__isnull', False)), fields=['closed_at'], name='deal_closed_at_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('done_at__isnull', True)), fields=['assignee', 'due_at'], name='task_open_assignee_idx'),
        ),
    ]
