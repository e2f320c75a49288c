# twinwise — two commands on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

# A Python >= 3.12 that really answers (scripts/find-python explains why we execute each one).
PYTHON := $(shell sh scripts/find-python)

.PHONY: help setup run worker test test-unit e2e bench check lint format demo chromium clean access-coverage eval-agreements eval-similar

help:
	@echo "make run    — set up, load the bundled data and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   — run the whole test suite (browser journeys included when chromium is available)"
	@echo "make setup | e2e | bench | check | lint | format | clean"

$(VENV)/bin/python:
	@if [ -z "$(PYTHON)" ]; then echo "twinwise needs Python 3.12 or newer: none of python3.13, python3.12, python3 or pyenv's versions answered. Install Python 3.12+ and run make again." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(VENV)/bin/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/twinwise migrate --noinput
	$(BIN)/twinwise demo

run: demo
	@echo ""
	@echo "twinwise is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	@echo "No login is needed: the registry, figures, maps, open data and API are public."
	@echo "The background worker (notifications, digests) runs alongside; both stop together."
	@$(BIN)/twinwise db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/twinwise runserver 127.0.0.1:$(PORT)

# Debian's chromium for the browser journeys; installed when missing and we may (root + apt).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser journeys…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "Could not install chromium; browser journeys will be skipped."; \
	  else echo "chromium is not installed (apt-get install chromium); browser journeys will be skipped."; fi; \
	fi

test-unit: $(TEST_STAMP)
	$(BIN)/python -m pytest -n 2 -q

# E2E=0 leaves the browser journeys out (CI runs them once, after both databases).
E2E ?= 1
test: test-unit
	@if [ "$(E2E)" = "0" ]; then exit 0; fi; \
	$(MAKE) --no-print-directory chromium; \
	if command -v chromium >/dev/null 2>&1; then $(MAKE) --no-print-directory e2e; \
	else echo "Browser journeys skipped: chromium is not available."; fi

e2e: $(TEST_STAMP) chromium
	@command -v chromium >/dev/null 2>&1 || { echo "The browser journeys need Debian's chromium (apt-get install chromium)." >&2; exit 1; }
	$(BIN)/python -m pytest -q -m e2e -p no:xdist --ds twinwise.settings.e2e tests/e2e

# The access policy is the most important code: every line of it is exercised by tests.
access-coverage: $(TEST_STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/access --cov=twinwise.access --cov-branch --cov-report=term-missing --cov-fail-under=100

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TEST_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Exactly what CI runs.
check:
	bash .ci/run

# The background worker for django.tasks (database backend).
worker: $(STAMP)
	$(BIN)/twinwise db_worker

# Quality of the similar-case ranking on its evaluation set (tests/similar/evalset.py).
eval-similar: $(TEST_STAMP)
	$(BIN)/python -m tests.similar.evaluate

bench: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python bench/agreements_bench.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/generate_cases.py
	$(BIN)/python bench/cases_bench.py --docs --json bench/out/cases-results.json
	$(BIN)/python bench/similar_bench.py
	$(BIN)/python bench/digest_bench.py --docs --json bench/out/digest-results.json
	$(BIN)/python bench/surveys_bench.py

# Precision, recall and F1 of the agreement checker on its labelled corpus (tests/agreements/corpus).
eval-agreements: $(TEST_STAMP)
	$(BIN)/python -m tests.agreements.evaluate

clean:
	rm -rf $(VENV) var build *.egg-info
