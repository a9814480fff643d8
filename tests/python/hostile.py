"""The shared machinery of the hostile-input tests (issue 5, item 3).

Every function argument and every writable table column of pat is fed each
hostile value: NULL, the wrong types, empty, 1 MiB and length-limit strings,
invalid UTF-8, embedded NUL bytes, control characters, negative, zero, huge,
NaN and out-of-range times, valid_to equal to valid_from, unknown, duplicate
and wildcard-only rights, malformed and deeply nested JSON, SQL metacharacters
and quotes, tokens of the wrong prefix, length, alphabet or checksum, and a
right the owner's role does not grant. The tests are split by subject:

    test_hostile_create.py    pat_create's arguments (owner, name, rights,
                              valid_from, valid_to and the window they make),
                              writes to pat_tokens, and refused first calls,
                              which must create no store
    test_hostile_tokens.py    pat_verify's and pat_has_right's token, right
                              and time arguments; pat_rotate's id and valid_to
    test_hostile_tables.py    writes to pat_rights, pat_roles, pat_owners and
                              pat_events
    test_hostile_settings.py  writes to pat_settings
    test_hostile_key.py       pat_key and pat_rekey

This module holds what they share: the hostile values (TEXT_VALUES,
TIME_VALUES, BAD_UTF8, MIB, AT_LIMIT, OVER_LIMIT, ...), the expectations (Err,
ErrLike, Is, Made, Done, Fingerprint), how a case is written (case, stmt,
call, Sql), the documented rules (text_rule, time_rule), the documented
messages that more than one module expects, and HostileInputTest, the base
class whose run_cases() runs a list of cases. It is not named test_*.py, so
unittest discovery does not run it; the modules import it as
`from tests.python import hostile`.

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
tried in reasonable time. One database serves each group (each test method):
a refused call provably leaves it unchanged (that is what the byte comparison
checks), and a case that is meant to change it is followed by a re-baseline
and, where later cases depend on it, a cleanup that puts the row back.

Where the documentation is silent and a case's expectation follows what pat
does (a sensible refusal with an undocumented message, the truncation and
sanitising of echoed values), the case's label ends in "[undocumented]".

Each module's class prints the number of cases it tried once, on stderr:
"hostile inputs tried: N (module)".
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
from tests.python.helpers import PatTestCase, file_bytes, snapshot

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
            return "expected error %r, got %s %r" % (self.msg, kind, short(got))
        if got != self.msg:
            return "expected error %r, got error %r" % (self.msg, short(got))
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
            return "expected error %r, got %s %r" % (self.msg, kind, short(got))
        if not (got.startswith(self.start) and got.endswith(self.end)):
            return "expected error %r, got error %r" % (self.msg, short(got))
        return _error_hygiene(got)


class Is(Expect):
    """The call answers this one value."""

    def __init__(self, value, changes=False):
        self.value = value
        self.changes = changes

    def problem(self, tc, case, outcome):
        kind, got = outcome
        if kind != "rows" or got != [(self.value,)]:
            return "expected %r, got %s %r" % (self.value, kind, short(got))
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
            return "expected a token, got %s %r" % (kind, short(got))
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
            return "expected success, got %s %r" % (kind, short(got))
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
            return "expected a fingerprint, got %s %r" % (kind, short(got))
        return None

    def __repr__(self):
        return "a key fingerprint"


def short(v):
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


# ---------------------------------------------------- documented messages

# The documented messages that more than one module expects (the refused
# first calls of test_hostile_create.py try one write to each table).
RIGHT_NAME = "pat_rights: name must be 1 to 64 characters of A-Z, a-z, 0-9 and _"
ROOT_ROWS = "pat_roles: ROOT grants every right already; its rows can not be changed"
ROLES_UPDATE = "pat_roles: UPDATE is not supported: DELETE the row and INSERT the new one"
SETTINGS_INSERT = ("pat_settings: INSERT is not supported: the settings are fixed; "
                   "UPDATE their values")
SETTINGS_DELETE = ("pat_settings: DELETE is not supported: the settings are fixed; "
                   "UPDATE their values")
EVENTS_RO = "pat_events: the audit trail is read-only"
AUDIT = "pat_settings: audit must be 'off', 'changes' or 'all'"


# --------------------------------------------------------- the base class

class HostileInputTest(PatTestCase):
    """The base of every hostile-input test class: run_cases() runs a list of
    cases on the test's database and checks each answer, and that a case
    not meant to change the database left it byte-for-byte as it was. Each
    subclass counts its own cases in `tried`."""
    journal_mode = "delete"   # rollback journal: all content in the file
    tried = 0

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        sys.stderr.write("\nhostile inputs tried: %d (%s)\n"
                         % (cls.tried, cls.__module__.rsplit(".", 1)[-1]))

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
                            c.label, short(c.sql), c.expect, "\n  ".join(problems)))
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
                    return "%s is %r, expected %r" % (k, short(row[k]), short(v))
            return None
        return check
