# The README's commands. Each target installs what it needs, so `make test` on a fresh clone is the set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Every dependency (test and dev tools included, pip and setuptools too) pinned with its hashes.
LOCK   := requirements.lock

.PHONY: install lock test lint run sandbox bench migrate pictures clean

# pip and setuptools are upgraded first, so the installer is current; then exactly the locked versions
# are installed, each checked against its hash; then Checkback itself, without resolving anything more.
# `pip check` fails when pyproject.toml asks for something the lock lacks: then run `make lock`.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(PY) -m pip check || { echo "requirements.lock lacks what pyproject.toml asks for: run make lock" >&2; exit 1; }
	touch $(STAMP)

install: $(STAMP)

# Re-resolves every dependency to the newest release pyproject.toml allows and rewrites the lock with
# hashes (pip-tools, itself installed from the current lock); `make install` then installs it. Review the
# diff of requirements.lock before merging.
lock:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --upgrade --generate-hashes \
		--allow-unsafe --strip-extras --no-emit-find-links --no-emit-index-url --extra test --extra dev \
		--output-file $(LOCK) pyproject.toml

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

# The README's Pictures: one of each chart, drawn from known data (bot/charts/gallery.py).
pictures: $(STAMP)
	$(PY) -m bot.charts.gallery docs/img

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
