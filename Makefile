# StoryCraft: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
EMULATOR_PORT ?= 8001
export PORT EMULATOR_PORT

.PHONY: run test gateway bench lint format migrate superuser venv clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

.env:
	$(PY) scripts/write_env.py

migrate: venv .env
	mkdir -p var/static var/media
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

run: venv .env migrate
	$(PY) scripts/run.py

superuser: venv .env migrate
	$(PY) manage.py createsuperuser

# The LiteLLM proxy that the gateway tests (pytest -m gateway) run in front of the emulator:
# its own virtualenv under ${STORYCRAFT_CACHE:-~/.cache/storycraft}, not .venv (~750 MB).
# Fast when already installed. `make run` does not need it.
gateway:
	$(PYTHON) scripts/gateway_venv.py

test: venv gateway
	$(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	$(PY) -m benchmarks

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
