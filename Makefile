# The two commands the README starts with: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHECKS_VENV := .venv-checks
WORKFLOWS := .github/workflows/ci.yml .github/workflows/deploy.yml

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .   # the `ordersync` command (pyproject.toml [project.scripts])
	touch $@

# checkov and check-jsonschema live in their own virtualenv: checkov pins dependencies that clash with the app's.
$(CHECKS_VENV)/.installed: requirements-checks.txt
	$(PYTHON) -m venv $(CHECKS_VENV)
	$(CHECKS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKS_VENV)/bin/python -m pip install --quiet -r requirements-checks.txt
	touch $@

node_modules/.bin/azurite: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: setup demo test odbc lint bench checks
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

# The Bicep (checkov, offline; skips are explained in infra/) and the GitHub workflows (their JSON schema).
checks: $(CHECKS_VENV)/.installed
	$(CHECKS_VENV)/bin/checkov --framework bicep --skip-download -d infra --compact --quiet
	$(CHECKS_VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)

bench: $(VENV)/.installed
	$(PY) scripts/bench_ingest.py
