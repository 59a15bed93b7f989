"""Jobs remember the endpoint and upstream model they were sent to; provider ids may be
long (gateways encode routing into them) and are unique per endpoint."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def to_the_default_endpoint(apps, schema_editor):
    """Everything before the catalog went to the one endpoint OPENAI_* configured."""
    Endpoint = apps.get_model("catalog", "ProviderEndpoint")
    default, _ = Endpoint.objects.get_or_create(name="default")
    apps.get_model("videos", "VideoJob").objects.filter(endpoint=None).update(
        endpoint=default, upstream_model=models.F("model")
    )
    apps.get_model("videos", "WebhookDelivery").objects.filter(endpoint=None).update(
        endpoint=default
    )


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_seed_the_sora_offer'),
        ('videos', '0003_poll_failures'),
        ('wallet', '0003_ledger_entries_immutable_in_the_database'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='videojob',
            name='endpoint',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.providerendpoint'),
        ),
        migrations.AddField(
            model_name='videojob',
            name='upstream_model',
            field=models.CharField(default='', max_length=200),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='endpoint',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalog.providerendpoint'),
        ),
        migrations.RunPython(to_the_default_endpoint, migrations.RunPython.noop),
    ]
