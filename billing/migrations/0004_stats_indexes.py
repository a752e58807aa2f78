# Indexes for the manager statistics (stats.managers): periods read by date.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_fee_attribution_window_and_payment_records'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='ledgerentry',
            index=models.Index(fields=['created_at'], name='ledger_created_idx'),
        ),
    ]
