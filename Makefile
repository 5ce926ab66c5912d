# repurchase: customer repurchase analysis template.  `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PARAMS ?= $(wildcard params/*.yaml)
PERIOD ?=
JOBS ?= 2
DEMO_STAMP := data/demo/.complete

.DEFAULT_GOAL := help
.PHONY: help setup demo-data reports validate lint test test-heavy test-spark lab bench clean clean-reports

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'
	@echo "  variables: PARAMS='params/x.yaml' PERIOD=YYYY-MM|YYYY-MM..YYYY-MM|latest JOBS=2"

$(STAMP): requirements.txt pyproject.toml
	@echo "== setting up $(VENV) (Python: $$($(PYTHON) --version))"
	@rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP) ## create .venv and install the pinned requirements (re-run when requirements.txt changes)

$(DEMO_STAMP): $(STAMP) $(wildcard lib/repurchase/demo/*.py)
	$(PY) -m repurchase demo-data
	@touch $(DEMO_STAMP)

demo-data: $(DEMO_STAMP) ## write the demo data under data/demo/

reports: $(DEMO_STAMP) ## set up, generate demo data, render every params/*.yaml (PARAMS=, PERIOD=, JOBS=)
	$(PY) -m repurchase render $(PARAMS) $(if $(PERIOD),--period $(PERIOD)) --jobs $(JOBS)

validate: $(DEMO_STAMP) ## check every params file and its sources
	$(PY) -m repurchase validate $(PARAMS)

lint: $(STAMP) ## ruff (lint and format check) and mypy over lib/, tests/ and bench/: zero findings
	$(VENV)/bin/ruff check lib tests bench
	$(VENV)/bin/ruff format --check lib tests bench
	$(VENV)/bin/mypy

test: $(DEMO_STAMP) ## set up, then run the test suite (all but the heavy and Spark cases; ~5 min)
	$(PY) -m pytest

test-heavy: $(DEMO_STAMP) ## the long end-to-end cases (backfills, Dask cluster, jobs, property runs; ~6 min), run by .ci/run
	$(PY) -m pytest -m heavy

test-spark: $(DEMO_STAMP) ## the Ibis aggregation on local PySpark vs pandas (needs Java; ~1 min), run by .ci/run
	$(PY) -m pytest -m spark tests/warehouse

lab: $(DEMO_STAMP) ## open JupyterLab on notebooks/ with the venv's kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: $(STAMP) ## run the benchmark scripts under bench/ (slow)
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean-reports: ## delete rendered reports (keeps reports/.gitkeep)
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +

clean: clean-reports ## delete the venv, caches, demo data and reports
	rm -rf $(VENV) data/demo data/cache build .pytest_cache
