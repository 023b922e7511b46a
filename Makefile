# Retake: two commands on a fresh machine, `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck unit functional integration e2e bench proof up package lock clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
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

test: lint typecheck
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

# The layer's lock: every runtime dependency of pyproject pinned, with the hashes of its
# wheels, for Lambda's Python 3.12 on x86_64 (infra_pulumi/package.py installs from it with
# --require-hashes). Run after changing [project].dependencies, or to take newer releases.
LAYER_LOCK := infra_pulumi/layer-requirements.txt
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --upgrade --generate-hashes --quiet \
		--python-version 3.12 --python-platform x86_64-manylinux2014 --only-binary :all: \
		--custom-compile-command "make lock" --output-file $(LAYER_LOCK)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
