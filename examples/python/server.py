#!/usr/bin/python3
"""A small JSON API whose every request is authenticated with pat.

    /usr/bin/python3 examples/python/server.py --db app.db --port 8080
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/items

Routes (each names the right its token must hold):

    GET    /items      DATA_FETCH    list the items
    POST   /items      DATA_CREATE   {"name": "..."} -> 201 and the new item
    GET    /items/N    DATA_FETCH    one item
    DELETE /items/N    DATA_DELETE   204

Errors are JSON {"status": <code>, "message": "..."}: 401 for a missing,
malformed, unknown, expired or deleted token, 403 for a missing right, 400 for
a bad body, 404 for an unknown path or item.

Standard library only. Run it with Debian's /usr/bin/python3: its sqlite3
module can load extensions. This file must never log or store a token: the
log shows the method, path, status and the token's id.
"""
import argparse
import contextlib
import json
import os
import re
import sqlite3
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_EXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dist", "pat")
MAX_BODY = 64 * 1024


class HttpError(Exception):
    """An answer other than success: becomes {"status": ..., "message": ...}."""

    def __init__(self, status, message, headers=None, token_id=None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}
        self.token_id = token_id  # for the log: which token was refused


def connect(db_path, ext=DEFAULT_EXT):
    """A connection with pat loaded, in autocommit mode.

    Autocommit (isolation_level=None) matters: pat writes a token's
    last_used_at only when a check runs outside a transaction.
    """
    db = sqlite3.connect(db_path, isolation_level=None, timeout=5)
    if not hasattr(db, "enable_load_extension"):
        sys.exit("this Python's sqlite3 can not load extensions: run it with /usr/bin/python3")
    db.enable_load_extension(True)
    db.load_extension(os.path.normpath(ext))
    db.enable_load_extension(False)
    return db


# ---------------------------------------------------------------------------
# The pattern to copy into your own app. Give pat the Authorization header as
# it came (pat_verify reads "Bearer <token>" itself; None, "Basic ..." or
# junk simply do not verify) and the right the endpoint needs:
#   no token that exists and is valid now -> 401 (with WWW-Authenticate)
#   a valid token without that right      -> 403
# Both checks see deletions, rotations and role changes at once: nothing is
# cached. Run them in autocommit, so pat can record the token's last use.
# ---------------------------------------------------------------------------
def authenticate(db, authorization, right):
    """The id of the token in `authorization` if it holds `right`, else HttpError.

    One statement does both checks. pat_verify is asked with an explicit time
    (unixepoch(), now) so that it writes nothing: pat_has_right alone does the
    bookkeeping, one last_used_at and, under audit 'all', one use or deny event
    per request.
    """
    token_id, allowed = db.execute("SELECT pat_verify(?1, unixepoch()), pat_has_right(?1, ?2)",
                                   (authorization, right)).fetchone()
    if token_id is None:
        challenge = {"WWW-Authenticate": 'Bearer realm="items"'}
        if not authorization:
            raise HttpError(401, "missing token: send 'Authorization: Bearer <token>'", challenge)
        raise HttpError(401, "invalid, expired or revoked token", challenge)
    if not allowed:
        raise HttpError(403, f"this token lacks the right {right}", token_id=token_id)
    return token_id


# ---------------------------------------------------------------------------
# Routes: @route(method, path regex, right). A handler gets the request (with
# .db, .token_id and .json()) and the path's groups, and returns (status,
# body); body None sends no content. Add routes here; right=None leaves
# authentication to the handler (a login form, say).
# ---------------------------------------------------------------------------
ROUTES = []


def route(method, pattern, right):
    def register(handler):
        ROUTES.append((method, re.compile(pattern), right, handler))
        return handler
    return register


def find_route(method, path):
    """(right, handler, the path's groups) for a request, or HttpError 404/405."""
    allowed = []
    for route_method, pattern, right, handler in ROUTES:
        match = pattern.fullmatch(path)
        if match and route_method == method:
            return right, handler, match.groups()
        if match:
            allowed.append(route_method)
    if allowed:
        raise HttpError(405, f"{method} is not allowed on {path}", {"Allow": ", ".join(allowed)})
    raise HttpError(404, f"no such path: {path}")


ITEM = "SELECT id, name, owner, created_at FROM items"


def item(row):
    return dict(zip(("id", "name", "owner", "created_at"), row))


@route("GET", r"/items", "DATA_FETCH")
def list_items(req):
    return 200, {"items": [item(r) for r in req.db.execute(ITEM + " ORDER BY id")]}


@route("POST", r"/items", "DATA_CREATE")
def create_item(req):
    body = req.json()
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise HttpError(400, 'the body must be a JSON object {"name": "<non-empty text>"}')
    owner = req.db.execute("SELECT owner FROM pat_tokens WHERE id = ?", (req.token_id,)).fetchone()
    row = req.db.execute(
        "INSERT INTO items(name, owner) VALUES (?, ?) RETURNING id, name, owner, created_at",
        (name, owner[0] if owner else None)).fetchone()
    return 201, item(row)


@route("GET", r"/items/(\d+)", "DATA_FETCH")
def get_item(req, item_id):
    row = req.db.execute(ITEM + " WHERE id = ?", (int(item_id),)).fetchone()
    if row is None:
        raise HttpError(404, f"no item {item_id}")
    return 200, item(row)


@route("DELETE", r"/items/(\d+)", "DATA_DELETE")
def delete_item(req, item_id):
    if req.db.execute("DELETE FROM items WHERE id = ?", (int(item_id),)).rowcount == 0:
        raise HttpError(404, f"no item {item_id}")
    return 204, None


class Handler(BaseHTTPRequestHandler):
    server_version = "pat-example"
    token_id = None

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def dispatch(self):
        path = urllib.parse.urlsplit(self.path).path
        try:
            body = self.read_body()  # always: an unread body would break the connection
            right, handler, args = find_route(self.command, path)
            with contextlib.closing(connect(self.server.db_path, self.server.ext)) as self.db:
                if right is not None:
                    self.token_id = authenticate(self.db, self.headers.get("Authorization"), right)
                self.body = body
                status, payload = handler(self, *args)
            headers = {}
        except HttpError as e:
            self.token_id = self.token_id or e.token_id
            status, payload, headers = e.status, {"status": e.status, "message": e.message}, e.headers
        except Exception as e:  # a bug or a database error: log it, answer without details
            self.log_message("error: %s: %s", type(e).__name__, e)
            status, payload, headers = 500, {"status": 500, "message": "internal error"}, {}
        self.send(status, payload, headers)

    def read_body(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise HttpError(400, "bad Content-Length")
        if length > MAX_BODY:
            self.close_connection = True
            raise HttpError(413, f"the body is larger than {MAX_BODY} bytes")
        return self.rfile.read(length) if length > 0 else b""

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise HttpError(400, "the body is not valid JSON")

    def send(self, status, payload, headers):
        data = b"" if payload is None else json.dumps(payload).encode() + b"\n"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_error(self, code, message=None, explain=None):
        """http.server's own refusals (a bad request line, an unknown method), as JSON too."""
        self.close_connection = True
        self.send(code, {"status": code, "message": message or self.responses[code][0]}, {})

    # The default log line holds the request line, whose query string may
    # carry a token. Ours: method, path without the query, status, token id.
    def log_request(self, code="-", size="-"):
        path = urllib.parse.urlsplit(getattr(self, "path", "")).path or "-"
        self.log_message("%s %s %s token=%s", self.command or "-", path, code,
                         self.token_id if self.token_id is not None else "-")

    def log_error(self, format, *args):
        pass  # http.server's own errors echo the raw request; log_request logs the status

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), format % args))


def main():
    p = argparse.ArgumentParser(description="A JSON API authenticated with pat tokens.")
    p.add_argument("--db", required=True, help="the SQLite database file")
    p.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ext", default=DEFAULT_EXT, help="the pat extension (default: dist/pat)")
    args = p.parse_args()

    try:
        with contextlib.closing(connect(args.db, args.ext)) as db:
            db.execute("PRAGMA journal_mode = WAL")  # readers and pat's bookkeeping never wait
            db.execute("CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                       " owner TEXT, created_at TEXT NOT NULL DEFAULT (datetime('now')))")
    except sqlite3.Error as e:
        sys.exit(f"{args.db}: {e}")

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.db_path, server.ext = args.db, args.ext
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
