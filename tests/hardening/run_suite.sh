#!/bin/sh
# Runs the test suite (tests/run_all.sh: Check units, SQL files through the
# sqlite3 shell, the Python suite; not the examples) against an instrumented
# pat, and fails on any sanitizer or memcheck report, even one in a process
# whose exit status nobody looks at.
#
#   sh tests/hardening/run_suite.sh asan       (make test-asan)
#   sh tests/hardening/run_suite.sh valgrind   (make test-valgrind)
#
# The suites load dist/pat.so and run ./dist/unit_tests from the repository
# root, and none of them takes another path. So the suite runs, unchanged, in
# a scratch copy of the tree, dist/<mode>/tree, whose dist/ holds the build
# under test:
#   asan      dist/pat.so = dist/asan/pat.so, dist/unit_tests = dist/asan/unit_tests;
#             sqlite3 and python3 are wrappers that LD_PRELOAD the ASan runtime
#             (an uninstrumented program that loads an ASan library needs it).
#   valgrind  dist/pat.so = the normal -O2 -g build; dist/unit_tests,
#             sqlite3 and python3 are wrappers that exec them under valgrind.
# Every report goes to a file in dist/<mode>/logs, printed at the end: the
# suites' own output stays what their runners compare.
#
# Environment: CLANG (default clang-14), SQL_TIMEOUT (default 600 here).
# The verdict: exit status 0 when tests/run_all.sh exited 0 and no process
# left a report, else 1 (2: the run could not be set up). Last line, for the
# eye: "test-<mode>: N passed, M failed", the tests counted by run_all.sh's
# closing line (at least one failed when it failed) plus one failed per
# process with a report.
set -u

LC_ALL=C
export LC_ALL
mode=${1:-}
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
CLANG=${CLANG:-clang-14}
SQLITE3_BIN=$(command -v sqlite3 || echo /usr/bin/sqlite3)
PYTHON_BIN=/usr/bin/python3

case $mode in
  asan)
    need="dist/asan/pat.so dist/asan/unit_tests"
    ;;
  valgrind)
    need="dist/pat.so dist/unit_tests"
    command -v valgrind >/dev/null 2>&1 || { echo "run_suite: no valgrind"; exit 2; }
    ;;
  *)
    echo "usage: sh tests/hardening/run_suite.sh asan|valgrind" >&2
    exit 2
    ;;
esac
for f in $need; do
  [ -f "$f" ] || { echo "run_suite: $f is missing (make test-$mode builds it)"; exit 2; }
done

base=$root/dist/$mode
tree=$base/tree
logs=$base/logs
bin=$base/bin
rm -rf "$tree" "$logs" "$bin"
mkdir -p "$tree/dist" "$logs" "$bin" || exit 2

# ---- the scratch tree: the working files as they are now (tracked and new,
# not ignored), without dist/.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z -c -o --exclude-standard |
    tr '\0' '\n' | grep -v '^dist/' | while IFS= read -r f; do
      [ -f "$f" ] && printf '%s\n' "$f"
    done >"$base/files"
  tar -cf - -T "$base/files" | tar -xf - -C "$tree" || exit 2
else
  tar -cf - --exclude=./dist --exclude=./.git . | tar -xf - -C "$tree" || exit 2
fi

# wrapper NAME CONTENT: an executable sh script $bin/NAME.
wrapper() {
  printf '#!/bin/sh\n%s\n' "$2" >"$bin/$1" && chmod +x "$bin/$1"
}

if [ "$mode" = asan ]; then
  rt=$("$CLANG" -print-file-name=libclang_rt.asan-x86_64.so)
  [ -f "$rt" ] || { echo "run_suite: no ASan runtime ($rt)"; exit 2; }
  cp dist/asan/pat.so "$tree/dist/pat.so" || exit 2
  cp dist/asan/unit_tests "$tree/dist/unit_tests" || exit 2
  # pat.so is preloaded too, so that it stays mapped after sqlite3_close()
  # unloads the extension: leak reports at exit can then name its frames.
  # (dlopen of the same file returns the preloaded copy.)
  pre="$rt:$tree/dist/pat.so"
  wrapper sqlite3 "LD_PRELOAD=$pre\${LD_PRELOAD:+:\$LD_PRELOAD} exec $SQLITE3_BIN \"\$@\""
  # Python processes (and those they start) keep their own exit status on a
  # report: CPython 3.11 leaks the message of a failed extension load (see
  # known_leaks.py), and a test that expects a failed load's exit status must
  # still see it. Their reports are judged from the logs alone.
  wrapper python3 "PYTHONMALLOC=malloc ASAN_OPTIONS=\$ASAN_OPTIONS:exitcode=0 UBSAN_OPTIONS=\$UBSAN_OPTIONS:exitcode=0 LD_PRELOAD=$pre\${LD_PRELOAD:+:\$LD_PRELOAD} exec $PYTHON_BIN \"\$@\""
  # Slow (DWARF) unwinding on malloc: libsqlite3 has no frame pointers, and
  # the fast unwinder would stop at sqlite3_malloc/sqlite3_free, hiding
  # which pat code allocated or freed.
  common="exitcode=99:log_path=$logs/asan:print_summary=1"
  ASAN_OPTIONS="$common:detect_leaks=1:halt_on_error=1:abort_on_error=0"
  ASAN_OPTIONS="$ASAN_OPTIONS:detect_stack_use_after_return=1:strict_string_checks=1"
  ASAN_OPTIONS="$ASAN_OPTIONS:check_initialization_order=1:fast_unwind_on_malloc=${PAT_ASAN_FAST_UNWIND:-0}"
  UBSAN_OPTIONS="$common:print_stacktrace=1:halt_on_error=1"
  LSAN_OPTIONS="suppressions=$root/tests/hardening/lsan.supp:print_suppressions=0"
  export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
else
  cp dist/pat.so "$tree/dist/pat.so" || exit 2
  cp dist/unit_tests "$tree/dist/unit_tests.real" || exit 2
  vg="valgrind -q --error-exitcode=99 --leak-check=full"
  vg="$vg --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
  # Children too: Python tests start /usr/bin/python3 themselves.
  vg="$vg --num-callers=40 --trace-children=yes"
  # Where an uninitialised value came from: twice the run time, so only when
  # asked (PAT_VG_ORIGINS=1), to explain a report.
  [ "${PAT_VG_ORIGINS:-0}" = 1 ] && vg="$vg --track-origins=yes"
  vg="$vg --suppressions=$root/tests/hardening/valgrind.supp --log-file=$logs/vg.%p"
  # In one process (no fork per test), so that a leak shows in this log.
  printf '#!/bin/sh\nCK_FORK=no exec %s %s "$@"\n' "$vg" "$tree/dist/unit_tests.real" \
    >"$tree/dist/unit_tests" && chmod +x "$tree/dist/unit_tests"
  wrapper sqlite3 "exec $vg $SQLITE3_BIN \"\$@\""
  # PAT_UNDER_VALGRIND: the few tests too slow under memcheck take a sample
  # (test_robustness.py's re-entrance matrix; make test-asan runs it whole).
  wrapper python3 "PAT_UNDER_VALGRIND=1 PYTHONMALLOC=malloc exec $vg $PYTHON_BIN \"\$@\""
fi

# The examples suite is left out: it builds and installs pat from source and
# starts programs (a server, node) that no wrapper reaches.
{
  SQLITE3=$bin/sqlite3 PYTHON=$bin/python3 SQL_TIMEOUT=${SQL_TIMEOUT:-600} \
    PAT_SKIP_SUITES=${PAT_SKIP_SUITES:-examples} sh "$tree/tests/run_all.sh" 2>&1
  echo $? >"$base/run_all.rc"
} | tee "$base/run_all.out"
status=$(cat "$base/run_all.rc" 2>/dev/null)
status=${status:-127}
# The counts, for the closing line only: the verdict is run_all.sh's exit
# status (and the reports below).
line=$(grep '^make test: [0-9][0-9]* passed, [0-9][0-9]* failed$' "$base/run_all.out" | tail -n 1)
if [ -n "$line" ]; then
  # shellcheck disable=SC2086 # "make test: N passed, M failed"
  set -- $line
  passed=$3 failed=$5
else
  passed=0 failed=0
fi
if [ "$status" -eq 0 ]; then
  echo "==== test-$mode: tests/run_all.sh passed (exit status 0)"
  failed=0
else
  echo "==== test-$mode: tests/run_all.sh FAILED (exit status $status)"
  [ "$failed" -gt 0 ] || failed=1
fi

# ---- the reports
dirty=0
for log in "$logs"/*; do
  case $log in *.left) continue ;; esac
  [ -f "$log" ] || continue
  if [ "$mode" = valgrind ]; then
    # -q leaves a log empty unless there was something to say.
    [ -s "$log" ] || { rm -f "$log"; continue; }
    dirty=$((dirty + 1))
    echo "==== test-$mode: report in $log"
    cat "$log"
  elif /usr/bin/python3 tests/hardening/known_leaks.py "$log" >"$log.left"; then
    # Only leaks of python's own (see known_leaks.py): say so, count none.
    sed "s|^|==== test-$mode: $log: |" "$log.left"
  else
    dirty=$((dirty + 1))
    echo "==== test-$mode: report in $log"
    cat "$log.left"
  fi
done
echo "==== test-$mode: $dirty process(es) with a report (logs in $logs)"
echo "test-$mode: $passed passed, $((failed + dirty)) failed"
[ "$status" -eq 0 ] && [ "$dirty" -eq 0 ]
