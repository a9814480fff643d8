#!/bin/sh
# Runs every test suite of pat after `make` built dist/pat.so and
# dist/unit_tests (make test does both, then calls this):
#   1. ./dist/unit_tests            the Check unit tests of the pure C pieces
#   2. sh tests/run_sql.sh          SQL files through the real sqlite3 shell
#   3. the Python suite, tests/python/run_parallel.py (unittest, one module
#      per process, PAT_TEST_JOBS at a time)
#   4. sh tests/run_examples.sh      the install and the example applications
# Every suite's output is shown as it runs. The last line is always
#   make test: N passed, M failed
# summing the three; the exit status is 1 when M > 0. A suite that is missing,
# can not run, ran nothing or whose summary can not be read counts as one
# failure (never as a skip). Environment: PYTHON (default /usr/bin/python3);
# PAT_SKIP_SUITES, names of suites to leave out (unit sql python examples),
# for runs that can not host them (make test-asan, make test-valgrind): each
# shows as "skipped" and counts neither way. Unset, every suite runs.
set -u

LC_ALL=C
export LC_ALL
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$root" || exit 2
PYTHON=${PYTHON:-/usr/bin/python3}

work=$(mktemp -d "${TMPDIR:-/tmp}/pat-runall.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

total_pass=0
total_fail=0
summary=""

# run NAME CMD...: runs CMD with its output shown and saved in $work/NAME.out;
# its exit status in $work/NAME.rc.
run() {
  name=$1
  shift
  echo "==== $name: $*"
  { "$@" 2>&1; echo $? >"$work/$name.rc"; } | tee "$work/$name.out"
  rc=$(cat "$work/$name.rc" 2>/dev/null || echo 127)
}

# skipped NAME: true, after saying so, when PAT_SKIP_SUITES names NAME.
skipped() {
  case " ${PAT_SKIP_SUITES:-} " in
    *" $1 "*)
      echo "==== $1: skipped (PAT_SKIP_SUITES)"
      summary="$summary
  $1: skipped (PAT_SKIP_SUITES)"
      return 0
      ;;
  esac
  return 1
}

# add NAME PASSED FAILED NOTE
add() {
  total_pass=$((total_pass + $2))
  total_fail=$((total_fail + $3))
  summary="$summary
  $1: $2 passed, $3 failed${4:+ ($4)}"
}

# ---- 1. Check unit tests
if skipped unit; then :
elif [ -x dist/unit_tests ]; then
  run unit ./dist/unit_tests
  # "100%: Checks: 12, Failures: 0, Errors: 0", one line per suite runner.
  counts=$(sed -n 's/^[0-9]*%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' \
    "$work/unit.out" | awk '{c+=$1; f+=$2+$3; n++} END {if (n) print c-f, f}')
  if [ -z "$counts" ]; then
    add unit 0 1 "no Check summary line; exit status $rc"
  else
    # shellcheck disable=SC2086 # split "passed failed"
    set -- $counts
    if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then
      add unit "$1" 1 "exit status $rc with no failed check"
    else
      add unit "$1" "$2"
    fi
  fi
else
  echo "==== unit: dist/unit_tests is missing (make dist/unit_tests)"
  add unit 0 1 "dist/unit_tests missing"
fi

# script_suite NAME SCRIPT: runs a sh script whose last summary line is
# "NAME: N passed, M failed", and adds its counts.
script_suite() {
  if skipped "$1"; then return; fi
  if [ ! -f "$2" ]; then
    echo "==== $1: $2 is missing"
    add "$1" 0 1 "$2 missing"
    return
  fi
  run "$1" sh "$2"
  line=$(grep "^$1: [0-9]* passed, [0-9]* failed\$" "$work/$1.out" | tail -n 1)
  if [ -z "$line" ]; then
    add "$1" 0 1 "no summary line; exit status $rc"
    return
  fi
  # shellcheck disable=SC2086 # split "NAME: N passed, M failed"
  set -- $1 $line
  if [ "$rc" -ne 0 ] && [ "$5" -eq 0 ]; then
    add "$1" "$3" 1 "exit status $rc with nothing failed"
  else
    add "$1" "$3" "$5"
  fi
}

# ---- 2. SQL files through the sqlite3 shell
script_suite sql tests/run_sql.sh

# ---- 3. Python tests
if skipped python; then :
elif [ ! -x "$PYTHON" ]; then
  echo "==== python: $PYTHON is missing"
  add python 0 1 "$PYTHON missing"
elif [ ! -d tests/python ]; then
  echo "==== python: tests/python is missing"
  add python 0 1 "tests/python missing"
else
  # One module per process, as many at a time as there are cores; the
  # runner ends with unittest's own closing lines (tests/python/run_parallel.py).
  run python /usr/bin/python3 tests/python/run_parallel.py "$PYTHON"
  ran=$(sed -n 's/^Ran \([0-9]*\) tests* in .*/\1/p' "$work/python.out" | tail -n 1)
  # The verdict: "OK", "OK (skipped=1)", "FAILED (failures=1, errors=2)",
  # "NO TESTS RAN".
  verdict=$(grep -E '^(OK|FAILED|NO TESTS RAN)( \(.*\))?$' "$work/python.out" | tail -n 1)
  field() { # field KEY: the number after KEY= in the verdict, or 0
    v=$(echo "$verdict" | sed -n 's/^[^(]*(\(.*\))$/\1/p' | tr ',' '\n' |
      sed 's/^ *//' | awk -F= -v k="$1" '$1 == k {print $2}')
    echo "${v:-0}"
  }
  if [ -z "$ran" ] || [ -z "$verdict" ]; then
    add python 0 1 "no unittest summary; exit status $rc"
  elif [ "$ran" -eq 0 ]; then
    add python 0 1 "no test ran"
  else
    f=$(( $(field failures) + $(field errors) + $(field "unexpected successes") ))
    s=$(( $(field skipped) + $(field "expected failures") ))
    p=$((ran - f - s))
    note=""
    [ "$s" -gt 0 ] && note="$s skipped or expected failures, not counted"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
      add python "$p" 1 "exit status $rc with no failed test"
    else
      add python "$p" "$f" "$note"
    fi
  fi
fi

# ---- 4. The example applications and the install
script_suite examples tests/run_examples.sh

echo "====$summary"
echo "make test: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
