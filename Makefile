# Pulse: `make run` serves the dashboard with the demo data; `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# The constraints file pins every package (torch to the CPU build 2.13.0) so that installs are reproducible.
INSTALL := $(PIP) install --quiet --constraint constraints.txt

.PHONY: run test lint format bench screenshot demo-data clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Pulse needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-run: $(BIN)/python pyproject.toml constraints.txt
	$(INSTALL) --editable .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run
	$(INSTALL) --editable ".[dev]"
	@touch $@

run: $(VENV)/.installed-run
	$(BIN)/pulse db upgrade
	$(BIN)/pulse demo --if-empty
	$(BIN)/pulse analyze
	$(BIN)/pulse themes update
	$(BIN)/pulse serve

test: $(VENV)/.installed-dev
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.run

screenshot: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.screenshot docs

demo-data: $(BIN)/python
	$(BIN)/python data/demo/generate.py
	$(BIN)/python data/demo/cases.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
