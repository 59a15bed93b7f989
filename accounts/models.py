import uuid
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # People type their email in any case; the login must not care.
        return self.get(email__iexact=email)

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        # One transaction with what post_save receivers write (the wallet app opens the
        # user's wallet with its welcome credits): the user exists with them or not at all.
        with transaction.atomic(using=self._db):
            user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account; the email is the login."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    email_verified = models.BooleanField(
        default=False, help_text="They opened the link sent to their email address."
    )
    deleted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the account was deleted: deactivated, its email anonymised, its "
        "videos erased. Its ledger stays.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["-date_joined"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="A user with this email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
