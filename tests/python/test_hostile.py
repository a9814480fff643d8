"""Hostile input, table-driven (issue 5, item 3).

Every function argument and every writable table column of pat is fed each
hostile value: NULL, the wrong types, empty, 1 MiB and length-limit strings,
invalid UTF-8, embedded NUL bytes, control characters, negative, zero, huge,
NaN and out-of-range times, valid_to equal to valid_from, unknown, duplicate
and wildcard-only rights, malformed and deeply nested JSON, SQL metacharacters
and quotes, tokens of the wrong prefix, length, alphabet or checksum, and a
right the owner's role does not grant.

Each case states the documented answer (README "Errors" and "Settings",
notes/errors-draft.md, /work/shared/INTERFACE.md): an exact error message, or a
value (pat_verify NULL, pat_has_right 0, a name stored verbatim, ...). After
every call that is refused, or that answers NULL/0, the database must be
byte-for-byte what it was: a SHA-256 of the database file (plus -wal and
-journal, which a rollback-journal database in autocommit never leaves) and a
SHA-256 of every table's content (helpers.snapshot) are compared before and
after. Every error message must also be valid UTF-8 (sqlite3_errmsg is UTF-8),
free of control characters and short.

The connection's SQLITE_LIMIT_LENGTH is lowered to LIMIT (2,000,000 bytes) so
that a string exactly at SQLite's length limit, and one byte over it, can be
tried in reasonable time. One database serves each group: a refused call
provably leaves it unchanged (that is what the byte comparison checks), and a
case that is meant to change it is followed by a re-baseline and, where later
cases depend on it, a cleanup that puts the row back.

Where the documentation is silent and a case's expectation follows what pat
does (a sensible refusal with an undocumented message, the truncation and
sanitising of echoed values), the case's label ends in "[undocumented]".

The total number of cases tried is printed once, on stderr:
"hostile inputs tried: N".
"""
import hashlib
import json
import math
import os
import shutil
import sqlite3
import sys
import tempfile

from tests.python import helpers
from tests.python.helpers import (PatTestCase, ALL_RIGHTS, DATA_RIGHTS, ROLES,
                                  DEFAULT_LIFETIME, MAX_LIFETIME, make_token,
                                  bad_checksum, file_bytes, snapshot)

# ----------------------------------------------------------------- values

LIMIT = 2_000_000                      # the connection's SQLITE_LIMIT_LENGTH
MIB = "A" * (1 << 20)                  # 1 MiB string
AT_LIMIT = "A" * LIMIT                 # exactly at the length limit
OVER_LIMIT = "A" * (LIMIT + 1)         # one byte over it: SQLite refuses
NAN = float("nan")                     # sqlite3_bind_double(NaN) binds NULL
INF = float("inf")
TOO_BIG = "string or blob too big"     # SQLite's own answer, pat never runs

TIME_MIN = -62167219200                # 0000-01-01 00:00:00
TIME_MAX = 253402300799                # 9999-12-31 23:59:59

SQL_INJECTION = "'; DROP TABLE pat_store_tokens; --"
ROBERT = "Robert'); DROP TABLE pat_store_tokens;--"

# A raw SQLite (no pat) to read times "as SQLite reads them" and to show
# unix seconds as pat shows them.
_RAW = sqlite3.connect(":memory:", isolation_level=None)


class Sql:
    """A value given as an SQL expression instead of a bound parameter
    (Python can not bind invalid UTF-8 as TEXT); raw: its bytes."""

    def __init__(self, sql, raw=None):
        self.sql = sql
        self.raw = raw

    def __repr__(self):
        return self.sql


def bad_utf8(raw):
    """TEXT holding exactly these (invalid UTF-8) bytes."""
    return Sql("CAST(x'%s' AS TEXT)" % raw.hex(), raw)


BAD_UTF8 = [
    ("invalid UTF-8: lone 0xFF", b"\xff"),
    ("invalid UTF-8: truncated sequence", b"caf\xc3"),
    ("invalid UTF-8: overlong '/'", b"\xc0\xaf"),
    ("invalid UTF-8: surrogate U+D800", b"\xed\xa0\x80"),
    ("invalid UTF-8: beyond U+10FFFF", b"\xf4\x90\x80\x80"),
]


def raw_bytes(v):
    if isinstance(v, Sql):
        return v.raw
    if isinstance(v, str):
        return v.encode("utf-8")
    return None


def is_nan(v):
    return isinstance(v, float) and math.isnan(v)


def shown(raw, limit=64):
    """A name as pat echoes it in an error: at most 64 bytes, every byte
    outside printable ASCII as '?' [undocumented: errors-draft.md says
    "shown as given, truncated to 64 bytes"]."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    # Any run that could be a token's random part (32 or more base62
    # characters) is masked, wherever it stands in the value, as the run it
    # is in the whole value; then the quote is cut at `limit`.
    base62 = set(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    out, i, n = "", 0, len(raw)
    while i < n and len(out) < limit:
        j = i
        while j < n and raw[j] in base62:
            j += 1
        if j - i >= 32:
            if len(out) + len("(a token)") > limit:
                break
            out, i = out + "(a token)", j
        elif j > i:
            k = min(j - i, limit - len(out))
            out, i = out + raw[i:i + k].decode("ascii"), i + k
        else:
            out, i = out + (chr(raw[i]) if 0x20 <= raw[i] < 0x7f else "?"), i + 1
    return out


def has_control(s):
    return any(ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f for ch in s)


def fmt(unix):
    """unix seconds as pat shows a time (UTC YYYY-MM-DD HH:MM:SS)."""
    return _RAW.execute("SELECT datetime(?, 'unixepoch')", (unix,)).fetchone()[0]


def sqlite_time(v):
    """What SQLite's unixepoch() makes of a TEXT (None: not a time)."""
    if isinstance(v, Sql):
        return _RAW.execute("SELECT unixepoch(%s)" % v.sql).fetchone()[0]
    return _RAW.execute("SELECT unixepoch(?)", (v,)).fetchone()[0]


# Values for text arguments (owner, name, category, ...).
TEXT_VALUES = [
    ("NULL", None),
    ("NaN (binds as NULL)", NAN),
    ("INTEGER 42", 42),
    ("INTEGER 0", 0),
    ("INTEGER -1", -1),
    ("INTEGER 2**62", 2 ** 62),
    ("INTEGER -2**63", -2 ** 63),
    ("REAL 1.5", 1.5),
    ("REAL 42.0", 42.0),
    ("REAL 1e308", 1e308),
    ("REAL inf", INF),
    ("BLOB 'abc'", b"abc"),
    ("empty BLOB", b""),
    ("empty string", ""),
    ("one space", " "),
    ("255 bytes", "x" * 255),
    ("256 bytes", "x" * 256),
    ("255 bytes of 2-byte characters", "\u00e9" * 127 + "x"),
    ("256 bytes of 2-byte characters", "\u00e9" * 128),
    ("1 MiB string", MIB),
    ("string at the length limit", AT_LIMIT),
    ("string over the length limit", OVER_LIMIT),
] + [(label, bad_utf8(raw)) for label, raw in BAD_UTF8] + [
    ("embedded NUL", "a\x00b"),
    ("NUL alone", "\x00"),
    ("control character 0x01", "a\x01"),
    ("tab", "a\tb"),
    ("newline", "a\nb"),
    ("carriage return", "a\rb"),
    ("ANSI escape", "\x1b[31mred"),
    ("DEL 0x7F", "a\x7f"),
    ("C1 control U+0085", "a\u0085"),
    ("C1 control U+009F", "a\u009f"),
    ("SQL injection", SQL_INJECTION),
    ("SQL injection with parenthesis", ROBERT),
    ("double quote", '"'),
    ("backslash", "\\"),
    ("single quote", "'"),
    ("printf directives", "%s%n%x%%"),
    ("asterisk", "*"),
    ("HTML", "<script>alert(1)</script>"),
    ("non-ASCII text", "\u00fcn\u00efc\u00f8d\u00e9 \u2713 \U0001f511"),
    ("right-to-left override", "\u202eevil"),
]

# Values for time arguments (valid_from, valid_to, at).
TIME_VALUES = [
    ("NULL", None),
    ("NaN (binds as NULL)", NAN),
    ("BLOB x'00'", b"\x00"),
    ("BLOB of a date", b"2026-01-01"),
    ("INTEGER 0", 0),
    ("INTEGER -1", -1),
    ("INTEGER 1", 1),
    ("0000-01-01 as INTEGER", TIME_MIN),
    ("one second before 0000-01-01", TIME_MIN - 1),
    ("9999-12-31 23:59:59 as INTEGER", TIME_MAX),
    ("one second after 9999-12-31 23:59:59", TIME_MAX + 1),
    ("INTEGER 2**62", 2 ** 62),
    ("INTEGER -2**62", -2 ** 62),
    ("INTEGER 2**63-1", 2 ** 63 - 1),
    ("INTEGER -2**63", -2 ** 63),
    ("REAL 1e308", 1e308),
    ("REAL -1e308", -1e308),
    ("REAL inf", INF),
    ("REAL -inf", -INF),
    ("REAL 1.5", 1.5),
    ("REAL -0.5", -0.5),
    ("REAL 5e-324", 5e-324),
    ("REAL 9999-12-31 23:59:59.5", TIME_MAX + 0.5),
    ("REAL 10000-01-01 00:00:00", float(TIME_MAX + 1)),
    ("empty string", ""),
    ("one space", " "),
    ("TEXT garbage", "garbage"),
    ("TEXT '0' (Julian day 0)", "0"),
    ("TEXT '2440587.5' (Julian day of 1970)", "2440587.5"),
    ("TEXT '-0001-01-01'", "-0001-01-01"),
    ("TEXT '0000-01-01'", "0000-01-01"),
    ("TEXT '9999-12-31 23:59:59'", "9999-12-31 23:59:59"),
    ("TEXT '10000-01-01'", "10000-01-01"),
    ("TEXT '1e308'", "1e308"),
    ("TEXT '-1'", "-1"),
    ("TEXT '2026-02-30'", "2026-02-30"),
    ("1 MiB string", MIB),
    ("string at the length limit", AT_LIMIT),
    ("string over the length limit", OVER_LIMIT),
    ("invalid UTF-8 alone", bad_utf8(b"\xff")),
    ("invalid UTF-8 after a date", bad_utf8(b"2026-01-01\xff")),
    ("invalid UTF-8: truncated sequence", bad_utf8(b"2026-01-01 \xc3")),
    ("NUL inside a date (SQLite reads up to it)", "2026-01-01\x00garbage"),
    ("NUL first", "\x002026-01-01"),
    ("control character", "\x01"),
    ("ANSI escape after a date", "2026-01-01\x1b[0m"),
    ("newline after a date", "2026-01-01\n"),
    ("SQL injection", SQL_INJECTION),
    ("SQL injection after a date", "2026-01-01'; --"),
    ("double quote", '"'),
    ("backslash", "\\"),
]


def read_time(v):
    """README "Time values": ('null'|'blob'|'not'|'range'|'big', None) or
    ('ok', unix seconds)."""
    if v is None or is_nan(v):
        return "null", None
    if v is OVER_LIMIT:
        return "big", None
    if isinstance(v, bytes):
        return "blob", None
    if isinstance(v, int):
        u = v
    elif isinstance(v, float):
        if not math.isfinite(v):
            return "range", None
        u = math.floor(v)
    else:
        u = sqlite_time(v)
        if u is None:
            return "not", None
    if not TIME_MIN <= u <= TIME_MAX:
        return "range", None
    return "ok", u


# ----------------------------------------------------------- expectations

class Expect:
    changes = False   # may the database change?

    def problem(self, tc, case, outcome):
        raise NotImplementedError


def _error_hygiene(msg):
    if has_control(msg):
        return "error message holds a control character: %r" % msg
    if len(msg.encode("utf-8")) > 600:
        return "error message is %d bytes long" % len(msg.encode("utf-8"))
    return None


class Err(Expect):
    """The call fails with exactly this message."""

    def __init__(self, msg):
        self.msg = msg

    def problem(self, tc, case, outcome):
        kind, got = outcome
        if kind != "error":
            return "expected error %r, got %s %r" % (self.msg, kind, _short(got))
        if got != self.msg:
            return "expected error %r, got error %r" % (self.msg, _short(got))
        return _error_hygiene(got)

    def __repr__(self):
        return "error %r" % self.msg


class ErrLike(Err):
    """The call fails with a message of this beginning (and end): for the
    documented messages that echo a long or unprintable value."""

    def __init__(self, start, end=""):
        self.start, self.end = start, end
        self.msg = start + "..." + end

    def problem(self, tc, case, outcome):
        kind, got = outcome
        if kind != "error":
            return "expected error %r, got %s %r" % (self.msg, kind, _short(got))
        if not (got.startswith(self.start) and got.endswith(self.end)):
            return "expected error %r, got error %r" % (self.msg, _short(got))
        return _error_hygiene(got)


class Is(Expect):
    """The call answers this one value."""

    def __init__(self, value, changes=False):
        self.value = value
        self.changes = changes

    def problem(self, tc, case, outcome):
        kind, got = outcome
        if kind != "rows" or got != [(self.value,)]:
            return "expected %r, got %s %r" % (self.value, kind, _short(got))
        return None

    def __repr__(self):
        return "value %r" % (self.value,)


class Made(Expect):
    """pat_create / pat_rotate succeeds with a well-formed token; check(tc,
    token) returns a problem or None."""

    changes = True

    def __init__(self, check=None):
        self.check = check

    def problem(self, tc, case, outcome):
        kind, got = outcome
        if kind != "rows" or len(got) != 1 or not isinstance(got[0][0], str):
            return "expected a token, got %s %r" % (kind, _short(got))
        token = got[0][0]
        if not helpers.TOKEN_RE.match(token) or not helpers.checksum_ok(token):
            return "not a well-formed token: %r" % token
        return self.check(tc, token) if self.check else None

    def __repr__(self):
        return "a new token"


class Done(Expect):
    """A write succeeds; check(tc) returns a problem or None."""

    def __init__(self, check=None, changes=True):
        self.check = check
        self.changes = changes

    def problem(self, tc, case, outcome):
        kind, got = outcome
        if kind != "rows":
            return "expected success, got %s %r" % (kind, _short(got))
        return self.check(tc) if self.check else None

    def __repr__(self):
        return "success"


class Fingerprint(Expect):
    """pat_key / pat_rekey with a good key: its fingerprint, a hex text."""

    def __init__(self, changes=False):
        self.changes = changes

    def problem(self, tc, case, outcome):
        kind, got = outcome
        if kind != "rows" or len(got) != 1 or not isinstance(got[0][0], str) \
                or not got[0][0] or any(ch not in "0123456789abcdef" for ch in got[0][0]):
            return "expected a fingerprint, got %s %r" % (kind, _short(got))
        return None

    def __repr__(self):
        return "a key fingerprint"


def _short(v):
    r = repr(v)
    return r if len(r) <= 300 else r[:300] + "...(%d chars)" % len(r)


class Case:
    def __init__(self, label, sql, params, expect, cleanup=None):
        self.label, self.sql, self.params = label, sql, params
        self.expect, self.cleanup = expect, cleanup


def stmt(template, *args):
    """SQL with each {} replaced by ? (a bound parameter) or an Sql's text."""
    parts, params = [], []
    for a in args:
        if isinstance(a, Sql):
            parts.append(a.sql)
        else:
            parts.append("?")
            params.append(a)
    return template.format(*parts), tuple(params)


def call(fn, *args):
    return stmt("SELECT %s(%s)" % (fn, ", ".join("{}" for _ in args)), *args)


def case(label, sql_params, expect, cleanup=None):
    sql, params = sql_params
    return Case(label, sql, params, expect, cleanup)


# -------------------------------------------------------- documented rules

def text_rule(value, prefix, what, integer_ok, max_bytes, on_ok):
    """owner / name / category (README pat_create, errors-draft.md):
    non-empty TEXT (or INTEGER for owner) of at most max_bytes of valid UTF-8
    without control characters (0x00-0x1F, 0x7F, U+0080-U+009F)."""
    empty = "%s: %s must be a non-empty text%s" % (
        prefix, what, " or an integer" if integer_ok else "")
    if value is OVER_LIMIT:
        return Err(TOO_BIG)
    if integer_ok and isinstance(value, float) and value == value and abs(value) <= 2 ** 53 \
            and value == int(value):
        # a REAL holding a whole number is that integer (README: drivers such
        # as better-sqlite3 send every number as a REAL)
        return on_ok(str(int(value)))
    if value is None or isinstance(value, (float, bytes)):
        return Err(empty)
    if isinstance(value, int):
        return on_ok(str(value)) if integer_ok else Err(empty)
    raw = raw_bytes(value)
    if not raw:
        return Err(empty)
    if len(raw) > max_bytes:
        return Err("%s: %s is longer than %d bytes" % (prefix, what, max_bytes))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Err("%s: %s is not valid UTF-8" % (prefix, what))
    if has_control(text):
        return Err("%s: %s contains a control character" % (prefix, what))
    return on_ok(text)


def time_rule(value, prefix, what, on_null, on_ok):
    """A time argument (README "Time values" and "Errors")."""
    kind, u = read_time(value)
    if kind == "big":
        return Err(TOO_BIG)
    if kind == "null":
        return on_null()
    if kind == "blob":
        return Err("%s: %s must be a time: unix seconds or text" % (prefix, what))
    if kind == "range":
        return Err("%s: %s is out of range" % (prefix, what))
    if kind == "not":
        raw = raw_bytes(value)
        text = raw.decode("utf-8", "replace")
        head = "%s: %s is not a time: '" % (prefix, what)
        if len(raw) <= 40 and text.isprintable() and raw.decode("utf-8", "ignore") == text:
            return Err(head + text + "'")
        # A long or unprintable value is shortened in the message
        # [undocumented]; the message must stay UTF-8 without controls.
        return ErrLike(head, "'")
    return on_ok(u)


def rights_json(text):
    v = json.loads(text)
    assert isinstance(v, list)
    return v


# ------------------------------------------------------------------ tests

class HostileInputTest(PatTestCase):
    journal_mode = "delete"   # rollback journal: all content in the file
    tried = 0

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        sys.stderr.write("\nhostile inputs tried: %d\n" % cls.tried)

    def setUp(self):
        super().setUp()
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, LIMIT)
        # Durability is not what is tested here; without fsyncs the ~2,000
        # cases run in seconds. The content written is the same.
        self.conn.execute("PRAGMA synchronous = OFF")

    # -- state of the database
    def state(self):
        """The database's files as bytes, and their digest. Decoding them
        into tables (tables_changed) is left for when the digest moved:
        that is rare, and it would cost more than the case itself."""
        h = hashlib.sha256()
        files = {}
        for suffix in ("", "-wal", "-journal"):
            b = file_bytes(self.path + suffix)
            files[suffix] = b
            h.update(("%s:%d:" % (suffix, -1 if b is None else len(b))).encode())
            if b:
                h.update(b)
        return h.hexdigest(), files

    def tables(self, files):
        """Every table's rows, the schema and user_version of the database
        whose files are `files` (a copy, read without pat)."""
        d = tempfile.mkdtemp(prefix="pat-hostile-")
        try:
            for suffix, b in files.items():
                if b is not None:
                    with open(os.path.join(d, "copy.db" + suffix), "wb") as f:
                        f.write(b)
            snap = snapshot(os.path.join(d, "copy.db"))
        finally:
            shutil.rmtree(d, True)
        tables = {"sqlite_schema": repr(snap["schema"]),
                  "user_version": repr(snap["user_version"])}
        for name, rows in snap["data"].items():
            tables[name] = repr(rows)
        return tables

    def tables_changed(self, before, after):
        a, b = self.tables(before[1]), self.tables(after[1])
        return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))

    def execute(self, c):
        try:
            return "rows", self.conn.execute(c.sql, c.params).fetchall()
        except sqlite3.Error as e:
            return "error", str(e)
        except UnicodeDecodeError as e:
            return "error message that is not UTF-8", e.object

    def run_cases(self, cases):
        before = self.state()
        for c in cases:
            type(self).tried += 1
            with self.subTest(c.label):
                try:
                    problems = []
                    outcome = self.execute(c)
                    after = self.state()
                    try:
                        p = c.expect.problem(self, c, outcome)
                    except Exception as e:  # a check that could not run
                        p = "check failed: %r" % e
                    if p:
                        problems.append(p)
                    if self.conn.in_transaction:
                        problems.append("left a transaction open")
                        self.conn.execute("ROLLBACK")
                    if not c.expect.changes:
                        changed = []
                        if after[0] != before[0]:
                            problems.append("database file bytes changed")
                            changed = self.tables_changed(before, after)
                        if changed:
                            problems.append("table content changed: %s" % changed)
                    if problems:
                        self.fail("%s\n  sql: %s\n  expected: %r\n  %s" % (
                            c.label, _short(c.sql), c.expect, "\n  ".join(problems)))
                finally:
                    if c.cleanup:
                        try:
                            c.cleanup(self)
                        except Exception as e:
                            self.fail("cleanup after %s failed: %r" % (c.label, e))
                    before = self.state()

    # -- fixture helpers
    def last_token(self):
        cur = self.conn.execute(
            "SELECT *, unixepoch(valid_from) AS vf FROM pat_tokens "
            "ORDER BY id DESC LIMIT 1")
        cols = [d[0] for d in cur.description]
        return dict(zip(cols, cur.fetchone()))

    def window(self, tid):
        return self.conn.execute(
            "SELECT unixepoch(valid_from), unixepoch(valid_to) FROM pat_tokens "
            "WHERE id = ?", (tid,)).fetchone()

    def make(self, owner, name, rights, vf=None, vt=None):
        tok = self.create(owner, name, rights, vf, vt)
        return tok, self.last_token()["id"]

    def new_token_check(self, **want):
        """A check for Made: the newest row has these column values and the
        token verifies to it at its valid_from."""
        def check(tc, token):
            row = tc.last_token()
            got_id = tc.one("SELECT pat_verify(?, ?)", (token, row["vf"]))
            if got_id != row["id"]:
                return "new token does not verify to row %r (got %r)" % (row["id"], got_id)
            for k, v in want.items():
                if k == "rights":
                    if rights_json(row["rights"]) != v:
                        return "rights %r, expected %r" % (row["rights"], v)
                elif row[k] != v:
                    return "%s is %r, expected %r" % (k, _short(row[k]), _short(v))
            return None
        return check

    # ============================================================ pat_create

    def create_fixture(self):
        self.create("u1", "existing", "DATA_FETCH")
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('viewer', 'VIEWER')")
        # a role that existed and is gone: its owner may grant nothing
        self.conn.execute("INSERT INTO pat_roles(role, right) VALUES ('GHOST', 'DATA_FETCH')")
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('ghost', 'GHOST')")
        self.conn.execute("DELETE FROM pat_roles WHERE role = 'GHOST'")

    def create_cases(self):
        cases = []
        R = "DATA_FETCH"
        P = "pat_create"

        # owner
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "owner", True, 255,
                            lambda s: Made(self.new_token_check(owner=s)))
            cases.append(case("pat_create owner: " + label, call(P, v, "n", R), exp))
        # name
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "name", False, 255,
                            lambda s: Made(self.new_token_check(name=s)))
            cases.append(case("pat_create name: " + label, call(P, "u1", v, R), exp))
        # rights
        for label, v, want, owner in self.rights_values():
            exp = self.rights_expect(P, v, want,
                                     lambda w: Made(self.new_token_check(rights=w)))
            cases.append(case("pat_create rights (%s): %s" % (owner, label),
                              call(P, owner, "n", v), exp))
        # valid_from (valid_to defaults to valid_from + default_lifetime)
        for label, v in TIME_VALUES:
            def on_ok(u):
                if u + DEFAULT_LIFETIME > TIME_MAX:
                    # the default valid_to would lie after 9999-12-31
                    return ErrLike("pat_create: valid_to ")
                return Made(self.new_token_check(
                    valid_from=fmt(u), valid_to=fmt(u + DEFAULT_LIFETIME)))
            exp = time_rule(v, P, "valid_from", lambda: Made(), on_ok)
            cases.append(case("pat_create valid_from: " + label,
                              call(P, "u1", "n", R, v), exp))
        # valid_to, with valid_from 1970-01-01 00:00:00
        for label, v in TIME_VALUES:
            def on_ok(u):
                if u <= 0:
                    return Err("pat_create: valid_to must be later than valid_from")
                if u > MAX_LIFETIME:
                    return Err("pat_create: lifetime of %d seconds exceeds "
                               "max_lifetime (%d)" % (u, MAX_LIFETIME))
                return Made(self.new_token_check(valid_from=fmt(0), valid_to=fmt(u)))
            exp = time_rule(v, P, "valid_to",
                            lambda: Made(self.new_token_check(
                                valid_from=fmt(0), valid_to=fmt(DEFAULT_LIFETIME))),
                            on_ok)
            cases.append(case("pat_create valid_to: " + label,
                              call(P, "u1", "n", R, 0, v), exp))
        # windows
        later = "pat_create: valid_to must be later than valid_from"
        for label, vf, vt, exp in [
            ("valid_to equal to valid_from (INTEGER)", 1900000000, 1900000000, Err(later)),
            ("valid_to equal to valid_from (TEXT)", "2030-01-01", "2030-01-01", Err(later)),
            ("valid_to equal to valid_from (TEXT and INTEGER)", "2030-01-01",
             1893456000, Err(later)),
            ("valid_to equal to valid_from (REAL rounded down)", 1900000000.9,
             1900000000, Err(later)),
            ("valid_to one second before valid_from", 1900000001, 1900000000, Err(later)),
            ("valid_to equal to valid_from at 0000-01-01", TIME_MIN, TIME_MIN, Err(later)),
            ("valid_to equal to valid_from at 9999-12-31", TIME_MAX, TIME_MAX, Err(later)),
            ("lifetime one second over max_lifetime", 0, MAX_LIFETIME + 1,
             Err("pat_create: lifetime of %d seconds exceeds max_lifetime (%d)"
                 % (MAX_LIFETIME + 1, MAX_LIFETIME))),
            ("lifetime of the whole time range", TIME_MIN, TIME_MAX,
             Err("pat_create: lifetime of %d seconds exceeds max_lifetime (%d)"
                 % (TIME_MAX - TIME_MIN, MAX_LIFETIME))),
            ("lifetime exactly max_lifetime", 0, MAX_LIFETIME,
             Made(self.new_token_check(valid_from=fmt(0), valid_to=fmt(MAX_LIFETIME)))),
            ("one-second window", TIME_MAX - 1, TIME_MAX,
             Made(self.new_token_check(valid_from=fmt(TIME_MAX - 1),
                                       valid_to=fmt(TIME_MAX)))),
        ]:
            cases.append(case("pat_create window: " + label,
                              call(P, "u1", "n", R, vf, vt), exp))
        # argument counts
        wrong = Err("wrong number of arguments to function pat_create()")
        for args in [(), ("u1",), ("u1", "n"), ("u1", "n", R, None, None, None)]:
            cases.append(case("pat_create with %d arguments" % len(args),
                              call(P, *args), wrong))
        return cases

    def rights_values(self):
        """(label, value, documented answer, owner): the answer is the stored
        list, or an error message without the 'fn: ' prefix."""
        TYPE = "rights must be a text: a JSON array or a comma-separated list"
        NONE = "rights names no right"
        JSON = "rights is not a valid JSON array of strings"
        EMPTY = "rights has an empty name"
        NUL = "rights has a name with a NUL byte"

        def unknown(name):
            return "unknown right '%s'" % shown(name)

        def nomatch(w, role="ROOT"):
            return "'%s' matches no right that role '%s' may grant" % (shown(w), role)

        deep = "[" * 100000
        n_rep = (1 << 20) // len("DATA_FETCH,")
        v = [
            ("NULL", None, TYPE),
            ("NaN (binds as NULL)", NAN, TYPE),
            ("INTEGER", 42, TYPE),
            ("REAL", 1.5, TYPE),
            ("BLOB of a right", b"DATA_FETCH", TYPE),
            ("empty BLOB", b"", TYPE),
            ("empty string", "", NONE),
            ("white space only", " \t\r\n", NONE),
            ("empty JSON array", "[]", NONE),
            ("empty JSON array with blanks", " [ ] ", NONE),
            ("1 MiB string", MIB, unknown(MIB)),
            ("string at the length limit", AT_LIMIT, unknown(AT_LIMIT)),
            ("string over the length limit", OVER_LIMIT, None),
            ("1 MiB list of one right, duplicated", ",".join(["DATA_FETCH"] * n_rep),
             ["DATA_FETCH"]),
            ("1 MiB JSON array of one right, duplicated",
             "[" + ",".join(['"DATA_FETCH"'] * (n_rep - 2)) + "]", ["DATA_FETCH"]),
            ("invalid UTF-8 alone", bad_utf8(b"\xff"), unknown(b"\xff")),
            ("invalid UTF-8 after a right", bad_utf8(b"DATA_FETCH\xff"),
             unknown(b"DATA_FETCH\xff")),
            ("invalid UTF-8 in a JSON string", bad_utf8(b'["DATA_FETCH\xc0\xaf"]'),
             unknown(b"DATA_FETCH\xc0\xaf")),
            ("embedded NUL between two rights", "DATA_FETCH\x00USER_DELETE", NUL),
            ("NUL after the list", "DATA_FETCH\x00", NUL),
            ("NUL as \\u0000 in JSON", '["DATA_FETCH\\u0000"]', NUL),
            ("control character", "DATA_FETCH\x01", unknown("DATA_FETCH\x01")),
            ("ANSI escape", "\x1b[2JDATA_FETCH", unknown("\x1b[2JDATA_FETCH")),
            ("DEL inside", "DATA_\x7fFETCH", unknown("DATA_\x7fFETCH")),
            ("C1 control U+0085", "DATA_FETCH\u0085", unknown("DATA_FETCH\u0085")),
            ("JSON \\n escape", '["DATA_FETCH\\n"]', unknown("DATA_FETCH\n")),
            ("raw control character in a JSON string", '["DATA_FETCH\x01"]', JSON),
            ("blanks around a right", "  DATA_FETCH , DATA_CREATE ",
             ["DATA_CREATE", "DATA_FETCH"]),
            ("unknown right", "DATA_FECTH", unknown("DATA_FECTH")),
            ("lower case", "data_fetch", unknown("data_fetch")),
            ("unknown among known", "DATA_FETCH, NOPE", unknown("NOPE")),
            ("65-character name", "A" * 65, unknown("A" * 65)),
            ("duplicate", "DATA_FETCH,DATA_FETCH", ["DATA_FETCH"]),
            ("duplicate in JSON", '["DATA_FETCH","DATA_FETCH"]', ["DATA_FETCH"]),
            ("right and its wildcard", "DATA_FETCH, DATA_*", DATA_RIGHTS),
            ("wildcard twice", "DATA_*,DATA_*", DATA_RIGHTS),
            ("'*' alone", "*", ALL_RIGHTS),
            ("'*' twice", "*,*", ALL_RIGHTS),
            ("'*' in JSON", '["*"]', ALL_RIGHTS),
            ("'FOO_*'", "FOO_*", nomatch("FOO_*")),
            ("'_*'", "_*", nomatch("_*")),
            ("'**'", "**", unknown("**")),
            ("'DATA*'", "DATA*", unknown("DATA*")),
            ("'*_'", "*_", unknown("*_")),
            ("'DATA_**'", "DATA_**", unknown("DATA_**")),
            ("long wildcard", "A" * 100 + "_*", nomatch("A" * 100 + "_*")),
            ("empty name in the middle", "DATA_FETCH,,DATA_CREATE", EMPTY),
            ("trailing comma", "DATA_FETCH,", EMPTY),
            ("lone comma", ",", EMPTY),
            ("JSON empty string", '[""]', EMPTY),
            ("JSON '['", "[", JSON),
            ("JSON unclosed", '["DATA_FETCH"', JSON),
            ("JSON trailing comma", '["DATA_FETCH",]', JSON),
            ("JSON bare word", "[DATA_FETCH]", JSON),
            ("JSON number", "[1]", JSON),
            ("JSON null", "[null]", JSON),
            ("JSON nested array", '[["DATA_FETCH"]]', JSON),
            ("JSON single quotes", "['DATA_FETCH']", JSON),
            ("JSON trailing garbage", '["DATA_FETCH"] x', JSON),
            ("JSON two arrays", '["DATA_FETCH"]["DATA_CREATE"]', JSON),
            ("JSON bad escape", '["DATA_\\xFETCH"]', JSON),
            ("JSON escaped quote ends nothing", '["DATA_FETCH\\"]', JSON),
            ("JSON 100,000 levels of '['", deep, JSON),
            ("JSON 100,000 levels, balanced", deep + "]" * 100000, JSON),
            ("JSON 100,000 levels around a right",
             deep + '"DATA_FETCH"' + "]" * 100000, JSON),
            ("JSON object (a comma-separated list of one name)",
             '{"rights":"DATA_FETCH"}', unknown('{"rights":"DATA_FETCH"}')),
            ("50,000 nested objects", '{"a":' * 50000 + "1" + "}" * 50000,
             unknown('{"a":' * 13)),
            ("JSON \\u escapes", '["DATA_\\u0046ETCH"]', ["DATA_FETCH"]),
            ("SQL injection", SQL_INJECTION, unknown(SQL_INJECTION)),
            ("SQL injection in JSON", '["\'; DROP TABLE pat_store_tokens; --"]',
             unknown(SQL_INJECTION)),
            ("double quote", '"', unknown('"')),
            ("backslash", "\\", unknown("\\")),
            ("quoted right", "'DATA_FETCH'", unknown("'DATA_FETCH'")),
        ]
        out = [(label, val, want, "u1") for label, val, want in v]
        out += [
            ("role does not grant it", "DATA_CREATE",
             "role 'VIEWER' may not grant 'DATA_CREATE'", "viewer"),
            ("role does not grant one of them", "DATA_FETCH, USER_DELETE",
             "role 'VIEWER' may not grant 'USER_DELETE'", "viewer"),
            ("wildcard outside the role", "USER_*", nomatch("USER_*", "VIEWER"), "viewer"),
            ("'*' within the role", "*", ROLES["VIEWER"], "viewer"),
            ("'DATA_*' within the role", "DATA_*", ["DATA_FETCH"], "viewer"),
            ("role that no longer exists", "DATA_FETCH",
             "role 'GHOST' may not grant 'DATA_FETCH'", "ghost"),
            ("'*' for a role that no longer exists", "*", nomatch("*", "GHOST"), "ghost"),
        ]
        return out

    def rights_expect(self, prefix, value, want, on_ok):
        if value is OVER_LIMIT:
            return Err(TOO_BIG)
        if isinstance(want, list):
            return on_ok(want)
        return Err("%s: %s" % (prefix, want))

    def test_pat_create(self):
        self.create_fixture()
        self.run_cases(self.create_cases())

    def test_refused_calls_and_writes_create_no_store(self):
        """A refused first call creates no store: the file stays as it was."""
        before = file_bytes(self.path)
        # (the VIEWER and GHOST owners exist only in create_fixture)
        cases = [c for c in self.create_cases() if isinstance(c.expect, Err)
                 and "(viewer)" not in c.label and "(ghost)" not in c.label]
        cases += self.no_store_cases()
        self.run_cases(cases)
        self.assertEqual(file_bytes(self.path), before)
        self.assertEqual(helpers.schema_rows(self.path), [])
        # Writes that match no row are not refused and change no table, and
        # create no store; but SQLite itself starts a write transaction on
        # main for them, which turns an empty (0-byte) file into an empty
        # 1-page database: so only the tables are compared here.
        self.run_cases([
            case("no store: UPDATE pat_tokens of no row",
                 stmt("UPDATE pat_tokens SET name = {}", ""), Done(self.no_store)),
            case("no store: DELETE FROM pat_events (no events yet)",
                 stmt("DELETE FROM pat_events"), Done(self.no_store)),
        ])

    def no_store(self, tc):
        objs = helpers.pat_objects(tc.path)
        return "a write of no row made %r" % objs if objs else None

    def no_store_cases(self):
        junk = make_token()
        return [
            case("no store: pat_verify of an unknown token", call("pat_verify", junk), Is(None)),
            case("no store: pat_verify at garbage", call("pat_verify", junk, "garbage"),
                 Err("pat_verify: at is not a time: 'garbage'")),
            case("no store: pat_has_right unknown right",
                 call("pat_has_right", junk, "NOPE"),
                 Err("pat_has_right: unknown right 'NOPE'")),
            case("no store: pat_has_right NULL right", call("pat_has_right", junk, None),
                 Err("pat_has_right: right must be a text")),
            case("no store: pat_has_right of an unknown token",
                 call("pat_has_right", junk, "DATA_FETCH"), Is(0)),
            case("no store: pat_rotate(1)", call("pat_rotate", 1),
                 Err("pat_rotate: no token with id 1")),
            case("no store: pat_rotate('x')", call("pat_rotate", "x"),
                 Err("pat_rotate: id must be an integer")),
            case("no store: pat_rotate(1, BLOB)", call("pat_rotate", 1, b"\x00"),
                 Err("pat_rotate: valid_to must be a time: unix seconds or text")),
            case("no store: INSERT INTO pat_tokens",
                 stmt("INSERT INTO pat_tokens(owner, name, rights) VALUES ({}, {}, {})",
                      "u1", "n", "DATA_FETCH"), Err(TOKENS_INSERT)),
            case("no store: INSERT INTO pat_rights bad name",
                 stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})", "A-B", "c"),
                 Err(RIGHT_NAME)),
            case("no store: INSERT INTO pat_roles ROOT",
                 stmt("INSERT INTO pat_roles(role, right) VALUES ({}, {})",
                      "ROOT", "DATA_FETCH"), Err(ROOT_ROWS)),
            case("no store: UPDATE pat_roles",
                 stmt("UPDATE pat_roles SET role = {} WHERE role = 'VIEWER'", "X"),
                 Err(ROLES_UPDATE)),
            case("no store: DELETE ROOT's row",
                 stmt("DELETE FROM pat_roles WHERE role = {}", "ROOT"), Err(ROOT_ROWS)),
            case("no store: INSERT INTO pat_owners unknown role",
                 stmt("INSERT INTO pat_owners(owner, role) VALUES ({}, {})", "a", "NOPE"),
                 Err("pat_owners: unknown role 'NOPE'")),
            case("no store: INSERT INTO pat_owners NULL owner",
                 stmt("INSERT INTO pat_owners(owner, role) VALUES ({}, {})", None, "VIEWER"),
                 Err("pat_owners: owner must be a non-empty text or an integer")),
            case("no store: bad audit setting",
                 stmt("UPDATE pat_settings SET value = {} WHERE key = 'audit'", "ALL"),
                 Err(AUDIT)),
            case("no store: INSERT INTO pat_settings",
                 stmt("INSERT INTO pat_settings(key, value) VALUES ({}, {})", "x", "y"),
                 Err(SETTINGS_INSERT)),
            case("no store: DELETE FROM pat_settings", stmt("DELETE FROM pat_settings"),
                 Err(SETTINGS_DELETE)),
            case("no store: INSERT INTO pat_events",
                 stmt("INSERT INTO pat_events(event) VALUES ({})", "create"), Err(EVENTS_RO)),
        ]

    # ============================================== pat_verify / pat_has_right

    def checks_fixture(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('viewer', 'VIEWER')")
        T, tid = self.make("u1", "main", "DATA_FETCH")
        self.T, self.tid = T, tid
        self.t_from, self.t_to = self.window(tid)
        self.at = self.t_from + 1          # inside T's window
        E, _ = self.make("u1", "expired", "DATA_FETCH", "2001-01-01", "2001-02-01")
        Pn, _ = self.make("u1", "pending", "DATA_FETCH", 4102444800, 4102444800 + 3600)
        D, did = self.make("u1", "deleted", "DATA_FETCH")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (did,))
        self.E, self.Pn, self.D = E, Pn, D
        # a token holding DATA_CREATE whose owner was then demoted to VIEWER
        self.Dm, _ = self.make("demoted", "demoted", "DATA_CREATE, DATA_FETCH")
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('demoted', 'VIEWER')")
        self.V, _ = self.make("viewer", "viewer", "DATA_FETCH")

    def token_values(self):
        """(label, value, valid): valid when it is T (bare or as a header)."""
        T = self.T
        tb = T.encode()
        alpha_ok_crc = make_token(rand="_" + helpers.random_part()[1:])
        return [
            ("the token", T, True),
            ("Bearer header", "Bearer " + T, True),
            ("bearer in mixed case, tabs, CRLF around", " \tbEaReR\t " + T + "\r\n", True),
            ("NULL", None, False),
            ("NaN (binds as NULL)", NAN, False),
            ("INTEGER", 42, False),
            ("INTEGER 0", 0, False),
            ("REAL", 1.5, False),
            ("BLOB of the token's bytes", tb, False),
            ("empty BLOB", b"", False),
            ("empty string", "", False),
            ("one space", " ", False),
            ("'Bearer' alone", "Bearer", False),
            ("'Bearer ' alone", "Bearer ", False),
            ("1 MiB string", MIB, False),
            ("string at the length limit", AT_LIMIT, False),
            ("string over the length limit", OVER_LIMIT, False),
            ("token then invalid UTF-8", bad_utf8(tb + b"\xff"), False),
            ("invalid UTF-8 then token", bad_utf8(b"\xff" + tb), False),
            ("a character replaced by a truncated sequence",
             bad_utf8(tb[:20] + b"\xc3" + tb[21:]), False),
            ("token then NUL", T + "\x00", False),
            ("NUL inside the token", T[:10] + "\x00" + T[10:], False),
            ("NUL then token", "\x00" + T, False),
            ("token then control character", T + "\x01", False),
            ("ANSI escape then token", "\x1b[0m" + T, False),
            ("token then vertical tab", T + "\x0b", False),
            ("token then form feed", T + "\x0c", False),
            ("no-break space then token", "\u00a0" + T, False),
            ("newline between Bearer and token", "Bearer\n" + T, False),
            ("'Bearer' glued to the token", "Bearer" + T, False),
            ("Bearer twice", "Bearer Bearer " + T, False),
            ("Basic scheme", "Basic " + T, False),
            ("SQL injection", SQL_INJECTION, False),
            ("token then SQL injection", T + "' OR '1'='1", False),
            ("double quote", '"', False),
            ("backslash", "\\", False),
            ("wrong prefix: upper case", "PAT_" + T[4:], False),
            ("wrong prefix: other letters", "pax_" + T[4:], False),
            ("wrong prefix: none", T[4:], False),
            ("wrong prefix: one more character", "x" + T, False),
            ("wrong prefix: '-' instead of '_'", "pat-" + T[4:], False),
            ("wrong length: one short", T[:-1], False),
            ("wrong length: one long", T + "A", False),
            ("wrong length: a character dropped", T[:20] + T[21:], False),
            ("wrong length: token twice", T + T, False),
            ("wrong alphabet: '-'", T[:10] + "-" + T[11:], False),
            ("wrong alphabet: '+'", T[:10] + "+" + T[11:], False),
            ("wrong alphabet: '/'", T[:10] + "/" + T[11:], False),
            ("wrong alphabet: '='", T[:-1] + "=", False),
            ("wrong alphabet: Cyrillic look-alike", T[:10] + "\u0430" + T[11:], False),
            ("wrong alphabet: '_' in the random part, checksum right", alpha_ok_crc, False),
            ("wrong alphabet: '-' in the prefix, checksum right",
             make_token(prefix="pa-_"), False),
            ("wrong checksum: last character changed", bad_checksum(T), False),
            ("wrong checksum: zeros", T[:-6] + "000000", False),
            ("wrong checksum: random part changed",
             T[:10] + ("A" if T[10] != "A" else "B") + T[11:], False),
            ("right checksum, unknown token", make_token(), False),
            ("right checksum, empty prefix, unknown", make_token(prefix=""), False),
            ("right checksum, other prefix, unknown", make_token(prefix="other_"), False),
            ("lower case", T.lower(), False),
            ("upper case", T.upper(), False),
        ]

    def test_pat_verify(self):
        self.checks_fixture()
        cases = []
        for label, v, valid in self.token_values():
            if v is OVER_LIMIT:
                exp = exp_at = Err(TOO_BIG)
            else:
                # a check without `at` of a valid token may write last_used_at
                exp = Is(self.tid, changes=True) if valid else Is(None)
                exp_at = Is(self.tid) if valid else Is(None)
            cases.append(case("pat_verify token: " + label, call("pat_verify", v), exp))
            cases.append(case("pat_verify token at a time in its window: " + label,
                              call("pat_verify", v, self.at), exp_at))
        for label, tok in [("expired token", self.E), ("not yet valid token", self.Pn),
                           ("deleted token", self.D)]:
            cases.append(case("pat_verify token: " + label, call("pat_verify", tok), Is(None)))
            cases.append(case("pat_verify token at a time in T's window: " + label,
                              call("pat_verify", tok, self.at), Is(None)))
        for label, v in TIME_VALUES:
            exp = time_rule(
                v, "pat_verify", "at", lambda: Is(self.tid, changes=True),
                lambda u: Is(self.tid if self.t_from <= u < self.t_to else None))
            cases.append(case("pat_verify at: " + label, call("pat_verify", self.T, v), exp))
        for label, at, want in [
            ("at valid_from", self.t_from, self.tid),
            ("at valid_to (half-open window)", self.t_to, None),
            ("at one second before valid_from", self.t_from - 1, None),
            ("at valid_to - 1 as REAL .999", self.t_to - 0.001, self.tid),
        ]:
            cases.append(case("pat_verify at: " + label, call("pat_verify", self.T, at),
                              Is(want)))
        wrong = Err("wrong number of arguments to function pat_verify()")
        cases.append(case("pat_verify with 0 arguments", call("pat_verify"), wrong))
        cases.append(case("pat_verify with 3 arguments",
                          call("pat_verify", self.T, None, None), wrong))
        self.run_cases(cases)

    def right_values(self):
        TEXT = "right must be a text"

        def unknown(name):
            return "unknown right '%s'" % shown(name)

        return [
            ("NULL", None, TEXT),
            ("NaN (binds as NULL)", NAN, TEXT),
            ("INTEGER", 42, TEXT),
            ("REAL", 1.5, TEXT),
            ("BLOB of a right", b"DATA_FETCH", TEXT),
            ("empty BLOB", b"", TEXT),
            ("empty string", "", unknown("")),
            ("blank around a right", " DATA_FETCH", unknown(" DATA_FETCH")),
            ("lower case", "data_fetch", unknown("data_fetch")),
            ("misspelt", "DATA_FECTH", unknown("DATA_FECTH")),
            ("64 characters", "A" * 64, unknown("A" * 64)),
            ("65 characters", "A" * 65, unknown("A" * 65)),
            ("1 MiB string", MIB, unknown(MIB)),
            ("string at the length limit", AT_LIMIT, unknown(AT_LIMIT)),
            ("string over the length limit", OVER_LIMIT, None),
        ] + [(label, bad_utf8(b"DATA_" + raw), unknown(b"DATA_" + raw))
             for label, raw in BAD_UTF8] + [
            ("NUL after a right", "DATA_FETCH\x00", unknown("DATA_FETCH\x00")),
            ("NUL between rights", "DATA_FETCH\x00USER_DELETE",
             unknown("DATA_FETCH\x00USER_DELETE")),
            ("newline after a right", "DATA_FETCH\n", unknown("DATA_FETCH\n")),
            ("ANSI escape", "\x1b[31mDATA_FETCH", unknown("\x1b[31mDATA_FETCH")),
            ("C1 control U+0085", "DATA_FETCH\u0085", unknown("DATA_FETCH\u0085")),
            ("'*'", "*", unknown("*")),
            ("'DATA_*'", "DATA_*", unknown("DATA_*")),
            ("'_*'", "_*", unknown("_*")),
            ("'FOO_*'", "FOO_*", unknown("FOO_*")),
            ("a list of rights", "DATA_FETCH,DATA_CREATE", unknown("DATA_FETCH,DATA_CREATE")),
            ("a JSON array", '["DATA_FETCH"]', unknown('["DATA_FETCH"]')),
            ("SQL injection", SQL_INJECTION, unknown(SQL_INJECTION)),
            ("SQL injection after a right", "DATA_FETCH' OR '1'='1",
             unknown("DATA_FETCH' OR '1'='1")),
            ("double quote", '"', unknown('"')),
            ("backslash", "\\", unknown("\\")),
        ]

    def test_pat_has_right(self):
        self.checks_fixture()
        cases = []
        H = "pat_has_right"
        for label, v, valid in self.token_values():
            if v is OVER_LIMIT:
                exp = exp_at = Err(TOO_BIG)
            else:
                exp = Is(1, changes=True) if valid else Is(0)
                exp_at = Is(1) if valid else Is(0)
            cases.append(case("pat_has_right token: " + label,
                              call(H, v, "DATA_FETCH"), exp))
            cases.append(case("pat_has_right token at a time in its window: " + label,
                              call(H, v, "DATA_FETCH", self.at), exp_at))
        for label, tok in [("expired token", self.E), ("not yet valid token", self.Pn),
                           ("deleted token", self.D)]:
            cases.append(case("pat_has_right token: " + label,
                              call(H, tok, "DATA_FETCH"), Is(0)))
        junk = "junk"
        for label, v, want in self.right_values():
            exp = Err(TOO_BIG) if v is OVER_LIMIT else Err("pat_has_right: " + want)
            cases.append(case("pat_has_right right (valid token): " + label,
                              call(H, self.T, v), exp))
            cases.append(case("pat_has_right right (malformed token): " + label,
                              call(H, junk, v), exp))
            cases.append(case("pat_has_right right (valid token, explicit at): " + label,
                              call(H, self.T, v, self.at), exp))
        # rights the role does not grant
        for label, tok, right, want in [
            ("right the token does not hold", self.T, "USER_DELETE", 0),
            ("right a VIEWER's token does not hold", self.V, "DATA_CREATE", 0),
            ("right held but no longer granted by the owner's role (VIEWER)",
             self.Dm, "DATA_CREATE", 0),
            ("right held and still granted after the demotion", self.Dm, "DATA_FETCH", 1),
        ]:
            cases.append(case("pat_has_right role: " + label,
                              call(H, tok, right, self.at), Is(want)))
            cases.append(case("pat_has_right role, without at: " + label,
                              call(H, tok, right), Is(want, changes=bool(want))))
        for label, v in TIME_VALUES:
            exp = time_rule(
                v, H, "at", lambda: Is(1, changes=True),
                lambda u: Is(1 if self.t_from <= u < self.t_to else 0))
            cases.append(case("pat_has_right at: " + label,
                              call(H, self.T, "DATA_FETCH", v), exp))
        wrong = Err("wrong number of arguments to function pat_has_right()")
        cases.append(case("pat_has_right with 1 argument", call(H, self.T), wrong))
        cases.append(case("pat_has_right with 4 arguments",
                          call(H, self.T, "DATA_FETCH", None, None), wrong))
        self.run_cases(cases)

    # ============================================================ pat_rotate

    def test_pat_rotate(self):
        R, rid = self.make("u1", "rot", "DATA_FETCH")
        # a token made ahead of time, to try valid_to equal to its valid_from
        _, pid = self.make("u1", "ahead", "DATA_FETCH", 4102444800, 4102444800 + 3600)
        _, did = self.make("u1", "gone", "DATA_FETCH")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (did,))
        r_from, r_to = self.window(rid)
        now = self.now()
        ID = Err("pat_rotate: id must be an integer")

        def rotated(vt=None, tid=rid):
            def check(tc, token):
                got = tc.one("SELECT pat_verify(?, ?)", (token, tc.window(tid)[0]))
                if got != tid:
                    return "rotated token verifies to %r, not %r" % (got, tid)
                f, t = tc.window(tid)
                if vt is not None and t != vt:
                    return "valid_to %r, expected %r" % (t, vt)
                if vt is None and (f, t) != (r_from, r_to):
                    return "window changed to %r" % ((f, t),)
                return None
            return Made(check)

        cases = []
        for label, v in [
            ("NULL", None), ("NaN (binds as NULL)", NAN), ("TEXT 'abc'", "abc"),
            ("empty string", ""), ("one space", " "), ("TEXT '1 OR 1=1'", "1 OR 1=1"),
            ("SQL injection", "1; DROP TABLE pat_store_tokens"),
            ("1 MiB string", MIB), ("string at the length limit", AT_LIMIT),
            ("string over the length limit", OVER_LIMIT),
            ("invalid UTF-8", bad_utf8(b"1\xff")), ("NUL", "\x00"),
            ("digit then NUL", "%d\x00" % rid), ("control character", "\x01"),
            ("REAL 1.5", 1.5), ("REAL 1e308", 1e308),
            ("REAL inf", INF), ("BLOB x'01'", b"\x01"), ("BLOB of digits", b"1"),
            ("empty BLOB", b""),
        ]:
            cases.append(case("pat_rotate id: " + label, call("pat_rotate", v),
                              Err(TOO_BIG) if v is OVER_LIMIT else ID))
        for label, v in [("0", 0), ("-1", -1), ("2**62", 2 ** 62), ("-2**63", -2 ** 63),
                         ("2**63-1", 2 ** 63 - 1), ("a deleted token's id", did),
                         ("an id never given", rid + 1000)]:
            cases.append(case("pat_rotate id: " + label, call("pat_rotate", v),
                              Err("pat_rotate: no token with id %d" % v)))
        for label, v in TIME_VALUES:
            def on_ok(u):
                start = max(r_from, now)
                if u <= start + 5:
                    return Err("pat_rotate: valid_to must be later than valid_from")
                if u - start > MAX_LIFETIME + 5:
                    return ErrLike("pat_rotate: lifetime of ",
                                   " seconds exceeds max_lifetime (%d)" % MAX_LIFETIME)
                return rotated(vt=u)
            exp = time_rule(v, "pat_rotate", "valid_to", lambda: rotated(), on_ok)
            cases.append(case("pat_rotate valid_to: " + label,
                              call("pat_rotate", rid, v), exp, lambda tc: tc.conn.execute(
                                  "UPDATE pat_tokens SET valid_from = ?, valid_to = ? "
                                  "WHERE id = ?", (r_from, r_to, rid))))
        later = Err("pat_rotate: valid_to must be later than valid_from")
        cases += [
            case("pat_rotate valid_to equal to valid_from (token made ahead of time)",
                 call("pat_rotate", pid, 4102444800), later),
            case("pat_rotate valid_to equal to valid_from, as TEXT",
                 call("pat_rotate", pid, "2100-01-01 00:00:00"), later),
            case("pat_rotate valid_to before valid_from (token made ahead of time)",
                 call("pat_rotate", pid, 4102444800 - 1), later),
            case("pat_rotate valid_to one second over max_lifetime (ahead of time)",
                 call("pat_rotate", pid, 4102444800 + MAX_LIFETIME + 1),
                 Err("pat_rotate: lifetime of %d seconds exceeds max_lifetime (%d)"
                     % (MAX_LIFETIME + 1, MAX_LIFETIME))),
            case("pat_rotate valid_to of a deleted token", call("pat_rotate", did, 4102444800),
                 Err("pat_rotate: no token with id %d" % did)),
        ]
        wrong = Err("wrong number of arguments to function pat_rotate()")
        cases.append(case("pat_rotate with 0 arguments", call("pat_rotate"), wrong))
        cases.append(case("pat_rotate with 3 arguments",
                          call("pat_rotate", rid, None, None), wrong))
        self.run_cases(cases)

    # ============================================================ pat_tokens

    def test_pat_tokens_writes(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('viewer', 'VIEWER')")
        F0, T0 = 1900000000, 1900000000 + 86400
        _, uid = self.make("u1", "upd", "DATA_FETCH", F0, T0)
        _, vid = self.make("viewer", "vtok", "DATA_FETCH")
        P = "pat_tokens"
        cases = []

        def row(tc):
            return tc.token_row(uid)

        def restore(tc):
            tc.conn.execute("UPDATE pat_tokens SET valid_from = ?, valid_to = ?, "
                            "rights = 'DATA_FETCH' WHERE id = ?", (F0, T0, uid))

        def want(**kw):
            def check(tc):
                r = row(tc)
                for k, v in kw.items():
                    got = rights_json(r[k]) if k == "rights" else r[k]
                    if got != v:
                        return "%s is %r, expected %r" % (k, _short(got), _short(v))
                return None
            return check

        # name
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "name", False, 255, lambda s: Done(want(name=s)))
            cases.append(case("pat_tokens UPDATE name: " + label,
                              stmt("UPDATE pat_tokens SET name = {} WHERE id = {}", v, uid),
                              exp))
        # valid_from against the stored valid_to
        for label, v in TIME_VALUES:
            def on_ok(u):
                if u >= T0:
                    return Err("pat_tokens: valid_to must be later than valid_from")
                if T0 - u > MAX_LIFETIME:
                    return Err("pat_tokens: lifetime of %d seconds exceeds max_lifetime (%d)"
                               % (T0 - u, MAX_LIFETIME))
                return Done(want(valid_from=fmt(u)))
            # NULL: the default, now; [now, T0) is longer than max_lifetime
            exp = time_rule(v, P, "valid_from", lambda: ErrLike(
                "pat_tokens: lifetime of ",
                " seconds exceeds max_lifetime (%d)" % MAX_LIFETIME), on_ok)
            cases.append(case("pat_tokens UPDATE valid_from: " + label,
                              stmt("UPDATE pat_tokens SET valid_from = {} WHERE id = {}",
                                   v, uid), exp, restore))
        # valid_to against the stored valid_from
        for label, v in TIME_VALUES:
            def on_ok(u):
                if u <= F0:
                    return Err("pat_tokens: valid_to must be later than valid_from")
                if u - F0 > MAX_LIFETIME:
                    return Err("pat_tokens: lifetime of %d seconds exceeds max_lifetime (%d)"
                               % (u - F0, MAX_LIFETIME))
                return Done(want(valid_to=fmt(u)))
            # NULL: the default, valid_from + default_lifetime
            exp = time_rule(v, P, "valid_to", lambda: Done(
                want(valid_to=fmt(F0 + DEFAULT_LIFETIME))), on_ok)
            cases.append(case("pat_tokens UPDATE valid_to: " + label,
                              stmt("UPDATE pat_tokens SET valid_to = {} WHERE id = {}",
                                   v, uid), exp, restore))
        later = Err("pat_tokens: valid_to must be later than valid_from")
        cases += [
            case("pat_tokens UPDATE valid_to equal to the stored valid_from",
                 stmt("UPDATE pat_tokens SET valid_to = {} WHERE id = {}", F0, uid), later),
            case("pat_tokens UPDATE valid_from equal to the stored valid_to",
                 stmt("UPDATE pat_tokens SET valid_from = {} WHERE id = {}", T0, uid), later),
            case("pat_tokens UPDATE valid_to = valid_from (the column)",
                 stmt("UPDATE pat_tokens SET valid_to = valid_from WHERE id = {}", uid), later),
            case("pat_tokens UPDATE both ends to one time",
                 stmt("UPDATE pat_tokens SET valid_from = {}, valid_to = {} WHERE id = {}",
                      "2031-01-01", "2031-01-01", uid), later),
            case("pat_tokens UPDATE both ends, lifetime one second too long",
                 stmt("UPDATE pat_tokens SET valid_from = {}, valid_to = {} WHERE id = {}",
                      0, MAX_LIFETIME + 1, uid),
                 Err("pat_tokens: lifetime of %d seconds exceeds max_lifetime (%d)"
                     % (MAX_LIFETIME + 1, MAX_LIFETIME))),
        ]
        # rights
        for label, v, w, owner in self.rights_values():
            if owner == "ghost":
                continue
            tid = uid if owner == "u1" else vid
            exp = self.rights_expect(P, v, w, lambda lst, tid=tid: Done(
                lambda tc: None if rights_json(tc.token_row(tid)["rights"]) == lst
                else "rights %r, expected %r" % (tc.token_row(tid)["rights"], lst)))
            cases.append(case("pat_tokens UPDATE rights (%s): %s" % (owner, label),
                              stmt("UPDATE pat_tokens SET rights = {} WHERE id = {}", v, tid),
                              exp, lambda tc, tid=tid: tc.conn.execute(
                                  "UPDATE pat_tokens SET rights = 'DATA_FETCH' "
                                  "WHERE id = ?", (tid,))))
        # columns that can not be changed
        for col in ("id", "owner", "status", "created_at", "last_used_at"):
            msg = Err("pat_tokens: column '%s' can not be changed "
                      "(only name, valid_from, valid_to, rights)" % col)
            for label, v in [("NULL", None), ("its own value", Sql(col)),
                             ("INTEGER 42", 42), ("empty string", ""),
                             ("1 MiB string", MIB), ("invalid UTF-8", bad_utf8(b"\xff")),
                             ("SQL injection", SQL_INJECTION)]:
                cases.append(case("pat_tokens UPDATE %s: %s" % (col, label),
                                  stmt("UPDATE pat_tokens SET %s = {} WHERE id = {}" % col,
                                       v, uid), msg))
        cases += [
            case("pat_tokens UPDATE rowid [undocumented]",
                 stmt("UPDATE pat_tokens SET rowid = rowid + 1000 WHERE id = {}", uid),
                 Err("pat_tokens: column 'id' can not be changed "
                     "(only name, valid_from, valid_to, rights)")),
            case("pat_tokens UPDATE a fixed column with an allowed one",
                 stmt("UPDATE pat_tokens SET name = 'ok', owner = 'x' WHERE id = {}", uid),
                 Err("pat_tokens: column 'owner' can not be changed "
                     "(only name, valid_from, valid_to, rights)")),
            case("pat_tokens UPDATE of every row refused on the last row",
                 stmt("UPDATE pat_tokens SET name = CASE WHEN id = {} THEN '' "
                      "ELSE 'renamed' END", vid),
                 Err("pat_tokens: name must be a non-empty text")),
            case("pat_tokens UPDATE rights of every row refused on the VIEWER's row",
                 stmt("UPDATE pat_tokens SET rights = 'DATA_CREATE'"),
                 Err("pat_tokens: role 'VIEWER' may not grant 'DATA_CREATE'")),
            case("pat_tokens UPDATE valid_to = valid_from on every row",
                 stmt("UPDATE pat_tokens SET valid_to = valid_from"), later),
        ]
        # INSERT
        for label, sp in [
            ("ordinary values", stmt(
                "INSERT INTO pat_tokens(owner, name, rights) VALUES ({}, {}, {})",
                "u1", "n", "DATA_FETCH")),
            ("every column", stmt(
                "INSERT INTO pat_tokens(id, owner, name, valid_from, valid_to, rights) "
                "VALUES ({}, {}, {}, {}, {}, {})", 999, "u1", "n", F0, T0, "DATA_FETCH")),
            ("NULL id only", stmt("INSERT INTO pat_tokens(id) VALUES (NULL)")),
            ("1 MiB name", stmt("INSERT INTO pat_tokens(name) VALUES ({})", MIB)),
            ("invalid UTF-8 owner",
             stmt("INSERT INTO pat_tokens(owner) VALUES ({})", bad_utf8(b"\xff"))),
            ("SQL injection", stmt("INSERT INTO pat_tokens(name) VALUES ({})", SQL_INJECTION)),
            ("a copy of the table", stmt("INSERT INTO pat_tokens SELECT * FROM pat_tokens")),
            ("REPLACE of an existing id",
             stmt("REPLACE INTO pat_tokens(id, name) VALUES ({}, 'x')", uid)),
            ("INSERT OR IGNORE", stmt("INSERT OR IGNORE INTO pat_tokens(name) VALUES ('x')")),
        ]:
            cases.append(case("pat_tokens INSERT: " + label, sp, Err(TOKENS_INSERT)))
        self.run_cases(cases)

    # ============================================================ pat_rights

    def test_pat_rights_writes(self):
        # tokens holding DATA_FETCH (2) and MEDIA_FETCH (1)
        self.create("u1", "a", "DATA_FETCH")
        self.create("u1", "b", "DATA_FETCH, MEDIA_FETCH")
        P = "pat_rights"
        cases = []

        def gone(name):
            def cleanup(tc):
                tc.conn.execute("DELETE FROM pat_rights WHERE name = ?", (name,))
            return cleanup

        def has(name, **kw):
            def check(tc):
                r = tc.rows("SELECT category, description FROM pat_rights "
                            "WHERE name = ?", (name,))
                if not r:
                    return "right %r not in the catalog" % name
                got = dict(zip(("category", "description"), r[0]))
                for k, v in kw.items():
                    if got[k] != v:
                        return "%s is %r, expected %r" % (k, _short(got[k]), _short(v))
                return None
            return check

        name_values = [
            ("NULL", None), ("NaN (binds as NULL)", NAN), ("INTEGER", 42), ("REAL", 1.5),
            ("BLOB", b"NEW"), ("empty BLOB", b""), ("empty string", ""),
            ("65 characters", "A" * 65), ("1 MiB string", MIB),
            ("string at the length limit", AT_LIMIT),
        ] + [(label, bad_utf8(b"NEW" + raw)) for label, raw in BAD_UTF8] + [
            ("embedded NUL", "NEW\x00X"), ("control character", "NEW\x01"),
            ("newline", "NEW\n"), ("space", "NEW RIGHT"), ("hyphen", "NEW-RIGHT"),
            ("non-ASCII letter", "\u00c9"), ("SQL injection", SQL_INJECTION),
            ("double quote", '"'), ("backslash", "\\"), ("'*'", "*"),
            ("'FOO_*'", "FOO_*"), ("'_*'", "_*"),
        ]
        for label, v in name_values:
            cases.append(case("pat_rights INSERT name: " + label,
                              stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                                   v, "Cat"), Err(RIGHT_NAME)))
        cases.append(case("pat_rights INSERT name: string over the length limit",
                          stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                               OVER_LIMIT, "Cat"), Err(TOO_BIG)))
        for label, v in [("64 characters", "A" * 64), ("'_'", "_"),
                         ("lower case of a catalog right", "data_fetch"), ("digit", "0")]:
            cases.append(case("pat_rights INSERT name: " + label,
                              stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                                   v, "Cat"), Done(has(v, category="Cat", description="")),
                              gone(v)))
        cases.append(case("pat_rights INSERT name: duplicate",
                          stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                               "DATA_FETCH", "Cat"),
                          Err("pat_rights: right 'DATA_FETCH' exists already")))
        cases.append(case("pat_rights INSERT name: duplicate within the statement",
                          stmt("INSERT INTO pat_rights(name, category) VALUES "
                               "('NEW_X', 'c'), ('NEW_X', 'c')"),
                          Err("pat_rights: right 'NEW_X' exists already")))
        # category on INSERT and UPDATE
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "category", False, 255,
                            lambda s: Done(has("NEW_R", category=s)))
            cases.append(case("pat_rights INSERT category: " + label,
                              stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                                   "NEW_R", v), exp, gone("NEW_R")))
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "category", False, 255,
                            lambda s: Done(has("MEDIA_UPDATE", category=s)))
            cases.append(case("pat_rights UPDATE category: " + label,
                              stmt("UPDATE pat_rights SET category = {} "
                                   "WHERE name = 'MEDIA_UPDATE'", v), exp,
                              lambda tc: tc.conn.execute(
                                  "UPDATE pat_rights SET category = 'Media Management' "
                                  "WHERE name = 'MEDIA_UPDATE'")))
        # description: NULL means '' (errors-draft.md); the rest [undocumented]
        desc0 = self.one("SELECT description FROM pat_rights WHERE name = 'MEDIA_UPDATE'")

        def desc_rule(v, name):
            if v is OVER_LIMIT:
                return Err(TOO_BIG)
            if v is None or is_nan(v):
                return Done(has(name, description=""))
            if not isinstance(v, (str, Sql)):
                return Err("pat_rights: description must be a text")
            raw = raw_bytes(v)
            if not raw:
                return Done(has(name, description=""))
            if len(raw) > 1000:
                return Err("pat_rights: description is longer than 1000 bytes")
            return text_rule(v, P, "description", False, 1000,
                             lambda s: Done(has(name, description=s)))

        desc_values = TEXT_VALUES + [("1000 bytes", "d" * 1000), ("1001 bytes", "d" * 1001)]
        for label, v in desc_values:
            documented = v is None or is_nan(v) or raw_bytes(v) in (b"",) or (
                isinstance(v, str) and v.isprintable() and len(v.encode()) <= 255)
            tag = "" if documented else " [undocumented]"
            cases.append(case("pat_rights INSERT description: " + label + tag,
                              stmt("INSERT INTO pat_rights(name, category, description) "
                                   "VALUES ({}, {}, {})", "NEW_D", "Cat", v),
                              desc_rule(v, "NEW_D"), gone("NEW_D")))
            cases.append(case("pat_rights UPDATE description: " + label + tag,
                              stmt("UPDATE pat_rights SET description = {} "
                                   "WHERE name = 'MEDIA_UPDATE'", v),
                              desc_rule(v, "MEDIA_UPDATE"),
                              lambda tc: tc.conn.execute(
                                  "UPDATE pat_rights SET description = ? "
                                  "WHERE name = 'MEDIA_UPDATE'", (desc0,))))
        # name can not be changed
        fixed = Err("pat_rights: column 'name' can not be changed (only category, description)")
        for label, v in [("new name", "NEW_NAME"), ("NULL", None), ("empty string", ""),
                         ("its own value", Sql("name")), ("1 MiB string", MIB),
                         ("SQL injection", SQL_INJECTION)]:
            cases.append(case("pat_rights UPDATE name: " + label,
                              stmt("UPDATE pat_rights SET name = {} "
                                   "WHERE name = 'MEDIA_UPDATE'", v), fixed))
        # DELETE of held rights; multi-row refusals
        cases += [
            case("pat_rights DELETE of a right 2 tokens hold",
                 stmt("DELETE FROM pat_rights WHERE name = 'DATA_FETCH'"),
                 Err("pat_rights: right 'DATA_FETCH' is held by 2 tokens; "
                     "take it from them first")),
            case("pat_rights DELETE of a right 1 token holds",
                 stmt("DELETE FROM pat_rights WHERE name = 'MEDIA_FETCH'"),
                 Err("pat_rights: right 'MEDIA_FETCH' is held by 1 token; "
                     "take it from them first")),
            case("pat_rights DELETE of every right",
                 stmt("DELETE FROM pat_rights"),
                 ErrLike("pat_rights: right '", " take it from them first")),
            case("pat_rights DELETE WHERE name = NULL", stmt("DELETE FROM pat_rights "
                                                            "WHERE name = NULL"),
                 Done(changes=False)),
            case("pat_rights UPDATE of every row refused on one",
                 stmt("UPDATE pat_rights SET category = CASE WHEN name = 'USER_FETCH' "
                      "THEN '' ELSE 'X' END"),
                 Err("pat_rights: category must be a non-empty text")),
        ]
        self.run_cases(cases)

    # ============================================================= pat_roles

    def test_pat_roles_writes(self):
        cases = []

        def gone(role):
            return lambda tc: tc.conn.execute("DELETE FROM pat_roles WHERE role = ?", (role,))

        ins = "INSERT INTO pat_roles(role, right) VALUES ({}, {})"
        role_values = [
            ("NULL", None), ("NaN (binds as NULL)", NAN), ("INTEGER", 42), ("REAL", 1.5),
            ("BLOB", b"AUDITOR"), ("empty BLOB", b""), ("empty string", ""),
            ("65 characters", "A" * 65), ("1 MiB string", MIB),
            ("string at the length limit", AT_LIMIT),
        ] + [(label, bad_utf8(b"AUDITOR" + raw)) for label, raw in BAD_UTF8] + [
            ("embedded NUL", "AUDITOR\x00X"), ("control character", "AUDITOR\x01"),
            ("newline", "AUDITOR\n"), ("space", "AUDI TOR"), ("hyphen", "AUDI-TOR"),
            ("SQL injection", SQL_INJECTION), ("double quote", '"'), ("backslash", "\\"),
            ("'*'", "*"), ("'FOO_*'", "FOO_*"),
        ]
        for label, v in role_values:
            cases.append(case("pat_roles INSERT role: " + label,
                              stmt(ins, v, "DATA_FETCH"), Err(ROLE_NAME)))
        cases += [
            case("pat_roles INSERT role: string over the length limit",
                 stmt(ins, OVER_LIMIT, "DATA_FETCH"), Err(TOO_BIG)),
            case("pat_roles INSERT role: ROOT", stmt(ins, "ROOT", "DATA_FETCH"), Err(ROOT_ROWS)),
        ]
        for label, v in [("64 characters", "A" * 64), ("lower case of VIEWER", "viewer"),
                         ("'_'", "_")]:
            cases.append(case("pat_roles INSERT role: " + label, stmt(ins, v, "DATA_FETCH"),
                              Done(lambda tc, v=v: None if tc.rows(
                                  "SELECT 1 FROM pat_roles WHERE role = ?", (v,))
                                  else "role %r not listed" % v), gone(v)))

        def unknown(name):
            return Err("pat_roles: unknown right '%s'" % shown(name))

        right_not_text = Err("pat_roles: right must be a text")
        right_values = [
            ("NULL", None, right_not_text),
            ("NaN (binds as NULL)", NAN, right_not_text),
            ("INTEGER", 42, right_not_text),
            ("REAL", 1.5, right_not_text),
            ("empty string", "", unknown("")),
            ("lower case", "data_fetch", unknown("data_fetch")),
            ("1 MiB string", MIB, unknown(MIB)),
            ("string at the length limit", AT_LIMIT, unknown(AT_LIMIT)),
            ("string over the length limit", OVER_LIMIT, Err(TOO_BIG)),
        ] + [(label, bad_utf8(b"DATA_" + raw), unknown(b"DATA_" + raw))
             for label, raw in BAD_UTF8] + [
            ("NUL after a right", "DATA_FETCH\x00", unknown("DATA_FETCH\x00")),
            ("newline after a right", "DATA_FETCH\n", unknown("DATA_FETCH\n")),
            ("'*'", "*", unknown("*")),
            ("'DATA_*'", "DATA_*", unknown("DATA_*")),
            ("'_*'", "_*", unknown("_*")),
            ("SQL injection", SQL_INJECTION, unknown(SQL_INJECTION)),
            ("a list of rights", "DATA_FETCH,DATA_CREATE", unknown("DATA_FETCH,DATA_CREATE")),
            ("duplicate", "DATA_FETCH",
             Err("pat_roles: role 'VIEWER' grants 'DATA_FETCH' already")),
        ]
        for label, v, exp in right_values:
            cases.append(case("pat_roles INSERT right: " + label,
                              stmt(ins, "VIEWER", v), exp))
        # a BLOB is not a right name, as in pat_has_right
        cases.append(case("pat_roles INSERT right: BLOB of a right the role lacks",
                          stmt(ins, "VIEWER", b"USER_FETCH"), right_not_text))
        cases += [
            case("pat_roles INSERT right: duplicate within the statement",
                 stmt("INSERT INTO pat_roles(role, right) VALUES "
                      "('NEWROLE', 'DATA_FETCH'), ('NEWROLE', 'DATA_FETCH')"),
                 Err("pat_roles: role 'NEWROLE' grants 'DATA_FETCH' already")),
            case("pat_roles INSERT right: later row refused",
                 stmt("INSERT INTO pat_roles(role, right) VALUES "
                      "('NEWROLE', 'DATA_FETCH'), ('NEWROLE', 'NOPE')"),
                 Err("pat_roles: unknown right 'NOPE'")),
        ]
        # DELETE of ROOT's computed rows
        for label, where in [("one ROOT row", "role = 'ROOT' AND right = 'DATA_FETCH'"),
                             ("every ROOT row", "role = 'ROOT'"),
                             ("every row holding DATA_FETCH", "right = 'DATA_FETCH'"),
                             ("every row", "1")]:
            cases.append(case("pat_roles DELETE: " + label,
                              stmt("DELETE FROM pat_roles WHERE " + where), Err(ROOT_ROWS)))
        # UPDATE
        for label, sets, where in [
            ("role of a VIEWER row", "role = 'X'", "role = 'VIEWER'"),
            ("right to NULL", "right = NULL", "role = 'VIEWER'"),
            ("role to its own value", "role = role", "role = 'VIEWER'"),
            ("a ROOT row", "right = 'DATA_FETCH'", "role = 'ROOT'"),
            ("right to 1 MiB", "right = '%s'" % MIB, "role = 'AUTHOR'"),
            ("right to SQL injection", "right = '''; DROP TABLE pat_store_tokens; --'",
             "role = 'AUTHOR'"),
        ]:
            cases.append(case("pat_roles UPDATE: " + label,
                              stmt("UPDATE pat_roles SET %s WHERE %s" % (sets, where)),
                              Err(ROLES_UPDATE)))
        self.run_cases(cases)

    # ============================================================ pat_owners

    def test_pat_owners_writes(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES "
                          "('viewer', 'VIEWER'), ('42', 'AUTHOR')")
        P = "pat_owners"
        cases = []
        ins = "INSERT INTO pat_owners(owner, role) VALUES ({}, {})"

        def listed(owner, role):
            def check(tc):
                got = tc.rows("SELECT role FROM pat_owners WHERE owner = ?", (owner,))
                return None if got == [(role,)] else "owner %r has %r" % (owner, got)
            return check

        def unlist(owner):
            return lambda tc: tc.conn.execute("DELETE FROM pat_owners WHERE owner = ?",
                                              (owner,))

        for label, v in TEXT_VALUES:
            if v == 42:
                continue   # listed already, below
            exp = text_rule(v, P, "owner", True, 255,
                            lambda s: Done(listed(s, "VIEWER")))
            cleanup = unlist(str(v) if isinstance(v, int) else v) \
                if isinstance(v, (int, str)) and v is not OVER_LIMIT else None
            cases.append(case("pat_owners INSERT owner: " + label,
                              stmt(ins, v, "VIEWER"), exp, cleanup))

        def unknown(name):
            return Err("pat_owners: unknown role '%s'" % shown(name))

        not_text = Err("pat_owners: role must be a text")
        role_values = [
            ("NULL", None, not_text),
            ("NaN (binds as NULL)", NAN, not_text),
            ("INTEGER", 42, not_text),
            ("REAL", 1.5, not_text),
            ("BLOB of a role", b"VIEWER", not_text),
            ("empty string", "", unknown("")),
            ("unknown", "NOPE", unknown("NOPE")),
            ("lower case", "viewer", unknown("viewer")),
            ("blank before", " VIEWER", unknown(" VIEWER")),
            ("1 MiB string", MIB, unknown(MIB)),
            ("string at the length limit", AT_LIMIT, unknown(AT_LIMIT)),
            ("string over the length limit", OVER_LIMIT, Err(TOO_BIG)),
        ] + [(label, bad_utf8(b"VIEWER" + raw), unknown(b"VIEWER" + raw))
             for label, raw in BAD_UTF8] + [
            ("NUL after a role", "VIEWER\x00", unknown("VIEWER\x00")),
            ("NUL after ROOT", "ROOT\x00", unknown("ROOT\x00")),
            ("newline after a role", "VIEWER\n", unknown("VIEWER\n")),
            ("'*'", "*", unknown("*")),
            ("SQL injection", SQL_INJECTION, unknown(SQL_INJECTION)),
            ("role with no rows", "GHOST", unknown("GHOST")),
        ]
        for label, v, exp in role_values:
            cases.append(case("pat_owners INSERT role: " + label, stmt(ins, "newowner", v),
                              exp))
            cases.append(case("pat_owners UPDATE role: " + label,
                              stmt("UPDATE pat_owners SET role = {} WHERE owner = 'viewer'", v),
                              exp))
        for role in ("ROOT", "ADMIN"):
            cases.append(case("pat_owners INSERT role: " + role, stmt(ins, "newowner", role),
                              Done(listed("newowner", role)), unlist("newowner")))
        dup = "pat_owners: owner '%s' is listed already; UPDATE its role"
        cases += [
            case("pat_owners INSERT owner: listed already", stmt(ins, "viewer", "AUTHOR"),
                 Err(dup % "viewer")),
            case("pat_owners INSERT owner: INTEGER 42 listed as '42'", stmt(ins, 42, "VIEWER"),
                 Err(dup % "42")),
            case("pat_owners INSERT owner: twice in one statement",
                 stmt("INSERT INTO pat_owners(owner, role) VALUES "
                      "('new1', 'VIEWER'), ('new1', 'VIEWER')"), Err(dup % "new1")),
            case("pat_owners INSERT: later row refused",
                 stmt("INSERT INTO pat_owners(owner, role) VALUES "
                      "('new1', 'VIEWER'), ('new2', 'NOPE')"),
                 Err("pat_owners: unknown role 'NOPE'")),
            case("pat_owners UPDATE owner onto a listed one",
                 stmt("UPDATE pat_owners SET owner = '42' WHERE owner = 'viewer'"),
                 Err(dup % "42")),
            case("pat_owners UPDATE owner onto a listed one, as INTEGER",
                 stmt("UPDATE pat_owners SET owner = 42 WHERE owner = 'viewer'"),
                 Err(dup % "42")),
            case("pat_owners UPDATE role of every row to an unknown role",
                 stmt("UPDATE pat_owners SET role = 'NOPE'"),
                 Err("pat_owners: unknown role 'NOPE'")),
        ]
        for label, v in TEXT_VALUES:
            if v in (42,):
                continue
            exp = text_rule(v, P, "owner", True, 255,
                            lambda s: Done(listed(s, "VIEWER")))
            txt = str(v) if isinstance(v, int) else v

            def back(tc, txt=txt):
                tc.conn.execute("UPDATE pat_owners SET owner = 'viewer' WHERE owner = ?",
                                (txt,))
            cases.append(case("pat_owners UPDATE owner: " + label,
                              stmt("UPDATE pat_owners SET owner = {} WHERE owner = 'viewer'", v),
                              exp, back if isinstance(v, (int, str)) and v is not OVER_LIMIT
                              else None))
        self.run_cases(cases)

    # ========================================================== pat_settings

    def test_pat_settings_writes(self):
        self.create("u1", "a", "DATA_FETCH")
        cases = []
        upd = "UPDATE pat_settings SET value = {} WHERE key = '%s'"

        def is_(key, value):
            def check(tc):
                got = tc.one("SELECT value FROM pat_settings WHERE key = ?", (key,))
                if got != value and str(got) != str(value):
                    return "%s is %r, expected %r" % (key, _short(got), _short(value))
                return None
            return check

        def back(key, value):
            return lambda tc: tc.conn.execute(
                "UPDATE pat_settings SET value = ? WHERE key = ?", (value, key))

        bad_text = [("1 MiB string", MIB), ("string at the length limit", AT_LIMIT),
                    ("invalid UTF-8", bad_utf8(b"1\xff")),
                    ("SQL injection", SQL_INJECTION), ("double quote", '"'),
                    ("backslash", "\\")]
        table = {
            "prefix": ("pat_", PREFIX, [
                ("NULL", None), ("NaN (binds as NULL)", NAN), ("INTEGER", 42),
                ("REAL", 1.5), ("BLOB", b"pat_"), ("33 characters", "A" * 33),
                ("embedded NUL", "pat\x00"), ("newline", "pat\n"), ("hyphen", "pat-"),
                ("space", "pat "), ("non-ASCII letter", "p\u00e4t_"),
            ] + bad_text, [("empty string", ""), ("32 characters", "A" * 32),
                           ("ordinary", "x_")]),
            "default_lifetime": ("2592000", LIFETIME, [
                ("NULL", None), ("NaN (binds as NULL)", NAN), ("TEXT 'abc'", "abc"),
                ("empty string", ""), ("one space", " "), ("BLOB", b"\x01"),
                ("BLOB of digits", b"120"), ("0", 0), ("-1", -1), ("REAL 0.0", 0.0),
                ("REAL 1.5", 1.5), ("REAL -1.0", -1.0), ("REAL 1e308", 1e308),
                ("REAL inf", INF), ("REAL -inf", -INF), ("TEXT '120' then NUL", "120\x00"),
                ("TEXT '0x10'", "0x10"), ("TEXT '-5'", "-5"),
            ] + bad_text, [("INTEGER 120", 120), ("TEXT '120'", "120"),
                           ("REAL 3600.0", 3600.0), ("equal to max_lifetime", MAX_LIFETIME)]),
            "max_lifetime": ("31622400", MAXLIFE, [
                ("0", 0), ("-1", -1), ("REAL 1.5", 1.5), ("TEXT 'abc'", "abc"),
                ("empty string", ""), ("BLOB", b"\x01"), ("REAL 1e308", 1e308),
                ("REAL inf", INF), ("REAL -inf", -INF), ("TEXT '-5'", "-5"),
            ] + bad_text, [("NULL (no limit)", None), ("NaN (binds as NULL: no limit)", NAN),
                           ("the span of years 0000 to 9999", SECONDS_MAX),
                           ("equal to default_lifetime", DEFAULT_LIFETIME)]),
            "default_role": ("ROOT", None, [], [("VIEWER", "VIEWER"), ("ROOT", "ROOT")]),
            "audit": ("changes", AUDIT, [
                ("NULL", None), ("NaN (binds as NULL)", NAN), ("INTEGER 1", 1),
                ("INTEGER 0", 0), ("REAL", 1.5), ("BLOB of 'all'", b"all"),
                ("empty string", ""), ("upper case", "ALL"), ("mixed case", "All"),
                ("blank before", " all"), ("blank after", "all "),
                ("'all' then NUL", "all\x00"), ("'all' then NUL and more", "all\x00junk"),
                ("'changes' then NUL", "changes\x00"), ("'off' then NUL", "off\x00"),
                ("prefix of 'off'", "of"), ("'alll'", "alll"),
            ] + bad_text, [("off", "off"), ("all", "all"), ("changes", "changes")]),
            "last_used_interval": ("60", INTERVAL, [
                ("NULL", None), ("NaN (binds as NULL)", NAN), ("-1", -1), ("REAL -1.0", -1.0),
                ("REAL 1.5", 1.5), ("TEXT 'abc'", "abc"), ("empty string", ""),
                ("BLOB", b"\x01"), ("REAL 1e308", 1e308), ("REAL inf", INF),
            ] + bad_text, [("0", 0), ("TEXT '120'", "120"),
                           ("the span of years 0000 to 9999", SECONDS_MAX)]),
        }
        # A duration past the span of times pat takes could overflow a sum.
        for key in ("max_lifetime", "last_used_interval"):
            for label, v in [("one over the span", SECONDS_MAX + 1), ("2**62", 2 ** 62),
                             ("2**63-1", 2 ** 63 - 1)]:
                cases.append(case("pat_settings %s: %s" % (key, label), stmt(upd % key, v),
                                  Err(SPAN % key)))
        for key, (default, msg, bad, good) in table.items():
            for label, v in bad:
                exp = Err(msg)
                cases.append(case("pat_settings %s: %s" % (key, label),
                                  stmt(upd % key, v), exp))
            for label, v in good:
                stored = None if is_nan(v) else v
                if isinstance(v, float) and not is_nan(v):
                    stored = int(v)
                cases.append(case("pat_settings %s: %s" % (key, label), stmt(upd % key, v),
                                  Done(is_(key, stored)), back(key, default)))
            cases.append(case("pat_settings %s: string over the length limit" % key,
                              stmt(upd % key, OVER_LIMIT), Err(TOO_BIG)))
        over = "pat_settings: default_lifetime may not exceed max_lifetime (%d)" % MAX_LIFETIME
        under = ("pat_settings: max_lifetime may not be less than default_lifetime (%d)"
                 % DEFAULT_LIFETIME)
        for label, v, exp in [
            ("default_lifetime 2**62", 2 ** 62, Err(over)),
            ("default_lifetime 2**63-1", 2 ** 63 - 1, Err(over)),
            ("default_lifetime one over max_lifetime", MAX_LIFETIME + 1, Err(over)),
            ("default_lifetime one over max_lifetime, REAL", MAX_LIFETIME + 1.0, Err(over)),
            ("default_lifetime REAL 1e15", 1e15, Err(over)),
            ("default_lifetime TEXT 2**63", str(2 ** 63), ErrLike("pat_settings: "
                                                                  "default_lifetime ")),
        ]:
            cases.append(case("pat_settings " + label,
                              stmt(upd % "default_lifetime", v), exp))
        for label, v in [("1", 1), ("one under default_lifetime", DEFAULT_LIFETIME - 1)]:
            cases.append(case("pat_settings max_lifetime " + label,
                              stmt(upd % "max_lifetime", v), Err(under)))

        def unknown_role(name):
            return Err("pat_settings: unknown role '%s'" % shown(name))

        role_not_text = Err("pat_settings: default_role must be a text")
        for label, v, exp in [
            ("NULL", None, role_not_text), ("NaN (binds as NULL)", NAN, role_not_text),
            ("INTEGER", 42, role_not_text), ("REAL", 1.5, role_not_text),
            ("BLOB of ROOT", b"ROOT", role_not_text),
            ("empty string", "", unknown_role("")), ("lower case", "root", unknown_role("root")),
            ("unknown", "NOPE", unknown_role("NOPE")),
            ("blank before", " ROOT", unknown_role(" ROOT")),
            ("ROOT then NUL", "ROOT\x00", unknown_role("ROOT\x00")),
            ("ROOT then newline", "ROOT\n", unknown_role("ROOT\n")),
            ("1 MiB string", MIB, unknown_role(MIB)),
            ("string at the length limit", AT_LIMIT, unknown_role(AT_LIMIT)),
            ("invalid UTF-8", bad_utf8(b"ROOT\xff"), unknown_role(b"ROOT\xff")),
            ("SQL injection", SQL_INJECTION, unknown_role(SQL_INJECTION)),
        ]:
            cases.append(case("pat_settings default_role: " + label,
                              stmt(upd % "default_role", v), exp))
        fixed = Err("pat_settings: column 'key' can not be changed (only value)")
        for label, v in [("new key", "x"), ("NULL", None), ("its own value", Sql("key")),
                         ("1 MiB string", MIB), ("another key", "prefix")]:
            cases.append(case("pat_settings UPDATE key: " + label,
                              stmt("UPDATE pat_settings SET key = {} WHERE key = 'audit'", v),
                              fixed))
        for label, k, v in [("a known key", "prefix", "x_"), ("a new key", "new", "x"),
                            ("NULLs", None, None), ("1 MiB", MIB, MIB),
                            ("SQL injection", SQL_INJECTION, SQL_INJECTION)]:
            cases.append(case("pat_settings INSERT: " + label,
                              stmt("INSERT INTO pat_settings(key, value) VALUES ({}, {})", k, v),
                              Err(SETTINGS_INSERT)))
        for label, where in [("every row", "1"), ("one key", "key = 'audit'")]:
            cases.append(case("pat_settings DELETE: " + label,
                              stmt("DELETE FROM pat_settings WHERE " + where),
                              Err(SETTINGS_DELETE)))
        cases += [
            case("pat_settings UPDATE of every key refused on one",
                 stmt("UPDATE pat_settings SET value = 'all'"), ErrLike("pat_settings: ")),
            case("pat_settings UPDATE of every key to 120, refused on audit",
                 stmt("UPDATE pat_settings SET value = 120"), ErrLike("pat_settings: ")),
        ]
        self.run_cases(cases)

    # ============================================================ pat_events

    def test_pat_events_writes(self):
        self.create("u1", "a", "DATA_FETCH")
        ro = Err(EVENTS_RO)
        cases = []
        for label, sp in [
            ("INSERT", stmt("INSERT INTO pat_events(event, detail) VALUES ({}, {})",
                            "create", "x")),
            ("INSERT of every column", stmt(
                "INSERT INTO pat_events(id, at, event, token_id, token_name, owner, detail) "
                "VALUES (999, '2026-01-01', 'delete', 1, 'a', 'u1', '{{}}')")),
            ("INSERT of NULLs", stmt("INSERT INTO pat_events(id) VALUES (NULL)")),
            ("INSERT of 1 MiB", stmt("INSERT INTO pat_events(detail) VALUES ({})", MIB)),
            ("INSERT a copy", stmt("INSERT INTO pat_events SELECT * FROM pat_events")),
            ("REPLACE", stmt("REPLACE INTO pat_events(id, event) VALUES (1, 'use')")),
            ("UPDATE detail", stmt("UPDATE pat_events SET detail = {}", SQL_INJECTION)),
            ("UPDATE detail to invalid UTF-8",
             stmt("UPDATE pat_events SET detail = {}", bad_utf8(b"\xff"))),
            ("UPDATE id", stmt("UPDATE pat_events SET id = id + 100")),
            ("UPDATE event to NULL", stmt("UPDATE pat_events SET event = NULL")),
            ("UPDATE token_id", stmt("UPDATE pat_events SET token_id = 42")),
            ("UPDATE at", stmt("UPDATE pat_events SET at = '2000-01-01'")),
            ("DELETE every row", stmt("DELETE FROM pat_events")),
            ("DELETE one row", stmt("DELETE FROM pat_events WHERE id = 1")),
        ]:
            cases.append(case("pat_events " + label, sp, ro))
        self.run_cases(cases)


    # ===================================================== pat_key / pat_rekey

    def test_pat_key_and_rekey(self):
        self.create("u1", "a", "DATA_FETCH")
        cases = []

        for fn in ("pat_key", "pat_rekey"):
            bad = Err("%s: the key must be a BLOB of 32 to 64 bytes, or NULL for none" % fn)
            for label, v in [
                ("INTEGER", 42), ("REAL", 1.5), ("REAL inf", INF),
                ("BLOB of 31 bytes", b"k" * 31), ("BLOB of 65 bytes", b"k" * 65),
                ("empty BLOB", b""), ("1 MiB BLOB", MIB.encode()),
                ("BLOB at the length limit", AT_LIMIT.encode()),
                ("TEXT of 32 characters", "k" * 32), ("TEXT of 64 hex digits", "ab" * 32),
                ("empty string", ""), ("1 MiB string", MIB),
                ("invalid UTF-8 of 32 bytes", bad_utf8(b"\xff" * 32)),
                ("TEXT of 32 NUL bytes", "\x00" * 32), ("SQL injection", SQL_INJECTION),
            ]:
                cases.append(case("%s: %s" % (fn, label), call(fn, v), bad))
            for label, v in [("BLOB over the length limit", OVER_LIMIT.encode()),
                             ("string over the length limit", OVER_LIMIT)]:
                cases.append(case("%s: %s" % (fn, label), call(fn, v), Err(TOO_BIG)))
            wrong = Err("wrong number of arguments to function %s()" % fn)
            cases.append(case("%s with 0 arguments" % fn, call(fn), wrong))
            cases.append(case("%s with 2 arguments" % fn, call(fn, None, None), wrong))
        # documented answers: NULL unsets (answers NULL); a good key answers
        # its fingerprint and writes nothing to the file (pat_key)
        cases += [
            case("pat_key: NULL", call("pat_key", None), Is(None)),
            case("pat_key: NaN (binds as NULL)", call("pat_key", NAN), Is(None)),
        ]
        for label, v in [("BLOB of 32 bytes", b"k" * 32), ("BLOB of 64 bytes", b"\x00" * 64)]:
            cases.append(case("pat_key: " + label, call("pat_key", v), Fingerprint(),
                              lambda tc: tc.conn.execute("SELECT pat_key(NULL)")))
        cases.append(case("pat_rekey: BLOB of 32 bytes, then back to no key",
                          call("pat_rekey", b"r" * 32), Fingerprint(changes=True),
                          lambda tc: tc.conn.execute("SELECT pat_rekey(NULL)")))
        self.run_cases(cases)
        # and the store still works without a key
        tok = self.create("u1", "after", "DATA_FETCH")
        self.assertIsInstance(self.verify(tok), int)


# The documented messages shared by several groups.
TOKENS_INSERT = ("pat_tokens: INSERT is not supported: make tokens with "
                 "pat_create(owner, name, rights [, valid_from [, valid_to]])")
RIGHT_NAME = "pat_rights: name must be 1 to 64 characters of A-Z, a-z, 0-9 and _"
ROLE_NAME = "pat_roles: role must be 1 to 64 characters of A-Z, a-z, 0-9 and _"
ROOT_ROWS = "pat_roles: ROOT grants every right already; its rows can not be changed"
ROLES_UPDATE = "pat_roles: UPDATE is not supported: DELETE the row and INSERT the new one"
SETTINGS_INSERT = ("pat_settings: INSERT is not supported: the settings are fixed; "
                   "UPDATE their values")
SETTINGS_DELETE = ("pat_settings: DELETE is not supported: the settings are fixed; "
                   "UPDATE their values")
EVENTS_RO = "pat_events: the audit trail is read-only"
PREFIX = "pat_settings: prefix must be at most 32 characters of A-Z, a-z, 0-9 and _"
LIFETIME = "pat_settings: default_lifetime must be a positive integer of seconds"
MAXLIFE = "pat_settings: max_lifetime must be a positive integer of seconds or NULL"
AUDIT = "pat_settings: audit must be 'off', 'changes' or 'all'"
INTERVAL = "pat_settings: last_used_interval must be a non-negative integer of seconds"
# The span of times pat takes (0000-01-01 to 9999-12-31): the longest duration.
SECONDS_MAX = 253402300799 + 62167219200
SPAN = "pat_settings: %%s may not exceed %d seconds (the years 0000 to 9999)" % SECONDS_MAX
