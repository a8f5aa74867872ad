PYTHON ?= python3
PIP ?= $(PYTHON) -m pip

.PHONY: install demo test test-deps

install:
	$(PIP) install -q -e .

demo: install
	gongkai console --demo

test-deps:
	$(PIP) install -q -e '.[test]'
	@if [ -f tests/e2e/package.json ]; then npm install --prefix tests/e2e --no-audit --no-fund --loglevel=error; fi

test: test-deps
	$(PYTHON) -m pytest -q
