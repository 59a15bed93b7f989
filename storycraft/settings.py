"""StoryCraft settings. Every value comes from the environment (.env is read when present)."""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any

from botocore.config import Config as BotoConfig
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from storycraft.database import database_from_url
from storycraft.env import env_bool, env_decimal, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# The environment wins over .env; tests point STORYCRAFT_DOTENV at /dev/null.
load_dotenv(env_str("STORYCRAFT_DOTENV") or BASE_DIR / ".env", override=False)

VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")
DEBUG = env_bool("DEBUG", False)

# Development-only values: good enough on a laptop, refused in production.
DEV_SECRET_PREFIX = "dev-insecure-"
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
JWT_SECRET = env_str("JWT_SECRET")
for _name, _value in (("DJANGO_SECRET_KEY", SECRET_KEY), ("JWT_SECRET", JWT_SECRET)):
    if not DEBUG and (not _value or _value.startswith(DEV_SECRET_PREFIX) or len(_value) < 32):
        raise ImproperlyConfigured(
            f"{_name} must be set to a random value of at least 32 characters when DEBUG is off "
            "(`make run` writes one into .env; in production set it in the environment)."
        )
SECRET_KEY = SECRET_KEY or DEV_SECRET_PREFIX + "django-key-do-not-use-in-production"
JWT_SECRET = JWT_SECRET or DEV_SECRET_PREFIX + "jwt-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
FRONTEND_ORIGINS = env_list("FRONTEND_ORIGINS", "http://localhost:3000")
# The proxies (IPs or networks) whose X-Forwarded-For is believed, by uvicorn (live.worker)
# and by the throttles (storycraft.proxies); none by default, loopback included.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES takes IP addresses or networks, comma separated, not {_proxy!r}."
        ) from None
if env_str("NUM_PROXIES") not in ("", "0"):
    raise ImproperlyConfigured(
        "NUM_PROXIES is gone: set TRUSTED_PROXIES to the proxies' addresses instead."
    )

INSTALLED_APPS = [
    "storycraft.admin.StoryCraftAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "accounts",
    "wallet",
    "catalog",
    "videos",
    "live",
    "payments",
]

MIDDLEWARE = [
    # First: a bad Host is a JSON 400 on API paths before anything asks for the host.
    "storycraft.errors.DisallowedHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "storycraft.errors.DatabaseUnavailableMiddleware",
    # Innermost, so that the middleware above still adds its headers to the JSON it makes.
    "storycraft.errors.JsonErrorsMiddleware",
]

ROOT_URLCONF = "storycraft.urls"
WSGI_APPLICATION = "storycraft.wsgi.application"
APPEND_SLASH = False  # every API path is routed with and without the slash

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL"),
        sqlite_default=str(VAR_DIR / "storycraft.sqlite3"),
        prepared_statements=env_bool("DATABASE_PREPARED_STATEMENTS", True),
    )
}
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache keeps the throttles' counts, so every process of a deployment must share it:
# Redis when REDIS_URL is set, else a table in the database (`manage.py createcachetable`,
# run wherever migrations run). A per-process cache would multiply every limit.
REDIS_URL = env_str("REDIS_URL")
CACHE_TABLE = "storycraft_cache"
if REDIS_URL:
    _cache: dict[str, Any] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
else:
    _cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
        # Every write counts the rows, and past MAX_ENTRIES a third of them are dropped
        # (the expired ones first): room for the throttles of many clients at once.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
# For what only one process needs to see: django-q2's cluster stats, saved twice a second.
CACHES = {"default": _cache, "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Serve straight from the apps when collectstatic has not run (make run, tests).
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "media/"

# Storage: local files by default, any S3-compatible store with STORAGE_BACKEND=s3.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local").lower()
FILE_URL_TTL = env_int("FILE_URL_TTL", 3600, minimum=1)
S3_BUCKET = env_str("S3_BUCKET")
S3_REGION = env_str("S3_REGION")
S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL")
S3_ACCESS_KEY = env_str("S3_ACCESS_KEY")
S3_SECRET_KEY = env_str("S3_SECRET_KEY")
if STORAGE_BACKEND == "local":
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "allow_overwrite": True},
    }
elif STORAGE_BACKEND == "s3":
    if not S3_BUCKET:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET.")
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "region_name": S3_REGION or None,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": S3_ACCESS_KEY or None,
            "secret_key": S3_SECRET_KEY or None,
            "querystring_expire": FILE_URL_TTL,
            "file_overwrite": True,
            "default_acl": None,
            # boto3 >= 1.36 sends CRC checksums that R2 and older MinIO refuse.
            "client_config": BotoConfig(
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                signature_version="s3v4",
            ),
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}.")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["storycraft.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "storycraft.schema.AutoSchema",
    "EXCEPTION_HANDLER": "storycraft.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("AUTH_THROTTLE_RATE", "20/minute"),
        # POST /videos and POST /videos/batch together, per user.
        "order": env_str("ORDER_THROTTLE_RATE", "60/minute"),
        # Emails people can ask for: per user (resend) and per address asked about (reset).
        "verify_email_resend": env_str("VERIFY_EMAIL_RESEND_THROTTLE_RATE", "5/hour"),
        "password_reset_email": env_str("PASSWORD_RESET_THROTTLE_RATE", "5/hour"),
        # POST /auth/stream-ticket, per user: each ticket is a row, each stream a connection.
        "stream_ticket": env_str("LIVE_TICKET_THROTTLE_RATE", "30/minute"),
    },
    # The client IP is storycraft.proxies.client_ip (TRUSTED_PROXIES), not DRF's count of
    # proxies; 0 keeps any throttle that still asks DRF on REMOTE_ADDR.
    "NUM_PROXIES": 0,
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # JSON bodies; no endpoint takes more
# The picture a video starts from (POST /videos as multipart/form-data). Its bytes are not
# counted by DATA_UPLOAD_MAX_MEMORY_SIZE: videos.uploads stops reading at this many (413).
IMAGE_MAX_BYTES = env_int("IMAGE_MAX_BYTES", 10 * 1024 * 1024, minimum=1)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 14, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": JWT_SECRET,
    "ALGORITHM": "HS256",
    "USER_ID_FIELD": "id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "StoryCraft API",
    "DESCRIPTION": (
        "StoryCraft sells short AI-generated videos for credits. Its catalog (`GET /models`) "
        "offers video models from any provider, reached through OpenAI-protocol endpoints "
        "(OpenAI, Azure OpenAI, LiteLLM and other gateways) and OpenRouter, each with its "
        "lengths, sizes and price in credits per second. An order holds its credits, which "
        "are charged once the video is stored and come back when it fails or is cancelled; a "
        "batch orders one prompt in several styles, and a finished video can be remixed. "
        "Follow a video with `GET /videos/{job_id}` or the event stream (`GET /events`), then "
        "download the MP4 and its poster image. Sign in with `POST /auth/login` and send "
        "`Authorization: Bearer <access>`; every error is `{detail, code}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "VideoStyleEnum": "catalog.styles.STYLES",
        "VideoStatusEnum": "videos.models.JobStatus",
        "ChargeStatusEnum": "videos.models.ChargeStatus",
        "LedgerEntryKindEnum": "wallet.models.EntryKind.values",
    },
    "PREPROCESSING_HOOKS": ["storycraft.schema.drop_trailing_slash_twins"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "storycraft.schema.add_shared_components",
    ],
}

CORS_ALLOWED_ORIGINS = FRONTEND_ORIGINS
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "if-none-match",
    "origin",
    "x-requested-with",
)
CORS_EXPOSE_HEADERS = ("etag", "retry-after")

# Production hardening; behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER_ENABLED.
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 3600, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a promise to browsers that is slow to take back, so it is the operator's
# choice, not a default; the check that nags about it is silenced on purpose.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Product
CREDITS_PER_SECOND = env_int("CREDITS_PER_SECOND", 20, minimum=1)
CREDITS_PER_SECOND_PRO = env_int("CREDITS_PER_SECOND_PRO", 60, minimum=1)
CREDITS_PER_SECOND_PRO_HD = env_int("CREDITS_PER_SECOND_PRO_HD", 100, minimum=1)
WELCOME_CREDITS = env_int("WELCOME_CREDITS", 200, minimum=0)
# What one credit sells for, and the margin over the provider's price that new synced
# models are priced with (an endpoint's own margin wins): see catalog.pricing.
CREDIT_VALUE_USD = env_decimal("CREDIT_VALUE_USD", "0.01", minimum="0.000001")
DEFAULT_MARGIN_PERCENT = env_decimal("DEFAULT_MARGIN_PERCENT", "30", minimum="0")
POLL_INTERVAL_SECONDS = env_int("POLL_INTERVAL_SECONDS", 10, minimum=1)
# Unfinished jobs (queued, in progress, downloading) one user may have; a batch counts its jobs.
MAX_JOBS_IN_FLIGHT = env_int("MAX_JOBS_IN_FLIGHT", 10, minimum=1)
# The poller: status requests in flight at once per poller process, and jobs per claim.
POLL_CONCURRENCY = env_int("POLL_CONCURRENCY", 16, minimum=1)
POLL_SWEEP_BATCH = env_int("POLL_SWEEP_BATCH", 500, minimum=1)
# False where a dedicated poller process runs (`manage.py poll_videos --forever`): the
# worker's once-a-minute sweeper task then returns at once instead of sweeping for 55 s.
SWEEP_IN_WORKER = env_bool("SWEEP_IN_WORKER", True)
JOB_TIMEOUT_MINUTES = env_int("JOB_TIMEOUT_MINUTES", 60, minimum=1)
# A retry that arrives while the first request with its Idempotency-Key still runs waits
# this long for the first answer, then gets a 409 `idempotency_key_in_use`.
IDEMPOTENCY_WAIT_SECONDS = env_int("IDEMPOTENCY_WAIT_SECONDS", 10, minimum=0)
# POST /videos/{id}/pull asks the provider about a job at most once in this many seconds
# (counted in the shared cache, across every web process); sooner pulls get the stored job.
PULL_MIN_INTERVAL_SECONDS = env_int("PULL_MIN_INTERVAL_SECONDS", 5, minimum=0)

# Accounts and email. Django's own email settings; without EMAIL_HOST every message is
# written as a file under var/mail/ (and its path logged), so `make run` needs no server.
WELCOME_CREDITS_AFTER = env_str("WELCOME_CREDITS_AFTER", "verification").lower()
if WELCOME_CREDITS_AFTER not in ("verification", "registration"):
    raise ImproperlyConfigured(
        f"WELCOME_CREDITS_AFTER must be 'verification' or 'registration', "
        f"not {WELCOME_CREDITS_AFTER!r}."
    )
PRODUCT_NAME = env_str("PRODUCT_NAME", "StoryCraft")
FRONTEND_URL = env_str("FRONTEND_URL", "http://localhost:3000").rstrip("/")
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS (port 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS (port 465)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL, not both.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{PRODUCT_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "accounts.mail.FileBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# How long an emailed link works. Each kind checks its own age; Django's generator also
# checks PASSWORD_RESET_TIMEOUT, so that is the longer of the two.
VERIFY_EMAIL_TOKEN_HOURS = env_int("VERIFY_EMAIL_TOKEN_HOURS", 24, minimum=1)
PASSWORD_RESET_TOKEN_HOURS = env_int("PASSWORD_RESET_TOKEN_HOURS", 1, minimum=1)
PASSWORD_RESET_TIMEOUT = 3600 * max(VERIFY_EMAIL_TOKEN_HOURS, PASSWORD_RESET_TOKEN_HOURS)
# A message the SMTP server refused is tried again this many times in all, minutes apart.
EMAIL_SEND_ATTEMPTS = env_int("EMAIL_SEND_ATTEMPTS", 5, minimum=1)

# Provider: OpenAI's Videos API or anything speaking it; the built-in emulator by default.
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
EMULATOR_PORT = env_int("EMULATOR_PORT", 8001, minimum=1)
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL") or (
    "https://api.openai.com/v1" if OPENAI_API_KEY else f"http://127.0.0.1:{EMULATOR_PORT}/v1"
)
OPENAI_AUTH_STYLE = env_str("OPENAI_AUTH_STYLE", "bearer").lower()  # bearer | api-key (Azure)
OPENAI_WEBHOOK_SECRET = env_str("OPENAI_WEBHOOK_SECRET")
OPENAI_CONNECT_TIMEOUT = float(env_int("OPENAI_CONNECT_TIMEOUT", 5, minimum=1))
OPENAI_READ_TIMEOUT = float(env_int("OPENAI_READ_TIMEOUT", 60, minimum=1))
OPENAI_MAX_RETRIES = env_int("OPENAI_MAX_RETRIES", 3, minimum=0)

# Payments (Stripe). Without a key, a development server (DEBUG) sells through localstripe,
# the fake Stripe that `make run` starts on LOCALSTRIPE_PORT; production without a key
# sells nothing (503 payments_not_configured). The webhook secret is needed either way.
STRIPE_EMULATED = not env_str("STRIPE_SECRET_KEY") and DEBUG
LOCALSTRIPE_PORT = env_int("LOCALSTRIPE_PORT", 8002, minimum=1)
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY") or ("sk_test_localstripe" if DEBUG else "")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY") or (
    "pk_test_localstripe" if STRIPE_EMULATED else ""
)
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE") or (
    f"http://127.0.0.1:{LOCALSTRIPE_PORT}" if STRIPE_EMULATED else "https://api.stripe.com"
)

# django-q2. Every task is idempotent: it may be delivered again after `retry` seconds.
Q_CLUSTER = {
    "name": "storycraft",
    # The sweeper holds one worker for about a minute of every minute; downloads and
    # webhook follow-ups need the others.
    "workers": env_int("Q_WORKERS", 4, minimum=2),
    # Long enough for a sweep that ends with slow provider calls, or a large download.
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "sync": env_bool("Q_SYNC", False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["cache"] = "local"  # its stats, not the database cache table

# --- Live job updates (GET /events) and ASGI serving ----------------------------------------
# The web process is served as ASGI (storycraft.asgi sets STORYCRAFT_ASGI): an idle event
# stream costs a queue, not a thread. Sync views still run, each request in a thread of its
# own that ends with it, so a persistent connection would outlive its thread: connect per
# request there (the worker and management commands keep CONN_MAX_AGE). On PostgreSQL the
# request borrows a connection from the process's pool instead: connecting costs ~12 ms,
# as much as a whole small request (B1 in `make bench`). Health checks are on, so a
# connection PostgreSQL dropped while idle in the pool is replaced, not handed out.
DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 10, minimum=1)
if env_bool("STORYCRAFT_ASGI", False):
    for _database in DATABASES.values():
        _database["CONN_MAX_AGE"] = 0
        if _database["ENGINE"] == "django.db.backends.postgresql":
            _database.setdefault("OPTIONS", {})["pool"] = {
                "min_size": 1,
                "max_size": DATABASE_POOL_SIZE,
                "timeout": 10,  # a request waiting longer for a connection gets a 503
            }
LIVE_TICKET_SECONDS = 60  # a stream ticket's life; it is single use
# A comment line this often keeps proxies from closing an idle stream.
LIVE_HEARTBEAT_SECONDS = env_int("LIVE_HEARTBEAT_SECONDS", 15, minimum=1)
# Open event streams per user, across all web processes: a newer one ends the oldest.
LIVE_MAX_STREAMS_PER_USER = env_int("LIVE_MAX_STREAMS_PER_USER", 5, minimum=1)
LIVE_POLL_SECONDS = 1.0  # without PostgreSQL's LISTEN (SQLite), how often a stream looks
# LISTEN/NOTIFY on PostgreSQL, polling elsewhere; LIVE_LISTEN=false forces polling.
LIVE_LISTEN = env_bool("LIVE_LISTEN", True) if env_str("LIVE_LISTEN") else None
LIVE_REPLAY_HOURS = 24  # how far back a reconnect with Last-Event-ID is replayed
LIVE_REPLAY_EVENTS = 1000  # and at most this many events
LIVE_RETRY_MS = 2000  # EventSource's reconnect delay
LIVE_DATABASE_THREADS = 4  # per web process: the streams' queries, each with one connection

# Every line goes through RedactSecrets, runserver's request lines (django.server) too:
# a signed link's signature must never reach a log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_secrets": {"()": "storycraft.logs.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},  # a line per request and per retry otherwise
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
