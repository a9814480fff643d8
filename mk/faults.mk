# mk/faults.mk: fault injection the way SQLite tests itself (issue 13),
# included by the Makefile. tests/fault/fault.h says what is proved.
#
#   make test-faults     builds dist/fault/pat_fault (pat linked statically,
#                        SQLITE_CORE, against the system libsqlite3) and
#                        dist/asan/pat_fault (the same under ASan+UBSan,
#                        clang-14, the flags of mk/hardening.mk), then runs:
#                          faults-malloc       every allocation of each
#                                              operation fails in turn, WAL
#                                              and rollback journal, in
#                                              autocommit and inside
#                                              BEGIN ... COMMIT; transient,
#                                              and persistent in one of those
#                                              four groups (rollback journal,
#                                              in a transaction)
#                          faults-io           every write, sync, lock,
#                                              truncate, shm lock/map, read,
#                                              open and delete fails, likewise
#                                              (persistent in all four)
#                          faults-io-faulty    the same inside BEGIN ... COMMIT
#                                              with the shim under a name that
#                                              is not the operating system's
#                                              (pat then writes no bookkeeping)
#                          faults-copies       no freed block holds a token
#                          faults-malloc-asan  the malloc suite under ASan:
#                                              transient, WAL, autocommit,
#                                              every third point
#                        About 3 minutes on two idle cores once built.
#                        Every suite runs even when one fails; the target
#                        fails when any did (a suite that can not run fails).
#   make fault-build     only builds the two binaries
#
# Knobs (environment): FAULT_JOBS (groups run at once, default: the CPUs),
# FAULT_DIR (scratch files, default /dev/shm), FAULT_GROUP_TIMEOUT (seconds,
# default 600), FAULT_ARGS (more pat_fault options for every suite, for
# example -f create to run only the create operations, -v for a line per
# fault point, or --full for every point of every operation in every group
# and mode: about half an hour). One failure again:
#   ./dist/fault/pat_fault malloc -f create_first --wal --autocommit \
#     --transient --point 265 -v -j 1
.PHONY: test-faults fault-build

FAULT_SRCS := $(wildcard tests/fault/*.c)
FAULT_HDRS := tests/fault/fault.h ext/pat.h
FAULT_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FAULT_ARGS ?=
# hardening.mk is read after this file: its object list is derived here.
FAULT_ASAN_OBJS := $(SRCS:ext/%.c=dist/asan/core/%.o)

dist/fault/pat_fault: $(FAULT_SRCS) $(FAULT_HDRS) $(CORE_OBJS)
	@mkdir -p dist/fault
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -Itests/fault -o $@ $(FAULT_SRCS) $(CORE_OBJS) \
	  -lsqlite3 $(PKG_LIBS) -lm

# dist/asan/% takes CC and CFLAGS from mk/hardening.mk (clang-14, ASan+UBSan).
dist/asan/pat_fault: $(FAULT_SRCS) $(FAULT_HDRS) $(FAULT_ASAN_OBJS)
	$(CC) $(ALL_CFLAGS) -DSQLITE_CORE -Itests/fault -o $@ $(FAULT_SRCS) $(FAULT_ASAN_OBJS) \
	  -lsqlite3 $(PKG_LIBS) -lm

fault-build: deps hardening-deps-clang
	@$(MAKE) --no-print-directory dist/fault/pat_fault dist/asan/pat_fault

test-faults: fault-build
	@rc=0; \
	./dist/fault/pat_fault malloc -j $(FAULT_JOBS) $(FAULT_ARGS) || rc=1; \
	./dist/fault/pat_fault io -j $(FAULT_JOBS) $(FAULT_ARGS) || rc=1; \
	./dist/fault/pat_fault io --vfs faulty --txn --label faults-io-faulty \
	  -j $(FAULT_JOBS) $(FAULT_ARGS) || rc=1; \
	./dist/fault/pat_fault copies || rc=1; \
	ASAN_OPTIONS=malloc_context_size=10:quarantine_size_mb=32 UBSAN_OPTIONS=print_stacktrace=1 \
	  ./dist/asan/pat_fault malloc --transient --wal --autocommit --light --stride 3 \
	  --label faults-malloc-asan -j $(FAULT_JOBS) $(FAULT_ARGS) || rc=1; \
	if [ $$rc -ne 0 ]; then echo "make test-faults: FAILED (see FAIL lines above;" \
	  "tests/fault/FINDINGS.md explains the known ones)"; \
	else echo "make test-faults: passed"; fi; \
	exit $$rc
