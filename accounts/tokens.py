"""The one-time tokens in emailed links, made by Django's PasswordResetTokenGenerator.

A token is `<uid>.<timestamp>-<hmac>`: the user's id (base64) and Django's token, one opaque
string for the link. The HMAC covers the user's state that using the token changes (the
password hash for a reset, the verified flag for a verification), so each works once.
"""

import uuid

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User


class LinkTokenGenerator(PasswordResetTokenGenerator):
    """Django's generator with a lifetime of its own: `hours_setting` names it."""

    hours_setting = ""

    def check_token(self, user, token) -> bool:
        # Django checks the signature and PASSWORD_RESET_TIMEOUT (the longest of our
        # lifetimes); each kind of link keeps its own, shorter or not.
        try:
            issued = base36_to_int(token.split("-", 1)[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - issued
        if age > 3600 * getattr(settings, self.hours_setting):
            return False
        return super().check_token(user, token)


class EmailVerificationTokens(LinkTokenGenerator):
    key_salt = "accounts.tokens.EmailVerificationTokens"
    hours_setting = "VERIFY_EMAIL_TOKEN_HOURS"

    def _make_hash_value(self, user, timestamp) -> str:
        # Verifying flips the flag, and a new email needs a new link.
        return f"{user.pk}{user.email}{user.email_verified}{user.is_active}{timestamp}"


class PasswordResetTokens(LinkTokenGenerator):
    key_salt = "accounts.tokens.PasswordResetTokens"
    hours_setting = "PASSWORD_RESET_TOKEN_HOURS"

    def _make_hash_value(self, user, timestamp) -> str:
        # Django's own value (pk, password hash, last login, timestamp, email): a new
        # password or a login ends the link.
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


email_verification_tokens = EmailVerificationTokens()
password_reset_tokens = PasswordResetTokens()


def make_token(generator: LinkTokenGenerator, user: User) -> str:
    uid = urlsafe_base64_encode(user.pk.bytes)
    return f"{uid}.{generator.make_token(user)}"


def user_for_token(generator: LinkTokenGenerator, token: str, *, queryset=None) -> User | None:
    """The active user whose valid token this is, or None for anything else."""
    uid, _, django_token = (token or "").partition(".")
    try:
        user_id = uuid.UUID(bytes=urlsafe_base64_decode(uid))
        user = (queryset or User.objects).get(pk=user_id, is_active=True)
    except (ValueError, TypeError, User.DoesNotExist):
        return None
    return user if generator.check_token(user, django_token) else None
