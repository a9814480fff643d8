#!/usr/bin/python3
"""A small JSON API whose every request is authenticated with pat.

    /usr/bin/python3 examples/python/server.py --db app.db --port 8080
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/items

Routes (each names the right its token must hold):

    GET    /items      DATA_FETCH    list the items of every collection
    POST   /items      DATA_CREATE   {"name": "..."} -> 201 and the new item
    GET    /items/N    DATA_FETCH    one item
    DELETE /items/N    DATA_DELETE   204

Items live in collections (an item made through /items is in "default"),
and each collection is a resource: a token may hold a right on one
collection only (README, Rights on resources).

    GET    /collections/C/items      DATA_FETCH@collection:C    its items
    POST   /collections/C/items      DATA_CREATE@collection:C   a new item in C
    GET    /collections/C/items/N    DATA_FETCH@collection:C    one item of C
    DELETE /collections/C/items/N    DATA_DELETE@collection:C   204

A token made with DATA_FETCH@collection:reports reads the collection
"reports" and nothing else: not another collection, and not /items, which
needs DATA_FETCH on every collection (unscoped). A token holding DATA_FETCH
unscoped reads every collection.

Errors are JSON {"status": <code>, "message": "..."}: 401 for a missing,
malformed, unknown, expired or deleted token, 403 for a missing right, 400 for
a bad body, 404 for an unknown path or item. The token check itself is in
auth.py, a module to copy into your own app as it is.

The same server also serves the token management web page (examples/web/,
README there): /web/login, /web/pats, /web/audit (ROOT only), and the JSON
endpoints under /web/api/ that the page calls. Those are authenticated by a
session cookie and a CSRF token instead of a token: a person signs in with a
password (users.py makes the users) and manages their own tokens.

Standard library only. Run it with Debian's /usr/bin/python3: its sqlite3
module can load extensions. This file must never log or store a token: the
log shows the method, path, status and the token's id, and every log line has
anything that could be a token masked (log_safe).
"""
import argparse
import contextlib
import hmac
import http.cookies
import json
import os
import re
import sqlite3
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import auth
import messages
import users

DEFAULT_EXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dist", "pat")
MAX_BODY = 64 * 1024


class HttpError(Exception):
    """An answer other than success: becomes {"status": ..., "message": ..., **extra}."""

    def __init__(self, status, message, headers=None, token_id=None, **extra):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}
        self.token_id = token_id  # for the log: which token was refused
        self.extra = extra


class Raw:
    """A body that is not JSON (a page, a stylesheet, a script), as a handler's payload."""

    def __init__(self, data, content_type):
        self.data, self.content_type = data, content_type


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
# Authentication, in auth.py: the module to copy into your own app. It takes
# the Authorization header as it came and the right the endpoint needs:
#   no token that exists and is valid now -> 401 (with WWW-Authenticate)
#   a valid token without that right      -> 403
# Here its refusal becomes this server's HttpError, and so its JSON answer.
# ---------------------------------------------------------------------------
def authenticate(db, authorization, right, client=None):
    """The id of the token in `authorization` if it holds `right` for a caller
    at `client`, else HttpError 401 or 403."""
    try:
        return auth.authenticate(db, authorization, right, realm="items", client=client)
    except auth.AuthError as e:
        raise HttpError(e.status, e.message, e.headers, token_id=e.token_id) from None


# ---------------------------------------------------------------------------
# Routes: @route(method, path regex, right). A handler gets the request (with
# .db, .token_id and .json()) and the path's groups, and returns (status,
# body) or (status, body, headers); body None sends no content, a Raw sends
# itself as it is. Add routes here; right=None leaves authentication to the
# handler (the web page's routes below use a session instead of a token).
# A right may name a resource from the path: "{0}" is the path's first group
# (its pattern admits only bytes a resource may hold).
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


ITEM = "SELECT id, name, owner, created_at, collection FROM items"
COLLECTION = r"/collections/([A-Za-z0-9_.-]{1,64})"


def item(row):
    return dict(zip(("id", "name", "owner", "created_at", "collection"), row))


def new_item(req, collection):
    body = req.json()
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise HttpError(400, 'the body must be a JSON object {"name": "<non-empty text>"}')
    row = req.db.execute(
        "INSERT INTO items(name, owner, collection) VALUES (?, ?, ?)"
        " RETURNING id, name, owner, created_at, collection",
        (name, auth.token_owner(req.db, req.token_id), collection)).fetchone()
    return 201, item(row)


@route("GET", r"/items", "DATA_FETCH")
def list_items(req):
    return 200, {"items": [item(r) for r in req.db.execute(ITEM + " ORDER BY id")]}


@route("POST", r"/items", "DATA_CREATE")
def create_item(req):
    return new_item(req, "default")


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


@route("GET", COLLECTION + r"/items", "DATA_FETCH@collection:{0}")
def list_collection(req, collection):
    rows = req.db.execute(ITEM + " WHERE collection = ? ORDER BY id", (collection,))
    return 200, {"items": [item(r) for r in rows]}


@route("POST", COLLECTION + r"/items", "DATA_CREATE@collection:{0}")
def create_in_collection(req, collection):
    return new_item(req, collection)


@route("GET", COLLECTION + r"/items/(\d+)", "DATA_FETCH@collection:{0}")
def get_in_collection(req, collection, item_id):
    row = req.db.execute(ITEM + " WHERE collection = ? AND id = ?",
                         (collection, int(item_id))).fetchone()
    if row is None:
        raise HttpError(404, f"no item {item_id} in {collection}")
    return 200, item(row)


@route("DELETE", COLLECTION + r"/items/(\d+)", "DATA_DELETE@collection:{0}")
def delete_in_collection(req, collection, item_id):
    if req.db.execute("DELETE FROM items WHERE collection = ? AND id = ?",
                      (collection, int(item_id))).rowcount == 0:
        raise HttpError(404, f"no item {item_id} in {collection}")
    return 204, None


# ---------------------------------------------------------------------------
# The token management web page (examples/web/). A person signs in with a
# password; a session cookie (HttpOnly, SameSite=Strict) names them on every
# request, and every change must also carry the session's CSRF token in the
# header X-CSRF-Token (or the form field csrf). Each change goes through pat:
# pat_create, UPDATE and DELETE on pat_tokens, pat_rotate; a refusal from pat
# comes back as {"status", "message": <in plain words>, "field", "detail":
# <pat's own message>}. The token itself is in the answer to the POST that
# made it, and nowhere else: not stored, not logged, not cached.
# ---------------------------------------------------------------------------
WEB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "web")
COOKIE = "pat_session"
WEB_HEADERS = {
    "Cache-Control": "no-store",  # a page or answer that held a token is never kept
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
                               " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
TOKEN_COLUMNS = ("id", "name", "valid_from", "valid_to", "rights", "status", "created_at", "last_used_at",
                 "description", "allowed_ips", "last_used_ips")
CHANGES = ("POST", "PUT", "PATCH", "DELETE")


def web_file(name):
    path = os.path.join(WEB_DIR, name)
    try:
        with open(path, "rb") as f:
            return Raw(f.read(), STATIC_TYPES[os.path.splitext(name)[1]])
    except (OSError, KeyError):
        raise HttpError(404, f"no such file: {name}")


def check_origin(req):
    """A change must come from this site's own pages: an Origin header, when sent, names this host."""
    origin = req.headers.get("Origin")
    if origin and urllib.parse.urlsplit(origin).netloc != req.headers.get("Host"):
        raise HttpError(403, "this request comes from another site")


def signed_in(req, page=False):
    """The user of the request's session (also as req.user); on a change, checks the CSRF token.

    Without a live session: 401, or for a page a redirect to the login form.
    """
    user = users.find_session(req.db, req.cookie(COOKIE))
    if user is None:
        if page:
            path = urllib.parse.urlsplit(req.path).path
            login = "/web/login?next=" + urllib.parse.quote(path, safe="")
            raise HttpError(303, "sign in first", {"Location": login})
        raise HttpError(401, "You are not signed in, or your session has expired. Sign in again.")
    req.user = user
    if req.command in CHANGES:
        check_origin(req)
        sent = req.headers.get("X-CSRF-Token") or req.form().get("csrf", "")
        if not hmac.compare_digest(sent.encode(), user["csrf"].encode()):
            raise HttpError(403, "This page is out of date (its security token does not match). Reload it.")
    return user


def session_cookie(req, value, max_age):
    secure = "; Secure" if req.server.secure_cookie else ""
    return f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"


def token_row(row):
    d = dict(zip(TOKEN_COLUMNS, row))
    for key in ("rights", "allowed_ips", "last_used_ips"):
        d[key] = json.loads(d[key]) if d[key] is not None else None
    return d


def own_token(req, token_id):
    """The signed-in user's token `token_id`, or 404 (someone else's token is not there either)."""
    row = req.db.execute("SELECT " + ", ".join(TOKEN_COLUMNS) + " FROM pat_tokens WHERE id = ? AND owner = ?",
                         (int(token_id), req.user["name"])).fetchone()
    if row is None:
        raise HttpError(404, "This token does not exist any more. Reload the page.")
    return token_row(row)


def refusal(error, fields=()):
    """pat's refusal as an HttpError: the message in plain words, the field, pat's own words."""
    raw = str(error)
    if not raw.startswith("pat_"):
        raise error  # not pat's: a 500
    field, text = messages.friendly(raw, fields)
    status = 403 if "may grant" in raw or "may not grant" in raw else 400
    return HttpError(status, text, field=field, detail=raw)


def token_fields(body, allowed):
    """The fields of a create or edit form, type-checked; pat checks the values."""
    if not isinstance(body, dict):
        raise HttpError(400, "the body must be a JSON object")
    unknown = set(body) - set(allowed)
    if unknown:
        raise HttpError(400, f"unknown field(s): {', '.join(sorted(unknown))}")
    out = {}
    for key, value in body.items():
        if key == "rights":
            if not (isinstance(value, list) and all(isinstance(r, str) for r in value)):
                raise HttpError(400, "rights must be a list of permission names", field="rights")
            value = json.dumps(value)
        elif key == "name":
            if not isinstance(value, str):
                raise HttpError(400, "Give the token a name.", field="name")
        elif key == "description":
            if value is not None and not isinstance(value, str):
                raise HttpError(400, "The description must be text.", field="description")
            value = value or None  # an empty box: no description
        elif key == "allowed_ips":
            # a list of addresses or blocks; empty or None: any address
            if value is not None and not (isinstance(value, list) and
                                          all(isinstance(a, str) for a in value)):
                raise HttpError(400, "List addresses or blocks, one per line.", field="allowed_ips")
            value = json.dumps(value) if value else None
        elif value is not None and not isinstance(value, (str, int)):
            raise HttpError(400, "This is not a date and time the server can read.", field=key)
        out[key] = value
    return out


# Failed logins per name, to slow down password guessing: after 10 failures
# within 10 minutes, the name is refused until the oldest failure is that old.
FAILED_LOGINS, FAILED_LOCK = {}, threading.Lock()


def too_many_failures(name, failed=False):
    now = time.monotonic()
    with FAILED_LOCK:
        recent = [t for t in FAILED_LOGINS.get(name, []) if now - t < 600]
        if failed:
            recent.append(now)
        FAILED_LOGINS[name] = recent
        return len(recent) >= 10


@route("GET", r"/web/?", None)
def web_home(req):
    return 303, None, {"Location": "/web/pats"}


@route("GET", r"/web/login", None)
def login_page(req):
    return 200, web_file("login.html")


@route("GET", r"/web/static/([a-z0-9-]+\.(?:css|js|svg))", None)
def static_file(req, name):
    return 200, web_file(name)


@route("GET", r"/web/pats", None)
def pats_page(req):
    signed_in(req, page=True)
    return 200, web_file("pats.html")


@route("GET", r"/web/audit", None)
def audit_page(req):
    if signed_in(req, page=True)["role"] != "ROOT":
        return 403, Raw(b'<!doctype html><meta charset="utf-8"><title>Not allowed</title>'
                        b'<link rel="icon" href="/web/static/icon.svg">'
                        b'<link rel="stylesheet" href="/web/static/app.css">'
                        b'<main><h1>Not allowed</h1><p>Only ROOT users see the audit trail.</p>'
                        b'<p><a href="/web/pats">Back to your tokens</a></p></main>', STATIC_TYPES[".html"])
    return 200, web_file("audit.html")


@route("POST", r"/web/api/login", None)
def login(req):
    """{"name", "password"} -> the session cookie. A JSON body only: a form on another site can not send one."""
    check_origin(req)
    if (req.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
        raise HttpError(415, "send the name and password as JSON")
    body = req.json()
    name, password = (body.get("name"), body.get("password")) if isinstance(body, dict) else (None, None)
    if not isinstance(name, str) or not isinstance(password, str) or not name or not password:
        raise HttpError(400, "Enter your user name and password.")
    if too_many_failures(name):
        raise HttpError(429, "Too many failed attempts for this user. Wait a few minutes and try again.")
    user = users.authenticate(req.db, name, password)
    if user is None:
        too_many_failures(name, failed=True)
        raise HttpError(401, "Wrong user name or password.")
    users.end_session(req.db, req.cookie(COOKIE))
    value, _ = users.start_session(req.db, user[0])
    req.user = {"name": user[1]}
    return 200, {"name": user[1], "role": user[2]}, {"Set-Cookie": session_cookie(req, value, users.SESSION_SECONDS)}


@route("POST", r"/web/logout", None)
def logout(req):
    """The sign-out form: ends the session (CSRF token in the form field csrf or the header)."""
    try:
        signed_in(req)
        users.end_session(req.db, req.cookie(COOKIE))
    except HttpError as e:
        if e.status != 401:
            raise
    return 303, None, {"Location": "/web/login", "Set-Cookie": session_cookie(req, "", 0)}


@route("GET", r"/web/logout", None)
def logout_page(req):
    return 303, None, {"Location": "/web/pats"}  # signing out is a POST, from the button on every page


@route("GET", r"/web/api/me", None)
def me(req):
    user = signed_in(req)
    settings = dict(req.db.execute("SELECT key, value FROM pat_settings"
                                   " WHERE key IN ('max_lifetime', 'default_lifetime')"))
    return 200, {"name": user["name"], "role": user["role"], "csrf": user["csrf"], **settings}


@route("GET", r"/web/api/rights", None)
def rights(req):
    """The catalog by category, each right marked with whether the user's role may grant it."""
    user = signed_in(req)
    categories = {}
    for name, category, description, grantable in req.db.execute(
            'SELECT r.name, r.category, r.description,'
            ' EXISTS (SELECT 1 FROM pat_roles AS g WHERE g.role = ? AND g."right" = r.name)'
            ' FROM pat_rights AS r ORDER BY r.category, r.name', (user["role"],)):
        categories.setdefault(category, []).append(
            {"name": name, "description": description, "grantable": bool(grantable)})
    return 200, {"role": user["role"],
                 "categories": [{"name": c, "rights": r} for c, r in categories.items()]}


@route("GET", r"/web/api/tokens", None)
def list_tokens(req):
    user = signed_in(req)
    rows = req.db.execute("SELECT " + ", ".join(TOKEN_COLUMNS) + " FROM pat_tokens WHERE owner = ? ORDER BY id",
                          (user["name"],))
    return 200, {"tokens": [token_row(r) for r in rows]}


@route("POST", r"/web/api/tokens", None)
def create_token(req):
    """{"name", "rights": [...], "valid_from"?, "valid_to"?, "description"?, "allowed_ips"?: [...]}
    -> 201 {"token", "row"}: the token, once."""
    user = signed_in(req)
    f = token_fields(req.json(), ("name", "rights", "valid_from", "valid_to", "description",
                                  "allowed_ips"))
    options = {k: f[k] if k == "description" else json.loads(f[k])
               for k in ("description", "allowed_ips") if f.get(k) is not None}
    try:
        # One transaction, so that the newest token of this owner is the one just made.
        with users.transaction(req.db):
            token = req.db.execute("SELECT pat_create(?, ?, ?, ?, ?, ?)", (
                user["name"], f.get("name"), f.get("rights", "[]"), f.get("valid_from"),
                f.get("valid_to"), json.dumps(options))).fetchone()[0]
            token_id = req.db.execute("SELECT max(id) FROM pat_tokens WHERE owner = ?", (user["name"],)).fetchone()[0]
    except sqlite3.OperationalError as e:
        raise refusal(e, f)
    row = own_token(req, token_id)
    return 201, {"token": token, "row": row}


@route("PATCH", r"/web/api/tokens/(\d+)", None)
def edit_token(req, token_id):
    """Any of {"name", "valid_from", "valid_to", "rights", "description", "allowed_ips"}: one UPDATE
    of pat_tokens, checked by pat."""
    user = signed_in(req)
    f = token_fields(req.json(), ("name", "valid_from", "valid_to", "rights", "description",
                                  "allowed_ips"))
    if not f:
        raise HttpError(400, "nothing to change")
    own_token(req, token_id)
    try:
        req.db.execute("UPDATE pat_tokens SET " + ", ".join(f"{k} = ?" for k in f) + " WHERE id = ? AND owner = ?",
                       (*f.values(), int(token_id), user["name"]))
    except sqlite3.OperationalError as e:
        raise refusal(e, f)
    return 200, {"row": own_token(req, token_id)}


@route("DELETE", r"/web/api/tokens/(\d+)", None)
def delete_token(req, token_id):
    user = signed_in(req)
    own_token(req, token_id)
    req.db.execute("DELETE FROM pat_tokens WHERE id = ? AND owner = ?", (int(token_id), user["name"]))
    return 204, None


@route("POST", r"/web/api/tokens/(\d+)/rotate", None)
def rotate_token(req, token_id):
    """{"valid_to"?} -> {"token", "row"}: a new value, once; the old one stops working at once."""
    signed_in(req)
    f = token_fields(req.json() if req.body else {}, ("valid_to",))
    own_token(req, token_id)
    try:
        token = req.db.execute("SELECT pat_rotate(?, ?)", (int(token_id), f.get("valid_to"))).fetchone()[0]
    except sqlite3.OperationalError as e:
        raise refusal(e, f)
    return 200, {"token": token, "row": own_token(req, token_id)}


NOTICE_COLUMNS = ("token_id", "name", "kind", "due_at")


@route("GET", r"/web/api/notices", None)
def notices(req):
    """What pat says the signed-in user should know (pat_notices): tokens expiring soon, expired,
    or going idle. The page shows them until the user marks them read."""
    user = signed_in(req)
    rows = req.db.execute("SELECT " + ", ".join(NOTICE_COLUMNS) + " FROM pat_notices WHERE owner = ?",
                          (user["name"],))
    return 200, {"notices": [dict(zip(NOTICE_COLUMNS, r)) for r in rows]}


@route("POST", r"/web/api/notices/ack", None)
def ack_notice(req):
    """{"token_id", "kind"} -> 204: read; pat's DELETE acknowledges it (a `notice` event)."""
    user = signed_in(req)
    body = req.json()
    if not (isinstance(body, dict) and isinstance(body.get("token_id"), int)
            and body.get("kind") in ("expiring", "expired", "idle")):
        raise HttpError(400, "give token_id and kind")
    req.db.execute("DELETE FROM pat_notices WHERE owner = ? AND token_id = ? AND kind = ?",
                   (user["name"], body["token_id"], body["kind"]))
    return 204, None


RETIRED_COLUMNS = ("token_id", "name", "why", "retired_at", "seen", "last_seen_at")


@route("GET", r"/web/api/retired", None)
def retired(req):
    """The signed-in user's values that stopped working (pat_retired): those tried since first,
    then the newest. A value tried after it stopped is a sign someone else has it."""
    user = signed_in(req)
    rows = req.db.execute("SELECT " + ", ".join(RETIRED_COLUMNS) + " FROM pat_retired WHERE owner = ?"
                          " ORDER BY seen > 0 DESC, coalesce(last_seen_at, retired_at) DESC LIMIT 100",
                          (user["name"],))
    return 200, {"retired": [dict(zip(RETIRED_COLUMNS, r)) for r in rows]}


EVENT_COLUMNS = ("id", "at", "event", "token_id", "token_name", "owner", "detail")


@route("GET", r"/web/api/events", None)
def events(req):
    """The latest pat_events (ROOT only): ?token=<id or part of a name>&owner=&event=&limit=."""
    if signed_in(req)["role"] != "ROOT":
        raise HttpError(403, "Only ROOT users see the audit trail.")
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(req.path).query)
    arg = lambda key: (q.get(key) or [""])[0].strip()  # noqa: E731
    where, params = [], []
    if arg("token").isdigit():
        where.append("token_id = ?")
        params.append(int(arg("token")))
    elif arg("token"):
        where.append("instr(lower(token_name), lower(?)) > 0")
        params.append(arg("token"))
    if arg("owner"):
        where.append("owner = ?")
        params.append(arg("owner"))
    if arg("event"):
        where.append("event = ?")
        params.append(arg("event"))
    limit = int(arg("limit")) if arg("limit").isdigit() else 100
    rows = req.db.execute("SELECT " + ", ".join(EVENT_COLUMNS) + " FROM pat_events"
                          + (" WHERE " + " AND ".join(where) if where else "")
                          + " ORDER BY id DESC LIMIT ?", (*params, max(1, min(limit, 1000))))
    owners = [r[0] for r in req.db.execute("SELECT name FROM users UNION SELECT owner FROM pat_tokens ORDER BY 1")]
    return 200, {"events": [dict(zip(EVENT_COLUMNS, r)) for r in rows], "owners": owners}


class Handler(BaseHTTPRequestHandler):
    server_version = "pat-example"
    token_id = None
    user = None  # the signed-in user, on the web page's routes

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
                    # The caller's address for the token's allow-list: the TCP
                    # peer, or behind a trusted proxy its X-Forwarded-For.
                    client = auth.client_address(self.client_address[0],
                                                 self.headers.get("X-Forwarded-For"),
                                                 self.server.trusted_proxies)
                    self.token_id = authenticate(self.db, self.headers.get("Authorization"),
                                                 right.format(*args), client)
                self.body = body
                status, payload, *rest = handler(self, *args)
            headers = rest[0] if rest else {}
        except HttpError as e:
            self.token_id = self.token_id or e.token_id
            payload = {"status": e.status, "message": e.message, **e.extra}
            status, headers = e.status, e.headers
        except Exception as e:  # a bug or a database error: log it, answer without details
            self.log_message("error: %s: %s", type(e).__name__, e)
            status, payload, headers = 500, {"status": 500, "message": "internal error"}, {}
        if path == "/web" or path.startswith("/web/"):
            headers = {**WEB_HEADERS, **headers}
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

    def form(self):
        """The body as an HTML form (application/x-www-form-urlencoded): {name: first value}."""
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return {}
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode("utf-8", "replace")).items()}

    def cookie(self, name):
        """The value of cookie `name` in the request, or None."""
        try:
            jar = http.cookies.SimpleCookie(self.headers.get("Cookie") or "")
        except http.cookies.CookieError:
            return None
        return jar[name].value if name in jar else None

    def send(self, status, payload, headers):
        content_type = "application/json"
        if isinstance(payload, Raw):
            data, content_type = payload.data, payload.content_type
        else:
            data = b"" if payload is None else json.dumps(payload).encode() + b"\n"
        self.send_response(status)
        for name, value in headers.items():
            if isinstance(value, list):  # a header sent more than once (Set-Cookie)
                for v in value:
                    self.send_header(name, v)
            else:
                self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_error(self, code, message=None, explain=None):
        """http.server's own refusals (a bad request line, an unknown method), as JSON too."""
        self.close_connection = True
        self.send(code, {"status": code, "message": message or self.responses[code][0]}, {})

    # The default log line holds the request line, whose query string may
    # carry a token. Ours: method, path without the query (decoded, so that
    # a token spelt with %XX escapes is masked too), status, token id.
    def log_request(self, code="-", size="-"):
        path = urllib.parse.urlsplit(getattr(self, "path", "")).path
        path = urllib.parse.unquote(path, errors="replace") or "-"
        self.log_message("%s %s %s token=%s%s", self.command or "-", path, code,
                         self.token_id if self.token_id is not None else "-",
                         f" user={self.user['name']}" if self.user else "")

    def log_error(self, format, *args):
        pass  # http.server's own errors echo the raw request; log_request logs the status

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), log_safe(format % args)))


# A client may put a token anywhere: in the path (/items/pat_...), in a
# field that ends up in an error. No log line may show one, so every line is
# masked as pat masks its messages: a run of 32 or more letters and digits
# could be a token's random part (a token is its prefix, 32 random and 6
# checksum characters, all of them letters and digits), and is replaced.
# Control characters are replaced too, so a line stays one line.
TOKEN_LIKE = re.compile(r"[A-Za-z0-9]{32,}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def log_safe(line):
    return TOKEN_LIKE.sub("[masked]", CONTROL.sub("?", line))


def main():
    p = argparse.ArgumentParser(description="A JSON API authenticated with pat tokens.")
    p.add_argument("--db", required=True, help="the SQLite database file")
    p.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ext", default=DEFAULT_EXT, help="the pat extension (default: dist/pat)")
    p.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS[/PREFIX]",
                   help="a reverse proxy in front of this server, whose X-Forwarded-For gives the "
                        "client's address (repeatable); without one the header is ignored")
    p.add_argument("--secure-cookie", action="store_true",
                   help="mark the session cookie Secure (when the page is served over https)")
    args = p.parse_args()

    try:
        with contextlib.closing(connect(args.db, args.ext)) as db:
            db.execute("PRAGMA journal_mode = WAL")  # readers and pat's bookkeeping never wait
            db.execute("CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                       " owner TEXT, created_at TEXT NOT NULL DEFAULT (datetime('now')),"
                       " collection TEXT NOT NULL DEFAULT 'default')")
            # A database made before items had collections: theirs is "default".
            if "collection" not in [r[1] for r in db.execute("PRAGMA table_info(items)")]:
                db.execute("ALTER TABLE items ADD COLUMN collection TEXT NOT NULL DEFAULT 'default'")
            users.ensure_schema(db)  # the web page's users and sessions
            users.sync_owners(db)
    except sqlite3.Error as e:
        sys.exit(f"{args.db}: {e}")

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.db_path, server.ext, server.secure_cookie = args.db, args.ext, args.secure_cookie
    server.trusted_proxies = args.trusted_proxy
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
