"""The bookkeeping a connection holds and writes later (INTERFACE.md,
Security properties: Bookkeeping; README: Bookkeeping).

A check's last_used_at and use/deny events are held in memory and written in
one transaction: at the first check once bookkeeping_delay has passed, or
once 1,000 items are held; before a read of pat_tokens or pat_events in
autocommit on WAL or in memory; and at close. Past 10,000 events the oldest
uses go first, then the oldest denies, and pat_debug() counts them. A
process killed loses at most what it held since its last write.
"""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from tests.python import helpers
from tests.python.helpers import PatTestCase


class HeldBookkeepingTest(PatTestCase):

    def open_store(self, mode, delay=None):
        path = os.path.join(self.tmpdir, "%s.db" % mode)
        raw = helpers.raw_connect(path)
        raw.execute("PRAGMA journal_mode=%s" % mode)
        raw.close()
        c = self.connect(path=path)
        self.set_setting("audit", "all", conn=c)
        self.set_setting("last_used_interval", 0, conn=c)
        if delay is not None:
            self.set_setting("bookkeeping_delay", delay, conn=c)
        return path, c

    def written(self, path):
        """(last_used_at per token id, event kinds in id order) as the file
        holds them, read without pat."""
        raw = helpers.raw_connect(path)
        try:
            used = helpers.recorded_last_uses(raw)
            events = [r[0] for r in raw.execute(
                "SELECT event FROM pat_store_events WHERE event IN ('use', 'deny') ORDER BY id")]
            return used, events
        finally:
            raw.close()

    def debug_line(self, conn):
        lines = self.one("SELECT pat_debug()", conn=conn).splitlines()
        return [l for l in lines if l.startswith("bookkeeping ")][0]

    def test_a_check_holds_it_and_a_read_on_wal_writes_it_first(self):
        path, c = self.open_store("wal")
        tok = self.create(conn=c)
        tid = self.verify(tok, conn=c)
        self.assertEqual(self.written(path), ({tid: None}, []))
        self.assertEqual(self.debug_line(c), "bookkeeping held 2, dropped 0")
        # the connection's own read shows it: pat wrote it first
        self.assertIsNotNone(self.one("SELECT last_used_at FROM pat_tokens WHERE id = ?",
                                      (tid,), conn=c))
        used, events = self.written(path)
        self.assertIsNotNone(used[tid])
        self.assertEqual(events, ["use"])
        self.assertEqual(self.debug_line(c), "bookkeeping held 0, dropped 0")
        self.assertFalse(c.in_transaction)

    def test_a_read_of_pat_events_on_wal_shows_the_connections_denies(self):
        path, c = self.open_store("wal")
        tok = self.create(conn=c, valid_from="2020-01-01", valid_to="2020-02-01")
        self.assertIsNone(self.verify(tok, conn=c))
        self.assertEqual(self.rows("SELECT event, detail FROM pat_events WHERE event = 'deny'",
                                   conn=c), [("deny", "expired")])

    def test_on_wal_a_read_of_any_pat_table_once_the_delay_passed_writes_it(self):
        path, c = self.open_store("wal", delay=200)
        tok = self.create(conn=c)
        tid = self.verify(tok, conn=c)
        self.one("SELECT count(*) FROM pat_settings", conn=c)
        self.assertEqual(self.written(path), ({tid: None}, []), "not due yet")
        time.sleep(0.3)
        self.one("SELECT count(*) FROM pat_settings", conn=c)
        used, events = self.written(path)
        self.assertIsNotNone(used[tid])
        self.assertEqual(events, ["use"])

    def test_in_rollback_journal_mode_it_shows_once_written_at_close(self):
        path, c = self.open_store("delete")
        tok = self.create(conn=c)
        tid = self.verify(tok, conn=c)
        self.assertIsNone(self.one("SELECT last_used_at FROM pat_tokens WHERE id = ?",
                                   (tid,), conn=c))
        self.assertEqual(self.written(path), ({tid: None}, []))
        c.close()
        used, events = self.written(path)
        self.assertIsNotNone(used[tid])
        self.assertEqual(events, ["use"])

    def test_in_memory_a_read_shows_it(self):
        c = self.connect(path=":memory:")
        self.set_setting("audit", "all", conn=c)
        tok = self.create(conn=c)
        tid = self.verify(tok, conn=c)
        self.assertIsNotNone(self.one("SELECT last_used_at FROM pat_tokens WHERE id = ?",
                                      (tid,), conn=c))
        self.assertEqual(self.rows("SELECT event FROM pat_events WHERE event = 'use'", conn=c),
                         [("use",)])

    def test_held_bookkeeping_is_written_at_the_first_check_after_the_delay(self):
        path, c = self.open_store("delete", delay=300)
        a, b = self.create(conn=c, name="a"), self.create(conn=c, name="b")
        ida = self.verify(a, conn=c)
        idb = self.verify(b, conn=c)
        self.assertEqual(self.written(path), ({ida: None, idb: None}, []))
        time.sleep(0.4)
        self.assertEqual(self.written(path), ({ida: None, idb: None}, []),
                         "a quiet connection keeps what it holds")
        self.verify(a, conn=c)
        used, events = self.written(path)
        self.assertIsNotNone(used[ida])
        self.assertIsNotNone(used[idb])
        self.assertEqual(events, ["use"] * 3)

    def test_a_thousand_items_are_written_without_waiting_for_the_delay(self):
        path, c = self.open_store("delete", delay=60000)
        self.set_setting("audit", "changes", conn=c)
        c.execute("BEGIN")
        toks = [self.create(conn=c, name="t%d" % i) for i in range(1000)]
        c.execute("COMMIT")
        for tok in toks[:999]:
            self.verify(tok, conn=c)
        used, _ = self.written(path)
        self.assertEqual(sum(v is not None for v in used.values()), 0)
        self.verify(toks[999], conn=c)
        used, _ = self.written(path)
        self.assertEqual(sum(v is not None for v in used.values()), 1000)

    def test_a_busy_lock_puts_the_write_off_and_past_ten_thousand_events_uses_go_first(self):
        path, c = self.open_store("wal", delay=60000)
        good = self.create(conn=c, name="good")
        old = self.create(conn=c, name="old", valid_from="2020-01-01", valid_to="2020-02-01")
        holder = self.connect(path=path, load=False, timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        try:
            for _ in range(5):
                self.assertIsNone(self.verify(old, conn=c))
            start = time.monotonic()
            for _ in range(10000):
                self.verify(good, conn=c)
            # the lock is tried at the 1,000th item, then not again for the
            # delay: the checks do not pay for a second connection each
            self.assertLess(time.monotonic() - start, 30)
            self.assertEqual(self.debug_line(c), "bookkeeping held 10001, dropped 5")
        finally:
            holder.execute("ROLLBACK")
        c.close()
        _, events = self.written(path)
        self.assertEqual(events.count("deny"), 5)
        self.assertEqual(events.count("use"), 9995)
        self.assertEqual(events[:5], ["deny"] * 5)


    def test_a_held_use_is_the_first_of_its_interval_as_a_written_one_would_be(self):
        path, c = self.open_store("delete", delay=60000)
        self.set_setting("last_used_interval", 60, conn=c)
        tok = self.create(conn=c)
        tid = self.verify(tok, conn=c)
        first = self.one("SELECT unixepoch('now')", conn=c)  # not before the check
        while self.one("SELECT unixepoch('now')", conn=c) == first:
            time.sleep(0.05)
        self.verify(tok, conn=c)
        c.close()
        used, events = self.written(path)
        self.assertLessEqual(used[tid], first)
        self.assertGreaterEqual(used[tid], first - 2)
        self.assertEqual(events, ["use", "use"])

    def test_bookkeeping_delay_takes_0_to_60000_milliseconds(self):
        for good in (0, 1, 60000, "250"):
            self.set_setting("bookkeeping_delay", good)
        for bad in (-1, 60001, 1.5, "soon", None):
            with self.subTest(bad=bad):
                with self.assertRaisesRegex(
                        Exception, "^pat_settings: bookkeeping_delay must be an integer of"
                                   " milliseconds from 0 to 60000$"):
                    self.conn.execute("UPDATE pat_settings SET value = ?"
                                      " WHERE key = 'bookkeeping_delay'", (bad,))
        self.assertEqual(self.one("SELECT value FROM pat_settings"
                                  " WHERE key = 'bookkeeping_delay'"), 250)


    # ---- what an outside review of the batching found (each failed before)

    def test_events_held_for_a_token_deleted_before_the_write_are_kept(self):
        path, c = self.open_store("delete", delay=60000)
        tok = self.create(conn=c, owner="mallory", name="stolen")
        tid = self.verify(tok, conn=c)
        self.assertEqual(self.has_right(tok, "USER_DELETE", conn=c), 0)
        c.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        c.close()
        raw = helpers.raw_connect(path)
        rows = raw.execute("SELECT event, token_id, token_name, owner FROM pat_store_events"
                           " WHERE event IN ('use', 'deny') ORDER BY id").fetchall()
        raw.close()
        self.assertEqual(rows, [("use", tid, "stolen", "mallory"), ("deny", tid, "stolen", "mallory")])

    def test_a_restored_copy_does_not_get_the_use_of_another_token_with_its_id(self):
        path, c = self.open_store("delete", delay=60000)
        self.create(conn=c, name="first")
        snap = self.connect(path=os.path.join(self.tmpdir, "snap.db"), load=False)
        c.backup(snap)
        now = self.one("SELECT unixepoch('now')", conn=c)
        mallory = self.create(conn=c, owner="mallory", name="old", valid_from=now - 100)
        mid = self.verify(mallory, conn=c)
        snap.backup(c)  # the older copy restored over main: mallory's token is gone
        bob = self.create(conn=c, owner="bob", name="fresh")
        self.assertEqual(self.one("SELECT id FROM pat_tokens WHERE owner = 'bob'", conn=c), mid)
        c.close()
        raw = helpers.raw_connect(path)
        try:
            self.assertIsNone(helpers.recorded_last_use(raw, mid))
            self.assertEqual(raw.execute("SELECT count(*) FROM pat_store_events WHERE owner = 'bob'"
                                         " AND event = 'use'").fetchone()[0], 0)
        finally:
            raw.close()
        # the use is in the store (pat_store_uses), named by mallory's
        # valid_from: pat_tokens shows none for bob
        self.assertIsNone(self.one("SELECT last_used_at FROM pat_tokens WHERE id = ?", (mid,),
                                   conn=self.connect(path=path)))
        self.assertTrue(bob)

    def test_what_was_held_for_a_file_replaced_by_deserialize_goes_nowhere(self):
        path, c = self.open_store("delete", delay=60000)
        tok = self.create(conn=c)
        tid = self.verify(tok, conn=c)
        other = self.connect(path=":memory:", load=False)
        other.execute("CREATE TABLE unrelated(x)")
        c.deserialize(other.serialize())
        # main is now a memdb named "x": a file of that name beside, holding
        # the same store, must not receive what was held for the old file
        decoy = os.path.join(self.tmpdir, "x")
        shutil.copy(path, decoy)
        old_cwd = os.getcwd()
        os.chdir(self.tmpdir)
        try:
            c.close()
        finally:
            os.chdir(old_cwd)
        self.assertEqual(self.written(path), ({tid: None}, []))
        self.assertEqual(self.written(decoy), ({tid: None}, []), "written to another file")

    def test_a_connection_set_query_only_writes_nothing_it_held_at_close(self):
        path, c = self.open_store("delete", delay=60000)
        tok = self.create(conn=c)
        tid = self.verify(tok, conn=c)
        c.execute("PRAGMA query_only = 1")
        self.assertEqual(self.verify(tok, conn=c), tid)
        self.assertEqual(self.debug_line(c), "bookkeeping held 2, dropped 0")
        c.close()
        self.assertEqual(self.written(path), ({tid: None}, []))

    def test_in_memory_it_is_never_written_inside_the_applications_write_statement(self):
        c = self.connect(path=":memory:")
        self.set_setting("audit", "all", conn=c)
        self.set_setting("bookkeeping_delay", 0, conn=c)
        tok = self.create(conn=c)
        c.execute("CREATE TEMP TABLE t(x CHECK (x IS NULL))")
        with self.assertRaises(Exception):
            c.execute("INSERT INTO temp.t SELECT pat_verify(?)", (tok,))
        # the failed statement took nothing of pat's with it: written after
        self.assertEqual(self.rows("SELECT event FROM pat_events WHERE event = 'use'", conn=c),
                         [("use",)])

    def test_a_shared_memdb_gets_no_bookkeeping_and_a_read_never_waits(self):
        uri = "file:/pat-shared-%d?vfs=memdb" % os.getpid()
        a = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=3)
        self._conns.append(a)
        a.enable_load_extension(True)
        a.load_extension(helpers.EXT)
        b = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=3)
        self._conns.append(b)
        tok = self.create(conn=a)
        tid = self.verify(tok, conn=a)
        b.execute("BEGIN")
        b.execute("SELECT count(*) FROM pat_store_tokens").fetchone()
        start = time.monotonic()
        self.assertIsNone(self.one("SELECT last_used_at FROM pat_tokens WHERE id = ?", (tid,),
                                   conn=a))
        self.assertLess(time.monotonic() - start, 1.5)
        b.execute("COMMIT")
        self.assertEqual(self.debug_line(a), "bookkeeping held 0, dropped 0")


# A child that checks tokens in a loop and says when each check returned;
# the parent kills it. What a killed process loses is what it held: at most
# the checks of the last bookkeeping_delay (and the one check that found the
# delay passed, which writes them).
CHILD = textwrap.dedent("""
    import sqlite3, sys, time
    c = sqlite3.connect(sys.argv[1], isolation_level=None)
    c.enable_load_extension(True)
    c.load_extension(sys.argv[2])
    tok = sys.argv[3]
    n = 0
    while True:
        assert c.execute("SELECT pat_verify(?)", (tok,)).fetchone()[0] is not None
        n += 1
        sys.stdout.write("%d %.6f\\n" % (n, time.time()))
        sys.stdout.flush()
        time.sleep(0.01)
""")


class KilledProcessTest(PatTestCase):
    journal_mode = "wal"

    def test_a_killed_process_loses_at_most_the_last_delay_of_bookkeeping(self):
        delay = 300
        self.set_setting("audit", "all")
        self.set_setting("last_used_interval", 0)
        self.set_setting("bookkeeping_delay", delay)
        tok = self.create()
        self.conn.close()
        child = subprocess.Popen([sys.executable, "-c", CHILD, self.path, helpers.EXT, tok],
                                 stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: child.poll() is None and child.kill())
        seen = []
        deadline = time.monotonic() + 30
        while len(seen) < 150 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            n, t = line.split()
            seen.append((int(n), float(t)))
        child.send_signal(signal.SIGKILL)
        killed_at = time.time()
        child.wait()
        child.stdout.close()
        self.assertGreaterEqual(len(seen), 150, "the child did not run")
        raw = helpers.raw_connect(self.path)
        written = raw.execute("SELECT count(*) FROM pat_store_events WHERE event = 'use'"
                              ).fetchone()[0]
        raw.close()
        # every check that returned more than one delay (and a margin for the
        # scheduler) before the kill was written; nothing was invented
        margin = 0.25
        owed = sum(1 for _, t in seen if t < killed_at - delay / 1000.0 - margin)
        self.assertGreater(owed, 0)
        self.assertGreaterEqual(written, owed)
        self.assertLessEqual(written, seen[-1][0] + 1)
        # and something was held when it died: the test can fail
        self.assertLess(written, seen[-1][0] + 1)
