#!/bin/sh
# Runs every test suite of pat after `make` built dist/pat.so and
# dist/unit_tests (make test does both, then calls this):
#   unit      ./dist/unit_tests            the Check unit tests of the pure C pieces
#   sql       sh tests/run_sql.sh          SQL files through the real sqlite3 shell
#   python    tests/python/run_parallel.py unittest, one module per process,
#                                          PAT_TEST_JOBS at a time
#   examples  sh tests/run_examples.sh     the install and the example applications
# Every suite's output is shown as it runs.
#
# A suite's verdict is its exit status, nothing else: 0 passed, anything else
# FAILED. A suite that is missing or can not run is FAILED too (never
# skipped). No line of any suite's output is read to decide. The exit status
# is 0 only when no suite FAILED: every suite not skipped ran and exited 0.
#
# The closing lines, one per suite, then the total:
#   suite NAME: passed (exit status 0)[, N tests passed, M failed]
#   suite NAME: FAILED (exit status X)[, N tests passed, M failed]
#   suite NAME: FAILED (did not run)[; why]
#   suite NAME: skipped (PAT_SKIP_SUITES)
#   make test: N passed, M failed
# The test counts are information, read from each suite's own summary line
# where it prints one (Check's "NN%: Checks: ...", else "NAME: N passed, M
# failed"). In the last line, N sums the tests counted as passed, and M the
# tests counted as failed in the FAILED suites only, at least one for each
# FAILED suite: M is 0 exactly when the exit status is 0. Read the exit
# status, not that line, for the verdict (.ci/run and
# tests/hardening/run_suite.sh only show it).
#
# Environment: PYTHON (default /usr/bin/python3); PAT_SKIP_SUITES, names of
# suites to leave out (unit sql python examples), for runs that can not host
# them (make test-asan, make test-valgrind): each shows as "skipped" and
# counts neither way. Unset, every suite runs.
set -u

LC_ALL=C
export LC_ALL
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$root" || exit 2
PYTHON=${PYTHON:-/usr/bin/python3}

work=$(mktemp -d "${TMPDIR:-/tmp}/pat-runall.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

suites_failed=0
total_pass=0
total_fail=0
summary=""

# skipped NAME: true, after saying so, when PAT_SKIP_SUITES names NAME.
skipped() {
  case " ${PAT_SKIP_SUITES:-} " in
    *" $1 "*)
      echo "==== $1: skipped (PAT_SKIP_SUITES)"
      summary="$summary
suite $1: skipped (PAT_SKIP_SUITES)"
      return 0
      ;;
  esac
  return 1
}

# counts NAME: "PASSED FAILED" as the suite's output says, or nothing. For
# information only.
counts() {
  if [ "$1" = unit ]; then
    # "100%: Checks: 12, Failures: 0, Errors: 0", one line per suite runner.
    sed -n 's/^[0-9]*%: Checks: \([0-9][0-9]*\), Failures: \([0-9][0-9]*\), Errors: \([0-9][0-9]*\).*/\1 \2 \3/p' \
      "$work/$1.out" | awk '{c+=$1; f+=$2+$3; n++} END {if (n) print c-f, f}'
  else
    sed -n "s/^$1: \\([0-9][0-9]*\\) passed, \\([0-9][0-9]*\\) failed\$/\\1 \\2/p" "$work/$1.out" |
      tail -n 1
  fi
}

# verdict NAME STATUS [WHY]: records the suite's verdict, from its exit
# STATUS alone ("-": it could not be started, WHY says why).
verdict() {
  name=$1 status=$2 why=${3:-}
  p="" f=""
  if [ -f "$work/$name.out" ]; then
    # shellcheck disable=SC2046 # split "PASSED FAILED"
    set -- $(counts "$name")
    p=${1:-} f=${2:-}
  fi
  info=""
  [ -n "$p" ] && info=", $p tests passed, $f failed"
  [ -n "$why" ] && info="$info; $why"
  if [ "$status" = 0 ]; then
    line="suite $name: passed (exit status 0)$info"
    f=0
  else
    case $status in
      -) line="suite $name: FAILED (did not run)$info" ;;
      *) line="suite $name: FAILED (exit status $status)$info" ;;
    esac
    suites_failed=$((suites_failed + 1))
    [ "${f:-0}" -gt 0 ] || f=1
  fi
  echo "==== $line"
  summary="$summary
$line"
  total_pass=$((total_pass + ${p:-0}))
  total_fail=$((total_fail + f))
}

# run NAME CMD...: runs CMD with its output shown (and saved for the counts),
# then records its verdict from its exit status.
run() {
  name=$1
  shift
  echo "==== $name: $*"
  { "$@" 2>&1; echo $? >"$work/$name.rc"; } | tee "$work/$name.out"
  status=$(cat "$work/$name.rc" 2>/dev/null)
  verdict "$name" "${status:-127}"
}

# cannot NAME WHY: the suite can not run here, which fails it.
cannot() {
  echo "==== $1: $2"
  verdict "$1" - "$2"
}

# ---- 1. Check unit tests
if skipped unit; then :
elif [ -x dist/unit_tests ]; then
  run unit ./dist/unit_tests
else
  cannot unit "dist/unit_tests is missing (make dist/unit_tests)"
fi

# script_suite NAME SCRIPT: runs a sh script.
script_suite() {
  if skipped "$1"; then return; fi
  if [ -f "$2" ]; then
    run "$1" sh "$2"
  else
    cannot "$1" "$2 is missing"
  fi
}

# ---- 2. SQL files through the sqlite3 shell
script_suite sql tests/run_sql.sh

# ---- 3. Python tests
if skipped python; then :
elif [ ! -x "$PYTHON" ]; then
  cannot python "$PYTHON is missing"
elif [ ! -f tests/python/run_parallel.py ]; then
  cannot python "tests/python/run_parallel.py is missing"
else
  # One module per process, as many at a time as there are cores; it exits
  # non-zero when any module did (tests/python/run_parallel.py).
  run python /usr/bin/python3 tests/python/run_parallel.py "$PYTHON"
fi

# ---- 4. The example applications and the install
script_suite examples tests/run_examples.sh

echo "====$summary"
echo "make test: $total_pass passed, $total_fail failed"
[ "$suites_failed" -eq 0 ]
