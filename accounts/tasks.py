"""django-q2 entry points of the accounts app. Each takes ids and re-reads the rows."""

from accounts import emails
from accounts.models import User


def send_account_email(kind: str, user_id: str, attempt: int = 1) -> str:
    return emails.send_account_email(kind, user_id=user_id, attempt=attempt)


def send_password_reset(email: str) -> str:
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return "no active account"
    return emails.send_account_email(emails.PASSWORD_RESET, user_id=user.pk)
