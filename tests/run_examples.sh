#!/bin/sh
# Runs the example applications and the install, as a new user would:
#   install    make install into two temporary prefixes in a row (each
#              .pc names its own), build examples/c against each with
#              pkg-config --cflags --static --libs pat alone, uninstall
#              each; then the same under DESTDIR, as a package build does
#   c          examples/c (pat linked statically, registered with
#              sqlite3_auto_extension) mints and verifies a token
#   python_api examples/python: tests/examples/python_api.sh
#   node       examples/node: tests/examples/node.sh (node --test); shown as
#              SKIP, not passed, on a machine without Node.js 20
# Prints one line per example and closes with "examples: N passed, M failed".
# Exit status: 0 when none failed and at least one passed; 1 otherwise (a
# run in which every example was skipped or none ran fails: it proved nothing).
set -u
root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$root" || exit 2
pass=0
fail=0
skip=0
work=$(mktemp -d "${TMPDIR:-/tmp}/pat-examples.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

result() { # NAME STATUS: 0 passed, 77 could not run here (said so), else failed
  if [ "$2" -eq 0 ]; then pass=$((pass + 1)); echo "ok $1"
  elif [ "$2" -eq 77 ]; then skip=$((skip + 1)); echo "SKIP $1 (not counted as passed)"
  else fail=$((fail + 1)); echo "FAIL $1"; fi
}

# ---- install into two prefixes in a row, as a new user would: each
# prefix's files name that prefix (pat.pc above all), a C program builds
# against the installed library with pkg-config and nothing else, and
# uninstall removes exactly what its install put there
(
  set -e
  for name in a b; do
    p="$work/prefix-$name"
    make --no-print-directory -s install PREFIX="$p" >/dev/null
    pc="env PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config"
    [ "$($pc --variable=prefix pat)" = "$p" ] || { echo "pat.pc of $p names $($pc --variable=prefix pat)"; exit 1; }
    [ "$($pc --variable=extension pat)" = "$p/lib/sqlite3-ext/pat" ]
    v=$(sqlite3 :memory: ".load $($pc --variable=extension pat)" "SELECT pat_version()")
    [ "$v" = "$(cat VERSION)" ]
    # shellcheck disable=SC2046 # pkg-config's words are the compiler's arguments
    cc examples/c/main.c $($pc --cflags --static --libs pat) -o "$work/mint-$name"
    "$work/mint-$name" "$work/installed-$name.db" alice DATA_FETCH >/dev/null
  done
  make --no-print-directory -s uninstall PREFIX="$work/prefix-a" >/dev/null
  [ -z "$(find "$work/prefix-a" -type f)" ] || { find "$work/prefix-a" -type f; exit 1; }
  [ -n "$(find "$work/prefix-b" -type f)" ] # the other prefix is left as it was
  "$work/mint-b" "$work/installed-b2.db" alice DATA_FETCH >/dev/null
  make --no-print-directory -s uninstall PREFIX="$work/prefix-b" >/dev/null
  [ -z "$(find "$work/prefix-b" -type f)" ] || { find "$work/prefix-b" -type f; exit 1; }
) >"$work/prefixes.log" 2>&1
rc=$?
[ $rc -eq 0 ] || cat "$work/prefixes.log"
result "install to two prefixes in a row" $rc

# ---- install into a temporary prefix under DESTDIR, as a package build does
(
  set -e
  make --no-print-directory -s install PREFIX=/opt/pat DESTDIR="$work/root" >/dev/null
  p="$work/root/opt/pat"
  test -f "$p/lib/sqlite3-ext/pat.so" && test -f "$p/include/pat.h" &&
    test -f "$p/lib/libpat.a" && test -f "$p/lib/pkgconfig/pat.pc"
  v=$(sqlite3 :memory: ".load $p/lib/sqlite3-ext/pat" "SELECT pat_version()")
  [ "$v" = "$(cat VERSION)" ]
  # pkg-config answers from the installed file (its prefix is /opt/pat, so
  # point the compiler at the DESTDIR copy explicitly).
  [ "$(PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --modversion pat)" = "$(cat VERSION)" ]
  ext=$(PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --variable=extension pat)
  [ "$ext" = "/opt/pat/lib/sqlite3-ext/pat" ]
  cc -I"$p/include" examples/c/main.c "$p/lib/libpat.a" -lsqlite3 \
    $(pkg-config --libs libsodium) -lm -o "$work/mint"
  "$work/mint" "$work/installed.db" alice DATA_FETCH >/dev/null
  make --no-print-directory -s uninstall PREFIX=/opt/pat DESTDIR="$work/root" >/dev/null
  [ -z "$(find "$work/root" -type f)" ]
) >"$work/install.log" 2>&1
rc=$?
[ $rc -eq 0 ] || cat "$work/install.log"
result install $rc

# ---- examples/c, statically linked
out=$(./dist/example_c "$work/c.db" bob DATA_CREATE 2>&1)
rc=$?
echo "$out" | sed 's/^/    /; s/pat_[0-9A-Za-z]\{38\}/pat_<token>/'
if [ $rc -eq 0 ]; then
  echo "$out" | grep -q "pat_verify(header) = 1" &&
    echo "$out" | grep -q "pat_has_right(header, 'DATA_CREATE') = 1" &&
    echo "$out" | grep -q "pat_has_right(header, 'USER_DELETE') = 0" || rc=1
fi
result c $rc

# ---- the other examples register themselves here
for t in tests/examples/*.sh; do
  [ -f "$t" ] || continue
  name=$(basename "$t" .sh)
  sh "$t"
  result "$name" $?
done

[ "$skip" -eq 0 ] || echo "examples: $skip skipped (see SKIP above)"
if [ "$pass" -eq 0 ] && [ "$fail" -eq 0 ]; then
  echo "examples: no example passed or failed: nothing was tested"
  fail=1
fi
echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
