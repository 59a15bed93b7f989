"""Account actions: the only code that creates users from the outside world, and the
one that starts and ends their sessions (refresh token families)."""

import logging
import uuid

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.exceptions import EmailTaken
from accounts.models import User
from accounts.signals import sessions_ended

logger = logging.getLogger(__name__)

# A login's id, in its refresh token and so in every token rotated from it (simplejwt
# copies the claims it does not own): what a replayed rotated token revokes.
FAMILY_CLAIM = "fam"


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


def start_session(*, user: User) -> RefreshToken:
    """A refresh token for a new login: the first of a new family."""
    refresh = RefreshToken.for_user(user)
    refresh[FAMILY_CLAIM] = uuid.uuid4().hex
    # for_user stored the token before it had its family: store the one handed out.
    OutstandingToken.objects.filter(jti=refresh[api_settings.JTI_CLAIM]).update(token=str(refresh))
    return refresh


def revoke_refresh_tokens(user: User, *, family: str | None = None) -> int:
    """Blacklist the user's refresh tokens that still work (all, or those of one family);
    how many. Access tokens live out their JWT_ACCESS_MINUTES."""
    usable = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    if family is not None:
        # Rotation blacklists as it goes: a family has about one usable token, so these
        # are few. They are our own, stored when issued: read, not verified again.
        usable = [token for token in usable if _claims(token.token).get(FAMILY_CLAIM) == family]
    blacklisted = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in usable], ignore_conflicts=True
    )
    return len(blacklisted)


def revoke_family_if_reused(raw_token: str) -> bool:
    """Called with a refresh token that was refused: when it is genuine, unexpired and
    blacklisted (rotated or logged out), someone replays it, so every token descended
    from the same login is revoked (OWASP's refresh token reuse detection)."""
    try:
        claims = token_backend.decode(raw_token, verify=True)
    except TokenBackendError:
        return False
    jti = claims.get(api_settings.JTI_CLAIM)
    if claims.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh" or not jti:
        return False
    if not BlacklistedToken.objects.filter(token__jti=jti).exists():
        return False
    user = User.objects.filter(pk=claims.get(api_settings.USER_ID_CLAIM)).first()
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
    return User.objects.filter(pk=token.payload.get(api_settings.USER_ID_CLAIM)).first()


def _claims(token: str) -> dict:
    try:
        return token_backend.decode(token, verify=False)
    except TokenBackendError:
        return {}
