# Two commands for a fresh Linux machine with Python 3.11+: `make lab` and `make test`.
# `make lab` opens the notebooks in JupyterLab on the demo workspace (DEMO=folder, relative or
# absolute; LAB_OPTIONS="..." are passed to JupyterLab); `make app` serves the one app there
# (APP_OPTIONS="--port 8870" are passed to `usikit app`). `make lab-signed` is `make lab` with
# every request signed as for the USI Registry, on this computer only: a local token service
# and SOAP endpoint (the offline simulator behind them, not the USI Registry) with a
# credential of their own in DEMO/pki, on SIGNED_PORT (8765).
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
# What each kind of target needs installed: the notebooks and the app ([lab]), or those and the
# test, lint and benchmark tools ([dev]). `make lab` alone leaves the test tools out, so an
# officer's commands do not load them (pandera imports hypothesis whenever it is installed).
LAB_STAMP := $(VENV)/.installed-lab
DEV_STAMP := $(VENV)/.installed-dev
DEMO ?= demo
DEMO_DIR := $(abspath $(DEMO))
LAB_OPTIONS ?=
APP_OPTIONS ?=
SIGNED_PORT ?= 8765
SIGNED := http://127.0.0.1:$(SIGNED_PORT)
DEMO_PASSWORD ?= usikit-demo
# JupyterLab refuses to run as root unless told; root is who runs a container or a CI job.
AS_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
# usikit's notebooks are saved without what running them left (outputs, widget state).
STRIP_ON_SAVE := --ContentsManager.pre_save_hook=usikit.ui.notebook_saving.strip_screen_notebooks
# The first Python on PATH that is 3.11 or newer.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)

.PHONY: lab lab-signed app test bench lint format install clean

install: $(DEV_STAMP)

$(VENV)/.installed-%: pyproject.toml
	@test -n "$(PYTHON)" || { echo "usikit needs Python 3.11 or newer on PATH" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$*]"
	@touch $@

lab: $(LAB_STAMP)
	$(BIN)/usikit demo --into "$(DEMO_DIR)"
	USIKIT_WORKSPACE="$(DEMO_DIR)/usikit.db" $(BIN)/jupyter lab --notebook-dir=notebooks \
		--LabApp.default_url=/lab/tree/00_start_here.ipynb $(AS_ROOT) $(STRIP_ON_SAVE) $(LAB_OPTIONS)

# The endpoint stops with JupyterLab; `registry check` shows the signed flow works first.
lab-signed: $(LAB_STAMP)
	$(BIN)/usikit demo --into "$(DEMO_DIR)"
	export USIKIT_CREDENTIAL_PASSWORD="$(DEMO_PASSWORD)" USIKIT_WORKSPACE="$(DEMO_DIR)/usikit.db" \
		USIKIT_REGISTRY="$(SIGNED)/Service/v5/UsiService.svc" \
		USIKIT_STS="$(SIGNED)/R3.0/S007v1.3/service.svc" \
		USIKIT_CREDENTIAL="$(DEMO_DIR)/pki/keystore-local.xml"; \
	$(BIN)/usikit registry serve --sts "$(DEMO_DIR)/pki" --port $(SIGNED_PORT) \
		--workspace "$(DEMO_DIR)/simulator.db" & trap "kill $$! 2>/dev/null" EXIT; \
	for try in $$(seq 60); do $(BIN)/usikit registry check >/dev/null 2>&1 && break; sleep 1; done; \
	$(BIN)/usikit registry check && \
	$(BIN)/jupyter lab --notebook-dir=notebooks --LabApp.default_url=/lab/tree/00_start_here.ipynb \
		$(AS_ROOT) $(STRIP_ON_SAVE) $(LAB_OPTIONS)

app: $(LAB_STAMP)
	$(BIN)/usikit demo --into "$(DEMO_DIR)"
	$(BIN)/usikit app --workspace "$(DEMO_DIR)/usikit.db" $(APP_OPTIONS)

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

bench: $(DEV_STAMP)
	$(BIN)/python -m benchmarks

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache benchmarks/data
