"""Regression tests for issue 21: a crash, a corruption and a stale grant.

Each class holds one finding; every test named for a rule fails on the main of
the issue (7101914) and holds the rule of /work/shared/INTERFACE.md,
"Security properties":

1. nothing pat caches outlives a change of the store's content: a restore
   through the backup API or sqlite3_deserialize, or a store dropped and made
   again, is in force at the next check, even when a version counter comes
   back to the value the connection cached;
2. pat never corrupts a file opened without locks (nolock=1, unix-none);
3. pat is not re-entered through its own writes: a pat function or table used
   from a TEMP trigger on one of pat's tables fails the outer call, which
   leaves the database as it was; nothing crashes;
4. a constraint with another collation selects the rows it names;
5. no setting can make the time arithmetic overflow;
6. pat keeps working after sqlite3_deserialize and a backup into a live
   connection;
7. pat holds no lock between calls: the application can leave WAL and lock
   the file exclusively;
8. a write to rowid is an error on every table.

The crashing cases run in child processes, so a crash fails one test, not
the run. The re-entrance matrix runs many cases per child process (each on a
fresh copy of one database), in a few processes at once.
"""
import itertools
import json
import os
import shutil
import subprocess
import sqlite3
import tempfile
import threading

from tests.python import helpers
from tests.python.helpers import run_child, raw_connect

KEY = bytes(range(32))
KEY2 = bytes(range(1, 33))
TEN_YEARS = 10 * 365 * 86400
F = 1790000000

STORE_TABLES = ("pat_store_tokens", "pat_store_events", "pat_store_meta",
                "pat_store_settings", "pat_store_rights", "pat_store_roles",
                "pat_store_owners")





def scratch_dir():
    """A directory for many small databases: on tmpfs when there is one."""
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    return tempfile.mkdtemp(prefix="pat-robust-", dir=base)


CHILD_PRELUDE = r'''
import json, sqlite3, sys
EXT = sys.argv[1]
def load(c):
    c.enable_load_extension(True)
    c.load_extension(EXT)
    return c
def q(c, sql, *params):
    try:
        return {"rows": [list(r) for r in c.execute(sql, params).fetchall()]}
    except sqlite3.Error as e:
        return {"error": str(e)}
def out(**kw):
    print(json.dumps(kw), flush=True)
'''


class FastTestCase(helpers.FastTestCase):
    """helpers.FastTestCase with a child process to run code in."""

    def child(self, code, *args, timeout=60):
        """Runs code (after CHILD_PRELUDE, argv[1] the extension) in a child
        process; a crash fails the test. The JSON lines, merged."""
        rc, lines, err = run_child(CHILD_PRELUDE + code, helpers.EXT, *args,
                                   timeout=timeout)
        if rc < 0:
            self.fail("the child process crashed (signal %d); its results so far: %r"
                      % (-rc, lines))
        self.assertEqual(rc, 0, "the child process failed: %s" % err[-2000:])
        return {k: v for line in lines for k, v in line.items()}


# -------------------------------------------- 1. caches outlive no restore

class RestoredBackupTest(FastTestCase):
    """21.1: a serving connection S that cached the policy answers as a
    fresh connection after an older backup is restored (or the store is made
    again), even when the policy version comes back to what S cached."""

    def setUp(self):
        super().setUp()
        self.s = self.conn
        self.s.execute("INSERT INTO pat_owners VALUES ('al', 'ADMIN')")
        self.tok = self.create(owner="al", rights="DATA_FETCH, DATA_DELETE")
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 1)  # S caches
        self.snap = os.path.join(self.tmpdir, "snapshot.db")
        dst = sqlite3.connect(self.snap)
        self.s.backup(dst)
        dst.close()
        admin = self.connect()
        admin.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_CREATE')")
        admin.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_UPDATE')")
        admin.close()
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 1)  # S caches again

    def edits_back_to_the_cached_version(self):
        # two admin edits: DATA_DELETE taken from ADMIN, and one more
        admin = self.connect()
        admin.execute("DELETE FROM pat_roles WHERE role = 'ADMIN' AND right = 'DATA_DELETE'")
        admin.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_CREATE')")
        admin.close()

    def assertAnswersAsAFreshConnection(self):
        fresh = self.connect()
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE", conn=fresh), 0)
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE", conn=self.s), 0)
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE", self.now(), conn=self.s), 0)
        self.assertEqual(self.has_right(self.tok, "DATA_FETCH", conn=self.s), 1)
        self.assertSqlError("SELECT pat_create('al', 'n', 'DATA_DELETE')",
                            prefix="pat_create: ", conn=self.s)
        self.assertEqual(self.rows("SELECT right FROM pat_roles WHERE role = 'VIEWER' "
                                   "AND right LIKE 'DATA_%' ORDER BY 1", conn=self.s),
                         [("DATA_CREATE",), ("DATA_FETCH",)])

    def test_older_backup_restored_by_another_connection_is_in_force(self):
        src = sqlite3.connect(self.snap)
        dst = sqlite3.connect(self.path)
        src.backup(dst)
        dst.close()
        src.close()
        self.edits_back_to_the_cached_version()
        self.assertAnswersAsAFreshConnection()

    def test_older_backup_restored_through_the_serving_connection_is_in_force(self):
        src = sqlite3.connect(self.snap)
        src.backup(self.s)
        src.close()
        self.edits_back_to_the_cached_version()
        self.assertAnswersAsAFreshConnection()

    def test_store_dropped_and_made_again_is_in_force(self):
        admin = self.connect()
        for (name,) in admin.execute("SELECT name FROM sqlite_schema WHERE type = 'table' "
                                     "AND name LIKE 'pat\\_store\\_%' ESCAPE '\\'").fetchall():
            admin.execute('DROP TABLE "%s"' % name)
        self.tok = self.create(owner="al", rights="DATA_FETCH, DATA_DELETE", conn=admin)
        admin.execute("INSERT INTO pat_owners VALUES ('al', 'ADMIN')")
        admin.close()
        self.edits_back_to_the_cached_version()
        self.assertAnswersAsAFreshConnection()


class RestoredBackupWalTest(RestoredBackupTest):
    journal_mode = "wal"


class RestoredByDeserializeTest(FastTestCase):
    """21.1 and 21.6 through sqlite3_deserialize (a crash on the main of the
    issue: child processes). S caches the policy at some version; the image
    restored into S is an older snapshot edited elsewhere back to that same
    version, with DATA_DELETE taken from ADMIN."""

    CODE = r'''
path = sys.argv[2]
s = load(sqlite3.connect(path, isolation_level=None))
s.execute("INSERT INTO pat_owners VALUES ('al', 'ADMIN')")
tok = s.execute("SELECT pat_create('al', 'n', 'DATA_FETCH, DATA_DELETE')").fetchone()[0]
out(before=q(s, "SELECT pat_has_right(?, 'DATA_DELETE')", tok))
snap = s.serialize()
s.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_CREATE')")
s.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_UPDATE')")
out(edited=q(s, "SELECT pat_has_right(?, 'DATA_DELETE')", tok))
# the older snapshot, edited on another connection back to S's version
h = sqlite3.connect(":memory:", isolation_level=None)
h.deserialize(snap)
load(h)
h.execute("DELETE FROM pat_roles WHERE role = 'ADMIN' AND right = 'DATA_DELETE'")
h.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_CREATE')")
image = h.serialize()
h.close()
s.deserialize(image)
out(restored=q(s, "SELECT pat_has_right(?, 'DATA_DELETE')", tok),
    at=q(s, "SELECT pat_has_right(?, 'DATA_DELETE', unixepoch())", tok),
    fetch=q(s, "SELECT pat_has_right(?, 'DATA_FETCH')", tok),
    create=q(s, "SELECT pat_create('al', 'n', 'DATA_DELETE')"),
    roles=q(s, "SELECT count(*) FROM pat_roles WHERE role = 'VIEWER'"))
# and S's own edits after the restore
s.execute("INSERT INTO pat_roles VALUES ('ADMIN', 'DATA_DELETE')")
out(granted=q(s, "SELECT pat_has_right(?, 'DATA_DELETE')", tok))
'''

    def check(self, path):
        r = self.child(self.CODE, path)
        self.assertEqual(r["before"], {"rows": [[1]]})
        self.assertEqual(r["edited"], {"rows": [[1]]})
        self.assertEqual(r["restored"], {"rows": [[0]]})
        self.assertEqual(r["at"], {"rows": [[0]]})
        self.assertEqual(r["fetch"], {"rows": [[1]]})
        self.assertTrue(r["create"].get("error", "").startswith("pat_create: "), r["create"])
        self.assertEqual(r["roles"], {"rows": [[5]]})
        self.assertEqual(r["granted"], {"rows": [[1]]})

    def test_older_image_deserialized_into_a_memory_connection_is_in_force(self):
        self.check(":memory:")

    def test_older_image_deserialized_into_a_file_connection_is_in_force(self):
        self.check(os.path.join(self.tmpdir, "served.db"))


# ----------------------------------------------------- 2. files without locks

class NoLockTest(FastTestCase):
    """21.2: an application whose only connection opened the file without
    locks gets no corruption and no I/O error from pat."""

    N = 300

    def workload(self, uri_params, journal_mode="delete", exclusive=False):
        path = os.path.join(self.tmpdir, "app-%s-%s.db" % (uri_params.replace("=", ""),
                                                           journal_mode))
        setup = helpers.connect(path)
        setup.execute("PRAGMA journal_mode=%s" % journal_mode)
        setup.execute("CREATE TABLE req(tok)")
        setup.execute("CREATE TABLE out(id, pad)")
        setup.execute("BEGIN")
        for i in range(self.N):
            setup.execute("INSERT INTO req VALUES (pat_create(?, 'n', 'DATA_FETCH'))",
                          ("u%d" % (i % 7),))
        setup.execute("COMMIT")
        setup.close()
        app = sqlite3.connect("file:%s?%s" % (path, uri_params), uri=True,
                              isolation_level=None, timeout=2)
        self._conns.append(app)
        if exclusive:
            app.execute("PRAGMA locking_mode=EXCLUSIVE")
        app.enable_load_extension(True)
        app.load_extension(helpers.EXT)
        app.execute("INSERT INTO out SELECT pat_verify(tok), randomblob(300) FROM req")
        for (tok,) in app.execute("SELECT tok FROM req LIMIT 20").fetchall():
            self.assertEqual(self.one("SELECT pat_has_right(?, 'DATA_FETCH')", (tok,), app), 1)
            app.execute("INSERT INTO out VALUES (pat_verify(?), randomblob(300))", (tok,))
        self.assertEqual(app.execute("SELECT count(*), count(id) FROM out").fetchone(),
                         (self.N + 20, self.N + 20))
        self.assertEqual(app.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        app.close()
        check = raw_connect(path)
        try:
            self.assertEqual(check.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            self.assertEqual(check.execute("SELECT count(*) FROM pat_store_tokens "
                                           "WHERE owner IS NULL OR name IS NULL").fetchone()[0], 0)
        finally:
            check.close()
        again = helpers.connect(path)
        self._conns.append(again)
        tok = again.execute("SELECT tok FROM req LIMIT 1").fetchone()[0]
        self.assertIsNotNone(self.one("SELECT pat_verify(?)", (tok,), again))

    def test_nolock_file_in_rollback_journal_mode_is_not_corrupted(self):
        self.workload("nolock=1")

    def test_unix_none_file_in_rollback_journal_mode_is_not_corrupted(self):
        self.workload("vfs=unix-none")

    def test_nolock_file_in_truncate_journal_mode_is_not_corrupted(self):
        self.workload("nolock=1", "truncate")

    def test_unix_none_file_in_wal_mode_is_not_corrupted(self):
        # a control: holds on the main of the issue too (nolock=1 can not open
        # a WAL file at all on SQLite 3.40)
        # WAL without locks needs the exclusive locking mode (SQLite's rule)
        self.workload("vfs=unix-none", "wal", exclusive=True)


# ------------------------------------------------------------ 3. re-entrance

# Each pat write, what it writes of pat's tables (table/event), and which of
# those it must write (the rest are how main does it today: a version
# counter, a held create event, a role row of a deleted right).
OUTER = {
    "pat_create": ("SELECT pat_create('o3', 'n', 'DATA_FETCH')",
                   ["pat_store_tokens/INSERT"], ["pat_store_tokens/INSERT"]),
    "pat_rotate": ("SELECT pat_rotate(1)",
                   ["pat_store_tokens/UPDATE", "pat_store_events/INSERT"],
                   ["pat_store_tokens/UPDATE"]),
    "update_pat_tokens": ("UPDATE pat_tokens SET name = 'renamed' WHERE id = 1",
                          ["pat_store_tokens/UPDATE", "pat_store_events/INSERT"],
                          ["pat_store_tokens/UPDATE"]),
    "delete_pat_tokens": ("DELETE FROM pat_tokens WHERE id = 2",
                          ["pat_store_tokens/DELETE", "pat_store_events/INSERT",
                           "pat_store_meta/UPDATE"], ["pat_store_tokens/DELETE"]),
    "insert_pat_rights": ("INSERT INTO pat_rights(name, category, description) "
                          "VALUES ('R_NEW', 'Cat', 'd')",
                          ["pat_store_rights/INSERT", "pat_store_meta/UPDATE"],
                          ["pat_store_rights/INSERT"]),
    "update_pat_rights": ("UPDATE pat_rights SET description = 'changed' WHERE name = 'R_SPARE'",
                          ["pat_store_rights/UPDATE", "pat_store_meta/UPDATE"],
                          ["pat_store_rights/UPDATE"]),
    "delete_pat_rights": ("DELETE FROM pat_rights WHERE name = 'R_SPARE'",
                          ["pat_store_rights/DELETE", "pat_store_roles/DELETE",
                           "pat_store_meta/UPDATE"], ["pat_store_rights/DELETE"]),
    "insert_pat_roles": ("INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_CREATE')",
                         ["pat_store_roles/INSERT", "pat_store_meta/UPDATE"],
                         ["pat_store_roles/INSERT"]),
    "delete_pat_roles": ("DELETE FROM pat_roles WHERE role = 'VIEWER' AND right = 'MEDIA_FETCH'",
                         ["pat_store_roles/DELETE", "pat_store_meta/UPDATE"],
                         ["pat_store_roles/DELETE"]),
    "insert_pat_owners": ("INSERT INTO pat_owners VALUES ('o4', 'AUTHOR')",
                          ["pat_store_owners/INSERT", "pat_store_meta/UPDATE"],
                          ["pat_store_owners/INSERT"]),
    "update_pat_owners": ("UPDATE pat_owners SET role = 'AUTHOR' WHERE owner = 'o1'",
                          ["pat_store_owners/UPDATE", "pat_store_meta/UPDATE"],
                          ["pat_store_owners/UPDATE"]),
    "delete_pat_owners": ("DELETE FROM pat_owners WHERE owner = 'o1'",
                          ["pat_store_owners/DELETE", "pat_store_meta/UPDATE"],
                          ["pat_store_owners/DELETE"]),
    "update_pat_settings": ("UPDATE pat_settings SET value = 'all' WHERE key = 'audit'",
                            ["pat_store_settings/UPDATE", "pat_store_meta/UPDATE"],
                            ["pat_store_settings/UPDATE"]),
    "pat_rekey": ("SELECT pat_rekey(x'%s')" % KEY.hex(),
                  ["pat_store_meta/INSERT", "pat_store_meta/UPDATE"], []),
}

# What the TEMP trigger does: every pat function, a read of a pat table, and
# every write a pat table takes.
INNER_CALLS = {
    "pat_create": "SELECT pat_create('m', 'n', 'DATA_FETCH')",
    "pat_rotate": "SELECT pat_rotate(1)",
    "pat_key": "SELECT pat_key(NULL)",
    "pat_rekey": "SELECT pat_rekey(x'%s')" % KEY2.hex(),
    "pat_verify": "SELECT pat_verify((SELECT t FROM tk))",
    "pat_has_right": "SELECT pat_has_right((SELECT t FROM tk), 'DATA_FETCH')",
    "select_pat_tokens": "SELECT count(*) FROM pat_tokens",
    # not re-entrance, the application's own refusal: the same rule holds
    # (the outer call fails and leaves the database as it was)
    "raise": "SELECT RAISE(ABORT, 'the application refuses')",
}
# pat_revoke, once it exists
INNER_IF_PRESENT = {
    "pat_revoke": "SELECT pat_revoke((SELECT t FROM tk))",
}
INNER_WRITES = {
    "insert_pat_tokens": "INSERT INTO pat_tokens(owner, name, rights) VALUES ('m', 'n', 'DATA_FETCH')",
    "update_pat_tokens": "UPDATE pat_tokens SET name = 'x' WHERE id = 1",
    "delete_pat_tokens": "DELETE FROM pat_tokens WHERE id = 1",
    "insert_pat_rights": "INSERT INTO pat_rights VALUES ('R_IN', 'C', '')",
    "update_pat_rights": "UPDATE pat_rights SET description = 'x' WHERE name = 'DATA_FETCH'",
    "delete_pat_rights": "DELETE FROM pat_rights WHERE name = 'R_SPARE'",
    "insert_pat_roles": "INSERT INTO pat_roles VALUES ('VIEWER', 'PROJECT_CREATE')",
    "delete_pat_roles": "DELETE FROM pat_roles WHERE role = 'VIEWER' AND right = 'DATA_FETCH'",
    "insert_pat_owners": "INSERT INTO pat_owners VALUES ('m', 'ADMIN')",
    "update_pat_owners": "UPDATE pat_owners SET role = 'ADMIN' WHERE owner = 'o1'",
    "delete_pat_owners": "DELETE FROM pat_owners WHERE owner = 'o1'",
    "update_pat_settings": "UPDATE pat_settings SET value = 'off' WHERE key = 'audit'",
}
# SQLite itself refuses the inner writes when it compiles the trigger, wherever
# it is: they run from one pat write per pat table (both modes), which keeps
# the matrix to a few seconds.
WRITES_FROM = {
    "pat_create": "pat_store_tokens/INSERT", "pat_rotate": "pat_store_events/INSERT",
    "insert_pat_roles": "pat_store_meta/UPDATE", "update_pat_settings": "pat_store_settings/UPDATE",
    "insert_pat_rights": "pat_store_rights/INSERT", "delete_pat_roles": "pat_store_roles/DELETE",
    "update_pat_owners": "pat_store_owners/UPDATE",
}

MATRIX_CHILD = r'''
import json, shutil, sqlite3, sys
EXT, TEMPLATE, WORKDIR = sys.argv[1], sys.argv[2], sys.argv[3]
TABLES = %r
def dump(c):
    return [sorted(map(repr, c.execute("SELECT * FROM main.%%s" %% t).fetchall()))
            for t in TABLES]
for case in json.loads(sys.stdin.read()):
    db = "%%s/case%%d.db" %% (WORKDIR, case["n"])
    shutil.copy(TEMPLATE, db)
    c = sqlite3.connect(db, isolation_level=None, timeout=1)
    c.execute("PRAGMA synchronous=OFF")
    c.enable_load_extension(True)
    c.load_extension(EXT)
    c.execute("CREATE TEMP TABLE tk(t)")
    c.execute("INSERT INTO tk VALUES (?)", (case["tok"],))
    c.execute("CREATE TEMP TABLE fired(x)")
    c.execute("CREATE TEMP TRIGGER reenter AFTER %%s ON main.%%s BEGIN "
              "INSERT INTO fired VALUES (1); %%s; END"
              %% (case["event"], case["table"], case["inner"]))
    before = dump(c)
    res = {"n": case["n"]}
    if case["mode"] == "begin":
        c.execute("BEGIN")
        c.execute("INSERT INTO app VALUES (1)")
    try:
        c.execute(case["outer"]).fetchall()
        res["outer"] = "ok"
    except sqlite3.Error as e:
        res["outer"] = "error"
        res["message"] = str(e)
    res["fired"] = c.execute("SELECT count(*) FROM fired").fetchone()[0]
    res["same"] = dump(c) == before
    if case["mode"] == "begin":
        res["in_transaction"] = c.in_transaction
        try:
            c.execute("COMMIT")
        except sqlite3.Error as e:
            res["commit_error"] = str(e)
        res["same_after_commit"] = dump(c) == before
        res["app_rows"] = c.execute("SELECT count(*) FROM app").fetchone()[0]
    c.execute("DROP TRIGGER reenter")
    try:
        res["verify_after"] = c.execute("SELECT pat_verify(?, unixepoch())",
                                        (case["tok"],)).fetchone()[0]
    except sqlite3.Error as e:
        res["verify_after"] = "error: " + str(e)
    c.close()
    print(json.dumps(res), flush=True)
''' % (STORE_TABLES,)


class ReentranceTest(FastTestCase):
    """21.3: a pat function or table used from a TEMP trigger that a pat
    write fires fails the outer call, with the database as it was, and
    crashes nothing; using pat over a pat table's rows is not re-entrance."""

    MAX_CRASHES = 60   # past this a broken build stops the matrix early
    # Under make test-valgrind (tests/hardening/run_suite.sh sets
    # PAT_UNDER_VALGRIND) every child runs under memcheck, some fifty times
    # slower: there the matrix keeps, for every outer call and every table it
    # fires, three inner calls (a function, a read of a table, the
    # application's own refusal). make test and make test-asan (LeakSanitizer
    # included) run it whole.
    VALGRIND_INNER = ("pat_create", "select_pat_tokens", "raise")

    def make_template(self, path):
        c = helpers.connect(path)
        c.execute("PRAGMA synchronous=OFF")
        tok = c.execute("SELECT pat_create('o1', 'n1', 'DATA_FETCH')").fetchone()[0]
        c.execute("SELECT pat_create('o2', 'n2', 'DATA_FETCH')")
        c.execute("INSERT INTO pat_owners VALUES ('o1', 'VIEWER')")
        c.execute("INSERT INTO pat_rights(name, category, description) "
                  "VALUES ('R_SPARE', 'Cat', 'd')")
        c.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'R_SPARE')")
        c.execute("CREATE TABLE app(x)")
        c.close()
        return tok

    def cases(self, tok):
        probe = helpers.connect(":memory:")
        present = {name for (name,) in probe.execute(
            "SELECT name FROM pragma_function_list WHERE name GLOB 'pat_*'")}
        probe.close()
        calls = dict(INNER_CALLS)
        calls.update({k: v for k, v in INNER_IF_PRESENT.items() if k in present})
        cases = []
        for outer, (sql, pairs, _required) in OUTER.items():
            for pair in pairs:
                table, event = pair.split("/")
                inner = dict(calls)
                if WRITES_FROM.get(outer) == pair:
                    inner.update(INNER_WRITES)
                if os.environ.get("PAT_UNDER_VALGRIND") == "1":
                    inner = {k: v for k, v in inner.items() if k in self.VALGRIND_INNER}
                for (name, isql), mode in itertools.product(inner.items(),
                                                            ("autocommit", "begin")):
                    cases.append({"n": len(cases), "outer": sql, "table": table,
                                  "event": event, "inner": isql, "mode": mode, "tok": tok,
                                  "label": "%s firing %s, trigger calls %s, %s"
                                           % (outer, pair, name, mode),
                                  "outer_name": outer, "pair": pair})
        return cases

    # Cases per child: a child that dies loses at most the rest of its
    # batch, and each batch ends well within its time limit even under
    # make test-valgrind, where every child runs under memcheck.
    BATCH = 40
    BATCH_SECONDS = 900

    def run_shard(self, shard, template, workdir, results, crashes):
        todo = shard
        while todo:
            if len(crashes) > self.MAX_CRASHES:
                for case in todo:
                    results[case["n"]] = {"n": case["n"], "skipped": True}
                return
            batch, later = todo[:self.BATCH], todo[self.BATCH:]
            payload = json.dumps([{k: v for k, v in c.items() if k != "label"}
                                  for c in batch])
            try:
                rc, lines, err = run_child(MATRIX_CHILD, helpers.EXT, template, workdir,
                                           stdin=payload, timeout=self.BATCH_SECONDS)
            except subprocess.TimeoutExpired:
                rc, lines, err = "timeout after %d s" % self.BATCH_SECONDS, [], ""
            for line in lines:
                results[line["n"]] = line
            rest = [c for c in batch if c["n"] not in results]
            if rest:
                crashed = rest[0]
                results[crashed["n"]] = {"n": crashed["n"], "crash": rc,
                                         "stderr": err[-500:]}
                crashes.append(crashed["n"])
                rest = rest[1:]
            todo = rest + later

    def test_pat_called_from_a_trigger_on_its_own_tables_fails_the_outer_call(self):
        workdir = scratch_dir()
        self.addCleanup(shutil.rmtree, workdir, True)
        template = os.path.join(workdir, "template.db")
        tok = self.make_template(template)
        cases = self.cases(tok)
        results, crashes = {}, []
        nshards = max(2, min(4, os.cpu_count() or 1))
        shards = [cases[i::nshards] for i in range(nshards)]
        threads = [threading.Thread(target=self.run_shard,
                                    args=(s, template, workdir, results, crashes))
                   for s in shards]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        failures, fired_pairs = [], set()
        for case in cases:
            r = results.get(case["n"], {"missing": True})
            why = None
            if r.get("missing") or r.get("skipped"):
                why = "not run (too many crashes before it)"
            elif "crash" in r:
                why = "crashed (return code %s)" % r["crash"]
            elif r["outer"] == "ok":
                if r["fired"]:
                    fired_pairs.add((case["outer_name"], case["pair"]))
                    why = "the outer call succeeded: the trigger's pat call was not refused"
                else:
                    continue  # pat did not write that table this way (checked below)
            else:
                fired_pairs.add((case["outer_name"], case["pair"]))
                if not r["same"]:
                    why = "the outer call failed (%s) but changed pat's tables" % r["message"]
                elif case["mode"] == "begin" and (
                        "commit_error" in r or not r["same_after_commit"]
                        or r["app_rows"] != 1):
                    why = ("the application's transaction was not kept whole: %r" % r)
                elif r["verify_after"] != 1:
                    why = "pat did not work after the refused call: %r" % r["verify_after"]
            if why:
                failures.append("%s: %s" % (case["label"], why))
        for outer, (_sql, _pairs, required) in OUTER.items():
            for pair in required:
                if (outer, pair) not in fired_pairs:
                    failures.append("%s never wrote %s: the case tests nothing"
                                    % (outer, pair))
        if not any(o == "pat_rekey" for o, _ in fired_pairs):
            failures.append("pat_rekey never wrote pat_store_meta: the case tests nothing")
        self.assertEqual(failures, [], "%d of %d cases failed (%d crashes):\n  %s"
                         % (len(failures), len(cases), len(crashes),
                            "\n  ".join(failures[:40])))

    def test_rekey_from_a_trigger_does_not_move_a_keyed_store(self):
        r = self.child(r'''
path = sys.argv[2]
c = load(sqlite3.connect(path, isolation_level=None))
c.execute("SELECT pat_key(?)", (bytes.fromhex(sys.argv[3]),))
old = c.execute("SELECT pat_create('u', 'old', 'DATA_FETCH')").fetchone()[0]
c.execute("CREATE TEMP TRIGGER tt AFTER INSERT ON main.pat_store_tokens BEGIN "
          "SELECT pat_rekey(x'%s'); END" % sys.argv[4])
out(old=old, create=q(c, "SELECT pat_create('m', 'n', '*')"))
''', self.path, KEY.hex(), KEY2.hex())
        self.assertIn("error", r["create"], "pat_create re-entered by pat_rekey succeeded")
        c = self.connect()
        self.one("SELECT pat_key(?)", (KEY,), c)
        self.assertIsInstance(self.one("SELECT pat_verify(?, unixepoch())", (r["old"],), c), int)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens", conn=c), 1)

    def test_trigger_fired_by_bookkeeping_crashes_nothing_and_the_check_answers(self):
        # a control: holds on the main of the issue too, whose bookkeeping went
        # through a private connection that TEMP triggers do not reach
        r = self.child(r'''
path = sys.argv[2]
c = load(sqlite3.connect(path, isolation_level=None))
tok = c.execute("SELECT pat_create('u', 'n', 'DATA_FETCH')").fetchone()[0]
c.execute("UPDATE pat_settings SET value = 0 WHERE key = 'last_used_interval'")
c.execute("UPDATE pat_settings SET value = 'all' WHERE key = 'audit'")
for t in ("pat_store_tokens", "pat_store_events"):
    for ev in ("INSERT", "UPDATE"):
        c.execute("CREATE TEMP TRIGGER \"t_%s_%s\" AFTER %s ON main.%s BEGIN "
                  "SELECT pat_create('m', 'n', 'DATA_FETCH'); SELECT pat_verify('%s'); END"
                  % (t, ev, ev, t, tok))
answers = []
for i in range(5):
    answers.append(q(c, "SELECT pat_verify(?), pat_has_right(?, 'DATA_FETCH'), "
                        "pat_has_right(?, 'USER_FETCH')", tok, tok, tok))
out(answers=answers, tokens=q(c, "SELECT count(*) FROM pat_tokens WHERE owner = 'm'"))
c.close()
''', self.path)
        for a in r["answers"]:
            self.assertEqual(a, {"rows": [[1, 1, 0]]})

    def test_rotate_over_a_pat_tables_rows_is_not_reentrance(self):
        # a control: holds on the main of the issue too, and must keep holding
        old = {self.create(owner="x", name="x%d" % i): None for i in range(3)}
        other = self.create(owner="y")
        for tok in old:
            old[tok] = self.id_of(tok)
        for begin in (False, True):
            with self.subTest(in_begin=begin):
                if begin:
                    self.conn.execute("BEGIN")
                rows = self.rows("SELECT id, pat_rotate(id) FROM pat_tokens "
                                 "WHERE owner = 'x' ORDER BY id")
                if begin:
                    self.conn.execute("COMMIT")
                self.assertEqual(sorted(r[0] for r in rows), sorted(old.values()))
                for tid, new in rows:
                    self.assertRegex(new, helpers.TOKEN_RE)
                    self.assertEqual(self.verify(new, self.now()), tid)
                for tok in old:
                    self.assertIsNone(self.verify(tok, self.now()))
                old = {new: tid for tid, new in rows}
        self.assertIsNotNone(self.verify(other, self.now()))


# -------------------------------------------------------------- 4. collations

class CollationTest(FastTestCase):
    """21.4: a constraint with another collation selects the rows it names,
    for reads, UPDATEs and DELETEs."""

    def setUp(self):
        super().setUp()
        self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'ADMIN')")
        self.conn.execute("INSERT INTO pat_owners VALUES ('bob', 'ADMIN')")

    def test_owners_nocase_select_update_delete(self):
        self.assertEqual(self.rows("SELECT owner, role FROM pat_owners "
                                   "WHERE owner = 'Alice' COLLATE NOCASE"),
                         [("alice", "ADMIN")])
        self.assertEqual(self.rows("SELECT owner FROM pat_owners "
                                   "WHERE owner COLLATE NOCASE = 'ALICE'"), [("alice",)])
        self.assertEqual(self.rows("SELECT owner FROM pat_owners WHERE owner = 'Alice'"), [])
        cur = self.conn.execute("UPDATE pat_owners SET role = 'VIEWER' "
                                "WHERE owner = 'Alice' COLLATE NOCASE")
        self.assertEqual(cur.rowcount, 1)
        self.assertEqual(self.rows("SELECT owner, role FROM pat_owners ORDER BY 1"),
                         [("alice", "VIEWER"), ("bob", "ADMIN")])
        cur = self.conn.execute("DELETE FROM pat_owners WHERE owner = 'ALICE' COLLATE NOCASE")
        self.assertEqual(cur.rowcount, 1)
        self.assertEqual(self.rows("SELECT owner FROM pat_owners"), [("bob",)])

    def test_owners_nocase_in_list(self):
        self.assertEqual(self.rows("SELECT owner FROM pat_owners WHERE owner "
                                   "IN ('ALICE', 'BOB') COLLATE NOCASE ORDER BY 1"), [])
        self.assertEqual(self.rows("SELECT owner FROM pat_owners WHERE owner COLLATE NOCASE "
                                   "IN ('ALICE', 'BOB') ORDER BY 1"),
                         [("alice",), ("bob",)])

    def test_settings_nocase_select_and_update(self):
        self.assertEqual(self.rows("SELECT key, value FROM pat_settings "
                                   "WHERE key = 'PREFIX' COLLATE NOCASE"), [("prefix", "pat_")])
        cur = self.conn.execute("UPDATE pat_settings SET value = 'all' "
                                "WHERE key = 'Audit' COLLATE NOCASE")
        self.assertEqual(cur.rowcount, 1)
        self.assertEqual(self.setting("audit"), "all")

    def test_rights_nocase_select_update_delete(self):
        self.assertEqual(self.rows("SELECT name FROM pat_rights "
                                   "WHERE name = 'data_fetch' COLLATE NOCASE"),
                         [("DATA_FETCH",)])
        cur = self.conn.execute("UPDATE pat_rights SET description = 'read it' "
                                "WHERE name = 'Data_Fetch' COLLATE NOCASE")
        self.assertEqual(cur.rowcount, 1)
        self.assertEqual(self.one("SELECT description FROM pat_rights "
                                  "WHERE name = 'DATA_FETCH'"), "read it")
        self.conn.execute("INSERT INTO pat_rights(name, category) VALUES ('SPARE_X', 'Spare')")
        cur = self.conn.execute("DELETE FROM pat_rights WHERE name = 'spare_x' COLLATE NOCASE")
        self.assertEqual(cur.rowcount, 1)
        self.assertEqual(self.rows("SELECT name FROM pat_rights WHERE name = 'SPARE_X'"), [])

    def test_roles_nocase_select_and_delete(self):
        self.assertEqual(self.rows("SELECT right FROM pat_roles WHERE role = 'viewer' "
                                   "COLLATE NOCASE ORDER BY 1"),
                         [(r,) for r in helpers.ROLES["VIEWER"]])
        self.assertEqual(len(self.rows("SELECT right FROM pat_roles "
                                       "WHERE role = 'root' COLLATE NOCASE")),
                         len(helpers.ALL_RIGHTS))
        cur = self.conn.execute("DELETE FROM pat_roles WHERE role = 'Viewer' COLLATE NOCASE "
                                "AND right = 'DATA_FETCH'")
        self.assertEqual(cur.rowcount, 1)
        self.assertNotIn(("DATA_FETCH",), self.rows("SELECT right FROM pat_roles "
                                                    "WHERE role = 'VIEWER'"))

    def test_tokens_nocase_on_owner(self):
        # a control: owner is not a key of pat_tokens; SQLite filters it itself
        self.create(owner="alice")
        self.assertEqual(len(self.rows("SELECT id FROM pat_tokens "
                                       "WHERE owner = 'ALICE' COLLATE NOCASE")), 1)


# ------------------------------------------------------------- 5. overflow

class OverflowTest(FastTestCase):
    """21.5: a setting that could make the time arithmetic overflow is an
    error when it is set; a reasonable long one is accepted."""

    HUGE = (9223372036854775807, 2 ** 40)

    def setUp(self):
        super().setUp()
        self.set_setting("max_lifetime", None)

    def assertSettingRefused(self, key, value):
        before = self.setting(key)
        self.assertSqlError("UPDATE pat_settings SET value = ? WHERE key = ?", (value, key),
                            prefix="pat_settings: ")
        self.assertEqual(self.setting(key), before)

    def test_default_lifetime_that_could_overflow_is_refused(self):
        for v in self.HUGE:
            with self.subTest(value=v):
                self.assertSettingRefused("default_lifetime", v)
        tok = self.create(valid_from=F)
        self.assertEqual(self.token_row(self.one("SELECT pat_verify(?, ?)", (tok, F)))
                         ["valid_to"], helpers.utc(F + helpers.DEFAULT_LIFETIME))

    def test_max_lifetime_that_could_overflow_is_refused(self):
        for v in self.HUGE:
            with self.subTest(value=v):
                self.assertSettingRefused("max_lifetime", v)

    def test_last_used_interval_that_could_overflow_is_refused(self):
        for v in self.HUGE:
            with self.subTest(value=v):
                self.assertSettingRefused("last_used_interval", v)

    def test_ten_years_is_accepted(self):
        # a control: the bounds must not refuse a reasonable value
        self.set_setting("default_lifetime", TEN_YEARS)
        tok = self.create(valid_from=F)
        self.assertEqual(self.token_row(self.one("SELECT pat_verify(?, ?)", (tok, F)))
                         ["valid_to"], helpers.utc(F + TEN_YEARS))
        self.set_setting("max_lifetime", TEN_YEARS)
        self.set_setting("last_used_interval", TEN_YEARS)
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)


# --------------------------------------------------- 6. deserialize, backup

class DeserializeAndBackupTest(FastTestCase):
    """21.6: pat keeps working after sqlite3_deserialize and after a backup
    into a connection that used it (child processes: a crash today)."""

    def test_pat_works_after_deserialize(self):
        r = self.child(r'''
c = load(sqlite3.connect(":memory:", isolation_level=None))
tok = c.execute("SELECT pat_create('a', 'n', 'DATA_FETCH')").fetchone()[0]
out(check1=q(c, "SELECT pat_verify(?)", tok))
c.deserialize(c.serialize())
out(check2=q(c, "SELECT pat_verify(?)", tok))
out(create=q(c, "SELECT pat_create('b', 'n', 'DATA_FETCH') IS NOT NULL"))
out(tokens=q(c, "SELECT id, owner FROM pat_tokens ORDER BY id"))
c.deserialize(c.serialize())
out(check3=q(c, "SELECT pat_has_right(?, 'DATA_FETCH')", tok))
''')
        self.assertEqual(r["check1"], {"rows": [[1]]})
        self.assertEqual(r["check2"], {"rows": [[1]]})
        self.assertEqual(r["create"], {"rows": [[1]]})
        self.assertEqual([row[1] for row in r["tokens"]["rows"]], ["a", "b"])
        self.assertEqual(r["check3"], {"rows": [[1]]})

    def test_pat_works_after_deserialize_on_a_file_connection(self):
        r = self.child(r'''
c = load(sqlite3.connect(sys.argv[2], isolation_level=None))
tok = c.execute("SELECT pat_create('a', 'n', 'DATA_FETCH')").fetchone()[0]
out(check1=q(c, "SELECT pat_verify(?)", tok))
c.deserialize(c.serialize())
out(check2=q(c, "SELECT pat_verify(?)", tok),
    create=q(c, "SELECT pat_create('b', 'n', 'DATA_FETCH') IS NOT NULL"),
    tokens=q(c, "SELECT count(*) FROM pat_tokens"))
''', os.path.join(self.tmpdir, "f.db"))
        self.assertEqual(r["check1"], {"rows": [[1]]})
        self.assertEqual(r["check2"], {"rows": [[1]]})
        self.assertEqual(r["create"], {"rows": [[1]]})
        self.assertEqual(r["tokens"], {"rows": [[2]]})

    def test_pat_works_after_a_backup_into_a_connection_that_used_it(self):
        # holds on the main of the issue too; kept with the deserialize cases
        other = os.path.join(self.tmpdir, "other.db")
        r = self.child(r'''
c = load(sqlite3.connect(":memory:", isolation_level=None))
mine = c.execute("SELECT pat_create('a', 'n', 'DATA_FETCH')").fetchone()[0]
out(check1=q(c, "SELECT pat_verify(?)", mine))
o = load(sqlite3.connect(sys.argv[2], isolation_level=None))
o.execute("INSERT INTO pat_owners VALUES ('z', 'VIEWER')")
theirs = o.execute("SELECT pat_create('z', 'n', 'DATA_FETCH')").fetchone()[0]
o.execute("SELECT pat_create('z', 'n2', 'DATA_FETCH')")
o.backup(c)
out(mine=q(c, "SELECT pat_verify(?)", mine),
    theirs=q(c, "SELECT pat_verify(?, unixepoch())", theirs),
    right=q(c, "SELECT pat_has_right(?, 'DATA_CREATE')", theirs),
    create=q(c, "SELECT pat_create('z', 'n3', 'DATA_CREATE')"),
    tokens=q(c, "SELECT count(*) FROM pat_tokens"))
empty = sqlite3.connect(":memory:")
empty.execute("CREATE TABLE x(a)")
empty.backup(c)
out(gone=q(c, "SELECT pat_verify(?)", theirs),
    fresh=q(c, "SELECT pat_create('q', 'n', 'DATA_FETCH') IS NOT NULL"))
''', other)
        self.assertEqual(r["check1"], {"rows": [[1]]})
        self.assertEqual(r["mine"], {"rows": [[None]]})
        self.assertIsInstance(r["theirs"]["rows"][0][0], int)
        self.assertEqual(r["right"], {"rows": [[0]]})
        self.assertTrue(r["create"].get("error", "").startswith("pat_create: "), r["create"])
        self.assertEqual(r["tokens"], {"rows": [[2]]})
        self.assertEqual(r["gone"], {"rows": [[None]]})
        self.assertEqual(r["fresh"], {"rows": [[1]]})


# ------------------------------------------------------------ 7. no lock held

class NoLockHeldTest(FastTestCase):
    """21.7: after checks that wrote last_used_at on a WAL file, the
    application can leave WAL and lock the file exclusively."""

    journal_mode = "wal"
    bookkeeping_delay = 0  # the checks write through the second connection

    def setUp(self):
        super().setUp()
        self.tok = self.create()
        self.app = self.connect(timeout=0.5)
        self.assertEqual(self.verify(self.tok, conn=self.app), 1)
        self.assertEqual(self.has_right(self.tok, "DATA_FETCH", conn=self.app), 1)

    def test_application_can_leave_wal_after_a_check(self):
        self.conn.close()
        self.assertEqual(self.app.execute("PRAGMA journal_mode=DELETE").fetchall(),
                         [("delete",)])
        self.assertEqual(self.verify(self.tok, conn=self.app), 1)

    def test_application_can_lock_exclusively_after_a_check(self):
        self.conn.close()
        self.app.execute("PRAGMA locking_mode=EXCLUSIVE")
        self.app.execute("BEGIN EXCLUSIVE")
        self.app.execute("COMMIT")
        self.assertEqual(self.verify(self.tok, conn=self.app), 1)
        self.assertEqual(self.has_right(self.tok, "DATA_FETCH", conn=self.app), 1)

    def test_application_can_begin_exclusive_after_a_check(self):
        # a control: WAL's BEGIN EXCLUSIVE takes only the write lock
        self.app.execute("BEGIN EXCLUSIVE")
        self.app.execute("COMMIT")
        self.assertEqual(self.verify(self.tok, conn=self.app), 1)


# ------------------------------------------------------------- 8. rowid

class RowidTest(FastTestCase):
    """21.8: an UPDATE of rowid is an error on every table, and changes
    nothing."""

    def test_update_of_rowid_is_refused_on_every_table(self):
        self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'ADMIN')")
        self.create(owner="alice")
        gone = self.id_of(self.create(owner="alice", name="gone"))
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (gone,))  # a pat_retired row
        # a pat_notices row: a token expiring within notice_before
        self.conn.execute("SELECT pat_create('alice', 'soon', 'DATA_FETCH', NULL,"
                          " unixepoch('now') + 3600)")
        for table in helpers.PUBLIC_TABLES:
            for sql in ("UPDATE %s SET rowid = rowid + 100" % table,
                        "UPDATE %s SET rowid = 7" % table):
                with self.subTest(sql=sql):
                    before = self.rows("SELECT rowid, * FROM %s ORDER BY 2, 3" % table)
                    self.assertRefused(sql, prefix=table + ": ")
                    self.assertEqual(self.rows("SELECT rowid, * FROM %s ORDER BY 2, 3"
                                               % table), before)


if __name__ == "__main__":
    import unittest
    unittest.main()
