from django.db import migrations

from catalog.seed import seed_catalog


def seed(apps, schema_editor):
    seed_catalog(
        apps.get_model("catalog", "ProviderEndpoint"),
        apps.get_model("catalog", "CatalogModel"),
        apps.get_model("catalog", "CatalogSize"),
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
