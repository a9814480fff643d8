#!/bin/sh
# The small client examples (examples/clients, issue 18): pat loaded by
# Perl's DBD::SQLite, Ruby's sqlite3 gem, PHP's SQLite3 class, SQLite's Tcl
# interface and Go's mattn/go-sqlite3, each from Debian's packages, each
# printing the same five lines (version, a verify, a right held and one not,
# the tokens listed). Go builds offline from Debian's sources.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
SUITE=clients
. "$root/tests/lib/cases.sh"
scratch

want="version $(cat VERSION)
verify 1
has_right DATA_FETCH 1
has_right USER_DELETE 0
tokens 1"
# client NAME COMMAND...: its output is the five lines
client() {
  name=$1
  shift
  got=$("$@" 2>&1)
  [ "$got" = "$want" ] && result "$name" || result "$name" "$got"
}
client "Perl, DBD::SQLite: sqlite_load_extension" perl examples/clients/perl.pl dist/pat
client "Ruby, sqlite3 gem: load_extension" ruby examples/clients/ruby.rb dist/pat
client "PHP, SQLite3::loadExtension with sqlite3.extension_dir" \
  php -d sqlite3.extension_dir="$root/dist" examples/clients/php.php pat.so
client "Tcl, sqlite3 package: load_extension" tclsh examples/clients/tcl.tcl dist/pat
if GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOENV=off GOCACHE="$root/dist/go-cache" \
   CGO_ENABLED=1 go build -tags libsqlite3 -o "$work/go-client" ./examples/clients/go >"$work/go.log" 2>&1; then
  client "Go, mattn/go-sqlite3: the driver's Extensions" "$work/go-client" dist/pat
else
  result "Go, mattn/go-sqlite3: builds offline" "$(tail -n 5 "$work/go.log")"
fi
# PHP without the ini setting: its own error, which the README quotes.
got=$(php examples/clients/php.php pat.so 2>&1)
rc=$?
case "$rc $got" in "1 could not load pat.so: SQLite Extension are disabled: set sqlite3.extension_dir"*)
  result "PHP without sqlite3.extension_dir says what to set" ;;
  *) result "PHP without sqlite3.extension_dir says what to set" "exit $rc: $got" ;; esac
finish
