# Two commands: `make run` and `make test`. Both install into .venv/ first if needed.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint
run: $(STAMP)
	$(VENV)/bin/quotebot run

test: $(STAMP) lint
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check index bot scripts tests
	$(VENV)/bin/mypy

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	touch $(STAMP)
