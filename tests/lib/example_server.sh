# tests/lib/example_server.sh: starts examples/python/server.py for a test.
#
#   . tests/lib/example_server.sh
#   start_example_server "$db" "$log" [SERVER_ARGS...]  # sets $server (its pid) and $url
#
# The server listens on 127.0.0.1 on a free port (--port 0) and says where
# in its log; this waits at most 10 s for that line. The caller defines
# give_up (how its suite fails) and stops "$server" when done.
start_example_server() {
  _db=$1 _log=$2
  shift 2
  "$PY" examples/python/server.py --db "$_db" --host 127.0.0.1 --port 0 "$@" >"$_log" 2>&1 &
  server=$!
  _i=0
  until grep -qs '^listening on http://127.0.0.1:[0-9]*$' "$_log"; do
    _i=$((_i + 1))
    if [ $_i -gt 100 ] || ! kill -0 "$server" 2>/dev/null; then
      give_up "the server did not start: $(cat "$_log")"
    fi
    sleep 0.1
  done
  url=$(sed -n 's/^listening on //p' "$_log")
}
