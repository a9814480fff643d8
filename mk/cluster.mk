# mk/cluster.mk: pat on a replicated cluster (issue 8), included by the
# Makefile.
#
#   make test-cluster   installs dqlite and Go from Debian (as root) through
#                       scripts/install-deps.sh, builds dist/libpat.a, the
#                       node (dist/dqlite-node) and the join tool
#                       (dist/dqlite-join), then runs tests/cluster/test_cluster.py:
#                       three dqlite nodes on 127.0.0.1, the leader killed with
#                       SIGKILL CLUSTER_ROUNDS times (default 3), every token
#                       checked after each change: about 25 s once built
#                       (CLUSTER_ROUNDS, CLUSTER_LATENCY_MS, CLUSTER_KEY: see
#                       examples/dqlite/README.md).
#   make dqlite-node     only builds dist/dqlite-node and dist/dqlite-join
#
# The node links dist/libpat.a (SQLITE_CORE) against the system libsqlite3,
# the one libdqlite uses: one SQLite in the process, so that pat's
# sqlite3_auto_extension reaches dqlite's connections. The join tool is Go,
# built offline from Debian's go-dqlite sources (GOPATH=/usr/share/gocode),
# without cgo; its build cache stays under dist/.
.PHONY: test-cluster dqlite-node cluster-deps

CLUSTER_PKGS := libdqlite-dev go-dqlite golang-go golang-github-canonical-go-dqlite-dev
DQLITE_LIBS   = $(shell pkg-config --libs dqlite 2>/dev/null || echo -ldqlite)
GO_OFFLINE   := GO111MODULE=off GOPATH=/usr/share/gocode CGO_ENABLED=0 \
                GOFLAGS= GOENV=off GOCACHE=$(CURDIR)/dist/go-cache

cluster-deps:
	@sh scripts/install-deps.sh $(CLUSTER_PKGS)

dist/dqlite-node: examples/dqlite/node.c ext/pat.h dist/libpat.a
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) -Iext -o $@ examples/dqlite/node.c \
	  dist/libpat.a $(DQLITE_LIBS) -lsqlite3 $(PKG_LIBS) -lm

dist/dqlite-join: examples/dqlite/join/main.go
	@mkdir -p dist
	$(GO_OFFLINE) go build -o $@ ./examples/dqlite/join

dqlite-node: dist/dqlite-node dist/dqlite-join

test-cluster: cluster-deps
	@$(MAKE) --no-print-directory static
	@$(MAKE) --no-print-directory dist/dqlite-node dist/dqlite-join
	$(PYTHON) tests/cluster/test_cluster.py
