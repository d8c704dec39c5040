# Safe Havens. The two commands: `make run` and `make test`. Both set up everything they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The OGC API - Features conformance suite (tests/mapping/ogc/test_conformance_suite.py) pins old
# httpx, pyarrow and pytest, so it has a virtualenv of its own.
OGCTESTS_VENV := .venv-ogctests
OGCTESTS_VERSION := 0.1.15
export FLASK_APP := wsgi

# Without DATABASE_URL, a project-local PostGIS cluster (.pgdata/) serves the app.
LOCAL_DB := $(if $(DATABASE_URL),,yes)
RUN_DB_URL = $(if $(DATABASE_URL),$(DATABASE_URL),$(shell scripts/pg.sh url safehavens))

.PHONY: help setup ogctests run test lint stop db bench clean

help:
	@echo "make run    set up everything and serve the app on http://127.0.0.1:$(PORT)"
	@echo "make test   set up everything and run the whole test suite"
	@echo "make stop   stop the local PostGIS cluster"
	@echo "make lint   ruff"
	@echo "make bench  benchmarks on a synthetic borough (see bench/README.md)"

$(BIN)/activate: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(BIN)/activate

static/vendor/.installed: static/package.json static/package-lock.json scripts/vendor.sh
	scripts/vendor.sh
	@touch $@

setup: $(BIN)/activate static/vendor/.installed
	@scripts/system-deps.sh pdf

$(OGCTESTS_VENV)/.installed-$(OGCTESTS_VERSION):
	@test -x $(OGCTESTS_VENV)/bin/python || $(PYTHON) -m venv $(OGCTESTS_VENV)
	$(OGCTESTS_VENV)/bin/pip install --quiet --upgrade pip
	$(OGCTESTS_VENV)/bin/pip install --quiet 'ogctests==$(OGCTESTS_VERSION)'
	@touch $@

ogctests: $(OGCTESTS_VENV)/.installed-$(OGCTESTS_VERSION)

db: setup
ifeq ($(LOCAL_DB),yes)
	@scripts/pg.sh start safehavens
endif
	@DATABASE_URL='$(RUN_DB_URL)' $(BIN)/flask db upgrade

run: db
	@DATABASE_URL='$(RUN_DB_URL)' $(BIN)/flask demo seed --if-empty --no-logins
	@DATABASE_URL='$(RUN_DB_URL)' $(BIN)/flask demo logins
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop; 'make stop' stops the database)"
	DATABASE_URL='$(RUN_DB_URL)' $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --timeout 300 wsgi:app

test: setup ogctests
	@scripts/system-deps.sh chromium poppler zbar gdal
ifeq ($(LOCAL_DB),yes)
	@scripts/pg.sh start
	SAFEHAVENS_TEST_ADMIN_URL='$(shell scripts/pg.sh url postgres)' $(BIN)/pytest $(PYTEST_ARGS)
else
	SAFEHAVENS_TEST_ADMIN_URL='$(DATABASE_URL)' $(BIN)/pytest $(PYTEST_ARGS)
endif
	$(BIN)/ruff check .

lint: setup
	$(BIN)/ruff check .

stop:
	@scripts/pg.sh stop

clean:
	@scripts/pg.sh destroy
	rm -rf $(VENV) $(OGCTESTS_VENV) static/node_modules static/vendor

# The benchmarks (bench/): a synthetic borough in its own database (safehavens_bench), each
# workload against a named baseline; prints a table and writes bench/results.json.
# BENCH_ARGS, e.g. BENCH_ARGS=--quick, BENCH_ARGS='--seed 2' or BENCH_ARGS='--only http' (the HTTP
# workloads: the app under gunicorn on loopback, loaded by locust from the bench extra). The
# printable maps' baseline is Debian's headless chromium; poppler and zbar read the PDFs back.
$(VENV)/.bench-installed: pyproject.toml $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[bench]'
	@touch $@

bench: setup $(VENV)/.bench-installed
	@scripts/system-deps.sh chromium poppler zbar wrk nginx
ifeq ($(LOCAL_DB),yes)
	@scripts/pg.sh start
	BENCH_ADMIN_URL='$(shell scripts/pg.sh url postgres)' $(BIN)/python -m bench $(BENCH_ARGS)
else
	BENCH_ADMIN_URL='$(DATABASE_URL)' $(BIN)/python -m bench $(BENCH_ARGS)
endif
