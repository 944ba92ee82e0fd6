# Two commands: `make run` and `make test` (and `make test-fast` while you work). All install into .venv/ first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint
run: $(STAMP)
	$(VENV)/bin/quotebot run

test: $(STAMP) lint
	$(VENV)/bin/python -m pytest

# Everything but the tests marked slow (those load the real model): the loop to run while you work.
test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -m "not slow" -q

lint: $(STAMP)
	$(VENV)/bin/ruff check index bot scripts tests
	mkdir -p .mypy_src/quotebot && ln -sfn ../../index .mypy_src/quotebot/index && ln -sfn ../../bot .mypy_src/quotebot/bot
	$(VENV)/bin/mypy

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	touch $(STAMP)
