# Mognad: `make demo` runs the product on SQLite with demo data; `make test` runs the linters
# (`make lint`) and then every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export MOGNAD_BASE_URL ?= http://$(HOST):$(PORT)
# What mypy checks in `make lint` and `make test` (strict on analysis/, see pyproject.toml).
MYPY_PATHS ?= analysis survey
INSTANCE := $(or $(MOGNAD_INSTANCE_PATH),instance)
SECRET_FILE := $(INSTANCE)/secret_key
# The demo's own key, made once (mode 600) and kept; an exported MOGNAD_SECRET_KEY wins.
# Every core (pytest-xdist); each worker has its own databases and folders.
# `make test PYTEST_ARGS="-p no:xdist"` runs one test at a time.
PYTEST_ARGS ?= -n auto
WITH_KEY = MOGNAD_SECRET_KEY="$${MOGNAD_SECRET_KEY:-$$(cat $(SECRET_FILE))}"

.PHONY: demo test install lint format translations serve clean

$(BIN)/mognad: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/mognad translations

translations: $(BIN)/mognad
	@if ls survey/translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(BIN)/pybabel compile -d survey/translations >/dev/null; fi

$(SECRET_FILE):
	@(umask 077 && mkdir -p $(INSTANCE))
	@(umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' > $@.tmp) && mv $@.tmp $@
	@echo "Made a secret key for this checkout in $@ (production sets MOGNAD_SECRET_KEY instead)."

demo: install $(SECRET_FILE)
	$(WITH_KEY) $(BIN)/mognad db upgrade
	$(WITH_KEY) $(BIN)/mognad demo
	$(WITH_KEY) $(BIN)/mognad run --host $(HOST) --port $(PORT)

serve: install $(SECRET_FILE)
	$(WITH_KEY) $(BIN)/mognad run --host $(HOST) --port $(PORT)

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/mognad
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_PATHS)

format: $(BIN)/mognad
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) *.egg-info build dist
