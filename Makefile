# make demo: run the main job against the local Personalize service.
# make test: lint, type-check, build the documentation and run the tests (pytest-xdist).
# make test-fast: the inner loop, the tests not marked slow (unit and HTTP tests).
# make docs: build the documentation site into site/ (mkdocs serve to browse it while editing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-fast lint docs reference format install lock clean

install: $(STAMP)

# (Re)install only when the project's dependencies changed; the lock keeps resolution fast.
$(STAMP): pyproject.toml personalize-local/pyproject.toml personalize-facts/pyproject.toml \
		requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c requirements.lock -e ./personalize-facts -e ./personalize-local -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p .demo/prefect
	$(BIN)/python -m local.demo

# The demo's runs in the Prefect UI: its own database (.demo/prefect), its own port (make up: 4200).
DEMO_UI_PORT ?= 4280
.PHONY: demo-ui
demo-ui: $(STAMP)
	mkdir -p .demo/prefect
	env -u PREFECT_API_URL PREFECT_HOME=$(CURDIR)/.demo/prefect \
		$(BIN)/prefect server start --host 127.0.0.1 --port $(DEMO_UI_PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy flows tasks deployments local personalize-local/personalize_local \
		personalize-facts/personalize_facts

# Broken links and missing pages fail the build (strict).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# Regenerate the generated pages (the configuration reference, the local service's operations
# coverage); a test fails when they are stale.
reference: $(STAMP)
	$(BIN)/python -m tasks.config_reference
	$(BIN)/python -m personalize_local.coverage > docs/coverage.md

# Each xdist worker starts its own local service, S3 and Prefect API; tests that share an
# expensive fixture (the local stack, a module's fixture) stay on one worker (tests/scheduling.py).
# One worker more than cores: much of a test's time is waiting, which the extra worker overlaps
# (on 2 cores, 3 workers: 9.6 min against 14.0 min for 2, the same CPU; docs/benchmarks.md).
PYTEST_WORKERS ?= $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN) + 1 )))
PYTEST_XDIST := -n $(PYTEST_WORKERS) --dist loadgroup

test: lint docs
	$(BIN)/python -m pytest $(PYTEST_XDIST)

test-fast: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_XDIST) -m "not slow"

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the pinned versions after changing dependencies in any of the three pyproject.toml
# files (the lock covers them all; the three projects themselves are left out, pip takes them
# from this checkout). uv resolves in seconds where pip backtracks for minutes (s3fs pins
# aiobotocore, which pins botocore); the lock's current pins are kept unless they must move.
LOCKED_PROJECTS := prefect-personalize personalize-local personalize-facts
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet uv
	printf '%s\n' '-e ./personalize-facts' '-e ./personalize-local' '-e .[dev]' | \
		.lock-venv/bin/uv pip compile - --python-version 3.11 --quiet --no-header \
		$(LOCKED_PROJECTS:%=--no-emit-package %) -o requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache site

# --- The local stack (local/stack.py): Prefect server + UI, the local Personalize
# service and its S3, a process worker, every deployment of prefect.yaml. Logs and PIDs
# under .local/. Ports: PREFECT_PORT, PERSONALIZE_PORT, S3_PORT; LATENCY=0.01 for realistic pacing.
PREFECT_PORT ?= 4200
PERSONALIZE_PORT ?= 8599
S3_PORT ?= 8598
LATENCY ?= instant
# ACCOUNT_ID: the one AWS account of the stack's ARNs, S3, IAM and STS (twelve digits;
# empty: the local service's default, 000000000000).
ACCOUNT_ID ?=
# DATABASE=postgres: the Prefect server on a local PostgreSQL server instead of SQLite.
DATABASE ?= sqlite
POSTGRES_PORT ?= 8597
STACK := $(BIN)/python -m local.stack --prefect-port $(PREFECT_PORT) \
	--personalize-port $(PERSONALIZE_PORT) --s3-port $(S3_PORT) --latency $(LATENCY) \
	--database $(DATABASE) --postgres-port $(POSTGRES_PORT) \
	$(if $(ACCOUNT_ID),--account-id $(ACCOUNT_ID))

.PHONY: up down stack-status env postgres

up: $(STAMP) $(if $(filter postgres,$(DATABASE)),postgres)
	$(STACK) up

# Debian's PostgreSQL server, installed with apt-get unless its binaries are already there.
postgres:
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null || \
		(apt-get update && apt-get install -y --no-install-recommends postgresql)

down:
	$(STACK) down

stack-status:
	$(STACK) status

# eval "$$(make env)": this shell's boto3, flows and prefect CLI use the running local stack.
env:
	@$(STACK) env

# --- tasks branch: the waiter's polling benchmark ---
.PHONY: bench-polling
bench-polling: $(STAMP)
	$(BIN)/python -m benchmarks.polling

# control-plane: how fast the local service imports (1M rows) and evaluates filters (10k items).
.PHONY: bench-control-plane
bench-control-plane: $(STAMP)
	$(BIN)/python -m benchmarks.import_speed
	$(BIN)/python -m benchmarks.filter_eval

# --- training branch: the local service's benchmark (not run by the tests) ---
.PHONY: bench-emulator
bench-emulator: $(STAMP)
	$(BIN)/python -m benchmarks.emulator $(BENCH_ARGS)

# GetSolutionMetrics on MovieLens 100K beside the real service's (bring u.data: not redistributable).
.PHONY: bench-movielens
bench-movielens: $(STAMP)
	$(BIN)/python -m benchmarks.movielens --ratings $(RATINGS)

# The data checks' figures on honest and faulty exports of the demo's world (how their
# defaults were chosen; about 40 s).
.PHONY: bench-data-checks
bench-data-checks: $(STAMP)
	$(BIN)/python -m benchmarks.data_checks --seeds 5

# --- data preparation (branch prep) ---
.PHONY: bench-prep
# Prep throughput vs a bare Parquet->CSV copy, and peak memory at 10M vs 30M rows (not a test).
bench-prep: $(STAMP)
	$(BIN)/python -m benchmarks.prep --rows 10000000 --memory-rows 30000000

# --- the gate (branch gate): how often the holdout gate and the GetSolutionMetrics gate are
# right, over 20 retrains per corruption level (not a test; ~10 minutes on 2 cores).
.PHONY: bench-gate
bench-gate: $(STAMP)
	$(BIN)/python -m benchmarks.gate_power $(BENCH_ARGS)

# --- issue 22: faulty and honest exports through the real retrain flow (not run by the tests) ---
.PHONY: bench-data-regressions
bench-data-regressions: $(STAMP)
	PREFECT_LOGGING_LEVEL=WARNING $(BIN)/python -m benchmarks.data_regressions $(BENCH_ARGS)

# --- issue 24: how long make test's pytest run takes (BENCH_ARGS="--fast" for make test-fast's) ---
.PHONY: bench-tests
bench-tests: $(STAMP)
	$(BIN)/python -m benchmarks.test_suite $(BENCH_ARGS)
