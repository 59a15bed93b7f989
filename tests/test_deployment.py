"""docker-compose.yml and the Dockerfile stay consistent with the settings they feed."""

import ipaddress
import os
import re
import shutil
import subprocess

import pytest
import yaml

from testing import ROOT

SETTINGS = (ROOT / "storycraft" / "settings.py").read_text()
ENTRYPOINT = (ROOT / "docker" / "entrypoint.sh").read_text()
CADDYFILE = (ROOT / "docker" / "Caddyfile").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
APP_SERVICES = ["migrate", "web", "worker", "poller"]

READ_BY_SETTINGS = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', SETTINGS))
READ_BY_ENTRYPOINT = set(re.findall(r"\$\{?([A-Z0-9_]+)", ENTRYPOINT))
# Read by settings but meaningless in the image: tests, local runs and paths it fixes.
NOT_FOR_COMPOSE = {
    "STORYCRAFT_DOTENV",
    "TEST_DATABASE_NAME",
    "Q_SYNC",
    "VAR_DIR",
    "MEDIA_ROOT",
    "EMULATOR_PORT",
    "LOCALSTRIPE_PORT",  # make run's fake Stripe; compose has DEBUG off, so never localstripe
    "STORYCRAFT_ASGI",  # set by storycraft/asgi.py in the web process itself
    "NUM_PROXIES",  # read only to refuse it: TRUSTED_PROXIES replaced it
}


def dockerfile(instruction: str) -> list[str]:
    pattern = rf"^{instruction}\s+(.+?)(?<!\\)$"
    return [m.replace("\\\n", " ") for m in re.findall(pattern, DOCKERFILE, re.M | re.S)]


def command(service: str) -> list[str]:
    value = SERVICES[service]["command"]
    return value if isinstance(value, list) else value.split()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_variable_compose_passes_is_read_by_the_settings(service):
    passed = set(SERVICES[service]["environment"])
    unknown = passed - READ_BY_SETTINGS - READ_BY_ENTRYPOINT
    assert not unknown, f"{service} passes variables nothing reads: {sorted(unknown)}"


def test_compose_passes_every_setting_to_web_and_worker():
    for service in ("web", "worker"):
        missing = READ_BY_SETTINGS - NOT_FOR_COMPOSE - set(SERVICES[service]["environment"])
        assert not missing, (
            f"{service} never receives {sorted(missing)}: pass it in docker-compose.yml's "
            "x-app environment, or list it in NOT_FOR_COMPOSE if the image has no use for it"
        )


def test_secrets_have_no_default():
    for name in ("DJANGO_SECRET_KEY", "JWT_SECRET", "POSTGRES_PASSWORD"):
        assert re.search(rf"\$\{{{name}:\?", COMPOSE_TEXT), name
        assert not re.search(rf"\$\{{{name}:-", COMPOSE_TEXT), name
    assert SERVICES["web"]["environment"]["DEBUG"] == "false"


def test_web_runs_gunicorn_on_storycraft_asgi():
    assert command("web") == ["web"]
    web_branch = ENTRYPOINT.split("web)", 1)[1].split(";;", 1)[0]
    assert "exec gunicorn storycraft.asgi:application" in web_branch
    assert '--workers "${WEB_CONCURRENCY:-2}"' in web_branch
    assert '--bind "0.0.0.0:${PORT:-8000}"' in web_branch
    assert "migrate" in web_branch  # a bare `docker run` of the image migrates first


def test_web_workers_outlive_a_slow_provider_call_and_hold_idle_streams():
    # POST /videos calls the provider inline and POST /videos/{id}/pull downloads the MP4;
    # GET /events stays open for hours. Uvicorn workers run the sync views in threads and
    # keep idle streams on the event loop, so neither blocks the others.
    web_branch = ENTRYPOINT.split("web)", 1)[1].split(";;", 1)[0]
    assert "--worker-class live.worker.UvicornWorker" in web_branch
    assert '--timeout "${GUNICORN_TIMEOUT:-120}"' in web_branch
    assert "--graceful-timeout 30" in web_branch
    assert "--access-logfile -" in web_branch
    environment = SERVICES["web"]["environment"]
    assert environment["GUNICORN_TIMEOUT"] == "${GUNICORN_TIMEOUT:-120}"
    # Idle connections outlive a polling client's gaps and a proxy's upstream idle timeout.
    assert '--keep-alive "${GUNICORN_KEEPALIVE:-75}"' in web_branch
    assert environment["GUNICORN_KEEPALIVE"] == "${GUNICORN_KEEPALIVE:-75}"


def test_only_the_proxy_may_claim_https():
    # One setting for uvicorn (X-Forwarded-For, X-Forwarded-Proto) and the throttles;
    # uvicorn's and gunicorn's own default would trust 127.0.0.1.
    assert "FORWARDED_ALLOW_IPS" not in SERVICES["web"]["environment"]
    assert "TRUSTED_PROXIES" in SERVICES["web"]["environment"]
    assert '--forwarded-allow-ips "${TRUSTED_PROXIES:-}"' in ENTRYPOINT
    assert '--forwarded-allow-ips "$TRUSTED_PROXIES"' in (ROOT / "Procfile").read_text()


def test_caddy_alone_is_published_and_alone_trusted():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"caddy", "minio"}  # minio: the optional s3 profile's console
    caddy_address = SERVICES["caddy"]["networks"]["default"]["ipv4_address"]
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(caddy_address) in ipaddress.ip_network(subnet)
    trusted = SERVICES["web"]["environment"]["TRUSTED_PROXIES"]
    assert trusted == f"${{TRUSTED_PROXIES:-{caddy_address}}}"
    assert "./docker/Caddyfile:/etc/caddy/Caddyfile:ro" in SERVICES["caddy"]["volumes"]
    assert SERVICES["caddy"]["environment"]["SITE_ADDRESS"] == "${DOMAIN:-localhost}"


def test_caddy_drops_idle_connections_to_web_before_web_does():
    caddy = re.search(r"keepalive \{\$WEB_KEEPALIVE:(\d+)s\}", CADDYFILE)
    web = re.search(r'--keep-alive "\$\{GUNICORN_KEEPALIVE:-(\d+)\}"', ENTRYPOINT)
    assert caddy and web
    assert int(caddy.group(1)) < int(web.group(1))


def test_worker_runs_qcluster():
    assert command("worker") == ["python", "manage.py", "qcluster"]


def test_one_poller_process_sweeps_and_the_worker_leaves_it_to_it():
    assert command("poller") == ["python", "manage.py", "poll_videos", "--forever"]
    assert SERVICES["worker"]["environment"]["SWEEP_IN_WORKER"] == "false"
    procfile = (ROOT / "Procfile").read_text()
    assert "poller: exec .venv/bin/python manage.py poll_videos --forever" in procfile
    assert "worker: SWEEP_IN_WORKER=false " in procfile


def test_migrations_run_once_before_web_and_worker():
    assert command("migrate") == ["migrate"]
    assert SERVICES["web"]["environment"]["MIGRATE_ON_START"] == "false"
    for service in ("web", "worker", "poller"):
        depends = SERVICES[service]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_wherever_migrations_run_the_cache_table_is_created():
    # Without REDIS_URL the throttles count in that table; without it every login is a 500.
    for branch in ("web)", "migrate)"):
        commands = ENTRYPOINT.split(branch, 1)[1].split(";;", 1)[0]
        assert commands.index("manage.py migrate") < commands.index("manage.py createcachetable")
    makefile = (ROOT / "Makefile").read_text()
    migrate_target = makefile.split("\nmigrate:", 1)[1].split("\n\n", 1)[0]
    assert "manage.py createcachetable" in migrate_target
    assert command("migrate") == ["migrate"]  # compose runs the entry point's branch


def test_the_database_has_a_healthcheck_and_a_volume():
    db = SERVICES["db"]
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in str(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"]


def test_the_database_url_points_at_the_db_service():
    url = SERVICES["web"]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://")
    assert "${POSTGRES_HOST:-db}" in url
    assert "sslrootcert=/app/certs/" in url


def test_media_and_certs_are_mounted():
    for service in APP_SERVICES:
        volumes = SERVICES[service]["volumes"]
        assert "media:/app/var/media" in volumes
        assert "./certs:/app/certs:ro" in volumes
    assert "media" in COMPOSE["volumes"]
    assert dockerfile("ENV") and "VAR_DIR=/app/var" in dockerfile("ENV")[0]


def test_web_has_a_healthcheck_on_healthz():
    assert SERVICES["web"]["healthcheck"]["test"] == ["CMD", "python", "/app/docker/healthcheck.py"]
    assert '"/healthz"' in (ROOT / "docker" / "healthcheck.py").read_text()
    assert dockerfile("HEALTHCHECK")


def test_the_ports_match():
    (exposed,) = dockerfile("EXPOSE")
    assert "PORT=8000" in dockerfile("ENV")[0]
    (container_port,) = SERVICES["web"]["expose"]
    assert exposed.strip() == container_port == "8000"
    assert SERVICES["caddy"]["environment"]["WEB_UPSTREAM"] == "web:8000"


def test_the_image_runs_as_a_non_root_user():
    users = dockerfile("USER")
    assert users, "the Dockerfile never leaves root"
    assert users[-1].strip() not in {"root", "0", "0:0"}
    assert dockerfile("FROM")[0].strip() == "python:3.11-slim"


def test_the_image_collects_static_files_with_build_time_secrets_only():
    (collect,) = [run for run in dockerfile("RUN") if "collectstatic" in run]
    assert "DEBUG=false" in collect
    assert "DJANGO_SECRET_KEY=" in collect
    assert not any("SECRET" in env for env in dockerfile("ENV")), "secrets baked into the image"


def test_the_entrypoint_is_executable():
    assert os.access(ROOT / "docker" / "entrypoint.sh", os.X_OK)
    (entrypoint,) = dockerfile("ENTRYPOINT")
    assert "/app/docker/entrypoint.sh" in entrypoint


def test_minio_is_an_optional_s3_profile():
    assert SERVICES["minio"]["profiles"] == ["s3"]
    assert SERVICES["minio-init"]["profiles"] == ["s3"]
    assert "mc mb" in str(SERVICES["minio-init"]["command"])
    for name in APP_SERVICES:
        assert "profiles" not in SERVICES[name]


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", ".env"} <= set(ignored)


COMPOSE_CLIENT = ["docker-compose"] if shutil.which("docker-compose") else ["docker", "compose"]
needs_compose = pytest.mark.skipif(
    not (shutil.which("docker-compose") or shutil.which("docker")), reason="no compose client"
)


def compose_config(folder, *args: str) -> subprocess.CompletedProcess:
    """`compose config` in `folder`, with nothing from this process's environment."""
    result = subprocess.run(
        [*COMPOSE_CLIENT, *args, "--profile", "s3", "--profile", "emulator", "config"],
        cwd=folder,
        env={"PATH": os.environ["PATH"], "HOME": str(folder)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # `docker` without the compose plugin reads `compose`'s flags as its own.
    no_plugin = ("unknown command", "is not a docker command", "unknown flag: --")
    if any(message in result.stderr for message in no_plugin):
        pytest.skip("docker has no compose plugin here")
    return result


def write_env(folder, *args: str) -> dict:
    subprocess.run(
        ["python3", str(ROOT / "scripts" / "write_env.py"), "--dir", str(folder), *args],
        check=True,
        capture_output=True,
    )
    name = "deploy.env" if "--compose" in args else ".env"
    lines = (folder / name).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


@pytest.fixture
def compose_folder(tmp_path):
    """A folder holding docker-compose.yml, where `make run` already wrote its .env."""
    shutil.copy(ROOT / "docker-compose.yml", tmp_path)
    (tmp_path / ".env.example").write_text((ROOT / ".env.example").read_text())
    return tmp_path


@needs_compose
def test_docker_compose_accepts_the_file_with_a_deployment_env_file(compose_folder):
    write_env(compose_folder, "--compose")
    result = compose_config(compose_folder, "--env-file", "deploy.env")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert services["caddy"]["environment"]["SITE_ADDRESS"] == "api.example.com"
    assert "ports" not in services["web"]


@pytest.mark.skipif(
    shutil.which("caddy") is None and not os.environ.get("CI"),
    reason="needs caddy (apt-get install caddy; .ci/run installs it, and CI never skips)",
)
@pytest.mark.parametrize("site", ["api.example.com", "localhost", "http://127.0.0.1:8080"])
def test_caddy_accepts_the_caddyfile_with_the_environment_compose_gives_it(tmp_path, site):
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
        **SERVICES["caddy"]["environment"],
        "SITE_ADDRESS": site,
    }
    caddyfile = str(ROOT / "docker" / "Caddyfile")
    result = subprocess.run(
        ["caddy", "validate", "--config", caddyfile, "--adapter", "caddyfile"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr


@needs_compose
def test_compose_refuses_make_runs_env_even_with_production_values_added(compose_folder):
    write_env(compose_folder)
    with (compose_folder / ".env").open("a") as env:  # what the README once said to do
        env.write("DJANGO_SECRET_KEY=" + "p" * 48 + "\nPOSTGRES_PASSWORD=" + "q" * 48 + "\n")
    result = compose_config(compose_folder)
    assert result.returncode != 0
    assert "scripts/write_env.py --compose" in result.stderr


@needs_compose
def test_a_deployment_inherits_no_development_value(compose_folder):
    development = write_env(compose_folder)
    deployment = write_env(compose_folder, "--compose")
    result = compose_config(compose_folder, "--env-file", "deploy.env")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    web = services["web"]["environment"]
    assert web["DJANGO_SECRET_KEY"] == deployment["DJANGO_SECRET_KEY"]
    for name in ("DJANGO_SECRET_KEY", "JWT_SECRET", "OPENAI_WEBHOOK_SECRET"):
        assert development[name] not in result.stdout, name
    assert web["DEBUG"] == "false"


def test_the_emulator_keeps_the_app_environment_and_signs_webhooks_for_web():
    emulator = SERVICES["emulator"]["environment"]
    assert set(SERVICES["web"]["environment"]) - {
        "MIGRATE_ON_START",
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "GUNICORN_TIMEOUT",
        "GUNICORN_KEEPALIVE",
    } <= set(emulator)
    assert emulator["EMULATOR_WEBHOOK_URL"] == "http://web:8000/webhooks/openai"
    assert emulator["EMULATOR_WEBHOOK_SECRET"] == "${OPENAI_WEBHOOK_SECRET:-}"
    assert emulator["EMULATOR_STATE_DIR"] == "/app/var/emulator"


def test_videos_and_env_files_stay_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"*.mp4", "*.env", ".env"} <= set(ignored)
