# The two commands the README starts with: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.bin/azurite: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: setup demo test lint bench
setup: $(VENV)/.installed node_modules/.bin/azurite

demo: $(VENV)/.installed
	$(PY) -m shared demo

test: setup
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check shared tests scripts function_app.py

bench: $(VENV)/.installed
	$(PY) scripts/bench_ingest.py
