#!/bin/sh
# Runs every tests/sql/*.sql through the real sqlite3 shell and compares its
# output (stdout and stderr together) with tests/sql/NAME.expected.
#
#   sh tests/run_sql.sh                 all files, in byte order
#   sh tests/run_sql.sh 03 shadow       only files whose name contains 03 or shadow
#   UPDATE_EXPECTED=1 sh tests/run_sql.sh [...]
#                                       (re)write the .expected files; the diff of
#                                       every change is shown: review each one by
#                                       hand against the contract (INTERFACE.md) before
#                                       committing, never accept it blindly.
#
# Each file runs from the repository root (so `.load dist/pat` and
# readfile('VERSION') work) on a fresh database file in a fresh temporary
# directory: sqlite3 -batch "$tmp/test.db" < FILE. The temporary directory's
# path is replaced by $TMP in the output. A shell that dies (exit status 2 or
# more: a signal, a crash while closing, a timeout) fails the file even when
# its output matched. Environment: SQLITE3 (default sqlite3), SQL_TIMEOUT
# (seconds per file, default 60).
#
# A name that no file's name contains, or a run in which no file ran, counts
# as one failed file: a filter that selects nothing fails, never passes
# silently.
#
# Last line, always: "sql: N passed, M failed"; exit status 1 when M > 0.
set -u

LC_ALL=C
export LC_ALL
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$root" || exit 2

SQLITE3=${SQLITE3:-sqlite3}
SQL_TIMEOUT=${SQL_TIMEOUT:-60}
update=${UPDATE_EXPECTED:-0}
passed=0
failed=0

work=$(mktemp -d "${TMPDIR:-/tmp}/pat-sqltest.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

if ! command -v "$SQLITE3" >/dev/null 2>&1; then
  echo "run_sql: no sqlite3 shell ($SQLITE3) on PATH; every file will fail"
fi
if [ ! -f dist/pat.so ]; then
  echo "run_sql: dist/pat.so is missing (run make first); every file will fail"
fi

for pat in "$@"; do
  found=0
  for sql in tests/sql/*.sql; do
    case $(basename "$sql" .sql) in *"$pat"*) found=1; break ;; esac
  done
  if [ $found -eq 0 ]; then
    echo "run_sql: no test file's name contains '$pat' (tests/sql/*.sql)"
    echo "FAIL $pat"
    failed=$((failed + 1))
  fi
done

ran=0
for sql in tests/sql/*.sql; do
  [ -f "$sql" ] || continue
  name=$(basename "$sql" .sql)
  if [ $# -gt 0 ]; then
    want=0
    for pat in "$@"; do
      case $name in *"$pat"*) want=1 ;; esac
    done
    [ $want -eq 1 ] || continue
  fi
  ran=$((ran + 1))
  expected="tests/sql/$name.expected"
  tmp="$work/$name"
  mkdir -p "$tmp"
  if command -v timeout >/dev/null 2>&1; then
    timeout "$SQL_TIMEOUT" "$SQLITE3" -batch "$tmp/test.db" <"$sql" >"$tmp/raw" 2>&1
  else
    "$SQLITE3" -batch "$tmp/test.db" <"$sql" >"$tmp/raw" 2>&1
  fi
  status=$?
  sed "s|$tmp|\$TMP|g" "$tmp/raw" >"$tmp/out"
  why=""
  if [ "$status" -ge 2 ]; then
    why="sqlite3 exited with status $status (124: timeout; 128+N: signal N)"
  fi

  if [ "$update" = 1 ]; then
    if [ -f "$expected" ] && cmp -s "$expected" "$tmp/out"; then
      echo "ok $name"
    else
      if [ -f "$expected" ]; then
        diff -u "$expected" "$tmp/out" | sed 's/^/    /'
      else
        sed 's/^/    + /' "$tmp/out"
      fi
      cp "$tmp/out" "$expected"
      echo "updated $name (review this diff by hand against the contract)"
    fi
    if [ -n "$why" ]; then
      echo "    $why"
      echo "FAIL $name"
      failed=$((failed + 1))
    else
      passed=$((passed + 1))
    fi
    continue
  fi

  if [ ! -f "$expected" ]; then
    why="${why:+$why; }missing $expected (write it by hand, or UPDATE_EXPECTED=1 and review)"
    sed 's/^/    | /' "$tmp/out"
  elif ! cmp -s "$expected" "$tmp/out"; then
    why="${why:+$why; }output differs from $expected"
    diff -u "$expected" "$tmp/out" | sed 's/^/    /'
  fi
  if [ -n "$why" ]; then
    echo "    $why"
    echo "FAIL $name"
    failed=$((failed + 1))
  else
    echo "ok $name"
    passed=$((passed + 1))
  fi
done

if [ "$ran" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "run_sql: no test file matched tests/sql/*.sql${1:+ and the filter}"
  failed=$((failed + 1))
fi

echo "sql: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
