# assetmap — `make run` to try it, `make test` to check it. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := assetmap/static/vendor/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 5000
BENCH_SIZE ?= 100000

# Debian packages: SpatiaLite for the embedded database; PostgreSQL 15 + PostGIS 3 for tests.
RUN_DEBS := libsqlite3-mod-spatialite libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
# … plus a real browser for the page tests, and nginx for the documented production setup's.
TEST_DEBS := postgresql-15 postgresql-15-postgis-3 chromium nginx
# … plus wrk, for requests per second under load (the peers and load benches).
BENCH_DEBS := $(TEST_DEBS) wrk

.PHONY: help install run test lint bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

$(STAMP): pyproject.toml
	$(call apt_install,$(RUN_DEBS))
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[postgres,dev]'
	@touch $(STAMP)

# Front-end packages from npm (lock file), copied into the app's static folder.
$(ASSETS): package-lock.json scripts/vendor-assets
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	scripts/vendor-assets
	@touch $(ASSETS)

install: $(STAMP) $(ASSETS) ## Install what is missing (Debian packages, .venv, npm assets)

run: install ## Create and seed instance/assetmap.db if needed, then serve on http://127.0.0.1:5000 with the scheduler
	$(BIN)/assetmap init-db
	$(BIN)/assetmap seed --if-empty
	@# Freshness tasks and reminders for the demo at once, not at the next nightly scan.
	$(BIN)/assetmap freshness-scan
	@# The scheduler (freshness scan, email delivery) runs beside the web app and stops with it.
	$(BIN)/assetmap scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/assetmap serve --host $(HOST) --port $(PORT)

test: install ## Run the whole suite on SpatiaLite and on a private PostGIS cluster
	$(call apt_install,$(TEST_DEBS))
	scripts/with-postgis $(BIN)/pytest -q

lint: install ## ruff (lint and format check), mypy over the package, the import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy assetmap
	$(BIN)/lint-imports --no-cache

bench: install ## Time the API (and beside its peers), search, matching, the freshness scan, gap analysis, the timetable router and load under wrk (BENCH_SIZE=100000)
	$(call apt_install,$(BENCH_DEBS))
	scripts/with-postgis $(BIN)/python -m bench --size $(BENCH_SIZE)

clean: ## Remove the virtualenv and caches (keeps instance/, your data)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
