# Two commands a new user needs (see README.md):
#   make run    install, build the demo store if missing, serve the dashboard
#   make test   install test tools (incl. Chromium and PostgreSQL when missing) and run every test
#
# Everything goes into a local virtualenv (.venv); versions are pinned by
# requirements-lock.txt (regenerate with `make lock`).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
CHROMIUM ?= /usr/bin/chromium
# Test processes (pytest-xdist), one per core here; each test file runs whole in one of them,
# so its module fixtures (a PostgreSQL server, a store) are built once.
TEST_WORKERS ?= 2

.PHONY: run test install install-test browser postgres lint bench lock clean

run: install
	$(BIN)/python -m metrics build-published-if-missing
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: install-test browser postgres
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml requirements-lock.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -c requirements-lock.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml requirements-lock.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -c requirements-lock.txt -e ".[test]"
	touch $@

# Debian's Chromium: Playwright launches it by path (it cannot download browsers here).
browser:
	@if [ -x "$(CHROMIUM)" ]; then echo "chromium: $$($(CHROMIUM) --version 2>/dev/null)"; \
	else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# Debian's PostgreSQL server: tests/test_shared.py starts a throwaway cluster on loopback.
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then echo "postgresql: $$(ls /usr/lib/postgresql/*/bin/initdb | head -1)"; \
	else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

lint: install-test
	$(BIN)/ruff check .

bench: install-test
	$(BIN)/python benchmarks/run.py

lock: install-test
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > requirements-lock.txt

clean:
	rm -rf $(VENV) var test-results .pytest_cache
