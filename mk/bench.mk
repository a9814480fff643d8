# bench: how close pat's checks come to the physical floor (issue 4).
#   make bench          builds dist/bench, runs it, then bench/compare.py;
#                       about 2 minutes on the 2-core reference machine
#   BENCH_N=10000,100000 make bench      other sizes (see bench/README.md for
#   BENCH_FULL=1 make bench              every variable)
# The C bench loads dist/pat.so as an application does; compare.py needs
# Debian's /usr/bin/python3, whose sqlite3 module can load extensions.
# Databases and the last results go to bench/out/ (ignored by git).
#   make bench-concurrency   not part of make bench: 1, 2 and 4 checker
#                       processes and a writer on one WAL file, pat against
#                       the floor (bench/concurrency.c); about 80 s here
#                       (populating 100,000 tokens, then 36 phases of 2 s:
#                       warm and cold, 3 counts, pat and floor, 3 reps);
#                       BENCH_CONC_SECONDS=1 BENCH_CONC_REPS=1 for ~20 s
.PHONY: bench bench-c bench-py bench-concurrency

BENCH_BIN  := dist/bench
BENCH_LIBS  = $(shell pkg-config --libs sqlite3 libsodium 2>/dev/null || echo -lsqlite3 -lsodium)

$(BENCH_BIN): bench/bench.c bench/bench_util.h
	@mkdir -p dist
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BENCH_LIBS)

bench: bench-c bench-py

bench-c: $(BENCH_BIN) dist/pat.so
	@mkdir -p bench/out
	@echo "machine: $$(nproc) CPUs, $$(lscpu | sed -n 's/^Model name: *//p'),"\
	  "$$(free -g | awk '/^Mem:/ {print $$2}') GiB RAM; pat $(VERSION)"\
	  "($$(git rev-parse --short HEAD 2>/dev/null || echo no git)$$(git status --porcelain\
	  ext sql 2>/dev/null | grep -q . && echo ', ext/ or sql/ changed since'))"
	@# A snapshot of the extension, so that a rebuild during the run can not
	@# mix two versions in one table.
	cp dist/pat.so bench/out/pat.so
	BENCH_EXT=bench/out/pat ./$(BENCH_BIN) > bench/out/bench.md
	@cat bench/out/bench.md

bench-py: dist/pat.so
	@mkdir -p bench/out
	cp dist/pat.so bench/out/pat.so
	BENCH_EXT=bench/out/pat $(PYTHON) bench/compare.py > bench/out/compare.md
	@cat bench/out/compare.md

BENCH_CONC_BIN := dist/bench_concurrency

$(BENCH_CONC_BIN): bench/concurrency.c bench/bench_util.h
	@mkdir -p dist
	$(CC) -std=c11 -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BENCH_LIBS)

# Fails (non-zero) on a wrong answer, an error, a crashed process, or when it
# can not run; a missed target is printed as MISS.
bench-concurrency: $(BENCH_CONC_BIN) dist/pat.so
	@mkdir -p bench/out
	cp dist/pat.so bench/out/pat.so
	@BENCH_EXT=bench/out/pat ./$(BENCH_CONC_BIN) > bench/out/concurrency.md; rc=$$?; \
	cat bench/out/concurrency.md; \
	if [ $$rc -ne 0 ]; then echo "make bench-concurrency: FAILED (exit $$rc, see above)"; fi; \
	exit $$rc

# bench-create-parts: not part of make bench. Where pat_create's time over
# its floor goes (issue 19, bench/README.md): the floor INSERT, the same
# INSERT into pat's store, pat's own INSERT, the token made as pat makes it
# (ext/token.c and ext/crypto.c linked in), a minimal SQL function doing all
# that, and pat_create itself, alternating in one run (bench/create_parts.c).
# About 25 s here; CP_N, CP_MODES, CP_REPS, CP_ONLY: see the source.
.PHONY: bench-create-parts
BENCH_PARTS_BIN := dist/bench_create_parts

$(BENCH_PARTS_BIN): bench/create_parts.c bench/bench_util.h dist/core/token.o dist/core/crypto.o dist/schema_sql.h
	@mkdir -p dist
	$(CC) -std=c11 -D_DEFAULT_SOURCE -DSQLITE_CORE $(WARN) $(CFLAGS) $(PKG_CFLAGS) -Idist -Iext \
	  -o $@ $< dist/core/token.o dist/core/crypto.o $(BENCH_LIBS)

bench-create-parts: $(BENCH_PARTS_BIN) dist/pat.so
	@mkdir -p bench/out
	cp dist/pat.so bench/out/pat.so
	BENCH_EXT=bench/out/pat ./$(BENCH_PARTS_BIN) > bench/out/create_parts.md
	@cat bench/out/create_parts.md
