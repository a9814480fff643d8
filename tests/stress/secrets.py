#!/usr/bin/python3
"""Secrets at rest (issue 5, item 6): no plaintext token is left in any file
or table, and no digest outside the one column that keys the tokens.

    secrets.py suite   the normal suite (tests/run_all.sh) with TMPDIR set to a
                       fresh directory that is kept; then every file there is
                       scanned
    secrets.py mint    mints tokens through every path, then scans every file
                       and every table it left
    secrets.py all     both (make test-secrets)

suite: while tests/run_all.sh runs, TMPDIR points to a new directory under
SECRETS_DIR (default dist/test-secrets), which is kept (the last three runs
are). The tests delete
their temporary directories, so tests/stress/keep hooks the removal
(sitecustomize for Python's shutil.rmtree/os.remove/os.unlink, an `rm` on
PATH for the shell runners): what would be removed under that directory is
moved into its .graveyard instead. The Python hook also notes every
token-shaped value with a valid checksum that a query returned (the tokens the
tests minted) in a file outside the scanned directory, deleted after the
scan. Then every file under the directory (databases, -wal, -journal, -shm,
anything) is scanned for token-shaped strings with a valid pat checksum
(CRC32 of prefix and random part, any prefix of up to 32 characters), in
UTF-8 and UTF-16, and for every noted token exactly and for its 32-character
random part alone. A hit in a database, WAL, journal or shm file is a leak; a
hit elsewhere (a test's own output) is shown for review.
Not covered: the Check unit tests write /tmp/pat_unit_<pid>.db whatever
TMPDIR says and unlink it; SQLite's own temporary files are unlinked as soon
as they are opened.

mint: in a fresh directory, for each journal mode (wal, delete, truncate,
persist), with audit 'all' and last_used_interval 0: pat_create (list, JSON,
wildcards, explicit windows, INTEGER owner), inside BEGIN ... COMMIT and
BEGIN ... ROLLBACK and a rolled-back SAVEPOINT, many in one statement
(SELECT pat_create(...) FROM t); pat_verify and pat_has_right (bare and
Bearer, with and without `at`, use and deny events, a read-only connection);
UPDATE of name, window and rights; pat_rotate with and without valid_to;
DELETE; a changed and an empty prefix; checkpoints and VACUUM. And a process
SIGKILLed while it holds an open transaction with minted tokens (a tiny page
cache, so uncommitted pages reach the file): the files are scanned as the
kill left them, and again after recovery. Searched: every file (db, -wal,
-journal, -shm), every open but unlinked file of this process
(/proc/self/fd), every column of every table (raw, and pat's public tables)
for each plaintext, its random part, and any valid-checksum token; and every
column but those that hold digests by design (DIGEST_COLUMNS: a token's
digest, its value in a rotation grace, a retired value) for each token's
BLAKE2b-256 digest (raw and hex) and for every digest they ever held. Positive controls
prove the scanners find what they look for. Error messages of calls that get
a token in the wrong argument are checked too, and reported (not counted).

Last line of each part: "secrets (suite|mint): N passed, M failed"; exit
status 1 on any leak.
"""
import collections
import datetime
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

# The columns that hold digests by design: a token's, its old value's during
# a rotation grace, and a retired value's (sql/schema.sql).
DIGEST_COLUMNS = {("pat_store_tokens", "digest"), ("pat_store_tokens", "prev_digest"),
                  ("pat_store_retired", "digest")}

ROOT = common.ROOT
KEEP = os.path.join(common.HERE, "keep")
DB_KINDS = ("database", "wal", "journal", "shm")


# ================================================================ scanning

def file_kind(path, head):
    name = os.path.basename(path)
    if name.endswith("-wal") or head[:4] in (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83"):
        return "wal"
    if name.endswith("-journal") or head[:8] == b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7":
        return "journal"
    if name.endswith("-shm"):
        return "shm"
    if head[:16] == b"SQLite format 3\x00":
        return "database"
    return "other"


_B62RUN = re.compile(rb"[0-9A-Za-z]{32,}")
_B62RUN16 = re.compile(rb"(?:[0-9A-Za-z]\x00){32,}")


class Needles:
    """What to look for: plaintexts, their random parts, digests."""

    def __init__(self):
        self.tokens = set()       # bytes
        self.randoms = {}         # random part (bytes) -> token
        self.digests = {}         # 32 bytes -> label
        self.hexes = {}           # lowercase hex text -> label

    def add_token(self, tok):
        b = tok.encode() if isinstance(tok, str) else tok
        if b in self.tokens:
            return
        self.tokens.add(b)
        self.randoms[b[-common.TAIL_LEN:-common.CHECKSUM_LEN]] = b
        self.add_digest(common.digest(b), "digest of a token")

    def add_digest(self, d, label):
        if d not in self.digests:
            self.digests[d] = label
            self.hexes[d.hex()] = label


def scan_data(data, needles):
    """Hits in one buffer: [(what, offset, token or None)]."""
    hits = []
    for off, tok in common.find_tokens(data):
        hits.append(("token" + ("" if tok in needles.tokens else " (valid checksum,"
                                " not one of ours)"), off, tok))
    for off, tok in common.find_tokens_utf16(data):
        hits.append(("token in UTF-16", off, tok))
    if needles.randoms:
        for m in _B62RUN.finditer(data):
            run = m.group()
            for i in range(len(run) - 31):
                t = needles.randoms.get(run[i:i + 32])
                if t is not None:
                    hits.append(("random part", m.start() + i, t))
        for m in _B62RUN16.finditer(data):
            run = m.group()[::2]
            for i in range(len(run) - 31):
                t = needles.randoms.get(run[i:i + 32])
                if t is not None:
                    hits.append(("random part in UTF-16", m.start() + 2 * i, t))
    # A random part is part of its whole token: report the token once.
    whole = {(off, tok) for what, off, tok in hits if what == "token"}
    return [h for h in hits if not (h[0] == "random part" and any(
        t == h[2] and o <= h[1] < o + len(t) for o, t in whole))]


def context(data, off, n=24):
    lo, hi = max(0, off - n), min(len(data), off + 70)
    return repr(data[lo:hi])


class Scan:
    def __init__(self, summary):
        self.s = summary
        self.files = collections.Counter()     # kind -> files scanned
        self.bytes = 0
        self.values = 0
        self.review = []                       # hits outside database files
        self.unlinked = 0                      # open unlinked files scanned
        self.app_written = {}                  # token -> where a test wrote it

    def find_app_written(self, top):
        """Tokens that the tests wrote themselves into a database: in the
        schema's SQL (a view's text, say) or in a table of their own (not
        pat_store_*). A hit of such a token is the test's doing, not pat's;
        it is shown for review instead of failing. Each database is read from
        a scratch copy (with its -wal and -journal), so the kept files stay as
        they were."""
        scratch = tempfile.mkdtemp(prefix="pat-secrets-copy-")
        try:
            for d, dirs, files in os.walk(top):
                for f in files:
                    p = os.path.join(d, f)
                    try:
                        with open(p, "rb") as fh:
                            head = fh.read(16)
                    except OSError:
                        continue
                    if os.path.islink(p) or head != b"SQLite format 3\x00":
                        continue
                    for old in os.listdir(scratch):
                        os.remove(os.path.join(scratch, old))
                    for suffix in ("", "-wal", "-journal"):
                        if os.path.exists(p + suffix):
                            shutil.copyfile(p + suffix, os.path.join(scratch, "c.db" + suffix))
                    self._app_tokens(os.path.join(scratch, "c.db"), os.path.relpath(p, top))
        finally:
            shutil.rmtree(scratch, True)

    def _app_tokens(self, db, label):
        try:
            c = sqlite3.connect(db, isolation_level=None)
            rows = [("sqlite_schema", r[0]) for r in c.execute(
                "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL")]
            for (t,) in c.execute("SELECT name FROM sqlite_schema WHERE type = 'table'"
                                  " AND name NOT LIKE 'pat_store_%' AND name NOT LIKE"
                                  " 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'"):
                for row in c.execute('SELECT * FROM "%s"' % t.replace('"', '""')):
                    rows += [("table " + t, v) for v in row]
            # A token's name and owner are the application's own text, stored
            # as given (pat_tokens shows them back unchanged): a test that
            # names a token after another token's value wrote it there itself.
            # pat's own copies of that text (an event's token_name and detail)
            # then hold the same value; the token counts as the test's doing
            # wherever it is found.
            if c.execute("SELECT 1 FROM sqlite_schema WHERE type = 'table'"
                         " AND name = 'pat_store_tokens'").fetchone():
                for row in c.execute("SELECT name, owner FROM pat_store_tokens"):
                    rows += [("name or owner of a token", v) for v in row]
                # A description is the application's text too (schema 6),
                # and an update event keeps the names and descriptions a
                # token had before (detail {"name": [old, new], ...}).
                cols = [r[1] for r in c.execute("PRAGMA table_info(pat_store_tokens)")]
                if "description" in cols:
                    for (v,) in c.execute("SELECT description FROM pat_store_tokens"):
                        rows.append(("description of a token", v))
                for (detail,) in c.execute("SELECT detail FROM pat_store_events"
                                           " WHERE event = 'update'"):
                    try:
                        d = json.loads(detail)
                    except (TypeError, ValueError):
                        continue
                    for key in ("name", "description"):
                        for v in d.get(key) or []:
                            rows.append(("%s of a token, before an update" % key, v))
            c.close()
        except sqlite3.Error:
            return
        for where, v in rows:
            if isinstance(v, str):
                v = v.encode("utf-8", "surrogatepass")
            if isinstance(v, bytes):
                for _, tok in common.find_tokens(v):
                    self.app_written.setdefault(tok, "%s of %s" % (where, label))

    def scan_file(self, path, label=None, fatal_kinds=DB_KINDS):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            self.s.fail("can not read %s: %s" % (path, e))
            return []
        kind = file_kind(path, data[:32])
        self.files[kind] += 1
        self.bytes += len(data)
        hits = scan_data(data, self.needles)
        for what, off, tok in hits:
            msg = "%s found in %s file %s at offset %d: %s" % (
                what, kind, label or path, off, context(data, off))
            mine = self.app_written.get(tok)
            if kind in fatal_kinds and not mine:
                self.s.fail(msg)
            else:
                self.review.append(msg + ("; the test wrote it itself, in %s" % mine
                                          if mine else ""))
        if not hits:
            self.s.passed += 1
        return hits

    def scan_tree(self, top, fatal_kinds=DB_KINDS, skip=()):
        for d, dirs, files in os.walk(top):
            dirs.sort()
            for f in sorted(files):
                p = os.path.join(d, f)
                if os.path.isfile(p) and not os.path.islink(p) and p not in skip:
                    self.scan_file(p, os.path.relpath(p, top), fatal_kinds)

    def scan_open_unlinked(self, where):
        """Files this process holds open but has unlinked (SQLite's temporary
        files): read through /proc/self/fd while they live."""
        n = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink("/proc/self/fd/" + fd)
            except OSError:
                continue
            if target.endswith(" (deleted)") and target.startswith("/"):
                n += 1
                self.unlinked += 1
                self.scan_file("/proc/self/fd/" + fd, "%s (fd %s, %s)" % (target, fd, where))
        return n

    def scan_value(self, v, where, digests=True):
        self.values += 1
        if isinstance(v, str):
            b = v.encode("utf-8", "surrogatepass")
        elif isinstance(v, bytes):
            b = v
        else:
            return
        for what, off, tok in scan_data(b, self.needles):
            self.s.fail("%s in %s: %s" % (what, where, context(b, off)))
        if not digests:
            return
        if isinstance(v, bytes):
            for i in range(0, max(0, len(b) - 31)):
                lab = self.needles.digests.get(b[i:i + 32])
                if lab:
                    self.s.fail("%s (32 bytes) in %s" % (lab, where))
        else:
            low = v.lower()
            for m in re.finditer(r"[0-9a-f]{64,}", low):
                run = m.group()
                for i in range(len(run) - 63):
                    lab = self.needles.hexes.get(run[i:i + 64])
                    if lab:
                        self.s.fail("%s (hex) in %s" % (lab, where))

    def scan_tables(self, db, label):
        """Every column of every table, read without pat; and pat's public
        tables through pat."""
        raw = common.connect(db, load=False)
        tables = [r[0] for r in raw.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table'"
            " AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
        for t in tables:
            cur = raw.execute('SELECT * FROM "%s"' % t.replace('"', '""'))
            cols = [d[0] for d in cur.description]
            for row in cur:
                for c, v in zip(cols, row):
                    keyed = (t, c) in DIGEST_COLUMNS
                    if keyed and isinstance(v, bytes) and len(v) == 32:
                        self.needles.add_digest(v, "a digest from pat_store_tokens")
                    self.scan_value(v, "%s: %s.%s" % (label, t, c), digests=not keyed)
        raw.close()
        conn = common.connect(db)
        for t in ("pat_tokens", "pat_events", "pat_settings", "pat_rights", "pat_roles",
                  "pat_owners"):
            cur = conn.execute("SELECT * FROM %s" % t)
            cols = [d[0] for d in cur.description]
            for row in cur:
                for c, v in zip(cols, row):
                    self.scan_value(v, "%s: %s.%s (through pat)" % (label, t, c))
        conn.close()
        self.s.passed += 1


# ================================================================== suite

def suite(s):
    base = os.environ.get("SECRETS_DIR") or os.path.join(ROOT, "dist", "test-secrets")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run = os.path.join(base, "run-%s-%d" % (stamp, os.getpid()))
    tmp = os.path.join(run, "tmp")
    os.makedirs(tmp)
    # Keep the last three runs.
    old = sorted(d for d in os.listdir(base) if d.startswith("run-"))
    for d in old[:-3]:
        shutil.rmtree(os.path.join(base, d), True)
    record = os.path.join(run, "minted-tokens.txt")     # outside tmp; deleted below
    env = dict(os.environ)
    env.update(TMPDIR=tmp, SQLITE_TMPDIR=tmp, PAT_SECRETS_TMP=os.path.realpath(tmp),
               PAT_SECRETS_RECORD=record,
               PYTHONPATH=os.path.join(KEEP, "py") + (
                   os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
               PATH=os.path.join(KEEP, "bin") + os.pathsep + env.get("PATH", ""))
    print("secrets suite: tests/run_all.sh with TMPDIR=%s (kept)" % tmp)
    sys.stdout.flush()
    t0 = time.monotonic()
    out = subprocess.run(["sh", os.path.join(ROOT, "tests", "run_all.sh")], cwd=ROOT,
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = out.stdout.decode("utf-8", "replace")
    closing = [l for l in text.splitlines() if l.startswith("make test:")]
    print("  the suite: %s (exit status %d, %.1f s)" % (
        closing[-1] if closing else "no closing line", out.returncode, time.monotonic() - t0))
    with open(os.path.join(run, "suite.out"), "w", encoding="utf-8") as f:
        f.write(text)

    sc = Scan(s)
    sc.needles = Needles()
    minted = []
    if os.path.exists(record):
        with open(record, encoding="utf-8") as f:
            minted = sorted({l.strip() for l in f if l.strip()})
    for t in minted:
        sc.needles.add_token(t)
    try:
        t1 = time.monotonic()
        sc.find_app_written(tmp)
        sc.scan_tree(tmp)
        dbfiles = sum(sc.files[k] for k in DB_KINDS)
        print("  scanned %d files (%s), %.1f MB, in %.1f s" % (
            sum(sc.files.values()), ", ".join("%s %d" % kv for kv in sorted(sc.files.items())),
            sc.bytes / 1e6, time.monotonic() - t1))
        print("  tokens the tests minted and read back (noted by the hook): %d;"
              " each searched exactly and by its random part, with any valid-checksum"
              " token" % len(minted))
        s.ok(dbfiles > 0, "suite: no database file was left to scan (the hooks did not"
             " keep the tests' files)")
        s.ok(len(minted) > 0, "suite: the hook noted no minted token")
        print("  tokens the tests wrote into their own tables or schema: %d"
              % len(sc.app_written))
        for r in sc.review:
            print("  review (a test's own doing, not counted): " + r)
    finally:
        if os.path.exists(record):
            os.remove(record)
    print("  kept: %s" % run)


# =================================================================== mint

def one(conn, sql, p=()):
    return conn.execute(sql, p).fetchone()[0]


class Minter:
    def __init__(self, s, sc, d):
        self.s = s
        self.sc = sc
        self.d = d
        self.rng = random.Random()
        self.minted = 0
        self.errors = []            # (call, message, token passed)

    def tok(self, t):
        assert isinstance(t, str), t
        self.sc.needles.add_token(t)
        self.minted += 1
        return t

    def err(self, conn, call, sql, p, tok):
        try:
            conn.execute(sql, p).fetchall()
            self.errors.append((call, None, tok))
        except sqlite3.Error as e:
            self.errors.append((call, str(e), tok))

    def lifecycle(self, mode):
        db = os.path.join(self.d, "life-%s.db" % mode)
        c = common.connect(db)
        c.execute("PRAGMA journal_mode=%s" % mode)
        c.execute("UPDATE pat_settings SET value = 'all' WHERE key = 'audit'")
        c.execute("UPDATE pat_settings SET value = 0 WHERE key = 'last_used_interval'")
        c.execute("INSERT INTO pat_owners VALUES ('viewer', 'VIEWER')")
        b = common.connect(db)                     # a second connection
        toks = []
        for i in range(20):
            rights = self.rng.choice(["DATA_FETCH, DATA_CREATE", '["DATA_*"]', "*",
                                      "PROJECT_*, MEDIA_FETCH"])
            owner = self.rng.choice(["alice", 42, "bob"])
            if i % 3 == 0:
                t = one(c, "SELECT pat_create(?, ?, ?, ?, ?)", (owner, "n%d" % i, rights,
                                                                 "2020-01-01", None))
            elif i % 3 == 1:
                now = int(time.time())
                t = one(c, "SELECT pat_create(?, ?, ?, ?, ?)",
                        (owner, "n%d" % i, rights, now - 10, now + 86400))
            else:
                t = one(b, "SELECT pat_create(?, ?, ?)", (owner, "n%d" % i, rights))
            toks.append(self.tok(t))
        toks.append(self.tok(one(c, "SELECT pat_create('viewer', 'v', 'DATA_FETCH')")))
        # checks: use and deny events, bookkeeping through pat's own writer
        for t in toks:
            for conn in (c, b):
                one(conn, "SELECT pat_verify(?)", (t,))
                one(conn, "SELECT pat_verify(?)", ("Bearer " + t,))
                one(conn, "SELECT pat_verify(?)", ("  bearer\t" + t + "\r\n",))
                one(conn, "SELECT pat_verify(?, unixepoch('now'))", (t,))
                one(conn, "SELECT pat_has_right(?, 'DATA_FETCH')", (t,))
                one(conn, "SELECT pat_has_right(?, 'USER_DELETE')", (t,))
                one(conn, "SELECT pat_verify(?, '2000-01-01')", (t,))
        c.execute("UPDATE pat_owners SET role = 'ADMIN' WHERE owner = 'viewer'")
        one(c, "SELECT pat_has_right(?, 'DATA_FETCH')", (toks[-1],))
        c.execute("DELETE FROM pat_roles WHERE role = 'VIEWER' AND right = 'DATA_FETCH'")
        c.execute("UPDATE pat_owners SET role = 'VIEWER' WHERE owner = 'viewer'")
        one(c, "SELECT pat_has_right(?, 'DATA_FETCH')", (toks[-1],))   # deny: role
        # a read-only connection checks and writes nothing
        ro = common.connect("file:%s?mode=ro" % db, uri=True)
        for t in toks[:5]:
            one(ro, "SELECT pat_verify(?)", (t,))
        ro.close()
        # transactions of the application
        c.execute("BEGIN")
        for i in range(5):
            self.tok(one(c, "SELECT pat_create('alice', ?, 'DATA_FETCH')", ("txn%d" % i,)))
        c.execute("COMMIT")
        c.execute("BEGIN")
        for i in range(5):
            self.tok(one(c, "SELECT pat_create('alice', ?, 'DATA_FETCH')", ("rb%d" % i,)))
        self.sc.scan_open_unlinked("%s: inside an open transaction" % mode)
        c.execute("ROLLBACK")
        c.execute("SAVEPOINT app")
        self.tok(one(c, "SELECT pat_create('alice', 'sp', 'DATA_FETCH')"))
        c.execute("ROLLBACK TO app")
        c.execute("RELEASE app")
        # many in one statement
        c.execute("CREATE TABLE app_rows(n INTEGER)")
        c.executemany("INSERT INTO app_rows VALUES (?)", [(i,) for i in range(40)])
        for (t,) in c.execute("SELECT pat_create('carol', 'row ' || n, 'DATA_FETCH')"
                              " FROM app_rows").fetchall():
            toks.append(self.tok(t))
        # changes
        ids = [r[0] for r in c.execute("SELECT id FROM pat_tokens")]
        for tid in ids[::3]:
            c.execute("UPDATE pat_tokens SET name = ? WHERE id = ?", ("renamed %d" % tid, tid))
            try:
                c.execute("UPDATE pat_tokens SET rights = 'DATA_FETCH' WHERE id = ?", (tid,))
            except sqlite3.Error:
                pass
            c.execute("UPDATE pat_tokens SET valid_from = unixepoch('now') - 60,"
                      " valid_to = unixepoch('now') + 7200 WHERE id = ?", (tid,))
        for tid in ids[1::3]:
            self.tok(one(c, "SELECT pat_rotate(?)", (tid,)))
            self.tok(one(b, "SELECT pat_rotate(?, ?)", (tid, int(time.time()) + 3600)))
        for tid in ids[2::4]:
            c.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        # other prefixes, old tokens still checked
        c.execute("UPDATE pat_settings SET value = 'sec_' WHERE key = 'prefix'")
        for i in range(10):
            toks.append(self.tok(one(c, "SELECT pat_create('dave', ?, 'DATA_FETCH')",
                                     ("p%d" % i,))))
        try:
            c.execute("UPDATE pat_settings SET value = '' WHERE key = 'prefix'")
            for i in range(5):
                toks.append(self.tok(one(c, "SELECT pat_create('dave', ?, 'DATA_FETCH')",
                                         ("np%d" % i,))))
        except sqlite3.Error:
            pass
        for t in toks:
            one(b, "SELECT pat_verify(?)", (t,))
        # a token in the wrong argument: does the error message echo it?
        t = toks[0]
        self.err(c, "pat_verify(token, at=token)", "SELECT pat_verify(?, ?)", (t, t), t)
        self.err(c, "pat_has_right(token, right=token)", "SELECT pat_has_right(?, ?)",
                 (t, t), t)
        self.err(c, "pat_create(owner, name, rights=token)",
                 "SELECT pat_create('o', 'n', ?)", (t,), t)
        self.err(c, "pat_create(..., valid_from=token)",
                 "SELECT pat_create('o', 'n', 'DATA_FETCH', ?)", (t,), t)
        self.err(c, "pat_rotate(id=token)", "SELECT pat_rotate(?)", (t,), t)
        self.err(c, "pat_rotate(id, valid_to=token)", "SELECT pat_rotate(?, ?)",
                 (ids[0], t), t)
        self.err(c, "UPDATE pat_tokens SET valid_to = token",
                 "UPDATE pat_tokens SET valid_to = ? WHERE id = ?", (t, ids[0]), t)
        self.err(c, "UPDATE pat_tokens SET rights = token",
                 "UPDATE pat_tokens SET rights = ? WHERE id = ?", (t, ids[0]), t)
        self.err(c, "UPDATE pat_settings SET value = token (default_role)",
                 "UPDATE pat_settings SET value = ? WHERE key = 'default_role'", (t,), t)
        # scan while the connections are open (WAL, -shm, journals present)
        self.sc.scan_open_unlinked("%s: connections open" % mode)
        for f in sorted(os.listdir(self.d)):
            if f.startswith("life-%s.db" % mode):
                self.sc.scan_file(os.path.join(self.d, f), "%s (open)" % f)
        self.sc.scan_tables(db, "life-%s (open)" % mode)
        if mode == "wal":
            c.execute("PRAGMA wal_checkpoint(PASSIVE)")
        b.close()
        c.execute("VACUUM")
        c.close()
        for f in sorted(os.listdir(self.d)):
            if f.startswith("life-%s.db" % mode):
                self.sc.scan_file(os.path.join(self.d, f), "%s (closed)" % f)
        self.sc.scan_tables(db, "life-%s (closed)" % mode)

    def crash(self, mode):
        """A process holds an open transaction with minted tokens and is
        SIGKILLed; its files are scanned as the kill left them and after
        recovery."""
        db = os.path.join(self.d, "crash-%s.db" % mode)
        c = common.connect(db)
        c.execute("PRAGMA journal_mode=%s" % mode)
        c.execute("UPDATE pat_settings SET value = 0 WHERE key = 'last_used_interval'")
        c.close()
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "crashchild", db],
                             stdout=subprocess.PIPE)
        holding = False
        for line in p.stdout:
            line = line.decode().strip()
            if line == "holding":
                holding = True
                break
            self.tok(line)
        size = {f: os.path.getsize(os.path.join(self.d, f)) for f in os.listdir(self.d)
                if f.startswith("crash-%s.db" % mode)}
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.s.ok(holding, "crash %s: the child did not reach its open transaction" % mode)
        print("  crash (%s): child killed holding an open transaction; files at the kill: %s"
              % (mode, ", ".join("%s %d bytes" % kv for kv in sorted(size.items()))))
        for f in sorted(os.listdir(self.d)):
            if f.startswith("crash-%s.db" % mode):
                self.sc.scan_file(os.path.join(self.d, f), "%s (as the kill left it)" % f)
        raw = common.connect(db, load=False)
        self.s.ok(raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)],
                  "crash %s: integrity_check" % mode)
        raw.close()
        for f in sorted(os.listdir(self.d)):
            if f.startswith("crash-%s.db" % mode):
                self.sc.scan_file(os.path.join(self.d, f), "%s (recovered)" % f)
        self.sc.scan_tables(db, "crash-%s (recovered)" % mode)

    def controls(self):
        """The scanners find what they look for."""
        db = os.path.join(self.d, "control.db")
        c = common.connect(db)
        c.execute("PRAGMA journal_mode=wal")
        t = one(c, "SELECT pat_create('ctl', 'control', 'DATA_FETCH')")
        c.execute("CREATE TABLE leak(a, b)")
        c.execute("INSERT INTO leak VALUES (?, ?)", ("x" + t + "y", common.digest(t)))
        c.execute("INSERT INTO leak VALUES (?, ?)", (common.random_part(t), common.digest(t).hex()))
        probe = Scan(common.Summary("control"))
        probe.needles = Needles()
        probe.needles.add_token(t)
        hits = probe.scan_file(db + "-wal")
        self.s.ok(any(h[0] == "token" for h in hits) and any(h[0] == "random part" for h in hits),
                  "control: the file scanner missed a token written to a table: %r" % hits)
        probe.scan_tables(db, "control")
        kinds = " ".join(probe.s.violations)
        self.s.ok("token in control: leak.a" in kinds and "random part in control: leak.a"
                  in kinds and "(32 bytes) in control: leak.b" in kinds
                  and "(hex) in control: leak.b" in kinds,
                  "control: the table scanner missed something: %r" % probe.s.violations)
        # ... and the scan of open but unlinked files (SQLite's temporary
        # files) reads what they hold: a TEMP table made to spill.
        c.execute("PRAGMA temp_store = FILE")
        c.execute("PRAGMA temp.cache_size = 2")
        c.execute("CREATE TEMP TABLE spill(x)")
        c.execute("INSERT INTO spill VALUES (?)", (t,))
        c.executemany("INSERT INTO spill VALUES (randomblob(3000))", [()] * 100)
        probe2 = Scan(common.Summary("control"))
        probe2.needles = Needles()
        probe2.needles.add_token(t)
        probe2.scan_open_unlinked("control")
        self.s.ok(probe2.unlinked > 0 and any("token found" in v for v in probe2.s.violations),
                  "control: the scan of open unlinked files missed a token in a TEMP table"
                  " (%d files): %r" % (probe2.unlinked, probe2.s.violations))
        c.execute("DROP TABLE spill")
        stored = c.execute("SELECT digest FROM pat_store_tokens").fetchall()
        self.keyed = stored != [(common.digest(t),)]
        c.close()
        for f in os.listdir(self.d):
            if f.startswith("control.db"):
                os.remove(os.path.join(self.d, f))


def crashchild(db):
    conn = common.connect(db, timeout=10)
    out = os.fdopen(1, "w", buffering=1)
    for i in range(30):
        out.write(one(conn, "SELECT pat_create('k', ?, 'DATA_FETCH')", ("auto%d" % i,)) + "\n")
    conn.execute("PRAGMA cache_size = 2")          # spill uncommitted pages to the file
    conn.execute("BEGIN")
    for i in range(400):
        out.write(one(conn, "SELECT pat_create('k', ?, 'DATA_*')", ("txn%d" % i,)) + "\n")
    conn.execute("UPDATE pat_tokens SET name = name || ' (changed)'")
    for i in range(0, 400, 7):
        out.write(one(conn, "SELECT pat_rotate(?)", (i + 1,)) + "\n")
    out.write("holding\n")
    time.sleep(120)


def mint(s):
    base = os.environ.get("SECRETS_DIR") or None
    if base:
        os.makedirs(base, exist_ok=True)
    d = tempfile.mkdtemp(prefix="pat-secrets-mint-", dir=base)
    sc = Scan(s)
    sc.needles = Needles()
    m = Minter(s, sc, d)
    t0 = time.monotonic()
    print("secrets mint: in %s" % d)
    try:
        phases = []
        m.controls()
        for mode in ("wal", "delete", "truncate", "persist"):
            t = time.monotonic()
            m.lifecycle(mode)
            phases.append("lifecycle %s %.1f s" % (mode, time.monotonic() - t))
        for mode in ("wal", "delete"):
            t = time.monotonic()
            m.crash(mode)
            phases.append("crash %s %.1f s" % (mode, time.monotonic() - t))
        # the whole directory once more, every file it holds
        t = time.monotonic()
        sc.scan_tree(d)
        phases.append("last scan %.1f s" % (time.monotonic() - t))
        print("  " + ", ".join(phases))
        print("  tokens minted and searched: %d (plaintext, random part, BLAKE2b digest);"
              " digests searched: %d%s" % (
                  m.minted, len(sc.needles.digests),
                  "" if not m.keyed else " (stored digests are keyed: the unkeyed ones"
                  " are searched, and every digest pat_store_tokens held)"))
        print("  files scanned: %d (%s; %d of them open but unlinked), %.1f MB;"
              " table values scanned: %d" % (
                  sum(sc.files.values()), ", ".join("%s %d" % kv
                                                    for kv in sorted(sc.files.items())),
                  sc.unlinked, sc.bytes / 1e6, sc.values))
        echo = [(call, msg) for call, msg, t in m.errors if msg and (
            t in msg or common.random_part(t) in msg or t[:20] in msg)]
        shown = {}
        for call, msg in echo:
            shown.setdefault(call, msg)
        print("  error messages of calls given a token in the wrong argument: %d,"
              " %d of them echo (part of) the token (not counted as a leak: not at rest)%s"
              % (len(m.errors), len(echo), "".join("\n    NOTE %s -> %s" % e
                                                   for e in sorted(shown.items()))))
        for r in sc.review:
            s.fail(r)
    finally:
        shutil.rmtree(d, True)
    print("  %.1f s" % (time.monotonic() - t0))


def main():
    common.python_ok()
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    rc = 0
    if what in ("suite", "all"):
        s = common.Summary("secrets (suite)")
        suite(s)
        rc |= s.report()
    if what in ("mint", "all"):
        s = common.Summary("secrets (mint)")
        mint(s)
        rc |= s.report()
    return rc


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "crashchild":
        crashchild(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
