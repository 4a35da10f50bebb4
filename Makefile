# Two commands for a fresh Linux machine with Python 3.11+: `make lab` and `make test`.
# `make lab` opens the notebooks in JupyterLab on the demo workspace (DEMO=folder, relative or
# absolute; LAB_OPTIONS="..." are passed to JupyterLab); `make app` serves the one app there
# (APP_OPTIONS="--port 8870" are passed to `usikit app`).
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO ?= demo
DEMO_DIR := $(abspath $(DEMO))
LAB_OPTIONS ?=
APP_OPTIONS ?=
# JupyterLab refuses to run as root unless told; root is who runs a container or a CI job.
AS_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
# usikit's notebooks are saved without what running them left (outputs, widget state).
STRIP_ON_SAVE := --ContentsManager.pre_save_hook=usikit.ui.notebook_saving.strip_screen_notebooks
# The first Python on PATH that is 3.11 or newer.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)

.PHONY: lab app test bench lint format install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "usikit needs Python 3.11 or newer on PATH" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/usikit demo --into "$(DEMO_DIR)"
	USIKIT_WORKSPACE="$(DEMO_DIR)/usikit.db" $(BIN)/jupyter lab --notebook-dir=notebooks \
		--LabApp.default_url=/lab/tree/00_start_here.ipynb $(AS_ROOT) $(STRIP_ON_SAVE) $(LAB_OPTIONS)

app: $(STAMP)
	$(BIN)/usikit demo --into "$(DEMO_DIR)"
	$(BIN)/usikit app --workspace "$(DEMO_DIR)/usikit.db" $(APP_OPTIONS)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache benchmarks/data
