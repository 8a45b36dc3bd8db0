# The two commands a newcomer needs:
#   make run    set up everything, load the demo city, start the web server and the worker
#   make test   run every test (SQLite by default; set DATABASE_URL for PostgreSQL)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_ENV := DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_WORKERS ?= 2

.PHONY: run test setup demo browser messages check clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium for the browser tests (Playwright never downloads a browser here) and
# axe-core from npm for the accessibility checks.
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --silent

messages: $(STAMP)
	@command -v msgfmt >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; } || echo "gettext is missing: using the committed .mo catalogues"
	-@command -v msgfmt >/dev/null && $(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

demo: $(STAMP) messages
	mkdir -p var
	$(DEV_ENV) $(PY) manage.py migrate --noinput -v 0
	$(DEV_ENV) $(PY) manage.py seed_demo --households 1500 --seed 7 --if-empty

run: demo
	@echo "Starting the web server on http://$(HOST):$(PORT)/ and the background worker (Ctrl-C stops both)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	  $(DEV_ENV) $(PY) manage.py db_worker --queue-name '*' & \
	  $(DEV_ENV) $(PY) manage.py runserver --noreload $(HOST):$(PORT) & \
	  wait

test: $(STAMP) browser messages
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run -v 0
	$(PY) -m pytest -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS)

check: $(STAMP)
	$(PY) manage.py check

clean:
	rm -rf $(VENV) var staticfiles node_modules
