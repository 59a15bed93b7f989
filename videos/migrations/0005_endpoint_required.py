"""The columns filled by 0004 become required (a separate transaction: PostgreSQL refuses
to alter a table with pending trigger events from the data migration)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('videos', '0004_jobs_keep_their_endpoint'),
    ]

    operations = [
        migrations.AlterField(
            model_name='videojob',
            name='endpoint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.providerendpoint'),
        ),
        migrations.AlterField(
            model_name='videojob',
            name='upstream_model',
            field=models.CharField(max_length=200),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='endpoint',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.providerendpoint'),
        ),
        migrations.AlterField(
            model_name='batch',
            name='model',
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name='videojob',
            name='model',
            field=models.CharField(help_text='The catalog model it was ordered as.', max_length=100),
        ),
        migrations.AlterField(
            model_name='videojob',
            name='provider_video_id',
            field=models.CharField(blank=True, max_length=1024, null=True),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='provider_video_id',
            field=models.CharField(blank=True, max_length=1024),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='webhook_id',
            field=models.CharField(max_length=255),
        ),
        migrations.AddConstraint(
            model_name='videojob',
            constraint=models.UniqueConstraint(fields=('endpoint', 'provider_video_id'), name='videos_job_provider_video'),
        ),
        migrations.AddConstraint(
            model_name='webhookdelivery',
            constraint=models.UniqueConstraint(fields=('endpoint', 'webhook_id'), name='videos_webhook_delivered_once'),
        ),
    ]
