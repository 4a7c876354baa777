# OpenCases developer commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# The tests start dozens of Python processes (xdist workers, servers) that import the same
# modules: let them write and reuse bytecode, whatever the shell says (`make install`
# compiles the dependencies' bytecode once). Without it, each recompiles every module.
unexport PYTHONDONTWRITEBYTECODE
# pytest-xdist workers for `make pytest` and `make test-fast`: one per core.
WORKERS ?= auto
PYTEST_PARALLEL := -n $(WORKERS) --dist worksteal
LOCK = $(UV) pip compile --quiet --upgrade --universal --generate-hashes \
	--python-version 3.11 --custom-compile-command "make lock"

.DEFAULT_GOAL := help
.PHONY: help install lock run test lint types pytest test-fast fuzz fuzz-ci durability bench clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# uv, pinned (version and hashes) in requirements-dev.lock, installed once per machine in
# the user's cache (like uv's own cache of packages) and shared by every checkout.
UV_PIN = awk '/^uv==/ {found = 1} found {print} found && !/\\$$/ {exit}' requirements-dev.lock
UV_DIR := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/opencases/uv-$(shell $(UV_PIN) | sha256sum | cut -c1-16)
UV := $(UV_DIR)/bin/uv

$(UV):
	rm -rf $(UV_DIR).part && mkdir -p $(UV_DIR).part
	$(UV_PIN) > $(UV_DIR).part/requirement.txt
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
		--target $(UV_DIR).part -r $(UV_DIR).part/requirement.txt
	mv $(UV_DIR).part $(UV_DIR)

# Exactly the versions of requirements-dev.lock, hashes checked; then OpenCases, editable;
# then import-linter (requirements-imports.lock) in a folder of its own, which only
# .venv/bin/lint-imports puts on the path (see [dependency-groups] in pyproject.toml).
$(STAMP): pyproject.toml requirements-dev.lock requirements-imports.lock | $(UV)
	$(PYTHON) -m venv --without-pip $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes --compile-bytecode \
		requirements-dev.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -rf $(VENV)/import-linter
	$(UV) pip install --quiet --python $(BIN)/python --target $(VENV)/import-linter \
		--no-deps --require-hashes -r requirements-imports.lock
	printf '%s\n' '#!$(abspath $(BIN))/python' 'import sys' \
		'sys.path.append("$(abspath $(VENV))/import-linter")' \
		'from importlinter.cli import lint_imports_command' \
		'sys.exit(lint_imports_command())' > $(BIN)/lint-imports
	chmod +x $(BIN)/lint-imports
	touch $(STAMP)

install: $(STAMP) $(CHROMIUM) ## Create .venv with the locked versions of OpenCases' dependencies and tools

# The web UI's browser tests drive Debian's chromium through Playwright, which never
# downloads a browser of its own here.
$(CHROMIUM):
	@sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	echo "chromium is missing: installing the Debian package for the browser tests"; \
	$$sudo apt-get install -y -q --no-install-recommends chromium >/dev/null || \
	  { $$sudo apt-get update -q && $$sudo apt-get install -y -q --no-install-recommends chromium >/dev/null; }

# requirements.lock: what OpenCases needs to run (pip install --require-hashes -r it, then
# pip install --no-deps .); requirements-dev.lock: that and the dev tools, for `make install`;
# requirements-imports.lock: import-linter, at the versions of the dev lock where they meet.
lock: | $(UV) ## Refresh the lock files to the newest versions pyproject.toml allows
	$(LOCK) --output-file requirements.lock pyproject.toml
	$(LOCK) --extra dev --constraint requirements.lock --output-file requirements-dev.lock \
		pyproject.toml
	$(LOCK) --group pyproject.toml:imports --constraint requirements-dev.lock \
		--output-file requirements-imports.lock

run: $(STAMP) ## Serve on http://127.0.0.1:5601 with SQLite at ./data/opencases.db
	$(BIN)/opencases serve

lint: $(STAMP) ## ruff check, ruff format --check and the import contracts (lint-imports)
	$(BIN)/ruff check src tests bench fuzz
	$(BIN)/ruff format --check src tests bench fuzz
	$(BIN)/lint-imports --no-cache

types: $(STAMP) ## mypy --strict over src, tests and bench
	$(BIN)/mypy

pytest: $(STAMP) $(CHROMIUM) ## The tests in parallel, with coverage (PostgreSQL too when OPENCASES_TEST_POSTGRES_URL is set)
	$(BIN)/pytest -q $(PYTEST_PARALLEL) --cov --cov-report=term

test-fast: $(STAMP) ## The tests but the end-to-end ones (-m "not e2e"), in parallel, no coverage
	$(BIN)/pytest -q $(PYTEST_PARALLEL) -m "not e2e"

# Lint first (seconds); then mypy beside the tests, in the gaps the tests leave on the cores.
test: ## Lint, types and tests
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory -j2 --output-sync=target types pytest

fuzz-ci: $(STAMP) ## Bounded fuzzing, as CI runs it: schemathesis on SQLite, 30 examples per operation
	$(BIN)/python -m fuzz

fuzz: $(STAMP) ## Longer fuzzing on SQLite and PostgreSQL (OPENCASES_TEST_POSTGRES_URL's server, else local)
	$(BIN)/python -m fuzz --long

durability: $(STAMP) ## The kill -9 durability test alone (PostgreSQL too when OPENCASES_TEST_POSTGRES_URL is set)
	$(BIN)/pytest -q -m durability

bench: $(STAMP) ## Load benchmarks with wrk, beside a bare ASGI app on granian
	@command -v wrk >/dev/null || { \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  echo "wrk is missing: installing the Debian package"; \
	  $$sudo apt-get install -y wrk || { $$sudo apt-get update && $$sudo apt-get install -y wrk; }; \
	}
	$(BIN)/python -m bench

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) data
