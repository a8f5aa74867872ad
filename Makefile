# The two quick-start commands (README): `make demo` and `make test`. Both create and use a virtual
# environment in .venv (stock Debian/Ubuntu Python refuses `pip install` outside one), so nothing
# is installed into the system Python. npm is optional: without it the end-to-end test is skipped
# with a reason (and fails in CI, where it is required). The browser tests need Debian's chromium:
# tests/browser/ensure-chromium.sh installs it with apt-get when it is missing and the machine
# allows it (root or password-less sudo); otherwise they are skipped with a reason (not in CI).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test test-deps clean-venv

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { \
	  echo "无法创建虚拟环境 $(VENV)：请先安装 python3-venv（Debian/Ubuntu：apt-get install python3-venv）。" >&2; \
	  rm -rf $(VENV); exit 1; }

# Reinstalled only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

demo: install
	$(BIN)/gongkai console --demo

# In CI (CI=true or GONGKAI_REQUIRE_SERVICES=1) a failed npm install fails the build; elsewhere the
# end-to-end test is then skipped with a reason.
test-deps: $(VENV)/.installed-test
	@bash tests/browser/ensure-chromium.sh
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: the end-to-end test (tests/e2e) will be skipped (it is required in CI)."; \
	elif [ ! -f tests/e2e/node_modules/.package-lock.json ] || [ tests/e2e/package.json -nt tests/e2e/node_modules/.package-lock.json ]; then \
	  npm install --prefix tests/e2e --no-audit --no-fund --loglevel=error || { \
	    for flag in "$${CI:-}" "$${GONGKAI_REQUIRE_SERVICES:-}"; do \
	      case "$$flag" in ""|0|false|no) ;; *) exit 1;; esac; \
	    done; \
	    echo "npm install failed: the end-to-end test will be skipped (it is required in CI)."; }; \
	fi

test: test-deps
	$(BIN)/python -m pytest -q

clean-venv:
	rm -rf $(VENV)
