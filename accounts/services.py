"""Account actions: the only code that creates, verifies, re-keys and deletes users, and
the one that starts and ends their sessions (refresh token families)."""

import logging
import uuid
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import emails, tokens
from accounts.exceptions import EmailTaken, TokenInvalid, WrongPassword
from accounts.models import User
from accounts.signals import account_deleted, email_verified, sessions_ended

logger = logging.getLogger(__name__)

DELETED_EMAIL_DOMAIN = "deleted.invalid"

# A login's id, in its refresh token and so in every token rotated from it (simplejwt
# copies the claims it does not own): what a replayed rotated token revokes.
FAMILY_CLAIM = "fam"


def email_is_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


@transaction.atomic
def register_user(*, email: str, password: str) -> User:
    """Create an account and send its verification email once it is committed. The caller
    has validated the password against the candidate user."""
    email = User.objects.normalize_email(email.strip())
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
    except IntegrityError:
        # Two sign-ups raced past the serializer's check; the constraint decided.
        raise EmailTaken() from None
    emails.queue_verification_email(user=user)
    return user


def check_password_strength(*, email: str, password: str) -> None:
    """Raise django's ValidationError with every reason the password is too weak."""
    validate_password(password, user=User(email=email))


# --- Verification -----------------------------------------------------------------------


@transaction.atomic
def verify_email(*, token: str) -> User:
    """Mark the address of the token's user verified. The row is locked before the token is
    checked, so of two clicks at once the second finds it used (TokenInvalid)."""
    user = tokens.user_for_token(
        tokens.email_verification_tokens, token, queryset=User.objects.select_for_update()
    )
    if user is None:
        raise TokenInvalid()
    return mark_email_verified(user=user)


@transaction.atomic
def mark_email_verified(*, user: User) -> User:
    """Verified from now on; the first time, email_verified is sent (the wallet grants
    the welcome credits then)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
        email_verified.send(sender=User, user=user)
    return user


def resend_verification_email(*, user: User) -> bool:
    """Send a new verification link; False (nothing sent) for a verified or closed account."""
    if user.email_verified or not user.is_active:
        return False
    emails.queue_verification_email(user=user)
    return True


# --- Passwords --------------------------------------------------------------------------


def request_password_reset(*, email: str) -> None:
    """Email a reset link if an active account has this address. Answers the same either
    way: whether the account exists is decided in the worker, not here."""
    emails.queue_password_reset_email(email=User.objects.normalize_email(email.strip()))


@transaction.atomic
def reset_password(*, token: str, password: str) -> User:
    """Set a new password with an emailed token; every refresh token of the user dies.
    Raises TokenInvalid, or django's ValidationError for a weak password (the token is
    then still good)."""
    user = tokens.user_for_token(
        tokens.password_reset_tokens, token, queryset=User.objects.select_for_update()
    )
    if user is None:
        raise TokenInvalid()
    _set_password(user, password)
    return user


@transaction.atomic
def change_password(*, user: User, old_password: str, password: str) -> User:
    """Change the password of a signed-in user who knows the current one. Every refresh
    token of the user dies, the caller's too: the caller hands out a fresh pair."""
    user = User.objects.select_for_update().get(pk=user.pk)
    check_current_password(user=user, password=old_password)
    _set_password(user, password)
    return user


def check_current_password(*, user: User, password: str) -> None:
    if not user.check_password(password):
        raise WrongPassword()


def _set_password(user: User, password: str) -> None:
    validate_password(password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])
    revoke_refresh_tokens(user=user)


# --- Deletion ---------------------------------------------------------------------------


@transaction.atomic
def delete_own_account(*, user: User, password: str) -> User:
    """The user deletes their account, confirming with their password."""
    check_current_password(user=user, password=password)
    return delete_account(user=user)


@transaction.atomic
def delete_account(*, user: User, staff: User | None = None) -> User:
    """Deactivate the account at once and free its email (anonymised); account_deleted
    lets the apps above end what it owns (videos: jobs refunded, files erased). Its ledger
    stays with the anonymised user, so the books still add up. Safe to call again."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_deleted:
        return user
    user.email = f"deleted-{uuid.uuid4().hex}@{DELETED_EMAIL_DOMAIN}"
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.email_verified = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    revoke_refresh_tokens(user=user)
    account_deleted.send(sender=User, user=user, staff=staff)
    logger.info("account %s deleted by %s", user.pk, f"staff {staff.pk}" if staff else "its owner")
    return user


def start_session(*, user: User) -> RefreshToken:
    """A refresh token for a new login: the first of a new family."""
    refresh = RefreshToken.for_user(user)
    refresh[FAMILY_CLAIM] = uuid.uuid4().hex
    # for_user stored the token before it had its family: store the one handed out.
    OutstandingToken.objects.filter(jti=refresh[api_settings.JTI_CLAIM]).update(token=str(refresh))
    return refresh


def revoke_refresh_tokens(
    user: User, *, family: str | None = None, except_jti: str | None = None
) -> int:
    """Blacklist the user's refresh tokens that still work (all, those of one family, or
    all but `except_jti`); how many. Access tokens live out their JWT_ACCESS_MINUTES."""
    usable = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    if except_jti is not None:
        usable = usable.exclude(jti=except_jti)
    revoked: Iterable[OutstandingToken] = usable
    if family is not None:
        # Rotation blacklists as it goes: a family has about one usable token, so these
        # are few. They are our own, stored when issued: read, not verified again.
        revoked = [token for token in usable if _claims(token.token).get(FAMILY_CLAIM) == family]
    blacklisted = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in revoked], ignore_conflicts=True
    )
    return len(blacklisted)


def revoke_family_if_reused(raw_token: str) -> bool:
    """Called with a refresh token that was refused: when it is genuine, unexpired and
    blacklisted (rotated or logged out), someone replays it, so every token descended
    from the same login is revoked (OWASP's refresh token reuse detection)."""
    try:
        # simplejwt annotates `token` as its Token class; it takes the encoded JWT (a str).
        claims = token_backend.decode(raw_token, verify=True)  # type: ignore[arg-type]
    except TokenBackendError:
        return False
    jti = claims.get(api_settings.JTI_CLAIM)
    if claims.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh" or not jti:
        return False
    if not BlacklistedToken.objects.filter(token__jti=jti).exists():
        return False
    user_id = claims.get(api_settings.USER_ID_CLAIM)
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None:
        return False
    # A token from before families (no claim) can't name its descendants: revoke all.
    revoked = revoke_refresh_tokens(user, family=claims.get(FAMILY_CLAIM))
    logger.warning(
        "a rotated refresh token of user %s was used again: %d token(s) of its family revoked",
        user.pk,
        revoked,
    )
    return True


def log_out_everywhere(*, user: User) -> None:
    """End every session: all refresh tokens blacklisted, open event streams ended."""
    revoke_refresh_tokens(user)
    sessions_ended.send(sender=User, user=user)


def user_of_token(token: RefreshToken) -> User | None:
    user_id = token.payload.get(api_settings.USER_ID_CLAIM)
    return User.objects.filter(pk=user_id).first() if user_id is not None else None


def _claims(token: str) -> dict:
    try:
        return token_backend.decode(token, verify=False)  # type: ignore[arg-type]  # a str, as above
    except TokenBackendError:
        return {}
