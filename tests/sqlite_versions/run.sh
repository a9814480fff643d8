#!/bin/sh
# The contract tests on every SQLite a user may bring (issue 18): Debian's
# (make test), the newest that can be had here and the oldest pat supports,
# each built from SQLite's own sources as npm packages ship them, loaded in
# place of Debian's libsqlite3 with LD_LIBRARY_PATH (Debian's Python links
# the shared library) and with a sqlite3 shell built beside it:
#
#   3.54.1  newest: better-sqlite3 13.2.0's amalgamation, with the shell.c of
#           SQLite 3.52.0 (node-sqlite3 6.0.1's autoconf tarball; the
#           amalgamation ships none) compiled against 3.54.1's header
#   3.40.0  oldest supported: node-sqlite3 5.1.4's autoconf tarball, library
#           and shell. 3.40.0 is the first to keep a trigger from writing a
#           virtual table registered DIRECTONLY: on 3.39 and 3.38 a trigger
#           could write pat_owners and pat_settings (tests/sql/08_directonly
#           and two Python tests fail there); unixepoch() came with 3.38.0
#   3.39.4  too old: node-sqlite3 5.1.2's library; loading pat must fail at
#           once with an error that names the version it needs and why
#
# For each supported one: sqlite_version() as the shell and Python see it,
# the features pat relies on, by name (unixepoch, the JSON functions, a
# trigger refused a DIRECTONLY table), then the unit, SQL and Python suites
# (tests/run_all.sh; the examples use other runtimes).
# The npm tarballs and the builds are kept in dist/sqlite-versions (make
# clean removes them). Last line: "sqlite_versions: N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
out=$root/dist/sqlite-versions
mkdir -p "$out/npm"
SUITE=sqlite_versions
. "$root/tests/lib/cases.sh"

# Debian's compile options, so that its shell's and Python's needs are met.
OPTS="-DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_FTS3
 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5
 -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_RTREE
 -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB -DSQLITE_ENABLE_UNLOCK_NOTIFY
 -DSQLITE_SOUNDEX -DSQLITE_SECURE_DELETE -DSQLITE_USE_URI=1 -DSQLITE_THREADSAFE=1
 -DSQLITE_MAX_VARIABLE_NUMBER=250000"

# fetch PACKAGE@VERSION: its npm tarball, once
fetch() {
  f="$out/npm/$(echo "$1" | tr '@' '-').tgz"
  if [ ! -s "$f" ]; then
    (cd "$out/npm" && npm pack "$1" --silent >/dev/null 2>&1) || return 1
  fi
  [ -s "$f" ] && echo "$f"
}

# build VERSION SQLITE3_C [SHELL_C]: libsqlite3.so.0 (and the shell) in $out/VERSION
build() {
  d="$out/$1"
  [ -f "$d/libsqlite3.so.0" ] && { [ -z "${3:-}" ] || [ -x "$d/sqlite3" ]; } && return 0
  mkdir -p "$d"
  cp "$2" "$d/sqlite3.c"
  cp "$(dirname "$2")/sqlite3.h" "$d/sqlite3.h"
  # shellcheck disable=SC2086 # OPTS is a list of flags
  gcc -O1 -fPIC -shared $OPTS -Wl,-soname,libsqlite3.so.0 -o "$d/libsqlite3.so.0" "$d/sqlite3.c" \
    -lm -lpthread -ldl || return 1
  [ -z "${3:-}" ] && return 0
  # Beside the library's own header: shell.c includes "sqlite3.h" from its
  # directory first, and the shell refuses a header of another version.
  cp "$3" "$d/shell.c"
  # shellcheck disable=SC2086
  gcc -O1 $OPTS -I"$d" -o "$d/sqlite3" "$d/shell.c" -L"$d" -l:libsqlite3.so.0 -Wl,-rpath,"$d" \
    -lm -lpthread -ldl
}

src=$out/src
mkdir -p "$src"
unpack() { # TARBALL MEMBER-PATTERN DIR: extract into $src/DIR once
  [ -d "$src/$3" ] && return 0
  mkdir -p "$src/$3" && tar -xzf "$1" -C "$src/$3" --wildcards "$2"
}

# SQLITE_VERSIONS: the supported versions to run the suites on (make
# test-sqlite-versions: 3.40.0; make test-sqlite-newest: 3.54.1). Only what
# they need is fetched.
versions=${SQLITE_VERSIONS:-3.40.0}
s514=$(fetch sqlite3@5.1.4) && s512=$(fetch sqlite3@5.1.2) &&
  unpack "$s514" 'package/deps/sqlite-autoconf-*.tar.gz' s514 &&
  unpack "$s512" 'package/deps/sqlite-autoconf-*.tar.gz' s512 ||
  { result "npm pack and unpack node-sqlite3 5.1.4 and 5.1.2 (SQLite 3.40.0, 3.39.4)" "failed"; finish; }
dirs="s514 s512"
case " $versions " in *" 3.54.1 "*)
  b13=$(fetch better-sqlite3@13.2.0) && s6=$(fetch sqlite3@6.0.1) &&
    unpack "$b13" 'package/deps/sqlite3/sqlite3.[ch]' b13 &&
    unpack "$s6" 'package/deps/sqlite-autoconf-*.tar.gz' s6 ||
    { result "npm pack and unpack better-sqlite3 13.2.0 and node-sqlite3 6.0.1 (SQLite 3.54.1)" "failed"; finish; }
  dirs="$dirs s6" ;;
esac
for t in $dirs; do
  [ -f "$src/$t/shell.c" ] ||
    tar -xzf "$src/$t"/package/deps/sqlite-autoconf-*.tar.gz -C "$src/$t" --strip-components=1
done
for v in $versions; do
  case $v in
    3.54.1) build 3.54.1 "$src/b13/package/deps/sqlite3/sqlite3.c" "$src/s6/shell.c" ;;
    3.40.0) build 3.40.0 "$src/s514/sqlite3.c" "$src/s514/shell.c" ;;
    *) false ;;
  esac || { result "build SQLite $v and its shell" "gcc failed, or no sources for $v here"; finish; }
done
build 3.39.4 "$src/s512/sqlite3.c" || { result "build SQLite 3.39.4" "gcc failed"; finish; }

for v in $versions; do
  d="$out/$v"
  got=$(LD_LIBRARY_PATH=$d "$d/sqlite3" :memory: 'SELECT sqlite_version()' 2>&1)
  [ "$got" = "$v" ] && result "$v: the shell runs SQLite $v" || result "$v: the shell runs SQLite $v" "$got"
  got=$(LD_LIBRARY_PATH=$d /usr/bin/python3 -c 'import sqlite3; print(sqlite3.sqlite_version)' 2>&1)
  [ "$got" = "$v" ] && result "$v: Python's sqlite3 runs SQLite $v" || result "$v: Python's sqlite3 runs SQLite $v" "$got"
  # What differs between the versions, by name.
  got=$(LD_LIBRARY_PATH=$d "$d/sqlite3" :memory: ".load dist/pat" \
    "SELECT unixepoch('2026-01-01'), json_array_length('[1,2]'), pat_debug() LIKE '%sqlite $v%'" 2>&1)
  [ "$got" = "1767225600|2|1" ] && result "$v: unixepoch and the JSON functions, and pat_debug() names SQLite $v" ||
    result "$v: unixepoch and the JSON functions, and pat_debug() names SQLite $v" "$got"
  got=$(LD_LIBRARY_PATH=$d "$d/sqlite3" :memory: ".load dist/pat" "CREATE TABLE log(x)" \
    "CREATE TRIGGER planted AFTER INSERT ON log BEGIN INSERT INTO pat_owners VALUES ('mallory', 'ROOT'); END" \
    "INSERT INTO log VALUES (1)" 2>&1)
  case $got in *'unsafe use of virtual table "pat_owners"'*) result "$v: a trigger may not write pat_owners (DIRECTONLY)" ;;
    *) result "$v: a trigger may not write pat_owners (DIRECTONLY)" "$got" ;; esac
  echo "---- $v: tests/run_all.sh (unit, sql, python)"
  PATH="$d:$PATH" LD_LIBRARY_PATH=$d SQLITE3="$d/sqlite3" PAT_SKIP_SUITES=examples \
    sh tests/run_all.sh >"$out/$v.log" 2>&1
  rc=$?
  tail -n 5 "$out/$v.log" | sed 's/^/    /'
  [ $rc -eq 0 ] && result "$v: the unit, SQL and Python suites pass" ||
    result "$v: the unit, SQL and Python suites pass" "see $out/$v.log"
done

d=$out/3.39.4
got=$(LD_LIBRARY_PATH=$d /usr/bin/python3 -c '
import sqlite3
db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
print(sqlite3.sqlite_version)
try:
    db.load_extension("dist/pat")
    print("loaded")
except sqlite3.OperationalError as e:
    print(e)' 2>&1)
want="3.39.4
error during initialization: pat: needs SQLite 3.40.0 or later (which keeps triggers from writing its tables), and this is SQLite 3.39.4"
[ "$got" = "$want" ] && result "3.39.4: loading pat fails at once, naming the SQLite it needs" ||
  result "3.39.4: loading pat fails at once, naming the SQLite it needs" "$got"
finish
