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
             -DPAT_VERSION='"$(VERSION)"' -DPAT_BUILD_FLAGS='"$(CC) $(CFLAGS)"' \
             -Idist -Iext $(PKG_CFLAGS)
PYTHON  := /usr/bin/python3
SQLITE3 := sqlite3

SRCS := $(wildcard ext/*.c)
HDRS := $(wildcard ext/*.h) dist/schema_sql.h
OBJS := $(SRCS:ext/%.c=dist/obj/%.o)
# The unit tests link the pieces directly against libsqlite3 (SQLITE_CORE).
CORE_OBJS := $(SRCS:ext/%.c=dist/core/%.o)

PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  := $(PREFIX)/lib
INCDIR  := $(PREFIX)/include
EXTDIR  := $(LIBDIR)/sqlite3-ext

.PHONY: all deps test unit sqltest pytest demo clean check-layers static install uninstall FORCE

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

# For programs that link SQLite themselves: register with
# sqlite3_auto_extension((void (*)(void))sqlite3_pat_init) (ext/pat.h).
STATIC_OBJS := $(SRCS:ext/%.c=dist/static/%.o)
dist/static/%.o: ext/%.c $(HDRS) VERSION
	@mkdir -p dist/static
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -c $< -o $@

# One relocatable object whose only global symbol is sqlite3_pat_init, so
# pat's internals never clash with the program's own names.
dist/libpat.a: $(STATIC_OBJS)
	rm -f $@ dist/static/pat_all.o
	ld -r -o dist/static/pat_all.o $(STATIC_OBJS)
	objcopy --localize-hidden dist/static/pat_all.o
	ar rcs $@ dist/static/pat_all.o

dist/example_c: examples/c/main.c ext/pat.h dist/libpat.a
	$(CC) -std=c11 $(WARN) $(CFLAGS) -Iext -o $@ examples/c/main.c dist/libpat.a \
	  -lsqlite3 $(PKG_LIBS) -lm

static: dist/libpat.a

# The directories the last build of dist/pat.pc named: the file changes
# (and the .pc is made again) only when PREFIX (or LIBDIR, INCDIR, EXTDIR:
# make deb sets Debian's) does, so an install to another prefix never ships
# a .pc that names the one before.
dist/prefix: FORCE
	@mkdir -p dist
	@printf '%s\n' '$(PREFIX) $(LIBDIR) $(INCDIR) $(EXTDIR)' | cmp -s - $@ || \
	  printf '%s\n' '$(PREFIX) $(LIBDIR) $(INCDIR) $(EXTDIR)' > $@

FORCE:

# SQLite as -lsqlite3, not Requires.private: a program links the shared
# libsqlite3, and sqlite3.pc's private libraries (-lz) would ask for a
# zlib1g-dev that nothing else needs.
dist/pat.pc: Makefile VERSION dist/prefix
	@mkdir -p dist
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' \
	  'includedir=$(INCDIR)' 'extension=$(EXTDIR)/pat' '' \
	  'Name: pat' 'Description: Personal Access Tokens for SQLite' \
	  'Version: $(VERSION)' 'Requires.private: libsodium' \
	  'Libs: -L$${libdir} -lpat' 'Libs.private: -lsqlite3 -lm' 'Cflags: -I$${includedir}' > $@

install: dist/pat.so dist/libpat.a dist/pat.pc
	install -d $(DESTDIR)$(EXTDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0755 dist/pat.so $(DESTDIR)$(EXTDIR)/pat.so
	install -m 0644 dist/libpat.a $(DESTDIR)$(LIBDIR)/libpat.a
	install -m 0644 ext/pat.h $(DESTDIR)$(INCDIR)/pat.h
	install -m 0644 dist/pat.pc $(DESTDIR)$(LIBDIR)/pkgconfig/pat.pc

uninstall:
	rm -f $(DESTDIR)$(EXTDIR)/pat.so $(DESTDIR)$(LIBDIR)/libpat.a \
	  $(DESTDIR)$(INCDIR)/pat.h $(DESTDIR)$(LIBDIR)/pkgconfig/pat.pc
	-rmdir $(DESTDIR)$(EXTDIR) 2>/dev/null

UNIT_SRCS := $(wildcard tests/unit/*.c)
dist/unit_tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -o $@ $(UNIT_SRCS) $(CORE_OBJS) \
	  $(shell pkg-config --cflags --libs check) -lsqlite3 $(PKG_LIBS) -lm

test: deps
	@$(MAKE) --no-print-directory check-layers dist/unit_tests dist/example_c
	@sh tests/run_all.sh

# The layers of docs/ARCHITECTURE.md, checked in the object files, then the
# check's own tests (make test runs both first).
check-layers: all
	@$(PYTHON) tests/layers/check.py
	@$(PYTHON) tests/layers/test_check.py

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
