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
# The .expected files are written with the shell of SQLite 3.40 (Debian's).
# The shell that tests/sqlite_versions/run.sh builds for SQLite 3.54.1
# (3.52.0's shell.c) reports an error that a statement met while it ran with
# "Error" where 3.40's says "Runtime error": the same error of the same
# statement, at the same line, only named another way:
#
#   printf 'SELECT abs(-9223372036854775808);\n' | sqlite3 -batch
#     3.40's shell:  Runtime error near line 1: integer overflow
#     3.52's shell:  Error near line 1: integer overflow
#
# With a shell that answers so (tried once below), "Error near line N: " at
# the start of an output line is read as "Runtime error near line N: ".
# Nothing else is rewritten: 3.52's shell also leaves out the " (N)" that
# 3.40's adds to an error code above 1 ("UNIQUE constraint failed: t.x
# (19)"), and goes on with the next statement of the same line after such an
# error where 3.40's stops; a file where either shows fails. A shell that
# runs a line "SELECT ...; -- note" together with the lines after it (the
# 3.52 shell on 3.54.1's sqlite3_complete(), unless built as run.sh builds
# it) is named before the files run: most files fail with it.
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

# How this shell reports a runtime error, and whether it ends a statement at
# a line that ends in a -- comment (see above).
runtime_as_error=0
if command -v "$SQLITE3" >/dev/null 2>&1; then
  case $(printf 'SELECT abs(-9223372036854775808);\n' | "$SQLITE3" -batch 2>&1) in
    "Error near line 1: integer overflow") runtime_as_error=1 ;;
  esac
  case $(printf "SELECT no_such_function(); -- note\nSELECT upper('next');\n" | "$SQLITE3" -batch 2>&1) in
    *NEXT*) ;;
    *) echo "run_sql: $SQLITE3 runs a line 'SELECT ...; -- note' together with the lines after it;" \
      "the files expect one statement a line (see tests/sqlite_versions/shell_complete.c)" ;;
  esac
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
  if [ "$runtime_as_error" = 1 ]; then
    sed -e "s|$tmp|\$TMP|g" -e 's/^Error near line \([0-9][0-9]*\): /Runtime error near line \1: /' \
      "$tmp/raw" >"$tmp/out"
  else
    sed "s|$tmp|\$TMP|g" "$tmp/raw" >"$tmp/out"
  fi
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
