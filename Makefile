# Two commands matter: `make run` and `make test`. Everything else is a helper they call.
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format check migrate superuser token package bench clean

# The venv is rebuilt when the interpreter is not the Lambda runtime's version.
$(VENV)/.python:
	@test -n "$(PYTHON)" || { echo "no suitable Python found" >&2; exit 1; }
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then rm -rf $(VENV); fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.runtime: $(VENV)/.python requirements.txt requirements-asgi.txt
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-asgi.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# Local runs default to debug mode: SQLite, static files from the apps, development sign-in.
run: export DJANGO_DEBUG ?= true
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(BIN)/uvicorn nomadcrew.asgi:application --host $(HOST) --port $(PORT) --reload --reload-dir apps --reload-dir nomadcrew

# The production configuration on this machine (debug off, collected static files, uvicorn);
# plain HTTP on 127.0.0.1 only. scripts/run-prod says what it sets.
.PHONY: run-prod
run-prod: $(VENV)/.runtime
	PORT=$(PORT) scripts/run-prod

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(VENV)/.dev
	DJANGO_DEBUG=true $(PY) manage.py check --fail-level WARNING
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

test: $(VENV)/.dev lint check
	scripts/with-test-database $(BIN)/pytest $(PYTEST_ARGS)

migrate: export DJANGO_DEBUG ?= true
migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput

# Prompts for a staff login, or asks nothing when DJANGO_SUPERUSER_USERNAME, _EMAIL and
# _PASSWORD are set (Django's createsuperuser --noinput reads them).
superuser: export DJANGO_DEBUG ?= true
superuser: $(VENV)/.runtime
	$(PY) manage.py createsuperuser $(if $(DJANGO_SUPERUSER_PASSWORD),--noinput)

# A locally signed Cognito-format token for trying the API without AWS (DJANGO_DEBUG only).
token: export DJANGO_DEBUG ?= true
token: $(VENV)/.runtime
	@$(PY) manage.py dev_token $(EMAIL) $(if $(GROUPS),--groups $(GROUPS))

# The Lambda zip of a Zappa stage, exactly as `zappa deploy/update` builds it: scripts/zappa runs
# Zappa from build/.package-venv (requirements.txt only, Linux wheels; no AWS credentials needed).
STAGE ?= dev
package:
	scripts/zappa package $(STAGE) -o build/nomadcrew-$(STAGE).zip

# Cold start of that package against a bare Django project packaged the same way (markdown).
.PHONY: bench-cold-start
bench-cold-start: $(VENV)/.dev
	scripts/with-test-database $(PY) bench/cold_start.py $(BENCH_ARGS)

# The API on a seeded PostgreSQL (database nomadcrew_bench, made if missing; BENCH_RESEED=1
# seeds again): in-process latency and SQL queries per request of the main endpoints, then a
# bounded load run (uvicorn + Locust on 127.0.0.1). Markdown, also in build/bench/results.md.
bench: $(VENV)/.dev
	@mkdir -p build/bench
	set -o pipefail; scripts/with-test-database bash -c '$(PY) bench/dataset.py && \
	  $(PY) bench/api_latency.py $(LATENCY_ARGS) && $(PY) bench/load.py $(LOAD_ARGS)' \
	  | tee build/bench/results.md

# import_legacy at realistic size (issue 15): an old database of 10,000 users, 3,000 trips and
# 300,000 chat messages (nc_legacy_src_bench), imported into nc_legacy_bench: time, rows/s and
# peak memory of a full import, two no-change passes and --verify. Not part of `make test`.
.PHONY: bench-migration
bench-migration: $(VENV)/.dev
	@mkdir -p build/bench
	set -o pipefail; scripts/with-test-database $(PY) bench/migration.py | tee build/bench/migration.md

# A black-box check of a running stage (or `make run`): `make smoke URL=https://<api>/dev`, with
# SMOKE_TOKEN in the environment for a signed-in check, WS_URL for the socket, ORIGIN for CORS.
.PHONY: smoke
smoke: $(VENV)/.runtime
	@test -n "$(URL)" || { echo "usage: make smoke URL=https://... [WS_URL=wss://...] [ORIGIN=https://...]" >&2; exit 2; }
	$(PY) scripts/smoke.py "$(URL)" $(if $(WS_URL),--ws-url "$(WS_URL)") $(if $(ORIGIN),--origin "$(ORIGIN)")

# The prod stage's monthly AWS bill at the stated traffic, 10x and 100x (docs/cost.md).
.PHONY: cost
cost:
	@$(PY) scripts/cost.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build staticfiles
