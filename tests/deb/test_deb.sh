#!/bin/sh
# The Debian package (make deb), as a user of Debian gets it (issue 18):
#   1. lintian reports no error (its warnings are printed, not counted);
#   2. as root, `apt-get install ./pat_<version>_<arch>.deb` pulls its
#      dependencies, the sqlite3 shell loads /usr/lib/sqlite3/pat and mints
#      and checks a token, a C program builds against the installed header
#      and static library with `pkg-config --cflags --static --libs pat` alone;
#   3. `apt-get purge pat` leaves none of the files it installed.
# Run as root (CI and fresh-debian are): installing a package needs it, and
# a run that can not install fails rather than skip.
# Prints one line per case and closes with "deb: N passed, M failed".
set -u
deb=${1:?usage: test_deb.sh dist/pat_<version>_<arch>.deb}
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
SUITE=deb
. "$root/tests/lib/cases.sh"
scratch

[ -f "$deb" ] || { result "the package was built" "no $deb"; finish; }
version=$(dpkg-deb -f "$deb" Version)
first=$(sed -n '1s/^pat (\([^)]*\)).*/\1/p' packaging/deb/changelog)
[ "$version" = "$first" ] && result "packaging/deb/changelog's first entry is the package's version ($version)" ||
  result "packaging/deb/changelog's first entry is the package's version" "changelog $first, package $version"

# ---- 1. lintian
lintian --tag-display-limit 0 "$deb" >"$work/lintian" 2>&1
errors=$(grep -c '^E: ' "$work/lintian")
sed 's/^/    /' "$work/lintian"
[ "$errors" -eq 0 ] && result "lintian: no error" || result "lintian: no error" "$errors errors (above)"

# ---- 2. install, use
if [ "$(id -u)" -ne 0 ]; then result "install as root" "run as root: apt-get installs the package"; finish; fi
if dpkg-query -W -f='${Status}' pat 2>/dev/null | grep -q 'install ok installed'; then
  result "no pat package installed before the test" "one is: apt-get purge pat first"; finish
fi
export DEBIAN_FRONTEND=noninteractive
if apt-get install -y -q "./$deb" >"$work/apt.log" 2>&1; then result "apt-get install ./$(basename "$deb")"
else result "apt-get install ./$(basename "$deb")" "$(tail -n 5 "$work/apt.log")"; finish; fi
files=$(dpkg -L pat | while read -r f; do [ -f "$f" ] && echo "$f"; done)
for f in /usr/lib/sqlite3/pat.so /usr/include/pat.h; do
  echo "$files" | grep -qx "$f" && result "installed $f" || result "installed $f" "not in dpkg -L pat"
done
got=$(sqlite3 :memory: '.load /usr/lib/sqlite3/pat' 'SELECT pat_version()' \
  "CREATE TEMP TABLE t AS SELECT pat_create('alice', 'ci', 'DATA_FETCH') AS tok" \
  "SELECT pat_verify(tok) = 1, pat_has_right('Bearer ' || tok, 'DATA_FETCH') FROM t" 2>&1)
want="$(cat VERSION)
1|1"
[ "$got" = "$want" ] && result "sqlite3 loads /usr/lib/sqlite3/pat, mints and checks a token" ||
  result "sqlite3 loads /usr/lib/sqlite3/pat, mints and checks a token" "$got"
[ "$(pkg-config --variable=extension pat)" = /usr/lib/sqlite3/pat ] &&
  result "pkg-config --variable=extension pat names /usr/lib/sqlite3/pat" ||
  result "pkg-config --variable=extension pat names /usr/lib/sqlite3/pat" "$(pkg-config --variable=extension pat 2>&1)"
# shellcheck disable=SC2046 # pkg-config's words are the compiler's arguments
if cc examples/c/main.c $(pkg-config --cflags --static --libs pat) -o "$work/mint" 2>"$work/cc.log" &&
   "$work/mint" "$work/c.db" bob DATA_CREATE >"$work/mint.log" 2>&1; then
  result "a C program builds against the package with pkg-config alone, and runs"
else result "a C program builds against the package with pkg-config alone, and runs" "$(cat "$work/cc.log" "$work/mint.log" | tail -n 5)"; fi

# ---- 3. purge: nothing left
apt-get purge -y -q pat >"$work/purge.log" 2>&1 || result "apt-get purge pat" "$(tail -n 5 "$work/purge.log")"
left=$(echo "$files" | while read -r f; do [ -e "$f" ] && echo "$f"; done)
[ -z "$left" ] && result "apt-get purge pat leaves none of its files" || result "apt-get purge pat leaves none of its files" "$left"
finish
