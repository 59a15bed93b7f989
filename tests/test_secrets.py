import pytest

from testing import production_env, run_python

SETUP = ["-c", "import django; django.setup()"]


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "JWT_SECRET"])
@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "dev-insecure-django-key-do-not-use-in-production-at-all", "too-short"],
    ids=["missing", "empty", "blank", "development", "short"],
)
def test_it_refuses_to_start_without_a_real_secret(tmp_path, name, value):
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="storycraft.settings", **{name: value})
    result = run_python(SETUP, env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be set to a random value" in result.stderr


def test_it_starts_with_real_secrets(tmp_path):
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="storycraft.settings")
    result = run_python(SETUP, env)
    assert result.returncode == 0, result.stderr


def test_development_secrets_are_fine_with_debug_on(tmp_path):
    env = production_env(
        tmp_path, DJANGO_SETTINGS_MODULE="storycraft.settings", DEBUG="true", DJANGO_SECRET_KEY=""
    )
    result = run_python(SETUP, env)
    assert result.returncode == 0, result.stderr
