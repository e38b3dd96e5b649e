# capillary-emulator: `make run` serves the emulator on 127.0.0.1:8000; `make test` runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_PORT ?= 55432

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m compileall -q src  # an editable install is not compiled by pip
	touch $(STAMP)

install: $(STAMP) ## create the virtualenv and install the emulator with its dev tools

migrate: $(STAMP) ## upgrade the database (CAPEMU_DATABASE_URL) to the newest schema
	$(VENV)/bin/capillary-emulator migrate

run: $(STAMP) ## migrate, seed a fresh database with the demo data, serve on 127.0.0.1:8000
	$(VENV)/bin/capillary-emulator migrate
	$(VENV)/bin/capillary-emulator serve

test: $(STAMP) ## run the test suite (SQLite; Postgres too when CAPEMU_TEST_DATABASE_URL is set)
	$(PY) -m pytest

test-pg: $(STAMP) ## start a throwaway Postgres on $(PG_PORT) and run the suite against it
	CAPEMU_PG_PORT=$(PG_PORT) bash scripts/pg-cluster.sh start
	CAPEMU_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$(PG_PORT)/capemu_test $(PY) -m pytest; \
	  status=$$?; CAPEMU_PG_PORT=$(PG_PORT) bash scripts/pg-cluster.sh stop; exit $$status

lint: $(STAMP) ## ruff
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

format: $(STAMP) ## ruff format and autofix
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

typecheck: $(STAMP) ## mypy
	$(VENV)/bin/mypy

imports: $(STAMP) ## import-linter: the layer contracts in pyproject.toml
	$(VENV)/bin/lint-imports

check: lint typecheck imports test ## ruff + mypy + import contracts + tests

bench: $(STAMP) ## run the benchmarks (bounded, loopback only) and write bench/results/<date>.md
	$(PY) -m bench.run

clean: ## remove the virtualenv and local databases
	rm -rf $(VENV) capillary-emulator.db capillary-emulator.db-wal capillary-emulator.db-shm

.PHONY: help install migrate run test test-pg lint format typecheck imports check bench clean
