# OpenCases developer commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint types pytest bench clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install OpenCases with its dev tools

run: $(STAMP) ## Serve on http://127.0.0.1:5601 with SQLite at ./data/opencases.db
	$(BIN)/opencases serve

lint: $(STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: $(STAMP) ## mypy --strict over src, tests and bench
	$(BIN)/mypy

pytest: $(STAMP) ## The test suite (PostgreSQL too when OPENCASES_TEST_POSTGRES_URL is set)
	$(BIN)/pytest -q

test: lint types pytest ## Lint, types and tests

bench: $(STAMP) ## Load benchmarks with wrk, beside a bare ASGI app on granian
	@command -v wrk >/dev/null || { \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  echo "wrk is missing: installing the Debian package"; \
	  $$sudo apt-get install -y wrk || { $$sudo apt-get update && $$sudo apt-get install -y wrk; }; \
	}
	$(BIN)/python -m bench

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) data
