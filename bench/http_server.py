#!/usr/bin/python3
"""http_server.py: the example JSON API with its token check switched, for
bench/http_bench.py (make bench-http).

    /usr/bin/python3 bench/http_server.py --check pat|none|hand \
        [--connection request|thread] --db app.db --port 0

This is examples/python/server.py itself, imported, not copied: the same
routes, handler, JSON answers and log. Only the function its handler calls
to authenticate a request changes, and what the request's connection is:

    pat    the example's own check, auth.authenticate: SELECT pat_verify(?1,
           unixepoch()), pat_has_right(?1, 'DATA_FETCH') in one statement,
           on a connection with pat loaded, as the example opens it
    none   no check at all: every request goes through, as token None; the
           connection does not load pat (there is nothing to call)
    hand   a check written by hand, as an application without pat would:
           SHA-256 of the token, SELECT on a plain table of digests
           (bench/compare.py's `tokens` table, here `hand_tokens`), the
           validity window and the right checked in Python; no pat loaded

    --connection request   a new connection for each request, closed after
                           it: the example as it is
    --connection thread    each server thread (one per client connection,
                           which keep-alive keeps) opens its connection once
                           and keeps it: what an app with a connection per
                           worker does

The server's start (its schema, users.sync_owners) runs as the example's,
with pat loaded, in every variant. It answers HTTP/1.1 with keep-alive (the
example answers HTTP/1.0: one TCP connection per request) and with Nagle's
algorithm off, which a keep-alive http.server needs: it writes the headers
and the body in two writes, and the second would wait for the client's
delayed ACK (40 ms). examples/python/server.py is not changed by any of this.
"""
import argparse
import hashlib
import os
import sqlite3
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "python"))

import server  # noqa: E402  examples/python/server.py

# The hand-written baseline's table: bench/compare.py's `tokens`, column for
# column, in the application's own database; the digest is SHA-256.
HAND_TABLE = ("CREATE TABLE IF NOT EXISTS hand_tokens(id INTEGER PRIMARY KEY,"
              " digest BLOB NOT NULL UNIQUE, owner TEXT NOT NULL, name TEXT NOT NULL,"
              " valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,"
              " rights TEXT NOT NULL, created_at INTEGER NOT NULL)")
HAND_SELECT = "SELECT id, valid_from, valid_to, rights FROM hand_tokens WHERE digest = ?"


def hand_digest(token):
    return hashlib.sha256(token.encode()).digest()


def hand_authenticate(db, authorization, right):
    """The hand-written check, answering as the example's authenticate does."""
    challenge = {"WWW-Authenticate": 'Bearer realm="items"'}
    if not authorization:
        raise server.HttpError(401, "missing token: send 'Authorization: Bearer <token>'", challenge)
    scheme, _, token = authorization.strip().partition(" ")
    row = None
    if scheme.lower() == "bearer" and token:
        row = db.execute(HAND_SELECT, (hand_digest(token.strip()),)).fetchone()
    now = int(time.time())
    if row is None or not row[1] <= now < row[2]:
        raise server.HttpError(401, "invalid, expired or revoked token", challenge)
    if '"%s"' % right not in row[3]:  # rights as pat stores them: a JSON list of names
        raise server.HttpError(403, f"this token lacks the right {right}", token_id=row[0])
    return row[0]


def no_check(db, authorization, right):
    return None


CHECKS = {"pat": server.authenticate, "none": no_check, "hand": hand_authenticate}


def plain_connect(db_path, ext=None):
    """server.connect without pat: what an application that does not use it opens."""
    return sqlite3.connect(db_path, isolation_level=None, timeout=5)


class Kept:
    """A thread's connection, kept: the handler's close() leaves it open."""

    def __init__(self, db):
        self.db = db

    def __getattr__(self, name):
        return getattr(self.db, name)

    def close(self):
        pass


def kept(connect):
    local = threading.local()  # a thread's connection closes when the thread ends

    def connect_once(db_path, ext=server.DEFAULT_EXT):
        if getattr(local, "db", None) is None:
            local.db = Kept(connect(db_path, ext))
        return local.db
    return connect_once


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", choices=sorted(CHECKS), required=True)
    p.add_argument("--connection", choices=("request", "thread"), default="request")
    args, rest = p.parse_known_args()
    connect = server.connect if args.check == "pat" else plain_connect
    if args.connection == "thread":
        connect = kept(connect)

    class BenchServer(server.ThreadingHTTPServer):
        def serve_forever(self, *a, **k):
            # Set up as the example does; from the first request on, the variant.
            server.connect = connect  # what Handler.dispatch calls
            server.authenticate = CHECKS[args.check]
            super().serve_forever(*a, **k)

    server.ThreadingHTTPServer = BenchServer
    server.Handler.protocol_version = "HTTP/1.1"
    server.Handler.disable_nagle_algorithm = True
    sys.argv = [sys.argv[0]] + rest
    server.main()


if __name__ == "__main__":
    main()
