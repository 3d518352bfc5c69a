# Everything installs into .venv: a fresh machine needs only Python 3.11+, make and git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP     := $(VENV)/.dev-installed

.PHONY: run demo test lint typecheck pytest bench eval train clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(RUNTIME_STAMP)
	$(BIN)/quidprono run

# The real bot against a local Discord stand-in with a seeded community; prints the page's URL. No token needed.
# Installing talks on stderr, so that stdout carries exactly one line: the page's URL.
demo:
	@$(MAKE) --no-print-directory $(RUNTIME_STAMP) >&2
	@$(BIN)/quidprono demo

test: lint typecheck pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check bot standin tests bench migrations
	$(BIN)/lint-imports  # the one-way layers: contracts in pyproject.toml

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP)
	$(BIN)/pytest

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

eval: $(RUNTIME_STAMP)
	$(BIN)/quidprono eval tests/data/demands-dev.tsv
	-$(BIN)/quidprono eval tests/data/demands-dev.tsv tests/data/demands-corpus.tsv

# Rebuilds bot/core/detect_model.json (the detector's confidence) from tests/data/, deterministically, and prints
# how it compares with the hand-set confidences under leave-one-platform-out.
train: $(RUNTIME_STAMP)
	$(BIN)/python -m bot.training

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
