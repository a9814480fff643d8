#!/bin/sh
# examples/web end to end, in a real browser: headless Chromium (Debian's
# chromium package) driven by playwright-core from npm (tests/web/, pinned in
# its package-lock.json, installed with npm ci; it never downloads a browser).
# Starts examples/python/server.py on 127.0.0.1 on a free port with a fresh
# database, makes a ROOT and an AUTHOR user with users.py, and runs
# tests/web/ui.test.js: sign in, create a token and read it from the page,
# call the JSON API with it, rename it, change its window and rights,
# regenerate and delete it, pat's refusals shown next to the fields, reloads
# that never show a token again, rights on resources, the client context (a
# description and an allow-list through the create and Details forms, a bad
# block refused under its field, the API answering 200 from an allowed
# address and 401 from outside, "Last used from 127.0.0.1"), the notices at
# the top (an expiring and an expired token, marked as read), and the ROOT
# audit view.
#
# Needs: /usr/bin/chromium (installed here with scripts/install-deps.sh
# chromium, as root), Node.js >= 20 with npm, sqlite3. When one can not be had
# the test says so and FAILS: it never passes by skipping.
#
# Screenshots (PNG: the list, the create form, the token shown once, a
# refusal shown next to its field, the list on a phone, the notices and the
# client context, the audit view) go to
# the run's temporary directory, or, with PAT_WEB_SCREENSHOTS=1, to
# examples/web/screenshots/ (the ones the README shows), so that `make test`
# does not rewrite committed files on every run. Run by `make test-browser`.
#
# On a fresh Debian 12 machine, as root: sh scripts/install-deps.sh chromium
# (this script runs it when /usr/bin/chromium is missing), and Node.js 20 or
# later with npm (Debian 12's own nodejs is 18: too old for playwright-core).
# tests/web/package-lock.json pins playwright-core 1.64.1, whose Chromium is
# 156, the version of Debian 12's chromium package at the time of writing.
# The server, the browser and the temporary files are gone when it exits,
# whatever happened. Last line: "web_ui: N passed, M failed".
set -u
PY=/usr/bin/python3
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$root" || exit 2
started=$(date +%s)
give_up() { echo "web_ui: $1"; echo "web_ui: 0 passed, 1 failed"; exit 1; }

[ -f dist/pat.so ] || give_up "dist/pat.so is missing: run make"
command -v sqlite3 >/dev/null 2>&1 || give_up "the sqlite3 shell is missing (Debian package sqlite3)"

# ---- Chromium, from Debian (PAT_CHROMIUM only for trying this script's
# failure path: the browser the test means is Debian's /usr/bin/chromium).
chromium=${PAT_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "web_ui: $chromium is missing; installing Debian's chromium"
  # As root, apt may be busy with another install for a while: try again.
  # Otherwise install-deps.sh prints the command to run, and that is that.
  tries=1
  [ "$(id -u)" -eq 0 ] && tries=6
  i=0
  while [ $i -lt $tries ]; do
    i=$((i + 1))
    sh scripts/install-deps.sh chromium && break
    [ $i -lt $tries ] && echo "web_ui: the install failed (apt busy?); trying again in 20 s" && sleep 20
  done
  [ -x "$chromium" ] ||
    give_up "FAILED: Chromium is not installed ($chromium is missing) and could not be installed: as root, run sh scripts/install-deps.sh chromium (apt-get install chromium)"
fi
chromium_version=$("$chromium" --version 2>/dev/null | sed -n 's/^\(Chromium [0-9.]*\).*/\1/p' | head -n 1)
[ -n "$chromium_version" ] || give_up "FAILED: $chromium does not run: $("$chromium" --version 2>&1 | head -n 3)"

# ---- Node.js and playwright-core
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
  give_up "FAILED: Node.js (>= 20) and npm are needed to drive the browser, and are not installed"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || major=0
case "$major" in ''|*[!0-9]*) major=0 ;; esac
[ "$major" -ge 20 ] || give_up "FAILED: Node.js $(node --version) is too old: playwright-core needs 20 or later"

web="$root/tests/web"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1  # the browser is Debian's; never fetch one
install_playwright() {
  stamp_file="$web/node_modules/.pat-web-stamp"
  stamp="$(cksum < "$web/package-lock.json") $(node --version)"
  if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] &&
     (cd "$web" && node -e 'require("playwright-core")') >/dev/null 2>&1; then
    return 0
  fi
  t0=$(date +%s)
  out=$(cd "$web" && npm ci --no-audit --no-fund --loglevel=error 2>&1) || { echo "$out"; return 1; }
  echo "web_ui: npm ci (playwright-core) took $(( $(date +%s) - t0 ))s"
  printf '%s\n' "$stamp" > "$stamp_file"
}
# Two runs in one work tree must not npm ci into the same node_modules at once.
if command -v flock >/dev/null 2>&1; then
  lock="${TMPDIR:-/tmp}/pat-web-npm.$(printf '%s' "$web" | cksum | cut -d' ' -f1).lock"
  exec 9>"$lock"
  flock -w 600 9 || give_up "gave up after 10 minutes waiting for $lock"
fi
install_playwright || give_up "FAILED: npm ci in tests/web failed"
[ -n "${lock:-}" ] && exec 9>&-

# ---- a fresh database, two users, the server
work=$(mktemp -d "${TMPDIR:-/tmp}/pat-web-ui.XXXXXX") || exit 2
server=""
runner=""
profile="$work/chromium-profile"
cleanup() {
  [ -n "$runner" ] && kill "$runner" 2>/dev/null && wait "$runner" 2>/dev/null
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  # A browser left behind by a killed runner: the processes started with this
  # run's own profile directory, by their ids.
  pids=$(ps -eo pid=,args= 2>/dev/null | awk -v p="--user-data-dir=$profile" 'index($0, p) { print $1 }')
  [ -n "$pids" ] && kill $pids 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$profile" "$work/shots"
db=$work/app.db
log=$work/server.log
root_pw=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(12))')
author_pw=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(12))')
printf '%s\n' "$root_pw" | "$PY" examples/python/users.py --db "$db" create-root root >/dev/null ||
  give_up "users.py create-root failed"
printf '%s\n' "$author_pw" | "$PY" examples/python/users.py --db "$db" create alice --role AUTHOR >/dev/null ||
  give_up "users.py create failed"

. tests/lib/example_server.sh
start_example_server "$db" "$log"
echo "web_ui: server at $url, $chromium_version, playwright-core $(cd "$web" && node -p 'require("playwright-core/package.json").version')"

shots="$work/shots"
[ "${PAT_WEB_SCREENSHOTS:-0}" = 1 ] && shots="$root/examples/web/screenshots" && mkdir -p "$shots"

# ---- the browser run
if command -v timeout >/dev/null 2>&1; then t="timeout -k 10 300"; else t=""; fi
# shellcheck disable=SC2086
WEB_CHROMIUM="$chromium" WEB_URL="$url" WEB_DB="$db" WEB_EXT="$root/dist/pat" WEB_PROFILE="$profile" WEB_SHOTS="$shots" \
WEB_USERS="[\"$PY\", \"$root/examples/python/users.py\", \"--db\", \"$db\"]" \
WEB_ROOT=root WEB_ROOT_PW="$root_pw" WEB_AUTHOR=alice WEB_AUTHOR_PW="$author_pw" \
  $t node "$web/ui.test.js" >"$work/run.out" 2>&1 &
runner=$!
wait "$runner"
rc=$?
runner=""
sed 's/pat_[A-Za-z0-9]\{38\}/pat_<token>/g' "$work/run.out"
summary=$(tail -n 1 "$work/run.out")
pass=$(echo "$summary" | sed -n 's/^ui.test.js: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
fail=$(echo "$summary" | sed -n 's/^ui.test.js: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -z "$pass" ]; then pass=0; fail=1; echo "FAIL the browser run ended without a summary (status $rc)"; fi
[ $rc -eq 0 ] || [ "$fail" -gt 0 ] || fail=1

# ---- after the run: the screenshots, and the server's log holds no token
for f in pats-list.png pats-create.png pats-token-once.png pats-error.png pats-phone.png pats-client.png audit.png; do
  if [ "$rc" -eq 0 ] && ! head -c 8 "$shots/$f" 2>/dev/null | grep -q PNG; then
    fail=$((fail + 1)); echo "FAIL screenshot $f was not saved"
  fi
done
if grep -q 'pat_[A-Za-z0-9]\{38\}' "$log"; then
  fail=$((fail + 1)); echo "FAIL the server's log holds a token"
else
  pass=$((pass + 1)); echo "ok   the server's log holds no token"
fi
[ "$fail" -eq 0 ] || { echo "--- server log"; tail -n 40 "$log"; }
[ "$shots" = "$work/shots" ] || echo "web_ui: screenshots saved in examples/web/screenshots/"
echo "web_ui: took $(( $(date +%s) - started ))s"
echo "web_ui: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
