"""DATABASE_URL → Django DATABASES entry."""

import dj_database_url

# The old MVP ran on SQLAlchemy with asyncpg; its URLs name the driver in the scheme.
_LEGACY_SCHEMES = ("postgresql+asyncpg://", "postgres+asyncpg://", "postgresql+psycopg://")


def database_from_url(
    url: str, *, sqlite_default: str, prepared_statements: bool = True
) -> dj_database_url.DBConfig:
    url = url.strip() or f"sqlite:///{sqlite_default}"
    for scheme in _LEGACY_SCHEMES:
        if url.startswith(scheme):
            url = "postgresql://" + url[len(scheme) :]
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The web process and the worker write at once: take the write lock up front
        # and wait for it rather than failing with "database is locked".
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif config["ENGINE"] == "django.db.backends.postgresql" and prepared_statements:
        # Lets storycraft.prepared prepare its statements. Django's own queries bind their
        # parameters on the client and are never prepared, whatever this says.
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "prepare_threshold": 5}
    return config
