# Two commands are all anyone needs: `make repro` and `make test`. Both set up .venv first (idempotent:
# nothing is reinstalled unless pyproject.toml changed).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)
export DVC_NO_ANALYTICS := 1
export MPLBACKEND := Agg

.PHONY: setup repro test test-fast lint format bench clean-reports help

help:
	@echo "make repro  - set up .venv and run the whole pipeline (dvc repro) on the demo data"
	@echo "make test   - set up .venv and run all tests"
	@echo "make test-fast - the inner loop: unit and property tests, no pipeline run (about a minute)"
	@echo "make lint   - ruff check and format check"
	@echo "make bench  - run the benchmarks (minutes; not part of make test)"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found - install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		$(BIN)/pre-commit install >/dev/null && echo "pre-commit hooks installed (local, offline)" \
		|| echo "warning: could not install the pre-commit hooks (core.hooksPath set?)"; fi
	@touch $(STAMP)

setup: $(STAMP)

repro: setup
	$(BIN)/dvc repro
	@echo
	@echo "Reviewer reports (to forward):"
	@ls -1 reports/*.html | sed 's/^/  /'
	@echo "Analyst reports (Fortroligt – kun til analytikere; never forward):"
	@ls -1 reports/analyst/*.html | sed 's/^/  /'
	@echo "Metrics: $(BIN)/dvc metrics show"

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-fast: setup
	ATTENDANCE_TEST_LOOP=fast $(BIN)/python -m pytest -n 2 -m "not slow and not browser"

lint: setup
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/ruff format --check src tests benchmarks notebooks

format: setup
	$(BIN)/ruff format src tests benchmarks notebooks
	$(BIN)/ruff check --fix src tests benchmarks notebooks

bench: setup
	$(BIN)/python benchmarks/run_all.py
