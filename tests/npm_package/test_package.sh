#!/bin/sh
# The npm package as a user gets it (issue 18): `npm pack`'s tarball
# installed into a scratch project, then require('sqlite-pat').load(db) on a
# better-sqlite3 12 Database there, and getLoadablePath(). better-sqlite3
# comes from examples/node (tests/examples/node.sh installs it from its
# lock file and runs that example first). Needs Node.js 20 or later and
# npm: without them this fails, it does not skip.
# Prints one line per case and closes with "npm_package: N passed, M failed".
set -u
tgz=${1:?usage: test_package.sh dist/sqlite-pat-<version>.tgz}
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
SUITE=npm_package
. "$root/tests/lib/cases.sh"
scratch

[ -f "$tgz" ] || { result "the package was packed" "no $tgz"; finish; }
tar -tzf "$tgz" | grep -qx 'package/lib/linux-x64/pat.so' && result "the tarball holds lib/linux-x64/pat.so" ||
  result "the tarball holds lib/linux-x64/pat.so" "$(tar -tzf "$tgz")"

# better-sqlite3, as examples/node installs it (its own test runs too).
PAT_REQUIRE_NODE=1 sh tests/examples/node.sh >"$work/node.log" 2>&1 &&
  result "examples/node (better-sqlite3 12) installed and passing" ||
  { result "examples/node (better-sqlite3 12) installed and passing" "$(tail -n 5 "$work/node.log")"; finish; }

mkdir -p "$work/app"
(cd "$work/app" && npm init -y >/dev/null && npm install --no-audit --no-fund --offline "$root/$tgz") \
  >"$work/npm.log" 2>&1 && result "npm install $(basename "$tgz") into a scratch project" ||
  { result "npm install $(basename "$tgz") into a scratch project" "$(tail -n 5 "$work/npm.log")"; finish; }

cat >"$work/app/use.js" <<'JSEOF'
const assert = require('assert');
const Database = require('better-sqlite3');
const pat = require('sqlite-pat');
const want = process.argv[2];
const file = pat.getLoadablePath();
assert.match(file, /node_modules\/sqlite-pat\/lib\/linux-x64\/pat\.so$/);
const db = new Database(':memory:');
pat.load(db);
assert.strictEqual(db.prepare('SELECT pat_version()').pluck().get(), want);
const token = db.prepare("SELECT pat_create('alice', 'ci', 'DATA_FETCH')").pluck().get();
assert.strictEqual(db.prepare('SELECT pat_verify(?)').pluck().get(`Bearer ${token}`), 1);
assert.deepStrictEqual(db.prepare("SELECT pat_has_right(?, 'DATA_FETCH') AS a, pat_has_right(?, 'USER_DELETE') AS b")
  .get(token, token), { a: 1, b: 0 });
const other = new Database(':memory:');
other.loadExtension(file.replace(/\.so$/, '')); // the path works without its suffix too
assert.strictEqual(other.prepare('SELECT pat_version()').pluck().get(), want);
console.log('ok');
JSEOF
version=$(cat VERSION)
out=$(cd "$work/app" && NODE_PATH="$root/examples/node/node_modules" node use.js "$version" 2>&1)
[ "$out" = ok ] && result "require('sqlite-pat').load(db) on better-sqlite3; getLoadablePath()" ||
  result "require('sqlite-pat').load(db) on better-sqlite3; getLoadablePath()" "$out"
finish
