# SalesDesk — `make run` starts everything, `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
SALESDESK_HOST ?= 127.0.0.1
SALESDESK_PORT ?= 8000
SALESDESK_VAR_DIR ?= var
export SALESDESK_HOST SALESDESK_PORT SALESDESK_VAR_DIR
# The suite runs in this many processes (pytest-xdist), each with its own test database and
# Redis database; PYTEST_WORKERS=0 runs it in one.
PYTEST_WORKERS ?= 2

.PHONY: install run test test-prerequisites lint typecheck pytest bench messages clean

install: $(VENV)/.installed

# Re-installs only when pyproject.toml changes; safe to run any number of times.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

run: install
	$(PY) manage.py migrate --noinput
	@mkdir -p $(SALESDESK_VAR_DIR)
	@if [ ! -f $(SALESDESK_VAR_DIR)/.demo-seeded ]; then \
		$(PY) manage.py seed_demo > $(SALESDESK_VAR_DIR)/demo-logins.txt \
			&& touch $(SALESDESK_VAR_DIR)/.demo-seeded; \
	fi
	@echo
	@echo "SalesDesk is starting at http://$(SALESDESK_HOST):$(SALESDESK_PORT)/  (health: /healthz, API docs: /api/docs/)"
	@sed '$$d' $(SALESDESK_VAR_DIR)/demo-logins.txt
	@echo
	@# settings.py reads .env itself; honcho must not apply it a second time with other rules.
	@# `set -m` runs honcho as a job of its own, in the terminal's foreground: Ctrl-C reaches
	@# honcho alone (not make, which would die of it), and honcho's 130 for "stopped by Ctrl-C"
	@# is a clean stop.
	@set -m; PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho --env /dev/null --procfile Procfile start; \
		rc=$$?; if [ $$rc -eq 130 ]; then echo "SalesDesk stopped."; exit 0; fi; exit $$rc

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy .

pytest: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Chromium first (seconds, before the virtual environment is built): installed when root with
# apt-get, else one line saying how. Then the suite on the local PostgreSQL and Redis when they
# answer (or DATABASE_URL/REDIS_URL), else on SQLite with one line on what that leaves out.
test: test-prerequisites lint typecheck
	$(PY) scripts/test_prerequisites.py pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-prerequisites:
	@$(PYTHON) scripts/test_prerequisites.py chromium

# Every benchmark in its own scratch database (PostgreSQL and Redis from DATABASE_URL and
# REDIS_URL, else the local ones): a table and, last, one JSON line of ratios (bench/README.md).
# BENCH_ARGS="take-next --items 3000" runs one benchmark; BENCH_ARGS="all --quick" a smoke run.
bench: install
	$(PY) -m bench $(if $(BENCH_ARGS),$(BENCH_ARGS),all)

# Regenerate translation catalogs after changing strings (needs Debian's gettext).
messages: install
	$(PY) manage.py makemessages --locale ru --locale en --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
