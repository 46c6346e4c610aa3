# Mognad: `make demo` runs the product on SQLite with demo data; `make test` runs the linters
# (`make lint`) and then every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export MOGNAD_BASE_URL ?= http://$(HOST):$(PORT)
# What mypy checks in `make lint` and `make test`, strictly (the few exceptions: pyproject.toml).
MYPY_PATHS ?= analysis survey
INSTANCE := $(or $(MOGNAD_INSTANCE_PATH),instance)
SECRET_FILE := $(INSTANCE)/secret_key
# The demo's own key, made once (mode 600) and kept; an exported MOGNAD_SECRET_KEY wins.
# Every core (pytest-xdist); each worker has its own databases and folders.
# `make test PYTEST_ARGS="-p no:xdist"` runs one test at a time.
PYTEST_ARGS ?= -n auto
WITH_KEY = MOGNAD_SECRET_KEY="$${MOGNAD_SECRET_KEY:-$$(cat $(SECRET_FILE))}"

# Installs come from the lock files (exact versions with hashes): requirements.lock for running
# (`make demo`, `make serve`), requirements-dev.lock for the tests and linters. uv installs them in
# seconds: the one on PATH, else this pinned one inside the venv; plain pip if neither can be had.
UV_VERSION := 0.13.9
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
# `make lock` keeps the locked versions that still satisfy pyproject.toml;
# `make lock UPGRADE=--upgrade` takes the newest allowed (then run `make test`).
UPGRADE ?=
LOCK_ARGS = --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock" $(UPGRADE)

# The uv to use, installed into the venv when none is on PATH; empty when none can be had.
FIND_UV = uv=$$(command -v uv || true); \
	if [ -z "$$uv" ] && [ ! -x $(BIN)/uv ]; then \
		$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)" || true; fi; \
	if [ -z "$$uv" ] && [ -x $(BIN)/uv ]; then uv=$(BIN)/uv; fi

# $(call install_lock,<lock file>): the locked packages, then Mognad itself (editable, no deps).
define install_lock
	@$(FIND_UV); \
	if [ -n "$$uv" ]; then \
		$$uv pip install --quiet --python $(BIN)/python --compile-bytecode --require-hashes -r $(1) && \
		$$uv pip install --quiet --python $(BIN)/python --no-deps -e .; \
	else \
		$(BIN)/pip install --quiet --require-hashes -r $(1) && \
		$(BIN)/pip install --quiet --no-deps -e .; \
	fi
endef

.PHONY: demo test test-fast coverage-fast install install-runtime lint format translations serve clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): requirements.lock pyproject.toml setup.py | $(BIN)/python
	$(call install_lock,requirements.lock)
	touch $@

$(DEV): requirements-dev.lock pyproject.toml setup.py | $(BIN)/python
	$(call install_lock,requirements-dev.lock)
	touch $@ $(RUNTIME)

# The development tools too (CONTRIBUTING.md); the demo and the server need only the runtime.
install: $(DEV) translations

install-runtime: $(RUNTIME) translations

lock: | $(BIN)/python
	@$(FIND_UV); \
	if [ -z "$$uv" ]; then echo "make lock needs uv (pip install uv)" >&2; exit 1; fi; \
	$$uv pip compile pyproject.toml $(LOCK_ARGS) -o requirements.lock && \
	$$uv pip compile pyproject.toml --extra dev $(LOCK_ARGS) -o requirements-dev.lock

translations: $(RUNTIME)
	@if ls survey/translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d survey/translations >/dev/null; fi

$(SECRET_FILE):
	@(umask 077 && mkdir -p $(INSTANCE))
	@(umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' > $@.tmp) && mv $@.tmp $@
	@echo "Made a secret key for this checkout in $@ (production sets MOGNAD_SECRET_KEY instead)."

# The worker (background jobs: publishing, closing) runs beside the server and stops with it.
demo: install-runtime $(SECRET_FILE)
	$(WITH_KEY) $(BIN)/mognad db upgrade
	$(WITH_KEY) $(BIN)/mognad demo
	@$(WITH_KEY) $(BIN)/mognad worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	$(WITH_KEY) $(BIN)/mognad run --host $(HOST) --port $(PORT)

serve: install-runtime $(SECRET_FILE)
	$(WITH_KEY) $(BIN)/mognad run --host $(HOST) --port $(PORT)

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fast layer (docs/architecture.md, "Test layers"): the pure figure tests and the services
# called on SQLite, with no HTTP, CLI, browser or PostgreSQL; `make test` still runs everything.
FAST_TESTS := tests/analysis tests/survey/services
test-fast: install
	$(BIN)/python -m pytest $(PYTEST_ARGS) $(FAST_TESTS) -k "not postgresql"

# What tests/analysis alone covers of analysis/, lines and branches per module (one process:
# coverage of xdist workers would need a plugin).
coverage-fast: install
	$(BIN)/python -m coverage run --source=analysis -m pytest -q -p no:xdist tests/analysis
	$(BIN)/python -m coverage report --skip-covered

lint: $(DEV)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy --strict $(MYPY_PATHS)
	$(BIN)/mypy tests

format: $(DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info build dist
