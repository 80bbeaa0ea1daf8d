# The one-word entry points: make run, make test, make bench, make lint.
# `make run` serves the demo; `tisheng serve` runs the job worker (exports, certificate batches,
# evidence text, similarity) and `run-periodic` every minute beside the site, supervised
# (tisheng/core/supervise.py). In production each runs as a systemd service (deploy/systemd/).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: run test test-sqlite test-postgres test-browser-sqlite lint bench scope-matrix messages system-deps setup clean \
	cluster-deps cluster-up cluster-down cluster-test restore-drill

$(INSTALLED): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

setup: $(INSTALLED)

# Debian packages the tests need, installed only when missing: Chromium for the browser
# tests, a font with Chinese glyphs for their screenshots and the PDFs, the PostgreSQL
# server, poppler + zbar to render a certificate and scan its QR code, ffmpeg to make the
# player test's video, wrk to load the heartbeat endpoint in `make bench`.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	command -v ffmpeg >/dev/null || missing="$$missing ffmpeg"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

run: $(INSTALLED)
	$(BIN)/tisheng migrate --noinput
	$(BIN)/tisheng seed --scale demo --if-empty
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C to stop), with the job worker and the periodic tasks"
	TISHENG_ALLOW_DEV_KEYS=1 $(BIN)/tisheng serve --bind 127.0.0.1:8000

lint: $(INSTALLED)
	$(BIN)/ruff check .

test: $(INSTALLED) system-deps lint test-sqlite test-postgres

# --dist loadgroup: tests spread over the workers as they free up, except a module marked
# xdist_group, which stays on one worker so its module fixture (a demo seed, say) is built once.
PYTEST_XDIST = -n $(PYTEST_WORKERS) --dist loadgroup

# The browser journeys (tests/browser, marked `browser`) run once per `make test`, in the
# PostgreSQL half: production's database. They drive the pages, not the database, and are four
# tenths of a run's time; every view under them is tested on both databases without a browser.
# `make test-browser-sqlite` runs them on SQLite (what `make run` serves) outside `make test`.
test-sqlite: $(INSTALLED)
	TISHENG_RECORD_RUN=1 $(BIN)/pytest -q $(PYTEST_XDIST) --durations=25 -m "not browser"

test-browser-sqlite: $(INSTALLED) system-deps
	$(BIN)/pytest -q $(PYTEST_XDIST) --durations=10 -m browser

test-postgres: $(INSTALLED)
	TISHENG_RECORD_RUN=1 scripts/pg.sh with $(BIN)/pytest -q $(PYTEST_XDIST) --durations=25

# Rebuild the zh_Hans catalog from tisheng/locale/src/*.json and compile it.
messages: $(INSTALLED)
	$(BIN)/python scripts/translate.py

bench: $(INSTALLED) system-deps
	scripts/pg.sh with $(BIN)/python bench/run.py

# The cross-scope matrix (scripts/scope_matrix.py): every GET route, filled with one county's
# ids, as eleven demo users who must not see it; on a demo province seeded in var/scope-matrix.
SCOPE_VAR := $(CURDIR)/var/scope-matrix
scope-matrix: $(INSTALLED)
	mkdir -p $(SCOPE_VAR)
	export TISHENG_VAR_DIR=$(SCOPE_VAR) DATABASE_URL=sqlite:///$(SCOPE_VAR)/tisheng.sqlite3; \
	  $(BIN)/tisheng migrate --noinput >/dev/null && $(BIN)/tisheng seed --scale demo --if-empty >/dev/null && \
	  $(BIN)/python scripts/scope_matrix.py

# The multi-node topology of issue 20 on this one machine (scripts/cluster/topology.py): etcd,
# two Patroni-managed PostgreSQL 15 nodes, PgBouncer, HAProxy, two app nodes and pgBackRest, as
# local processes on loopback ports under var/cluster/. Never part of `make test`.
cluster-deps:
	@missing=""; \
	command -v etcd >/dev/null || missing="$$missing etcd-server etcd-client"; \
	command -v patroni >/dev/null || missing="$$missing patroni"; \
	command -v haproxy >/dev/null || missing="$$missing haproxy"; \
	command -v pgbouncer >/dev/null || missing="$$missing pgbouncer"; \
	command -v pgbackrest >/dev/null || missing="$$missing pgbackrest"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

cluster-up: $(INSTALLED) system-deps cluster-deps
	scripts/cluster/up

cluster-down:
	scripts/cluster/down

# Starts the topology, drives heartbeats and xAPI through HAProxy, kills an app node and the
# PostgreSQL primary, prints the figures and stops everything (scripts/cluster/cluster_test.py).
cluster-test: $(INSTALLED) system-deps cluster-deps
	$(BIN)/python scripts/cluster/cluster_test.py

# Restores the cluster's last backup and WAL to a scratch PostgreSQL at a point in time and
# compares row counts and the ledger's totals with the source (scripts/cluster/restore-drill).
restore-drill: $(INSTALLED) cluster-deps
	scripts/cluster/restore-drill

# Tests through PgBouncer in transaction mode in front of a throwaway PostgreSQL
# (scripts/cluster/pgbouncer_with.sh); PGBOUNCER_TESTS picks them (default: heartbeats, xAPI, jobs).
.PHONY: test-pgbouncer
PGBOUNCER_TESTS ?= tisheng/playback tisheng/xapi tisheng/jobs
test-pgbouncer: $(INSTALLED) cluster-deps
	scripts/pg.sh with scripts/cluster/pgbouncer_with.sh $(BIN)/pytest -q -p no:xdist $(PGBOUNCER_TESTS)

clean:
	rm -rf $(VENV) var test-artifacts
