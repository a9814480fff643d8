# mk/hardening.mk: memory safety and fuzzing (issue 5), included by the
# Makefile. Each target installs what it needs (as root) through
# scripts/install-deps.sh, builds into its own folder under dist/ and fails
# on any report.
#
#   make test-asan        the suites of make test (Check, SQL shell, Python;
#                         not the examples) against an ASan+UBSan build:
#                         dist/asan/pat.so, dist/asan/unit_tests
#   make test-valgrind    the same suites under valgrind memcheck, normal build
#   make fuzz             replays tests/fuzz/regressions, then runs every
#                         libFuzzer target for FUZZ_SECONDS (default 30) each;
#                         crash artifacts in dist/fuzz/artifacts/
#   make fuzz-build       only builds dist/fuzz/fuzz_*
#
# The suites run unchanged in a scratch copy of the tree (dist/asan/tree,
# dist/valgrind/tree) whose dist/ holds the build under test: see
# tests/hardening/run_suite.sh.

CLANG        ?= clang-14
FUZZ_SECONDS ?= 30
# More libFuzzer flags. One process per target: parallel jobs would fight the
# other suites for this machine's two cores.
FUZZ_FLAGS   ?=

# -O1: fast enough, and stacks still name every pat function.
ASAN_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=all
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined \
                -fno-omit-frame-pointer -fno-sanitize-recover=all
# The Makefile's own ALL_CFLAGS, with the compiler and CFLAGS of each build
# (so that pat_debug() names them too).
dist/asan/%: override CC = $(CLANG)
dist/asan/%: override CFLAGS = -O1 -g $(ASAN_SAN)
dist/fuzz/%: override CC = $(CLANG)
dist/fuzz/%: override CFLAGS = -O1 -g $(FUZZ_SAN)
# Only when a rule runs (after install-deps has put clang there).
ASAN_RTDIR   = $(dir $(shell $(CLANG) -print-file-name=libclang_rt.asan-x86_64.so))

ASAN_OBJS      := $(SRCS:ext/%.c=dist/asan/obj/%.o)
ASAN_CORE_OBJS := $(SRCS:ext/%.c=dist/asan/core/%.o)

FUZZ_TARGETS   := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS      := $(FUZZ_TARGETS:%=dist/fuzz/%)
FUZZ_CORE_OBJS := $(SRCS:ext/%.c=dist/fuzz/core/%.o)

.PHONY: test-asan test-valgrind fuzz fuzz-build hardening-deps-clang \
        hardening-deps-valgrind

hardening-deps-clang:
	@sh scripts/install-deps.sh clang libclang-rt-14-dev

hardening-deps-valgrind:
	@sh scripts/install-deps.sh valgrind

# ------------------------------------------------------------ ASan + UBSan

dist/asan/obj/%.o: ext/%.c $(HDRS) VERSION mk/hardening.mk
	@mkdir -p dist/asan/obj
	$(CC) $(ALL_CFLAGS) -c $< -o $@

dist/asan/core/%.o: ext/%.c $(HDRS) VERSION mk/hardening.mk
	@mkdir -p dist/asan/core
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -c $< -o $@

# Linked against the shared ASan runtime: the sqlite3 shell and python3 that
# load it get that runtime through LD_PRELOAD (run_suite.sh).
dist/asan/pat.so: $(ASAN_OBJS)
	$(CC) -shared -shared-libsan $(CFLAGS) -o $@ $(ASAN_OBJS) $(PKG_LIBS) \
	  -lm -Wl,--no-undefined -Wl,-rpath,$(ASAN_RTDIR)

dist/asan/unit_tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h) $(ASAN_CORE_OBJS)
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -o $@ $(UNIT_SRCS) $(ASAN_CORE_OBJS) \
	  $(shell pkg-config --cflags --libs check) -lsqlite3 $(PKG_LIBS) -lm

test-asan: deps hardening-deps-clang
	@$(MAKE) --no-print-directory dist/asan/pat.so dist/asan/unit_tests
	@CLANG=$(CLANG) sh tests/hardening/run_suite.sh asan

# ---------------------------------------------------------------- valgrind

test-valgrind: deps hardening-deps-valgrind
	@$(MAKE) --no-print-directory all dist/unit_tests
	@sh tests/hardening/run_suite.sh valgrind

# ------------------------------------------------------------------ fuzzing

dist/fuzz/core/%.o: ext/%.c $(HDRS) VERSION mk/hardening.mk
	@mkdir -p dist/fuzz/core
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -c $< -o $@

# A static pattern rule: the objects stay (a plain pattern rule would make
# them intermediate files, deleted and rebuilt every time).
$(FUZZ_BINS): dist/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h $(FUZZ_CORE_OBJS)
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -Itests/fuzz \
	  -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_CORE_OBJS) \
	  -lsqlite3 $(PKG_LIBS) -lm

fuzz-build: deps hardening-deps-clang
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_FLAGS='$(FUZZ_FLAGS)' \
	  sh tests/fuzz/run.sh $(FUZZ_TARGETS)
