# The two commands a newcomer needs: `make run` and `make test`. Everything else is a step of these.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/cercle
# Python's compiled files are kept even where the environment says not to write them: every
# server, worker and script the tests start would otherwise compile Cercle from source again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: build-packages install run migrate demo test lint typecheck test-sqlite test-postgres test-e2e system-packages messages bench clean

install: $(STAMP)

$(STAMP): pyproject.toml | build-packages
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is needed"'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# caldav's HTTP client brings urllib3-future, whose .pth hook overwrites urllib3 at every start
	@# (requests, schemathesis and pywebpush then run on the fork): keep the real urllib3.
	rm -f $(VENV)/lib/python*/site-packages/urllib3_future.pth
	$(BIN)/pip install --quiet --force-reinstall --no-deps 'urllib3>=2.2,<3'
	touch $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py aggregate_adoption --days 35 > /dev/null

# Serves HTTP and WebSocket on one port, with the task worker beside it and, every 5 minutes, the
# notification-mail sweep (the daily digest once a day), the expiry of abandoned CSV imports and,
# every hour, the adoption figures of today and yesterday;
# Ctrl-C stops them all.
# Links in mails use the address this server is reached at (SITE_URL unless set otherwise).
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: demo
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@$(BIN)/python manage.py login_hint --url http://$(HOST):$(PORT)/
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python manage.py db_worker --queue-name '*' & \
	( while sleep 60; do $(BIN)/python manage.py send_event_reminders >/dev/null; \
	  $(BIN)/python manage.py publish_news >/dev/null; done ) & \
	( n=0; while sleep 300; do n=$$((n + 1)); $(BIN)/python manage.py send_notification_mail; \
	  $(BIN)/python manage.py expire_import_jobs; $(BIN)/python manage.py purge_data_exports; \
	  $(BIN)/python manage.py publish_welcome_posts > /dev/null; \
	  [ $$((n % 12)) -ne 0 ] || { $(BIN)/python manage.py aggregate_adoption > /dev/null; \
	  $(BIN)/python manage.py sync_directory > /dev/null; }; \
	  [ $$((n % 288)) -ne 0 ] || { $(BIN)/python manage.py send_notification_mail --digest; \
	  $(BIN)/python manage.py purge_document_trash; $(BIN)/python manage.py apply_retention; \
	  $(BIN)/python manage.py send_news_letter; \
	  $(BIN)/python manage.py remind_page_reviews > /dev/null; }; \
	  done ) & \
	$(BIN)/uvicorn cercle.asgi:application --host $(HOST) --port $(PORT) --app-dir src \
	  --ws-per-message-deflate false

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=src $(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# Debian packages pip needs to build python-ldap (sign-in by LDAP bind has no wheel for Linux):
# OpenLDAP's and SASL's headers, a C compiler and Python's headers.
build-packages:
	@missing=""; \
	test -e /usr/include/ldap.h || missing="$$missing libldap2-dev"; \
	test -e /usr/include/sasl/sasl.h || missing="$$missing libsasl2-dev"; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	$(PYTHON) -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' || missing="$$missing python3-dev"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

# Debian packages the tests need (slapd and ldap-utils: the company directory's tests run a real
# OpenLDAP server on loopback): Chromium for the browser tests (Playwright drives it and never
# downloads a browser of its own) with a colour emoji font (reactions are emoji: without it they
# are empty boxes in the browser tests' pages), and gettext for the translation-completeness test.
system-packages:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium fonts-dejavu-core"; \
	test -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf || missing="$$missing fonts-noto-color-emoji"; \
	command -v xgettext >/dev/null || missing="$$missing gettext"; \
	command -v litmus >/dev/null || missing="$$missing litmus"; \
	command -v rclone >/dev/null || missing="$$missing rclone"; \
	command -v cadaver >/dev/null || missing="$$missing cadaver"; \
	test -e /usr/share/snowball/data/french/voc.txt || missing="$$missing snowball-data"; \
	command -v xmlsec1 >/dev/null || missing="$$missing xmlsec1"; \
	test -x /usr/sbin/slapd || missing="$$missing slapd"; \
	command -v ldapadd >/dev/null || missing="$$missing ldap-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

# UNIT_WORKERS="-n 2 --dist loadfile" runs the SQLite and PostgreSQL runs on two pytest-xdist
# workers each. Not the default: measured by fresh-check (1c8cff1) it saved nothing (44 min both
# ways: the three runs then share two cores from the start) and a query-count test of
# /api/v1/spaces depends on what an earlier test left in a process memo.
UNIT_WORKERS ?=
# Each run ends with its slowest steps, so that CI's log says where the suite's time goes.
DURATIONS ?= --durations=15 --durations-min=5
test-sqlite: install system-packages
	env -u DATABASE_URL $(BIN)/pytest -q -m "not e2e" $(DURATIONS) $(UNIT_WORKERS)

test-postgres: install
	@if $(BIN)/python -m cercle.core.services postgres "$(PG_URL)"; then \
	  DATABASE_URL=$(PG_URL) CERCLE_TEST_REDIS_URL=redis://127.0.0.1:6379/11 \
	  $(BIN)/pytest -q -m "not e2e" $(DURATIONS) $(UNIT_WORKERS); \
	elif [ "$$CERCLE_REQUIRE_SERVICES" = 1 ]; then \
	  echo "PostgreSQL is required (CERCLE_REQUIRE_SERVICES=1) but $(PG_URL) is not reachable"; exit 1; \
	else echo "PostgreSQL not reachable at $(PG_URL): the PostgreSQL run is skipped"; fi

# Two pytest-xdist workers, each with its own database file, Redis database and server sites (the
# seeded sites of the accessibility walk, the layout and search tests are then made once per
# worker, ~1 CPU-minute each): the browser run was the longest (46-54 min in one process, 23 min
# on two), and one process left a core idle once the other runs were done. E2E_WORKERS= runs it
# in one process.
E2E_WORKERS ?= -n 2
test-e2e: install system-packages
	env -u DATABASE_URL CERCLE_TEST_SQLITE_FILE=$(CURDIR)/var/test-e2e.sqlite3 \
	  CERCLE_TEST_REDIS_URL=redis://127.0.0.1:6379/13 $(BIN)/pytest -q -m e2e $(DURATIONS) $(E2E_WORKERS)

# The three runs at once, each with its own database and Redis database: on two cores, runs that
# mostly wait on servers, sockets and a browser take about half as long as one after the other.
# The checks (ruff, import layers, mypy: minutes without its cache on a fresh clone) run beside
# them rather than before; the longest run (PostgreSQL) is started first.
test: install system-packages
	$(MAKE) --no-print-directory -j5 --output-sync=line test-postgres test-sqlite test-e2e lint typecheck

# Refresh the translation catalogues after changing user-facing strings, then translate the new entries.
messages: install
	cd src/cercle && ../../$(BIN)/django-admin makemessages -l fr -l en --no-obsolete --no-location \
	  --settings=cercle.settings --pythonpath=.. --ignore 'static/*'
	cd src/cercle && ../../$(BIN)/django-admin compilemessages --settings=cercle.settings --pythonpath=..

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/media var/static
