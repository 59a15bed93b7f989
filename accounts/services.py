"""Account actions: the only code that creates users from the outside world."""

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction

from accounts.exceptions import EmailTaken
from accounts.models import User


def email_is_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


@transaction.atomic
def register_user(*, email: str, password: str) -> User:
    """Create an account. The caller has validated the password against the candidate user."""
    email = User.objects.normalize_email(email.strip())
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
    except IntegrityError:
        # Two sign-ups raced past the serializer's check; the constraint decided.
        raise EmailTaken() from None
    return user


def check_password_strength(*, email: str, password: str) -> None:
    """Raise django's ValidationError with every reason the password is too weak."""
    validate_password(password, user=User(email=email))
