# StoryCraft: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
EMULATOR_PORT ?= 8001
export PORT EMULATOR_PORT

.PHONY: run test gateway client localstripe bench lint typecheck format migrate superuser venv dev clean

# What the server needs (`make run`); the test and development tools come on top (`make test`).
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

dev: $(VENV)/.installed-dev

.env:
	$(PY) scripts/write_env.py

migrate: venv .env
	mkdir -p var/static var/media
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

run: venv .env migrate localstripe
	$(PY) scripts/run.py

superuser: venv .env migrate
	$(PY) manage.py createsuperuser

# The LiteLLM proxy that the gateway tests (pytest -m gateway) run in front of the emulator:
# its own virtualenv under ${STORYCRAFT_CACHE:-~/.cache/storycraft}, not .venv (~750 MB).
# Fast when already installed. `make run` does not need it.
gateway:
	$(PYTHON) scripts/tool_venv.py gateway

# openapi-python-client, which tests/client generates a client with from /schema: its own
# cached virtualenv too, since it pins its own ruff, httpx and attrs.
client:
	$(PYTHON) scripts/tool_venv.py client

# localstripe, the fake Stripe server that `make run` (without STRIPE_SECRET_KEY) and the
# payments tests run: its own small cached virtualenv (aiohttp), not .venv.
localstripe:
	$(PYTHON) scripts/tool_venv.py localstripe

test: dev typecheck gateway client localstripe
	$(PY) -m pytest $(PYTEST_ARGS)

# B1 drives gunicorn with wrk (a Debian package; .ci/run installs it): without it, B1's
# rows fail and say why, the rest still run.
bench: dev
	@command -v wrk >/dev/null || echo "make bench: wrk is missing (apt-get install wrk); B1 will fail"
	$(PY) -m benchmarks

lint: dev typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with the django-stubs and DRF plugins ([tool.mypy] in pyproject.toml). The plugins import
# the settings, so it runs with development secrets and ignores .env; `make test` runs it first.
typecheck: dev
	STORYCRAFT_DOTENV=/dev/null DEBUG=true $(PY) -m mypy

format: dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
