#!/bin/sh
# examples/node: pat from Node.js through better-sqlite3 12 (db.loadExtension),
# tested by `node --test`. Run from anywhere after `make` built dist/pat.so;
# tests/run_examples.sh runs it and counts its exit status.
#
# better-sqlite3 12 supports Node.js 20 and later only (its engines field), and
# Debian 12's own nodejs is 18, so installing that would not help: without
# Node.js >= 20 this prints "SKIPPED node example: ..." and exits 77, which
# tests/run_examples.sh shows as skipped (never as passed), unless
# PAT_REQUIRE_NODE=1, which turns the skip into a failure.
#
# The dependencies install with `npm ci` from the committed package-lock.json
# (better-sqlite3 compiles from source, about a minute on this machine, when its
# prebuilt binary can not be downloaded); a stamp in node_modules skips that
# while the lock file and the Node.js ABI stay the same.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
dir="$root/examples/node"
cd "$dir" || exit 2

# Two runs at once in one work tree (two people's `make test`) would each
# `npm ci` into the same node_modules and break each other's build: take a
# lock, named after this directory, for the whole run.
if [ -z "${PAT_NODE_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
  lock="${TMPDIR:-/tmp}/pat-node-example.$(printf '%s' "$dir" | cksum | cut -d' ' -f1).lock"
  PAT_NODE_LOCKED=1 flock -E 200 -w 1800 "$lock" sh "$root/tests/examples/node.sh" "$@"
  rc=$?
  [ $rc -ne 200 ] || echo "node: gave up after 30 minutes waiting for $lock"
  exit $rc
fi

skip() {
  echo "SKIPPED node example: $1"
  if [ "${PAT_REQUIRE_NODE:-0}" = 1 ]; then
    echo "node: PAT_REQUIRE_NODE=1, so the skip is a failure"
    exit 1
  fi
  exit 77
}

if [ ! -f "$root/dist/pat.so" ]; then
  echo "node: $root/dist/pat.so is missing: run make first"
  exit 1
fi

command -v node >/dev/null 2>&1 ||
  skip "Node.js is not installed; better-sqlite3 12 needs Node.js 20 or later (Debian 12's nodejs is 18)"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || major=0
case "$major" in ''|*[!0-9]*) major=0 ;; esac
[ "$major" -ge 20 ] ||
  skip "Node.js $(node --version 2>/dev/null) is too old; better-sqlite3 12 needs Node.js 20 or later"
command -v npm >/dev/null 2>&1 ||
  skip "Node.js $(node --version) is installed but npm is not"

# ---- dependencies
# node-gyp must not try to download Node.js headers (this network reaches the
# npm registry only): point it at the headers installed beside node.
if [ -z "${npm_config_nodedir:-}" ]; then
  prefix=$(node -p 'require("path").resolve(process.execPath, "..", "..")')
  case "$(npm config get nodedir 2>/dev/null)" in
    ''|undefined|null)
      [ -f "$prefix/include/node/node.h" ] && export npm_config_nodedir="$prefix" ;;
  esac
fi
# (no JOBS for node-gyp: better-sqlite3 12.11 fails to build with make -j2)

stamp_file=node_modules/.pat-example-stamp
stamp="$(cksum < package-lock.json) $(node -p 'process.versions.modules + " " + process.arch + " " + process.platform')"
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] &&
   node -e 'new (require("better-sqlite3"))(":memory:").close()' >/dev/null 2>&1; then
  :
else
  log=$(mktemp "${TMPDIR:-/tmp}/pat-node-npm.XXXXXX") || exit 2
  start=$(date +%s)
  if command -v timeout >/dev/null 2>&1; then t="timeout 900"; else t=""; fi
  # shellcheck disable=SC2086
  if ! $t npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    cat "$log"
    rm -f "$log"
    echo "node: npm ci failed in examples/node"
    echo "node: 0 passed, 1 failed"
    exit 1
  fi
  rm -f "$log"
  echo "node: npm ci took $(( $(date +%s) - start ))s"
  printf '%s\n' "$stamp" > "$stamp_file"
fi

# ---- the tests
out=$(mktemp "${TMPDIR:-/tmp}/pat-node-test.XXXXXX") || exit 2
node --test --test-reporter=tap > "$out" 2>&1
rc=$?
sed 's/^/    /' "$out"   # indented, as run_examples.sh shows the other examples
pass=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$out" | tail -n 1)
fail=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$out" | tail -n 1)
rm -f "$out"
[ -n "$pass" ] || pass=0
if [ -z "$fail" ]; then fail=0; [ $rc -eq 0 ] || fail=1; fi
# a run that tested nothing has not passed
[ $rc -eq 0 ] && [ "$pass" -eq 0 ] && { echo "node: node --test ran no test"; rc=1; }
echo "node: $pass passed, $fail failed"
exit $rc
