"""Shared helpers for the SQL-level tests of pat.

Every test gets its own temporary directory and database file; nothing is
shared between tests. Connections run in autocommit (isolation_level=None)
so that Python never opens a transaction behind the test's back.
"""
import datetime
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXT = os.path.join(ROOT, "dist", "pat")
VERSION_FILE = os.path.join(ROOT, "VERSION")

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LEN = 32
CHECKSUM_LEN = 6
TAIL_LEN = RANDOM_LEN + CHECKSUM_LEN
TOKEN_RE = re.compile(r"^pat_[0-9A-Za-z]{38}$")

# The store's schema version this pat writes (sql/schema.sql).
SCHEMA_VERSION = 6

DEFAULT_LIFETIME = 2592000
MAX_LIFETIME = 31622400

PUBLIC_TABLES = ("pat_tokens", "pat_rights", "pat_roles", "pat_owners",
                 "pat_events", "pat_settings", "pat_retired", "pat_notices")

COLUMNS = {
    "pat_tokens": ["id", "owner", "name", "valid_from", "valid_to", "rights",
                   "status", "created_at", "last_used_at", "description",
                   "allowed_ips", "last_used_ips"],
    "pat_rights": ["name", "category", "description"],
    "pat_roles": ["role", "right"],
    "pat_owners": ["owner", "role"],
    "pat_events": ["id", "at", "event", "token_id", "token_name", "owner",
                   "detail"],
    "pat_settings": ["key", "value"],
    "pat_retired": ["token_id", "owner", "name", "why", "retired_at", "seen",
                    "last_seen_at"],
    "pat_notices": ["token_id", "owner", "name", "kind", "due_at"],
}

CATALOG = {
    "User Management": ["USER_FETCH", "USER_CREATE", "USER_UPDATE",
                        "USER_DELETE"],
    "Config Management": ["CONFIG_FETCH", "CONFIG_CREATE", "CONFIG_UPDATE"],
    "Project Management": ["PROJECT_FETCH", "PROJECT_CREATE",
                           "PROJECT_UPDATE"],
    "Data Operations": ["DATA_FETCH", "DATA_CREATE", "DATA_UPDATE",
                        "DATA_DELETE"],
    "Media Management": ["MEDIA_FETCH", "MEDIA_CREATE", "MEDIA_UPDATE"],
    "Route Management": ["ROUTING_FETCH", "ROUTING_CREATE_UPDATE"],
}
ALL_RIGHTS = sorted(r for rs in CATALOG.values() for r in rs)
DATA_RIGHTS = sorted(CATALOG["Data Operations"])

ROLES = {
    "ROOT": sorted(ALL_RIGHTS),
    "ADMIN": sorted(r for r in ALL_RIGHTS
                    if not r.startswith(("USER_", "CONFIG_"))),
    "AUTHOR": sorted(["DATA_FETCH", "DATA_CREATE", "DATA_UPDATE",
                      "DATA_DELETE", "PROJECT_FETCH", "MEDIA_FETCH",
                      "MEDIA_CREATE", "ROUTING_FETCH"]),
    "VIEWER": sorted(["PROJECT_FETCH", "DATA_FETCH", "MEDIA_FETCH",
                      "ROUTING_FETCH"]),
}

SETTINGS = {
    "default_lifetime": "2592000",
    "max_lifetime": "31622400",
    "prefix": "pat_",
    "default_role": "ROOT",
    "audit": "changes",
    "last_used_interval": "60",
    "bookkeeping_delay": "1000",
    "retired_keep": "7776000",
    "rotate_grace": "0",
    "rotate_reuse": "log",
    "max_idle": None,
    "max_tokens_per_owner": None,
    "notice_before": "604800",
}

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def utc(unix):
    """unix seconds as the UTC text pat shows (YYYY-MM-DD HH:MM:SS)."""
    return datetime.datetime.fromtimestamp(
        unix, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def version():
    with open(VERSION_FILE, encoding="utf-8") as f:
        return f.read().strip()


# ------------------------------------------------------------------ tokens

def base62(n, width):
    """n in base62, most significant digit first, zero-padded to width."""
    digits = []
    while n:
        n, d = divmod(n, 62)
        digits.append(BASE62[d])
    s = "".join(reversed(digits)).rjust(width, BASE62[0])
    assert len(s) == width, (n, width)
    return s


def checksum(prefix_and_random):
    return base62(zlib.crc32(prefix_and_random.encode("utf-8")) & 0xFFFFFFFF,
                  CHECKSUM_LEN)


def random_part(rng=random):
    return "".join(rng.choice(BASE62) for _ in range(RANDOM_LEN))


def make_token(prefix="pat_", rand=None):
    """A well-formed token with a correct checksum (unknown to any store)."""
    if rand is None:
        rand = random_part()
    body = prefix + rand
    return body + checksum(body)


def checksum_ok(token, prefix="pat_"):
    if not token.startswith(prefix) or len(token) != len(prefix) + TAIL_LEN:
        return False
    return checksum(token[:-CHECKSUM_LEN]) == token[-CHECKSUM_LEN:]


def bad_checksum(token):
    """The same token with its last checksum character changed."""
    last = token[-1]
    repl = BASE62[(BASE62.index(last) + 1) % 62]
    return token[:-1] + repl


# ------------------------------------------------------------- databases

def connect(path, load=True, timeout=5.0, **kw):
    conn = sqlite3.connect(path, isolation_level=None, timeout=timeout, **kw)
    if load:
        conn.enable_load_extension(True)
        conn.load_extension(EXT)
        conn.enable_load_extension(False)
    return conn


def raw_connect(path, timeout=5.0):
    """A connection without pat: sees the file as it is."""
    return sqlite3.connect(path, isolation_level=None, timeout=timeout)


# ------------------------------------------- where SQLite versions differ

# A pat function called from a CHECK constraint stored in a database file.
# SQLite 3.40 reads such a schema, and pat itself refuses to work while the
# CHECK is there, naming its table ("pat_verify: table 'ck' in schema 'main'
# names the function pat_create: ..."). SQLite 3.54.1 refuses the table
# itself while it reads the schema, before pat is called: it marks every
# call of a SQLITE_DIRECTONLY function that comes from the schema, where 3.40
# marks only those of deterministic functions (3.52.0's sources do as
# 3.54.1). There every statement that needs that schema fails with
# "malformed database schema (ck) - unsafe use of pat_create()": the first
# statement of a connection, pat's calls and tables, an INSERT into the
# table, its DROP TABLE and an ATTACH of the file included; pat's functions
# pass the message on ("pat_verify: can not read the schema of 'main':
# malformed database schema (ck) - ..."). Nothing pat would do happens, and
# every pat call errors, naming the table, as on 3.40. A connection that read
# the schema before pat was loaded (SQLite leaves a function it does not
# know until it runs) holds the CHECK on every version, and meets pat's own
# refusal. The tests that meet this say so by name;
# tests/sqlite_versions/run.sh shows it for each version. (An index or a
# generated column calling pat, read with pat loaded, is refused by SQLite
# on every version: pat's functions are not deterministic.)

def sqlite_refusal(name, function="pat_create"):
    """SQLite's own message refusing object `name` that calls `function`
    while it reads the schema (where sqlite_refuses_pat_in_schema())."""
    return "malformed database schema (%s) - unsafe use of %s()" % (name, function)


_REFUSES = []


def sqlite_refuses_pat_in_schema():
    """True where SQLite itself refuses, while it reads the schema, a CHECK
    stored in the file that calls pat_create() (3.54.1), False where it
    reads that schema and pat refuses (3.40). Tried once, on a file planted
    as the tests plant theirs."""
    if not _REFUSES:
        tmp = tempfile.mkdtemp(prefix="pat-probe-")
        try:
            path = os.path.join(tmp, "probe.db")
            c = raw_connect(path)
            c.execute("CREATE TABLE ck(a)")
            c.execute("PRAGMA writable_schema=ON")
            c.execute("UPDATE sqlite_schema SET sql = ? WHERE name = 'ck'",
                      ("CREATE TABLE ck(a CHECK (pat_create('m', 'n', '*') IS NOT NULL))",))
            c.close()
            c = connect(path)
            try:
                c.execute("SELECT count(*) FROM sqlite_schema").fetchall()
                _REFUSES.append(False)
            except sqlite3.DatabaseError as e:
                if sqlite_refusal("ck") not in str(e):
                    raise
                _REFUSES.append(True)
            finally:
                c.close()
        finally:
            shutil.rmtree(tmp, True)
    return _REFUSES[0]


# Each token's recorded last use, read without pat (unix seconds or None),
# by the token's `key` column: the latest of what was folded into its row and
# the uses recorded since for the token as it is (sql/schema.sql,
# pat_store_uses). pat_tokens shows the same as text.
LAST_USES_SQL = (
    "SELECT t.{key}, coalesce((SELECT max(u.at) FROM pat_store_uses AS u"
    " WHERE u.token_id = t.id AND u.valid_from = t.valid_from"
    " AND (t.last_used_at IS NULL OR u.at > t.last_used_at)), t.last_used_at)"
    " FROM pat_store_tokens AS t")


def recorded_last_uses(conn, key="id"):
    return dict(conn.execute(LAST_USES_SQL.format(key=key)))


def recorded_last_use(conn, token_id):
    return recorded_last_uses(conn).get(token_id)


def schema_rows(path):
    c = raw_connect(path)
    try:
        return c.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema "
            "ORDER BY type, name").fetchall()
    finally:
        c.close()


def _sortkey(row):
    return repr(row)


def snapshot(path):
    """Everything the file holds, read through a connection without pat:
    sqlite_schema, PRAGMA user_version and every table's rows (sorted)."""
    c = raw_connect(path)
    try:
        schema = c.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema "
            "ORDER BY type, name").fetchall()
        data = {}
        for typ, name, _tbl, sql in schema:
            if typ != "table":
                continue
            if sql and sql.upper().startswith("CREATE VIRTUAL"):
                continue
            q = 'SELECT * FROM "%s"' % name.replace('"', '""')
            data[name] = sorted(c.execute(q).fetchall(), key=_sortkey)
        uv = c.execute("PRAGMA user_version").fetchone()[0]
        return {"schema": schema, "data": data, "user_version": uv}
    finally:
        c.close()


def file_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def pat_objects(path):
    """Names of the objects pat may have made (everything but sqlite_*)."""
    return [r[1] for r in schema_rows(path)
            if not r[1].startswith("sqlite_")]


class PatTestCase(unittest.TestCase):
    """A fresh temporary directory and database file per test, with pat
    loaded on self.conn."""

    maxDiff = None
    journal_mode = None  # e.g. "wal"
    # The store's bookkeeping_delay (ms), set once pat is loaded; None: the
    # default. 0 for tests of what the bookkeeping writes rather than when.
    bookkeeping_delay = None

    def setUp(self):
        if not os.path.exists(EXT + ".so"):
            self.fail("extension not built: %s.so (run make)" % EXT)
        self.tmpdir = tempfile.mkdtemp(prefix="pat-test-")
        self.addCleanup(shutil.rmtree, self.tmpdir, True)
        self.path = os.path.join(self.tmpdir, "test.db")
        self._conns = []
        self.addCleanup(self._close_all)
        if self.journal_mode:
            c = raw_connect(self.path)
            c.execute("PRAGMA journal_mode=%s" % self.journal_mode)
            c.close()
        self.conn = self.connect()
        if self.bookkeeping_delay is not None:
            self.conn.execute("UPDATE pat_settings SET value = ? WHERE key = 'bookkeeping_delay'",
                              (self.bookkeeping_delay,))

    def _close_all(self):
        for c in self._conns:
            try:
                c.close()
            except Exception:
                pass

    def connect(self, load=True, timeout=5.0, path=None):
        c = connect(path or self.path, load=load, timeout=timeout)
        self._conns.append(c)
        return c

    # -- queries
    def one(self, sql, params=(), conn=None):
        return (conn or self.conn).execute(sql, params).fetchone()[0]

    def rows(self, sql, params=(), conn=None):
        return (conn or self.conn).execute(sql, params).fetchall()

    def create(self, owner="u1", name="tok", rights="DATA_FETCH",
               valid_from=None, valid_to=None, conn=None, nargs=None):
        args = [owner, name, rights, valid_from, valid_to]
        if nargs is None:
            nargs = 5 if valid_to is not None else (
                4 if valid_from is not None else 3)
        args = args[:nargs]
        sql = "SELECT pat_create(%s)" % ", ".join("?" * nargs)
        tok = self.one(sql, args, conn)
        self.assertIsInstance(tok, str)
        self.assertRegex(tok, TOKEN_RE)
        self.assertTrue(checksum_ok(tok), "bad checksum on minted %r" % tok)
        return tok

    def verify(self, token, *at, conn=None):
        if at:
            return self.one("SELECT pat_verify(?, ?)", (token, at[0]), conn)
        return self.one("SELECT pat_verify(?)", (token,), conn)

    def has_right(self, token, right, *at, conn=None):
        if at:
            return self.one("SELECT pat_has_right(?, ?, ?)",
                            (token, right, at[0]), conn)
        return self.one("SELECT pat_has_right(?, ?)", (token, right), conn)

    def token_row(self, token_id, conn=None):
        cur = (conn or self.conn).execute(
            "SELECT * FROM pat_tokens WHERE id = ?", (token_id,))
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
        self.assertEqual(len(rows), 1, "no single row for id %r" % token_id)
        return dict(zip(cols, rows[0]))

    def id_of(self, token):
        """The id of a token, asked with an explicit `at` (no bookkeeping)."""
        tid = self.one("SELECT pat_verify(?, unixepoch('now'))", (token,))
        self.assertIsInstance(tid, int)
        return tid

    def now(self):
        return self.one("SELECT unixepoch('now')")

    def unix(self, text):
        return self.one("SELECT unixepoch(?)", (text,))

    def assertSqlError(self, sql, params=(), message=None, contains=None,
                       prefix=None, conn=None):
        """The statement fails with an SQL error; returns its message."""
        with self.assertRaises(sqlite3.Error) as cm:
            (conn or self.conn).execute(sql, params).fetchall()
        msg = str(cm.exception)
        if message is not None:
            self.assertEqual(msg, message)
        if contains is not None:
            self.assertIn(contains, msg)
        if prefix is not None:
            self.assertTrue(msg.startswith(prefix),
                            "%r does not start with %r" % (msg, prefix))
        return msg

    def assertRefused(self, sql, params=(), message=None, contains=None,
                      prefix=None):
        """Fails with an error and leaves the database exactly as it was."""
        before = snapshot(self.path)
        msg = self.assertSqlError(sql, params, message=message,
                                  contains=contains, prefix=prefix)
        self.assertEqual(snapshot(self.path), before,
                         "database changed by refused %s %r" % (sql, params))
        return msg

    def assertNamesStoredObject(self, message, name, function="pat_create",
                                parse_first=False):
        """`message`, the error met while object `name` stored in the file
        calls `function`, names the object: pat's refusal quotes it
        ('NAME'). Where SQLite refuses the object itself while it reads the
        schema (sqlite_refuses_pat_in_schema(), 3.54.1), a connection that
        loaded pat before it read the schema (not parse_first) meets
        SQLite's message instead: "malformed database schema (NAME) - unsafe
        use of FUNCTION()"."""
        if sqlite_refuses_pat_in_schema() and not parse_first:
            # SQLite names the function as the schema spells it.
            self.assertIn(sqlite_refusal(name, function).lower(), message.lower())
        else:
            self.assertIn("'%s'" % name, message)

    def dropStoredObject(self, conn, sql, name, function="pat_create", path=None,
                         parse_first=False):
        """The application drops object `name` (stored in the file at `path`,
        calling `function`) with `sql` on `conn`. Where SQLite refuses the
        object as it reads the schema (sqlite_refuses_pat_in_schema(),
        3.54.1) and `conn` loaded pat before it read the schema (not
        parse_first), `sql` fails there too, with SQLite's refusal: the
        application drops the object through a connection without pat, on
        which SQLite reads the schema, and `conn` reads the schema anew at
        its next statement."""
        if parse_first or not sqlite_refuses_pat_in_schema():
            conn.execute(sql)
            return
        with self.assertRaises(sqlite3.DatabaseError) as cm:
            conn.execute(sql)
        self.assertIn(sqlite_refusal(name, function), str(cm.exception))
        other = raw_connect(path or self.path)
        try:
            other.execute(sql)
        finally:
            other.close()

    def assertNoStore(self):
        self.assertEqual(schema_rows(self.path), [])

    # -- issue 3: settings and the audit trail
    def set_setting(self, key, value, conn=None):
        """UPDATE one pat_settings value; fails the test if no row changed."""
        c = conn or self.conn
        cur = c.execute("UPDATE pat_settings SET value = ? WHERE key = ?",
                        (value, key))
        self.assertEqual(cur.rowcount, 1, "setting %r not updated" % key)

    def setting(self, key, conn=None):
        return self.one("SELECT value FROM pat_settings WHERE key = ?", (key,),
                        conn)

    def events(self, token_id=None, conn=None):
        """pat_events rows as dicts in id order (of one token if given)."""
        sql = "SELECT * FROM pat_events"
        params = ()
        if token_id is not None:
            sql += " WHERE token_id = ?"
            params = (token_id,)
        cur = (conn or self.conn).execute(sql + " ORDER BY id", params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def rights_json(text):
    v = json.loads(text)
    assert isinstance(v, list)
    return v


def elapsed(fn):
    t = time.monotonic()
    r = fn()
    return r, time.monotonic() - t


# ------------------------------------------------------ child processes

def _child_limits():
    # A pat that recurses into itself crashes on a small stack at once
    # instead of after seconds of recursion; no core files.
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    limit = 1 << 20
    if hard == resource.RLIM_INFINITY or hard >= limit:
        resource.setrlimit(resource.RLIMIT_STACK, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_child(code, *args, stdin=None, timeout=60):
    """Runs code in a new interpreter (so a crash fails one test, not the
    run); (return code, the JSON lines it printed, stderr)."""
    r = subprocess.run([sys.executable or "/usr/bin/python3", "-c", code] +
                       [str(a) for a in args], input=stdin, capture_output=True,
                       text=True, timeout=timeout, preexec_fn=_child_limits)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    return r.returncode, lines, r.stderr


class FastTestCase(PatTestCase):
    """PatTestCase whose connections do not sync to disk (the tests are
    about what pat does, not about durability): a few times faster."""

    def connect(self, *args, **kwargs):
        c = super().connect(*args, **kwargs)
        c.execute("PRAGMA synchronous=OFF")
        return c
