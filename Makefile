# Horizon: `make run` serves the portal with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core; PYTEST_WORKERS=0 runs in this process.
PYTEST_WORKERS ?= auto
export FLASK_APP := portal

.PHONY: install install-test npm run worker db test test-fast e2e lint format chromium java nginx xmlsec1 idp bench clean

# What running needs (`make run`); the test tools come on top for `make test` and `make lint`.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# axe-core and the Nu HTML checker (vnu-jar), for the browser tests (from the npm registry).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

npm: node_modules/.package-lock.json

# Apply every migration to the database (instance/horizon.db unless DATABASE_URL is set)
# and load the demo data when the database is empty.
db: install
	$(BIN)/flask db upgrade heads
	$(BIN)/flask seed-demo

# The web server and a background worker (e-mail, imports, matching runs), together.
run: db
	$(BIN)/python -m portal.devserver --host $(HOST) --port $(PORT)

# Only the background worker (for a second terminal, or beside gunicorn).
worker: install
	$(BIN)/huey_consumer portal.tasks.worker.huey --workers 2 --worker-type thread

# The browser tests drive Debian's Chromium; install it when it is missing (needs root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: run 'sudo apt-get install -y chromium'"; exit 1; fi; }

# The Nu HTML checker runs on the system's Java; install a headless one when it is missing.
# nginx for the deployment checks (tests/deploy) and the cluster test (bench/cluster.py).
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	  else echo "nginx is missing: run 'sudo apt-get install -y nginx'"; exit 1; fi; }

java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; \
	  else echo "Java is missing: run 'sudo apt-get install -y default-jre-headless'"; exit 1; fi; }

# The SAML identity provider in the tests (pysaml2) signs with Debian's xmlsec1.
xmlsec1:
	@command -v xmlsec1 >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1; \
	  else echo "xmlsec1 is missing: run 'sudo apt-get install -y xmlsec1'"; exit 1; fi; }

# The OpenID provider the tests use, for trying company sign-in by hand (docs/identity.md).
idp: npm
	OP_PORT=$${OP_PORT:-9400} OP_REDIRECT_URI=http://$(HOST):$(PORT)/auth/oidc/callback \
	  OP_BACKCHANNEL_URI=http://$(HOST):$(PORT)/auth/oidc/backchannel-logout node tests/providers/oidc_op/server.mjs

test: install-test npm chromium java nginx xmlsec1
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Everything except the browser tests.
test-fast: install-test npm nginx xmlsec1
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not e2e" $(PYTEST_ARGS)

e2e: install-test npm chromium java xmlsec1
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m e2e $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install-test
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
