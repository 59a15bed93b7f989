"""Commands that change the catalog leave the same trace in the admin's history as the admin."""

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.endpoints import unset_key_warning
from catalog.models import ProviderEndpoint


def staff_member(email: str | None):
    if not email:
        return None
    user = get_user_model().objects.filter(email__iexact=email.strip(), is_staff=True).first()
    if user is None:
        raise CommandError(f"--by: no staff member with email {email}.")
    return user


def record(user, instance, changes: list[str]) -> None:
    if user is None or not changes:
        return
    added = changes == ["created"]
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[instance],
        action_flag=ADDITION if added else CHANGE,
        change_message=("Added" if added else "; ".join(changes)) + " (manage.py).",
        single_object=True,
    )


def explain(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


class CatalogChangeCommand(BaseCommand):
    """Puts one thing in the catalog through its service: refused with the service's own
    message, recorded in the admin's history as the --by staff member's change, warned about
    when its endpoint's key is unset."""

    def add_arguments(self, parser):
        parser.add_argument("--by", help="staff email, recorded in the admin's history")

    def put(self, options: dict[str, Any]) -> tuple[Any, list[str]]:
        """Make the change the command's options ask for: the thing changed, and what
        changed in it."""
        raise NotImplementedError

    def summary(self, instance, changes: list[str]) -> str:
        """The line that tells the operator what is there now."""
        raise NotImplementedError

    def endpoint_of(self, instance) -> ProviderEndpoint:
        """The endpoint whose unset key would stop what was put from being ordered."""
        raise NotImplementedError

    def handle(self, *args, **options):
        user = staff_member(options["by"])
        try:
            instance, changes = self.put(options)
        except ValidationError as error:
            raise CommandError(explain(error)) from None
        record(user, instance, changes)
        self.stdout.write(self.summary(instance, changes))
        if warning := unset_key_warning(self.endpoint_of(instance)):
            self.stderr.write(self.style.WARNING(f"Warning: {warning}"))
