"""What the accounts services refuse, without HTTP."""

from storycraft.exceptions import DomainError


class EmailTaken(DomainError):
    """Another account has this email (two sign-ups raced past the serializer's check)."""

    code = "email_taken"
    default_message = "A user with this email already exists."


class TokenInvalid(DomainError):
    """An emailed link's token that is malformed, forged, expired or already used."""

    code = "token_invalid"
    default_message = "This link is invalid, expired or already used."


class WrongPassword(DomainError):
    """The current password given to confirm a sensitive change is not the user's."""

    code = "wrong_password"
    default_message = "The password is not correct."
