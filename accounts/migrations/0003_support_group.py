from django.db import migrations


def create_support_group(apps, schema_editor):
    # The shared definition, given this migration's historical models.
    from accounts.support import ensure_support_group

    ensure_support_group(apps)


def remove_support_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Support").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_email_verified_and_deletion"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wallet", "0001_initial"),
        ("videos", "0002_jobs_and_batches"),
        ("catalog", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_support_group, remove_support_group)]
