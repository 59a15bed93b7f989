from storycraft.database import database_from_url

SQLITE = "/srv/storycraft/var/storycraft.sqlite3"


def test_the_default_is_a_sqlite_file_under_var():
    config = database_from_url("", sqlite_default=SQLITE)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == SQLITE


def test_sqlite_lets_web_and_worker_write_at_once():
    options = database_from_url("  ", sqlite_default=SQLITE)["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_an_explicit_sqlite_url_gets_the_same_options():
    config = database_from_url("sqlite:////tmp/other.sqlite3", sqlite_default=SQLITE)
    assert config["NAME"] == "/tmp/other.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_it_reads_a_postgresql_url():
    config = database_from_url(
        "postgresql://story:s3cret@db.internal:6543/storycraft", sqlite_default=SQLITE
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"]) == ("story", "s3cret")
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 6543, "storycraft")
    assert config["CONN_HEALTH_CHECKS"] is True


def test_it_accepts_the_old_asyncpg_scheme():
    config = database_from_url(
        "postgresql+asyncpg://story:s3cret@db.internal/storycraft", sqlite_default=SQLITE
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["HOST"] == "db.internal"
    assert config["NAME"] == "storycraft"


def test_ssl_parameters_reach_psycopg():
    config = database_from_url(
        "postgresql://story@db.internal/storycraft"
        "?sslmode=verify-full&sslrootcert=/app/certs/root.crt",
        sqlite_default=SQLITE,
    )
    assert config["OPTIONS"]["sslmode"] == "verify-full"
    assert config["OPTIONS"]["sslrootcert"] == "/app/certs/root.crt"


def test_the_asyncpg_scheme_keeps_its_ssl_parameters():
    config = database_from_url(
        "postgresql+asyncpg://story@db.internal/storycraft?sslmode=require", sqlite_default=SQLITE
    )
    assert config["OPTIONS"]["sslmode"] == "require"


def test_postgresql_may_prepare_statements_unless_told_not_to():
    url = "postgresql://story@db.internal/storycraft?sslmode=require"
    config = database_from_url(url, sqlite_default=SQLITE)
    assert config["OPTIONS"] == {"sslmode": "require", "prepare_threshold": 5}
    # Behind PgBouncer before 1.21 in transaction mode (DATABASE_PREPARED_STATEMENTS=false).
    config = database_from_url(url, sqlite_default=SQLITE, prepared_statements=False)
    assert config["OPTIONS"] == {"sslmode": "require"}
