"""What can be ordered, and where it is sent: provider endpoints and catalog models.

Secrets never live here: an endpoint names the environment variables that hold them.
"""

import math
import os
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from catalog.seed import DEFAULT_ENDPOINT

MAX_PROMPT_LENGTH = 32_000

SIZE_PATTERN = re.compile(r"^(?P<width>[1-9][0-9]{1,4})x(?P<height>[1-9][0-9]{1,4})$")
# Aspect names a frontend shows; a size's format defaults to the nearest one.
COMMON_FORMATS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")

model_id_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
    "Letters, digits and . _ : / - only, starting with a letter or digit.",
)
env_name_validator = RegexValidator(
    r"^[A-Z_][A-Z0-9_]*$", "An environment variable name: capitals, digits and underscores."
)
format_validator = RegexValidator(r"^[1-9][0-9]?:[1-9][0-9]?$", 'An aspect such as "16:9".')


def size_validator(value: str) -> None:
    if not SIZE_PATTERN.match(value or ""):
        raise ValidationError(f'"{value}" is not a size; write WIDTHxHEIGHT, e.g. 1280x720.')


def format_of(size: str) -> str:
    """The common aspect nearest to a size's: 1280x720 and 1344x768 are both 16:9."""
    match = SIZE_PATTERN.match(size)
    if not match:
        raise ValueError(f"not a size: {size!r}")
    ratio = int(match["width"]) / int(match["height"])

    def distance(name: str) -> float:
        width, height = (int(side) for side in name.split(":"))
        return abs(math.log(ratio * height / width))

    return min(COMMON_FORMATS, key=distance)


class AuthStyle(models.TextChoices):
    BEARER = "bearer", "Authorization: Bearer (OpenAI, gateways)"
    API_KEY = "api-key", "api-key header (Azure OpenAI)"


class Protocol(models.TextChoices):
    OPENAI = "openai", "OpenAI Videos API (OpenAI, Azure v1, LiteLLM, resellers)"
    OPENROUTER = "openrouter", "OpenRouter video API"


class ProviderEndpoint(models.Model):
    """A video service: one speaking the OpenAI Videos API (OpenAI, Azure OpenAI v1, a
    gateway) or OpenRouter's video API, as its `protocol` says.

    The endpoint named `default` takes whatever it leaves blank from the OPENAI_* settings,
    so a deployment configured before the catalog existed keeps working unchanged."""

    name = models.SlugField(max_length=50, unique=True)
    protocol = models.CharField(
        max_length=16,
        choices=Protocol.choices,
        default=Protocol.OPENAI,
        help_text="How StoryCraft talks to it.",
    )
    base_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="e.g. https://api.openai.com/v1, https://RESOURCE.openai.azure.com/openai/v1 "
        "or a gateway's /v1. Blank on the default endpoint: OPENAI_BASE_URL.",
    )
    auth_style = models.CharField(
        max_length=16,
        choices=AuthStyle.choices,
        blank=True,
        help_text="Blank on the default endpoint: OPENAI_AUTH_STYLE.",
    )
    api_key_env = models.CharField(
        "API key variable",
        max_length=100,
        blank=True,
        validators=[env_name_validator],
        help_text="The environment variable holding the key (never the key itself). "
        "Blank: OPENAI_API_KEY on the default endpoint, no key elsewhere.",
    )
    webhook_secret_env = models.CharField(
        "webhook secret variable",
        max_length=100,
        blank=True,
        validators=[env_name_validator],
        help_text="The environment variable holding the secret its webhooks are signed with "
        "(never the secret itself). "
        "Blank: OPENAI_WEBHOOK_SECRET on the default endpoint, webhooks refused elsewhere.",
    )
    connect_timeout = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.1)], help_text="Seconds."
    )
    read_timeout = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.1)], help_text="Seconds."
    )
    max_retries = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    requests_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="The most status requests the poller sends it per minute, counted across "
        "every poller process. Blank: unlimited.",
    )
    margin_percent = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The margin new synced models are priced with. Blank: DEFAULT_MARGIN_PERCENT.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_ENDPOINT

    def api_key(self) -> str:
        """The key from the environment ("" when none is configured or the variable is unset)."""
        if self.is_default and not self.api_key_env:
            return settings.OPENAI_API_KEY
        return os.environ.get(self.api_key_env, "") if self.api_key_env else ""

    def missing_key_variable(self) -> str:
        """The variable named to hold its key when that is unset ("" when the key is there,
        or none is named). Its models are not offered until it is set. The default
        endpoint naming none sends OPENAI_API_KEY, or the emulator's key."""
        if self.api_key_env and not os.environ.get(self.api_key_env):
            return self.api_key_env
        return ""

    def webhook_secret(self) -> str:
        if self.is_default and not self.webhook_secret_env:
            return settings.OPENAI_WEBHOOK_SECRET
        return os.environ.get(self.webhook_secret_env, "") if self.webhook_secret_env else ""

    def clean(self):
        if not self.is_default:
            missing = {}
            if not self.base_url:
                missing["base_url"] = "Give the endpoint's base URL."
            if not self.auth_style:
                missing["auth_style"] = "Choose how the key is sent."
            if missing:
                raise ValidationError(missing)
        # The OpenRouter client always sends a Bearer token: an api-key setting would be
        # silently ignored, so it is refused rather than kept as a misleading value.
        if self.protocol == Protocol.OPENROUTER and self.auth_style == AuthStyle.API_KEY:
            raise ValidationError(
                {"auth_style": "OpenRouter takes its key as a Bearer token: choose bearer."}
            )


class CatalogModel(models.Model):
    """A video model users can order: its endpoint, upstream id, lengths, sizes and prices."""

    model_id = models.CharField(
        "model id",
        max_length=100,
        unique=True,
        validators=[model_id_validator],
        help_text='What users order by, e.g. "sora-2" or "google/veo-3.1-fast".',
    )
    name = models.CharField("display name", max_length=100)
    endpoint = models.ForeignKey(ProviderEndpoint, on_delete=models.PROTECT, related_name="models")
    upstream_model = models.CharField(
        max_length=200, help_text="The model id sent to the endpoint."
    )
    durations = models.JSONField(
        default=list, help_text="Lengths in seconds it can make, e.g. [4, 8, 12]."
    )
    default_size = models.CharField(
        max_length=16, validators=[size_validator], help_text="Used when an order names none."
    )
    enabled = models.BooleanField(
        default=True, help_text="Disabled: new orders are refused; jobs in flight finish."
    )
    is_default = models.BooleanField(
        "default model", default=False, help_text="Ordered when an order names no model."
    )
    can_remix = models.BooleanField(default=False)
    image_input = models.BooleanField(
        default=False, help_text="Can start a video from a picture (its first frame)."
    )
    upstream_pricing = models.JSONField(
        default=dict,
        blank=True,
        help_text="The provider's price list as last synced (e.g. OpenRouter's pricing SKUs).",
    )
    retired_upstream_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a catalog sync found the model gone from its provider's list.",
    )
    max_prompt_length = models.PositiveIntegerField(
        default=MAX_PROMPT_LENGTH,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PROMPT_LENGTH)],
        help_text="Characters, the style's addition included.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in GET /models.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "model_id"]
        verbose_name = "catalog model"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="catalog_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.model_id

    def clean(self):
        if not isinstance(self.durations, list) or not self.durations:
            raise ValidationError({"durations": "List at least one length in seconds."})
        if not all(isinstance(value, int) and 1 <= value <= 600 for value in self.durations):
            raise ValidationError({"durations": "Lengths are whole seconds from 1 to 600."})
        self.durations = sorted(set(self.durations))


class CatalogSize(models.Model):
    """One size a catalog model makes, its aspect, and what a second of it costs."""

    model = models.ForeignKey(CatalogModel, on_delete=models.CASCADE, related_name="sizes")
    size = models.CharField(max_length=16, validators=[size_validator], help_text="WIDTHxHEIGHT")
    format = models.CharField(
        max_length=8,
        blank=True,
        validators=[format_validator],
        help_text="Its aspect, e.g. 16:9. Blank: the nearest common aspect.",
    )
    credits_per_second = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    upstream_usd_per_second = models.DecimalField(
        "upstream USD per second",
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="What a second of this size costs at the provider, as last synced.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="A format picks the first size of that aspect."
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "size"], name="catalog_size_once_per_model"),
            models.CheckConstraint(
                condition=Q(credits_per_second__gte=1), name="catalog_size_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.size} ({self.format})"

    def save(self, *args, **kwargs):
        if not self.format and SIZE_PATTERN.match(self.size or ""):
            self.format = format_of(self.size)
        super().save(*args, **kwargs)


class RequestWindow(models.Model):
    """How many requests the pollers took from an endpoint's allowance in one minute:
    the shared counter behind `ProviderEndpoint.requests_per_minute` (catalog.ratelimit)."""

    endpoint = models.ForeignKey(ProviderEndpoint, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "window_start"], name="catalog_request_window_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.window_start:%Y-%m-%d %H:%M}: {self.used}"


class SyncChange(models.TextChoices):
    NEW = "new", "new (disabled)"
    REPRICED = "repriced", "repriced upstream"
    RETIRED = "retired", "retired upstream"
    BACK = "back", "back upstream (still disabled)"


class CatalogSync(models.Model):
    """One run of `sync_catalog` on an endpoint: when, by whom, and what it changed.

    `changes` is a list of {"model", "kind" (a SyncChange), "text"}; a failed run keeps
    its error and changed nothing."""

    endpoint = models.ForeignKey(ProviderEndpoint, on_delete=models.CASCADE, related_name="syncs")
    started_at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who ran it; blank: the daily schedule, or manage.py without --by.",
    )
    via = models.CharField(
        max_length=32, default="manage.py", help_text="manage.py, admin or daily schedule."
    )
    listed = models.PositiveIntegerField(default=0, help_text="Models the provider listed.")
    changes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, help_text="Why the provider's list could not be read.")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "catalog sync"
        indexes = [models.Index(fields=["endpoint", "-started_at"], name="catalog_sync_latest")]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def who(self) -> str:
        return f"{self.by.email} ({self.via})" if self.by else self.via

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.get("kind") == kind)
