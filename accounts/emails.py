"""The emails an account gets, composed from templates/email/ and sent by the worker.

Requests only queue a message, after their transaction commits; the worker composes it
(with a fresh token) and sends it. A refused send is tried again later (EMAIL_SEND_ATTEMPTS
in all, with growing pauses), and never fails the request that asked for it.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from accounts import tokens
from accounts.models import User

logger = logging.getLogger(__name__)

VERIFY_EMAIL, PASSWORD_RESET = "verify_email", "password_reset"


@dataclass(frozen=True)
class _Kind:
    frontend_path: str  # where the link opens, under FRONTEND_URL
    generator: tokens.LinkTokenGenerator


_KINDS = {
    VERIFY_EMAIL: _Kind("verify-email", tokens.email_verification_tokens),
    PASSWORD_RESET: _Kind("reset-password", tokens.password_reset_tokens),
}


def queue_verification_email(*, user: User) -> None:
    """Send the link that verifies the user's address, once the caller's transaction commits."""
    user_id = str(user.pk)
    transaction.on_commit(
        lambda: async_task("accounts.tasks.send_account_email", VERIFY_EMAIL, user_id)
    )


def queue_password_reset_email(*, email: str) -> None:
    """Send a reset link if an active account has this email. The lookup happens in the
    worker, so the request does the same work whether or not the account exists."""
    transaction.on_commit(lambda: async_task("accounts.tasks.send_password_reset", email))


def compose(kind: str, *, user: User) -> EmailMultiAlternatives:
    spec = _KINDS[kind]
    token = tokens.make_token(spec.generator, user)
    context = {
        "product_name": settings.PRODUCT_NAME,
        "email": user.email,
        "link": f"{settings.FRONTEND_URL}/{spec.frontend_path}?token={token}",
        "hours": getattr(settings, spec.generator.hours_setting),
    }
    subject = render_to_string(f"email/{kind}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"email/{kind}.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"email/{kind}.html", context), "text/html")
    return message


def send_account_email(kind: str, *, user_id, attempt: int = 1) -> str:
    """Compose and send one message; on failure schedule the next attempt. Safe to run
    twice: the worst case is a second, equally valid link."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return "no active account"
    if kind == VERIFY_EMAIL and user.email_verified:
        return "already verified"
    try:
        compose(kind, user=user).send()
    except Exception as error:  # SMTP refusals, timeouts, DNS: all worth another try
        if attempt >= settings.EMAIL_SEND_ATTEMPTS:
            logger.error("%s email to user %s failed for good: %r", kind, user_id, error)
            raise
        delay = timedelta(minutes=2**attempt)
        logger.warning("%s email to user %s failed (%r); retry in %s", kind, user_id, error, delay)
        schedule(
            "accounts.tasks.send_account_email",
            kind,
            str(user_id),
            attempt + 1,
            schedule_type=Schedule.ONCE,
            next_run=timezone.now() + delay,
        )
        return "retry scheduled"
    logger.info("%s email sent to user %s", kind, user_id)
    return "sent"
