"""The `Support` group: what a support agent needs, and nothing that changes the catalog or
makes anyone more powerful (the user page's privilege fields are a superuser's only).

Created by the migration accounts 0003_support_group, and again after a migrate or flush
that left a database without it (a flushed test database)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db.models import Q

SUPPORT_GROUP = "Support"
SUPPORT_PERMISSIONS = [
    # Users: find them, deactivate or reactivate them.
    ("accounts", "view_user"),
    ("accounts", "change_user"),
    # Wallets and the ledger; grants, deductions and refunds move credits.
    ("wallet", "view_wallet"),
    ("wallet", "view_ledgerentry"),
    ("wallet", "move_credits"),
    # Jobs (pull now; fail and refund, with move_credits), batches, webhook deliveries.
    ("videos", "view_videojob"),
    ("videos", "change_videojob"),
    ("videos", "view_batch"),
    ("videos", "view_webhookdelivery"),
    # The catalog, to answer "what does this cost": read only.
    ("catalog", "view_catalogmodel"),
    ("catalog", "view_providerendpoint"),
]


def ensure_support_group(apps=global_apps) -> None:
    """Create the group with its permissions unless it exists: later changes made to it in
    the admin stand. `apps`: a migration's historical registry, or the running one."""
    Group = apps.get_model("auth", "Group")
    if Group.objects.filter(name=SUPPORT_GROUP).exists():
        return
    # Django makes permissions after every app's migrations (post_migrate): make them now.
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    wanted = Q()
    for app_label, codename in SUPPORT_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group = Group.objects.create(name=SUPPORT_GROUP)
    group.permissions.add(*Permission.objects.filter(wanted))


def ensure_support_group_after_migrate(**kwargs) -> None:
    ensure_support_group()
