"""Commands that change the catalog leave the same trace in the admin's history as the admin."""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


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
