# The two commands of the README: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
SHARED ?= ../shared

.PHONY: run test setup setup-test postgres chromium

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

setup: $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .

setup-test: $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	bash $(SHARED)/interop/setup.sh

# Starts the machine's PostgreSQL if it is down (tests run on SQLite and PostgreSQL).
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start"; exit 1

# Browser tests drive Debian's Chromium through Playwright (no browser download).
chromium:
	@test -x /usr/bin/chromium || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# Embedded default: SQLite file, in-process jobs, keys and secret generated on first run.
run: setup
	$(FLASK) db upgrade
	$(FLASK) admin bootstrap
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup-test postgres chromium
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n 2 --dist loadgroup -q
