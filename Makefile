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

.PHONY: setup demo test odbc lint bench
setup: $(VENV)/.installed node_modules/.bin/azurite

demo: $(VENV)/.installed
	$(PY) -m shared demo

test: odbc setup
	$(PY) -m pytest

# pyodbc (the Azure SQL store, its tests) needs the unixODBC library: say how to get it, not fail later.
odbc:
	@$(PYTHON) -c "import ctypes.util, sys; sys.exit(ctypes.util.find_library('odbc') is None)" || { \
	  echo "make test needs the unixODBC library (libodbc.so.2): run 'sudo apt-get install -y unixodbc' (Debian/Ubuntu)"; \
	  exit 1; }

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check shared tests scripts function_app.py

bench: $(VENV)/.installed
	$(PY) scripts/bench_ingest.py
