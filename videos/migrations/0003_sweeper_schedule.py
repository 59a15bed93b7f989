"""The poller's schedule lives in the database from the first migrate, never made by hand."""

from django.db import migrations

SWEEPER = "videos.tasks.sweep_videos"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="video sweeper",
        defaults={"func": SWEEPER, "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="video sweeper").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("videos", "0002_jobs_and_batches"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
