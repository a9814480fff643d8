#!/bin/sh
# examples/python end to end: starts server.py on 127.0.0.1 on a free port
# with a fresh database, makes tokens with tokens.py, and drives the API with
# curl through every answer: 401 (no, malformed, unknown, expired, deleted
# and rotated tokens), 403, 400, 404, 405, 501 and the happy paths. Every error
# body must be {"status": <the code>, "message": "..."}; the server's log
# must hold no token, nor a token's random part, even when the client put the
# token in the path or the query string. First, auth.py (the module an app
# copies) on its own: tests/examples/python_auth.py, one line per unittest
# case. Run from the repo root after `make` (dist/pat.so).
# Prints one line per case and closes with "python_api: N passed, M failed".
set -u
PY=/usr/bin/python3
cd "$(dirname "$0")/../.." || exit 2
give_up() { echo "python_api: $1"; echo "python_api: 0 passed, 1 failed"; exit 1; }
[ -f dist/pat.so ] || give_up "dist/pat.so is missing: run make"
command -v curl >/dev/null 2>&1 || sh scripts/install-deps.sh curl || give_up "curl is missing"

work=$(mktemp -d "${TMPDIR:-/tmp}/pat-python-api.XXXXXX") || exit 2
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
db=$work/app.db
log=$work/server.log
tokens() { "$PY" examples/python/tokens.py --db "$db" "$@" 2>>"$work/tokens.err"; }

pass=0
fail=0
result() { # NAME [WHY]: a case passes when WHY is empty
  if [ -z "${2:-}" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1: $2"; fi
}

# json EXPR: EXPR, a Python expression over the response body parsed as d, holds
json() {
  "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not eval(sys.argv[2]))' \
    "$work/body" "$1" 2>/dev/null
}

# check NAME STATUS EXPR CURL_ARGS...: the request answers STATUS, and EXPR
# (see json; empty: no check) holds for its body. An error must also answer
# {"status": STATUS, "message": "<text>"}, and a 401 a Bearer challenge.
check() {
  name=$1 want=$2 expr=$3
  shift 3
  : >"$work/body"
  got=$(curl -sS --max-time 10 -o "$work/body" -D "$work/headers" -w '%{http_code}' "$@" 2>&1)
  why=""
  if [ "$got" != "$want" ]; then
    why="got $got, expected $want"
  elif [ "$want" -ge 400 ] && ! json "d['status'] == $want and isinstance(d['message'], str) and d['message']"; then
    why="error body is not {\"status\": $want, \"message\": ...}: $(cat "$work/body")"
  elif [ "$want" = 401 ] && ! grep -qi '^WWW-Authenticate: Bearer' "$work/headers"; then
    why="no WWW-Authenticate: Bearer header"
  elif [ -n "$expr" ] && ! json "$expr"; then
    why="body fails $expr: $(cat "$work/body")"
  fi
  result "$name ($want)" "$why"
}

# ---- auth.py on its own (unittest -v: "test_x (...) ... ok" per case, then "OK")
"$PY" tests/examples/python_auth.py -v >"$work/auth.out" 2>&1
sed -n 's/^\(test_[a-z0-9_]*\) (.*) \.\.\. \(.*\)$/\1 \2/p' "$work/auth.out" >"$work/auth.cases"
while read -r case verdict; do
  if [ "$verdict" = ok ]; then result "auth.py: $case"
  else result "auth.py: $case" "$verdict (below)"; fi
done <"$work/auth.cases"
if [ ! -s "$work/auth.cases" ]; then
  result "auth.py: the unittest run" "no case ran (below)"
elif ! grep -qv ' ok$' "$work/auth.cases" && ! tail -n 1 "$work/auth.out" | grep -q '^OK$'; then
  result "auth.py: the unittest run" "every case passed, yet no OK at its end (below)"
fi
[ $fail -eq 0 ] || { echo "--- tests/examples/python_auth.py"; cat "$work/auth.out"; }

# ---- start the server and wait (at most 10 s) for its "listening" line
. tests/lib/example_server.sh
start_example_server "$db" "$log"
echo "server at $url"
mode=$("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode").fetchone()[0])' "$db")
if [ "$mode" = wal ]; then result "database in WAL mode"; else result "database in WAL mode" "journal_mode is $mode"; fi

# ---- tokens, made while the server runs
full=$(tokens create alice "full" DATA_FETCH,DATA_CREATE,DATA_DELETE)
reader=$(tokens create bob "reader" DATA_FETCH)
expired=$(tokens create alice "expired" DATA_FETCH --valid-from 2020-01-01 --valid-to 2020-02-01)
doomed=$(tokens create alice doomed DATA_FETCH)
old=$(tokens create alice rotating DATA_FETCH)
stranger=$("$PY" examples/python/tokens.py --db "$work/other.db" create eve "elsewhere" DATA_FETCH 2>/dev/null)
for t in "$full" "$reader" "$expired" "$doomed" "$old" "$stranger"; do
  case $t in pat_?*) ;; *) give_up "tokens.py create failed: $(cat "$work/tokens.err")" ;; esac
done
# The same token with its last character changed: a bad checksum.
typo=$(echo "$full" | sed 's/.$//')$(case $full in *A) echo B ;; *) echo A ;; esac)

auth() { echo "Authorization: Bearer $1"; }
token_id() { tokens list | awk -v name="$1" '$3 == name { print $1 }'; }

# ---- authentication: 401
check "no Authorization header" 401 "" "$url/items"
check "header 'Bearer'" 401 "" -H "Authorization: Bearer" "$url/items"
check "header 'Bearer x'" 401 "" -H "Authorization: Bearer x" "$url/items"
check "header 'Basic ...'" 401 "" -H "Authorization: Basic YWxpY2U6c2VjcmV0" "$url/items"
check "token without 'Bearer'" 200 "" -H "Authorization: $full" "$url/items"
check "scheme in lower case" 200 "" -H "Authorization: bearer $full" "$url/items"
check "bad checksum" 401 "" -H "$(auth "$typo")" "$url/items"
check "unknown token" 401 "" -H "$(auth "$stranger")" "$url/items"
check "expired token" 401 "" -H "$(auth "$expired")" "$url/items"

# ---- the happy paths
check "GET /items, empty" 200 "d == {'items': []}" -H "$(auth "$full")" "$url/items"
check "POST /items" 201 "d['id'] == 1 and d['name'] == 'first' and d['owner'] == 'alice'" \
  -H "$(auth "$full")" -H "Content-Type: application/json" -d '{"name": "first"}' "$url/items"
check "POST /items, another" 201 "d['id'] == 2" \
  -H "$(auth "$full")" -d '{"name": "second"}' "$url/items"
check "GET /items" 200 "[i['name'] for i in d['items']] == ['first', 'second']" -H "$(auth "$reader")" "$url/items"
check "GET /items/1" 200 "d['name'] == 'first' and d['created_at']" -H "$(auth "$reader")" "$url/items/1"
check "DELETE /items/1" 204 "" -X DELETE -H "$(auth "$full")" "$url/items/1"
if [ -s "$work/body" ]; then result "DELETE answers no body" "body: $(cat "$work/body")"
else result "DELETE answers no body"; fi
check "GET /items/1 after DELETE" 404 "" -H "$(auth "$full")" "$url/items/1"
check "DELETE /items/1 again" 404 "" -X DELETE -H "$(auth "$full")" "$url/items/1"

# ---- authorization: 403
check "POST without DATA_CREATE" 403 "'DATA_CREATE' in d['message']" \
  -H "$(auth "$reader")" -d '{"name": "nope"}' "$url/items"
check "DELETE without DATA_DELETE" 403 "'DATA_DELETE' in d['message']" \
  -X DELETE -H "$(auth "$reader")" "$url/items/2"
check "GET /items/2 still there" 200 "d['name'] == 'second'" -H "$(auth "$reader")" "$url/items/2"

# ---- bad requests: 400, 404, 405
check "POST, body not JSON" 400 "" -H "$(auth "$full")" -d '{"name": ' "$url/items"
check "POST, no body" 400 "" -X POST -H "$(auth "$full")" "$url/items"
check "POST, name missing" 400 "" -H "$(auth "$full")" -d '{"title": "x"}' "$url/items"
check "POST, name empty" 400 "" -H "$(auth "$full")" -d '{"name": " "}' "$url/items"
check "POST, body a list" 400 "" -H "$(auth "$full")" -d '["first"]' "$url/items"
check "unknown path" 404 "" -H "$(auth "$full")" "$url/nothing"
check "unknown path /items/x" 404 "" -H "$(auth "$full")" "$url/items/x"
check "PUT /items" 405 "" -X PUT -H "$(auth "$full")" "$url/items"
check "OPTIONS /items, refused by http.server" 501 "" -X OPTIONS "$url/items"

# ---- a token deleted while the server runs
check "token before delete" 200 "" -H "$(auth "$doomed")" "$url/items"
tokens delete "$(token_id doomed)" >/dev/null
check "token after tokens.py delete" 401 "" -H "$(auth "$doomed")" "$url/items"

# ---- a token rotated while the server runs
check "token before rotate" 200 "" -H "$(auth "$old")" "$url/items"
new=$(tokens rotate "$(token_id rotating)")
check "old value after tokens.py rotate" 401 "" -H "$(auth "$old")" "$url/items"
check "new value after tokens.py rotate" 200 "" -H "$(auth "$new")" "$url/items"

# ---- tokens.py revoke: a leak report, by value, from standard input, then from a file
# (one token in a header, one in a JSON list, one %-escaped and glued to the
# text before it in a URL, one of another database, something that is none)
leak1=$(tokens create alice "leaked one" DATA_FETCH)
leak2=$(tokens create alice "leaked two" DATA_FETCH)
leak3=$(tokens create alice "leaked three" DATA_FETCH)
check "a token before it leaks" 200 "" -H "$(auth "$leak1")" "$url/items"
report=$(printf 'curl -H "Authorization: Bearer %s" https://example.test/items\n"%s",\nGET /x?auth=Bearer%%20%s HTTP/1.1\nnot ours: %s %s\n' \
  "$leak1" "$leak2" "$leak3" "$stranger" "pat_00000000000000000000000000000000000000")
out=$(printf '%s\n' "$report" | tokens revoke - --reason "found in a paste")
case $out in
  "revoked 3 tokens ("*" candidate values in the report)") result "tokens.py revoke -: revoked 3 tokens" ;;
  *) result "tokens.py revoke -: revoked 3 tokens" "$out" ;;
esac
check "first leaked token after tokens.py revoke" 401 "" -H "$(auth "$leak1")" "$url/items"
check "second leaked token after tokens.py revoke" 401 "" -H "$(auth "$leak2")" "$url/items"
check "%-escaped leaked token after tokens.py revoke" 401 "" -H "$(auth "$leak3")" "$url/items"
# The same report again, from a file: nothing left to revoke.
printf '%s\n' "$report" >"$work/leak.txt"
out=$(tokens revoke "$work/leak.txt")
case $out in
  "revoked 0 tokens ("*) result "tokens.py revoke FILE: revoked 0 tokens" ;;
  *) result "tokens.py revoke FILE: revoked 0 tokens" "$out" ;;
esac
# The events and the retired log say what happened, by name and reason.
got=$("$PY" - "$db" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.enable_load_extension(True)
db.load_extension("dist/pat")
print(db.execute("SELECT group_concat(token_name || ':' || detail, ', ') FROM (SELECT * FROM pat_events"
                 " WHERE event = 'revoke' ORDER BY id)").fetchone()[0])
print(db.execute("SELECT group_concat(name || ':' || why || ':' || seen, ', ') FROM (SELECT * FROM pat_retired"
                 " WHERE name LIKE 'leaked%' ORDER BY name)").fetchone()[0])
PYEOF
)
want="leaked one:found in a paste, leaked two:found in a paste, leaked three:found in a paste
leaked one:revoked:1, leaked three:revoked:1, leaked two:revoked:1"
if [ "$got" = "$want" ]; then result "tokens.py revoke: revoke events with the reason; pat_retired counts the tries"
else result "tokens.py revoke: revoke events with the reason; pat_retired counts the tries" "$got"; fi

# ---- rights on resources: a collection per resource (README, Rights on resources)
scoped=$(tokens create carol "reports only" DATA_FETCH@collection:reports,DATA_CREATE@collection:reports)
case $scoped in pat_?*) ;; *) give_up "tokens.py create (scoped) failed: $(cat "$work/tokens.err")" ;; esac
check "POST /collections/reports/items, token for reports" 201 \
  "d['name'] == 'q3' and d['collection'] == 'reports' and d['owner'] == 'carol'" \
  -H "$(auth "$scoped")" -d '{"name": "q3"}' "$url/collections/reports/items"
check "GET /collections/reports/items, token for reports" 200 "[i['name'] for i in d['items']] == ['q3']" \
  -H "$(auth "$scoped")" "$url/collections/reports/items"
check "GET /collections/sales/items, token for reports" 403 "'DATA_FETCH@collection:sales' in d['message']" \
  -H "$(auth "$scoped")" "$url/collections/sales/items"
check "POST /collections/sales/items, token for reports" 403 "'DATA_CREATE@collection:sales' in d['message']" \
  -H "$(auth "$scoped")" -d '{"name": "no"}' "$url/collections/sales/items"
check "GET /items (every collection), token for reports" 403 "d['message'].endswith('DATA_FETCH')" \
  -H "$(auth "$scoped")" "$url/items"
check "DELETE in reports, token without DATA_DELETE there" 403 "'DATA_DELETE@collection:reports' in d['message']" \
  -X DELETE -H "$(auth "$scoped")" "$url/collections/reports/items/3"
check "GET /collections/reports/items, unscoped DATA_FETCH" 200 "[i['name'] for i in d['items']] == ['q3']" \
  -H "$(auth "$reader")" "$url/collections/reports/items"
check "GET /collections/sales/items, unscoped DATA_FETCH" 200 "d == {'items': []}" \
  -H "$(auth "$reader")" "$url/collections/sales/items"
check "GET /collections/bad name/items" 404 "" -H "$(auth "$full")" "$url/collections/bad%20name/items"

# ---- a token sent in the path or the query string: answered, never logged
# (plain, and spelt with %XX escapes, which the log shows decoded)
pct() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g'; }
check "token in the path" 404 "" "$url/items/$reader"
check "token in the query" 200 "" -H "$(auth "$full")" "$url/items?access_token=$reader&x=$full"
check "token in the path and the query" 404 "" "$url/$full/x?t=$reader"
check "token in the path, %-escaped" 404 "" "$url/items/$(pct "$full")"

# ---- tokens.py: the list, and pat's errors as they come with status 1
out=$(tokens list)
if echo "$out" | grep -q '^3 .* expired *$' && echo "$out" | grep -q 'DATA_CREATE, DATA_DELETE, DATA_FETCH' &&
   echo "$out" | grep -q '^1 .* active  *[0-9-]* [0-9:]*$' && ! echo "$out" | grep -q doomed; then
  result "tokens.py list: rights, status, last used; deleted gone"
else result "tokens.py list: rights, status, last used; deleted gone" "$out"; fi
# pat_error MESSAGE ARGS...: tokens.py ARGS prints pat's message as it comes and exits 1
pat_error() {
  want=$1; shift
  err=$("$PY" examples/python/tokens.py --db "$db" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -eq 1 ] && [ "$err" = "$want" ]; then result "tokens.py $1: $want"
  else result "tokens.py $1: $want" "status $rc: $err"; fi
}
pat_error "pat_create: unknown right 'DATA_FECTH'" create alice x DATA_FECTH
pat_error "pat_create: valid_to must be later than valid_from" create alice x DATA_FETCH --valid-to 2020-01-01
pat_error "pat_rotate: no token with id 999" rotate 999
pat_error "pat_revoke: reason is longer than 255 bytes" revoke "$work/leak.txt" --reason "$(printf '%0300d' 0)"

# ---- the client's address and a token's allow-list (README, Client context)
here=$(tokens create carol "from here" DATA_FETCH --allowed-ip 127.0.0.0/8 --description "loopback only")
there=$(tokens create carol "from elsewhere" DATA_FETCH --allowed-ip 10.0.0.0/8)
check "a token allowed from 127.0.0.0/8, from 127.0.0.1" 200 "" -H "$(auth "$here")" "$url/items"
check "a token allowed from 10.0.0.0/8 only, from 127.0.0.1" 401 "" -H "$(auth "$there")" "$url/items"
check "X-Forwarded-For without a trusted proxy is ignored" 401 "" \
  -H "$(auth "$there")" -H "X-Forwarded-For: 10.1.2.3" "$url/items"
seen=$("$PY" -c 'import sqlite3, sys; print(*sqlite3.connect(sys.argv[1]).execute(
  "SELECT description, (SELECT json_group_array(address) FROM pat_store_addresses AS a"
  " WHERE a.token_id = t.id) FROM pat_store_tokens AS t WHERE name = ?",
  ("from here",)).fetchone())' "$db" 2>&1)
if [ "$seen" = 'loopback only ["127.0.0.1"]' ]; then result "last_used_ips holds the peer's address"
else result "last_used_ips holds the peer's address" "got: $seen"; fi
# behind a proxy the server trusts, the client is X-Forwarded-For's last entry
first_server=$server first_url=$url
start_example_server "$db" "$work/proxy.log" --trusted-proxy 127.0.0.1
check "behind a trusted proxy, X-Forwarded-For 10.1.2.3" 200 "" \
  -H "$(auth "$there")" -H "X-Forwarded-For: 10.1.2.3" "$url/items"
check "behind a trusted proxy, a forged first entry does not count" 401 "" \
  -H "$(auth "$there")" -H "X-Forwarded-For: 10.9.9.9, 192.0.2.1" "$url/items"
kill "$server" && wait "$server" 2>/dev/null
server=$first_server url=$first_url

# ---- the log names tokens by id, never by value, nor a token's random part
leaked=""
for t in "$full" "$reader" "$expired" "$doomed" "$old" "$new" "$stranger" "$typo"; do
  grep -qF "$t" "$log" && leaked="$leaked $t"
  r=$(printf '%s' "$t" | cut -c5-36)  # the 32 random characters after pat_
  grep -qF "$r" "$log" && leaked="$leaked $r(random part)"
done
if grep -q ' GET /items/pat_\[masked\] 404 token=-$' "$log" &&
   grep -q ' GET /pat_\[masked\]/x 404 token=-$' "$log"; then
  result "log: a token in the path is masked"
else result "log: a token in the path is masked" "no 'GET /items/pat_[masked] 404' or 'GET /pat_[masked]/x 404' line"; fi
if grep -q ' POST /items 201 token=1$' "$log" && grep -q ' POST /items 403 token=2$' "$log"; then
  result "log: method, path, status, token id"
else result "log: method, path, status, token id" "no 'POST /items 201 token=1' or '... 403 token=2' line"; fi
result "log holds no token" "${leaked:+found in the log:$leaked}"

[ $fail -eq 0 ] || { echo "--- server log"; cat "$log"; }
echo "python_api: $pass passed, $fail failed"
[ $fail -eq 0 ]
