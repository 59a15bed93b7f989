import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from live import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor)


def uninstall(apps, schema_editor):
    triggers.uninstall(schema_editor)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("videos", "0005_endpoint_required"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobEvent",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("job_id", models.UUIDField()),
                ("owner_id", models.UUIDField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "db_table": "job_events",
                "indexes": [
                    models.Index(fields=["owner_id", "id"], name="job_events_owner"),
                    models.Index(fields=["created_at"], name="job_events_age"),
                ],
            },
        ),
        migrations.CreateModel(
            name="StreamTicket",
            fields=[
                ("digest", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("expires_at", models.DateTimeField()),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
