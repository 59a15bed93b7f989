"""What the accounts services refuse, without HTTP."""

from storycraft.exceptions import DomainError


class EmailTaken(DomainError):
    """Another account has this email (two sign-ups raced past the serializer's check)."""

    code = "email_taken"
    default_message = "A user with this email already exists."
