"""Bought credits: the `purchase` and `refund` kinds, a purchase's receipt, and what a
wallet owes after a refund or dispute could not take everything back.

SQLite rebuilds a table to change its constraints, and the rebuilt ledger table loses the
triggers of 0003 that refuse UPDATE and DELETE: they are installed again at the end
(PostgreSQL alters the table in place and keeps them)."""

from django.conf import settings
from django.db import migrations, models

TABLE = "wallet_ledgerentry"


def reinstall_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for operation in ("update", "delete"):
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_{operation} BEFORE {operation.upper()} "
            f"ON {TABLE} BEGIN SELECT RAISE(ABORT, "
            f"'ledger entries are immutable: {operation.upper()} refused'); END;",
            params=None,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('wallet', '0003_ledger_entries_immutable_in_the_database'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='ledgerentry',
            name='wallet_entry_kind_valid',
        ),
        migrations.AddField(
            model_name='ledgerentry',
            name='receipt',
            field=models.JSONField(blank=True, help_text='For a purchase: what was paid (pack, amount, currency, top-up).', null=True),
        ),
        migrations.AddField(
            model_name='wallet',
            name='owed',
            field=models.BigIntegerField(default=0, help_text='Credits a refund or dispute could not take back: no order until settled.'),
        ),
        migrations.AlterField(
            model_name='ledgerentry',
            name='kind',
            field=models.CharField(choices=[('welcome', 'welcome grant'), ('grant', 'staff grant'), ('deduction', 'staff deduction'), ('hold', 'hold'), ('settle', 'settle (hold charged)'), ('release', 'release (hold refunded)'), ('purchase', 'purchase (credit pack paid)'), ('refund', 'refund (bought credits taken back)')], max_length=16),
        ),
        migrations.AddConstraint(
            model_name='ledgerentry',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'purchase')), fields=('key',), name='wallet_one_purchase_per_payment'),
        ),
        migrations.AddConstraint(
            model_name='ledgerentry',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ('purchase',)), _negated=True), models.Q(('balance_change__gt', 0), ('reserved_change', 0), models.Q(('key', ''), _negated=True)), _connector='OR'), name='wallet_entry_purchase_shape'),
        ),
        migrations.AddConstraint(
            model_name='ledgerentry',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ('refund',)), _negated=True), models.Q(('balance_change__lt', 0), ('reserved_change', 0)), _connector='OR'), name='wallet_entry_refund_shape'),
        ),
        migrations.AddConstraint(
            model_name='ledgerentry',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ('welcome', 'grant', 'deduction', 'hold', 'settle', 'release', 'purchase', 'refund'))), name='wallet_entry_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='wallet',
            constraint=models.CheckConstraint(condition=models.Q(('owed__gte', 0)), name='wallet_owed_not_negative'),
        ),
        migrations.RunPython(reinstall_sqlite_triggers, migrations.RunPython.noop),
    ]
