# Indexes for the manager statistics (stats.managers): periods read by date.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('queue', '0003_touch_deal'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='touch',
            index=models.Index(fields=['created_at'], name='touch_created_idx'),
        ),
    ]
