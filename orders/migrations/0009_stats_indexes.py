# Indexes for the manager statistics (stats.managers): periods read by date.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0008_order_deal'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='order',
            index=models.Index(condition=models.Q(('deal__isnull', False)), fields=['paid_at'], name='order_paid_linked_idx'),
        ),
    ]
