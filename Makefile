# Two commands: `make run` serves the app on http://localhost:3000, `make test` runs the suite.
# Both install whatever is missing first (scripts/bootstrap.sh) and skip what is in place.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/js/node_modules/.bin:$(CURDIR)/.venv/bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
PYTEST_ARGS ?=
WORKERS ?= 2

.PHONY: run test setup setup-dev bench lint format run-cluster clean

setup:
	@scripts/bootstrap.sh runtime

setup-dev:
	@scripts/bootstrap.sh dev

run: setup
	@scripts/entrypoint.sh

test: setup-dev
	@scripts/test.sh $(PYTEST_ARGS)

lint: setup-dev
	ruff check stockapp tests bench && ruff format --check stockapp tests bench

format: setup-dev
	ruff format stockapp tests bench && ruff check --fix stockapp tests bench

bench: setup-dev
	@scripts/bench.sh

# N workers behind one port, sharing state over Redis and data in PostgreSQL
run-cluster: setup
	@STOCKAPP_REDIS_URL=$${STOCKAPP_REDIS_URL:-redis://127.0.0.1:6379/0} \
	 STOCKAPP_DATABASE_URL=$${STOCKAPP_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/stockapp} \
	 GRANIAN_WORKERS=$(WORKERS) scripts/entrypoint.sh

clean:
	rm -rf .web .states bench/results/*.tmp
