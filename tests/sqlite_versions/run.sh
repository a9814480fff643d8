#!/bin/sh
# The contract tests on every SQLite a user may bring (issue 18): Debian's
# (make test), the newest that can be had here and the oldest pat supports,
# each built from SQLite's own sources as npm packages ship them, loaded in
# place of Debian's libsqlite3 with LD_LIBRARY_PATH (Debian's Python links
# the shared library) and with a sqlite3 shell built beside it:
#
#   3.54.1  newest: better-sqlite3 13.2.0's amalgamation, with the shell.c of
#           SQLite 3.52.0 (node-sqlite3 6.0.1's autoconf tarball; the
#           amalgamation ships none) compiled against 3.54.1's header, and
#           reading its input with the sqlite3_complete() of 3.52
#           (tests/sqlite_versions/shell_complete.c)
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
# trigger refused a DIRECTONLY table), what differs between 3.40 and 3.54.1
# in what the suites meet, by name (sqlite3_complete() after a -- comment,
# SQLite's own refusal of a CHECK in the file calling pat), then the unit,
# SQL and Python suites (tests/run_all.sh; the examples use other runtimes).
# The npm tarballs and the builds are kept in dist/sqlite-versions (make
# clean removes them). Last line: "sqlite_versions: N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
out=$root/dist/sqlite-versions
mkdir -p "$out/npm"
# npm pack fetches the sources: Debian's npm does (a fresh Debian 12 has
# none; the Node.js 20 that the browser and npm tests need brings its own).
command -v npm >/dev/null 2>&1 || sh "$root/scripts/install-deps.sh" npm
SUITE=sqlite_versions
. "$root/tests/lib/cases.sh"
scratch

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

# build VERSION SQLITE3_C [SHELL_C [EXTRA...]]: libsqlite3.so.0 (and the
# shell, compiled with the EXTRA arguments) in $out/VERSION. How the shell
# was built is kept in $d/sqlite3.how (its sources, the arguments and the
# checksum of each file among them): a shell built another way is built
# again.
build() {
  d="$out/$1" c=$2 shell=${3:-}
  shift 2
  [ $# -gt 0 ] && shift
  how="$shell $*"
  for a in "$@"; do [ -f "$a" ] && how="$how $(cksum <"$a")"; done
  [ -f "$d/libsqlite3.so.0" ] && { [ -z "$shell" ] ||
    { [ -x "$d/sqlite3" ] && [ "$(cat "$d/sqlite3.how" 2>/dev/null)" = "$how" ]; }; } && return 0
  mkdir -p "$d"
  if [ ! -f "$d/libsqlite3.so.0" ]; then
    cp "$c" "$d/sqlite3.c"
    cp "$(dirname "$c")/sqlite3.h" "$d/sqlite3.h"
    # shellcheck disable=SC2086 # OPTS is a list of flags
    gcc -O1 -fPIC -shared $OPTS -Wl,-soname,libsqlite3.so.0 -o "$d/libsqlite3.so.0" "$d/sqlite3.c" \
      -lm -lpthread -ldl || return 1
  fi
  [ -z "$shell" ] && return 0
  # Beside the library's own header: shell.c includes "sqlite3.h" from its
  # directory first, and the shell refuses a header of another version.
  cp "$shell" "$d/shell.c"
  rm -f "$d/sqlite3.how"
  # shellcheck disable=SC2086
  gcc -O1 $OPTS -I"$d" -o "$d/sqlite3" "$d/shell.c" "$@" -L"$d" -l:libsqlite3.so.0 -Wl,-rpath,"$d" \
    -lm -lpthread -ldl || return 1
  echo "$how" >"$d/sqlite3.how"
}

src=$out/src
mkdir -p "$src"
unpack() { # TARBALL MEMBER-PATTERN DIR: extract into $src/DIR once
  [ -d "$src/$3" ] && return 0
  mkdir -p "$src/$3" && tar -xzf "$1" -C "$src/$3" --wildcards "$2"
}

# SQLITE_VERSIONS: the supported versions to run the suites on (make
# test-sqlite-versions, and the default: 3.40.0 and 3.54.1; make
# test-sqlite-newest: 3.54.1). Only what they need is fetched.
versions=${SQLITE_VERSIONS:-3.40.0 3.54.1}
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
    # 3.52.0's shell.c reads its input with the sqlite3_complete() of 3.52:
    # tests/sqlite_versions/shell_complete.c says why and how.
    3.54.1) build 3.54.1 "$src/b13/package/deps/sqlite3/sqlite3.c" "$src/s6/shell.c" \
      "$root/tests/sqlite_versions/shell_complete.c" -Wl,--wrap=sqlite3_complete ;;
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
  # Where 3.40 and 3.54.1 differ in what the suites meet, by name:
  # - sqlite3_complete() takes a -- comment after the last semicolon as the
  #   end of the statement on 3.40, as unfinished on 3.54.1 (its shell reads
  #   its input as on 3.40 all the same: tests/sqlite_versions/shell_complete.c;
  #   tests/run_sql.sh rereads its "Error" for a runtime error);
  # - SQLite 3.54.1 itself refuses a pat function called from a CHECK stored
  #   in the file, while it reads the schema (3.52.0's sources do too), before
  #   pat's own refusal can: every statement that needs the schema fails with
  #   "malformed database schema (NAME) - unsafe use of FUNCTION()"; 3.40
  #   reads that schema, and pat refuses to work while the CHECK is there.
  #   The Python tests that meet it say so (tests/python/helpers.py,
  #   sqlite_refuses_pat_in_schema()).
  case $v in
    3.40.0) complete=1 refuses=no ;;
    3.54.1) complete=0 refuses=yes ;;
    *) complete="?" refuses="?" ;;
  esac
  name="$v: sqlite3_complete('SELECT 1; -- note') is $complete (3.40: 1, 3.54.1: 0)"
  got=$(LD_LIBRARY_PATH=$d /usr/bin/python3 -c \
    'import sqlite3; print(int(sqlite3.complete_statement("SELECT 1; -- note")))' 2>&1)
  [ "$got" = "$complete" ] && result "$name" || result "$name" "$got"
  name="$v: the shell ends a statement at a line 'SELECT ...; -- note'"
  got=$(printf "SELECT no_such_function(); -- note\nSELECT upper('next');\n" |
    LD_LIBRARY_PATH=$d "$d/sqlite3" -batch 2>&1)
  case $got in *NEXT*) result "$name" ;; *) result "$name" "$got" ;; esac
  name="$v: SQLite refuses a CHECK in the file calling pat_create() as it reads the schema: $refuses (3.40: no, 3.54.1: yes)"
  rm -f "$work/ck.db"
  # Planted as an attacker would, with writable_schema: by Python, as the
  # shell of 3.52 turns SQLITE_DBCONFIG_DEFENSIVE on (unless --unsafe-testing).
  LD_LIBRARY_PATH=$d /usr/bin/python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("CREATE TABLE ck(a)")
c.execute("PRAGMA writable_schema=ON")
c.execute("UPDATE sqlite_schema SET sql = ? WHERE name = ?",
          ("CREATE TABLE ck(a CHECK (pat_create(1, 2, 3) IS NOT NULL))", "ck"))' "$work/ck.db"
  got=$(LD_LIBRARY_PATH=$d "$d/sqlite3" "$work/ck.db" ".load dist/pat" "SELECT pat_verify('x')" 2>&1)
  case $refuses:$got in
    "no:"*"pat_verify: table 'ck' in schema 'main' names the function pat_create"*) result "$name" ;;
    "yes:"*"malformed database schema (ck) - unsafe use of pat_create()"*) result "$name" ;;
    *) result "$name" "$got" ;;
  esac
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
