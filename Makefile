# Retake: two commands on a fresh machine, `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The one lock: every dependency of every extra, pinned with its hashes, for Python 3.11
# and later (Lambda's 3.12 included). The environment is synced to it exactly.
LOCK := requirements.lock
UV_VERSION := 0.13.9
UV := $(BIN)/uv
LOCK_COMPILE = $(UV) pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
	--generate-hashes --quiet --custom-compile-command "make lock"

.PHONY: install test lint lock-check typecheck unit functional integration e2e browser bench \
	proof up package lock check-latest clean

$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml $(LOCK) | $(UV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes $(LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The short reliability proof runs last (about 7 minutes); `make proof` runs the full one.
# CI runs the five scenarios whose checks are counts and equalities. poison and priority
# compare latency percentiles of a few dozen samples against a 2x limit: they pass here
# on a quiet machine (RELIABILITY.md), but a shared CI runner's noise alone can move a
# p95 that far, so `make proof` (and `python -m proof --short poison priority`) runs them.
CI_PROOF := chaos duplicates contention tampering restart

test: lint lock-check typecheck
	$(BIN)/python -m pytest
	$(BIN)/python -m proof --short $(CI_PROOF)

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

functional: $(STAMP)
	$(BIN)/python -m pytest tests/functional

integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

browser: $(STAMP)
	$(BIN)/python -m pytest tests/browser

screenshots: $(STAMP)
	$(BIN)/python -m tests.browser.screenshots

bench: $(STAMP)
	$(BIN)/python -m bench

# Every scenario at full size; rewrites RELIABILITY.md.
proof: $(STAMP)
	$(BIN)/python -m proof

up: $(STAMP)
	$(BIN)/retake up

# dist/retake-functions.zip and dist/retake-layer.zip for `pulumi up` (the layer needs the network).
package: $(STAMP)
	$(BIN)/python -m infra_pulumi.package

# Re-resolve the lock after pyproject changed, keeping every pin that still fits.
# `make lock UPGRADE=moto` moves one package (and what it needs) to its newest release in
# range, `make lock UPGRADE=all` every package: run `make check-latest` first.
lock: | $(UV)
	$(LOCK_COMPILE) $(if $(filter all,$(UPGRADE)),--upgrade,$(foreach package,$(UPGRADE),\
		--upgrade-package $(package))) --output-file $(LOCK)

# Fails when pyproject and the lock disagree: resolving again, keeping the pins, must give
# the committed lock back byte for byte.
lock-check: | $(UV)
	cp $(LOCK) $(VENV)/lock-check.txt
	$(LOCK_COMPILE) --output-file $(VENV)/lock-check.txt
	diff -u $(LOCK) $(VENV)/lock-check.txt \
		|| (echo "pyproject.toml and $(LOCK) disagree: run make lock" >&2; exit 1)

# The newest releases pyproject allows, in a scratch environment: the integration, e2e and
# browser suites run there, and what broke is named by package and version. Never run by CI.
check-latest: $(STAMP)
	$(BIN)/python -m tools.check_latest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
