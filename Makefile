# The README's commands. Each target installs what it needs, so `make test` on a fresh clone is the set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install test lint run sandbox bench migrate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check bot cogs db tests bench
	$(VENV)/bin/ruff format --check bot cogs db tests bench
	$(VENV)/bin/mypy

run: $(STAMP)
	$(PY) -m bot run

sandbox: $(STAMP)
	$(PY) -m bot sandbox

migrate: $(STAMP)
	$(PY) -m bot migrate

# `make bench BENCH_ARGS=--quick` runs every bench at its small size.
bench: $(STAMP)
	$(PY) bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
