# pat: Personal Access Tokens for SQLite.
#   make            build dist/pat.so
#   make test       install missing packages (as root), build, run every test
#   make demo       install missing packages (as root), build, run sql/demo.sql
CC      ?= cc
VERSION := $(shell cat VERSION)
PKGS    := sqlite3 libsodium
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
           -Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wvla \
           -Wnull-dereference -Wundef -Wwrite-strings
CFLAGS  ?= -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs libsodium 2>/dev/null || echo -lsodium)
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden \
             -DPAT_VERSION='"$(VERSION)"' -Idist -Iext $(PKG_CFLAGS)
PYTHON  := /usr/bin/python3
SQLITE3 := sqlite3

SRCS := $(wildcard ext/*.c)
HDRS := ext/pat_internal.h dist/schema_sql.h
OBJS := $(SRCS:ext/%.c=dist/obj/%.o)
# The unit tests link the pieces directly against libsqlite3 (SQLITE_CORE).
CORE_OBJS := $(SRCS:ext/%.c=dist/core/%.o)

.PHONY: all deps test unit sqltest pytest demo clean

all: dist/pat.so

deps:
	@sh scripts/install-deps.sh

# sql/schema.sql is the one source of the store's DDL: it is compiled in.
dist/schema_sql.h: sql/schema.sql
	@mkdir -p dist
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@.tmp
	mv $@.tmp $@

dist/obj/%.o: ext/%.c $(HDRS) VERSION
	@mkdir -p dist/obj
	$(CC) $(ALL_CFLAGS) -c $< -o $@

dist/core/%.o: ext/%.c $(HDRS) VERSION
	@mkdir -p dist/core
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -c $< -o $@

dist/pat.so: $(OBJS)
	$(CC) -shared $(CFLAGS) -o $@ $(OBJS) $(PKG_LIBS) -lm -Wl,--no-undefined

UNIT_SRCS := $(wildcard tests/unit/*.c)
dist/unit_tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -o $@ $(UNIT_SRCS) $(CORE_OBJS) \
	  $(shell pkg-config --cflags --libs check) -lsqlite3 $(PKG_LIBS) -lm

test: deps
	@$(MAKE) --no-print-directory all dist/unit_tests
	@sh tests/run_all.sh

unit: dist/unit_tests
	./dist/unit_tests

sqltest: dist/pat.so
	sh tests/run_sql.sh

pytest: dist/pat.so
	$(PYTHON) -m unittest discover -s tests/python -t . -v

demo: deps
	@$(MAKE) --no-print-directory all
	rm -f dist/demo.db
	$(SQLITE3) dist/demo.db < sql/demo.sql

clean:
	rm -rf dist

# Slower suites and tools (sanitizers, valgrind, fuzzing, benchmarks) keep
# their rules in mk/*.mk; .ci/run calls each of them.
include $(wildcard mk/*.mk)
