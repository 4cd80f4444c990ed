# `make book` builds the whole site into _build/html; `make test` runs the test suite.
# Both create and use the virtual environment .venv on first use (Python 3.11 and pip are all they need).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= quick
# Local copies of the data sets: $LSTMDYN_DATA if set, else ../shared/data beside the checkout if it
# exists; otherwise the files are downloaded (and verified) into data/cache/ on first use.
export LSTMDYN_DATA ?= $(abspath $(wildcard ../shared/data))

.PHONY: book test clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing lstmdyn and its dependencies into $(VENV) (a few minutes, once) ..."
	$(PY) -m pip install --quiet -e '.[book,dev]'
	touch $(STAMP)

book: $(STAMP)
	$(PY) -m lstmdyn book --profile $(PROFILE)

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf _build book/generated
