"""Two connections on one WAL database (issue 3): a change made on one is
seen by the other's very next check, and a multi-row UPDATE that fails on a
later row changes nothing at all."""
import json
import time

from tests.python import helpers
from tests.python.helpers import PatTestCase


class TwoConnectionsTestCase(PatTestCase):
    journal_mode = "wal"

    def setUp(self):
        super().setUp()
        self.a = self.conn
        self.b = self.connect()
        self.assertEqual(self.one("PRAGMA journal_mode", conn=self.b), "wal")

    def warm(self, tok, tid, right="DATA_FETCH"):
        """B checks the token a few times, so whatever B caches is warm."""
        for _ in range(3):
            self.assertEqual(self.verify(tok, conn=self.b), tid)
            self.assertEqual(self.verify(tok, self.now(), conn=self.b), tid)
            self.assertEqual(self.has_right(tok, right, conn=self.b), 1)


class ChangeOnOneSeenByOtherTest(TwoConnectionsTestCase):
    bookkeeping_delay = 0  # what is written, not when

    def test_delete_on_one_connection_fails_the_others_next_verify(self):
        tok = self.create(conn=self.a)
        tid = self.id_of(tok)
        self.warm(tok, tid)
        self.a.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.assertIsNone(self.verify(tok, conn=self.b))
        self.assertIsNone(self.verify(tok, self.now(), conn=self.b))
        self.assertEqual(self.has_right(tok, "DATA_FETCH", conn=self.b), 0)

    def test_delete_on_the_second_connection_fails_the_first_ones_next_verify(self):
        tok = self.create(conn=self.a)
        tid = self.id_of(tok)
        for _ in range(3):
            self.assertEqual(self.verify(tok, conn=self.a), tid)
        self.b.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.assertIsNone(self.verify(tok, conn=self.a))
        self.assertEqual(self.has_right(tok, "DATA_FETCH", conn=self.a), 0)

    def test_rotate_on_one_connection_fails_the_old_value_on_the_other(self):
        old = self.create(conn=self.a)
        tid = self.id_of(old)
        self.warm(old, tid)
        new = self.one("SELECT pat_rotate(?)", (tid,), conn=self.a)
        self.assertIsNone(self.verify(old, conn=self.b))
        self.assertEqual(self.has_right(old, "DATA_FETCH", conn=self.b), 0)
        self.assertEqual(self.verify(new, conn=self.b), tid)
        self.assertEqual(self.has_right(new, "DATA_FETCH", conn=self.b), 1)

    def test_demoting_owner_on_one_connection_gives_0_on_the_others_next_check(self):
        tok = self.create(owner="alice", rights="USER_FETCH, DATA_FETCH",
                          conn=self.a)
        tid = self.id_of(tok)
        self.warm(tok, tid, right="USER_FETCH")
        self.a.execute("INSERT INTO pat_owners VALUES ('alice', 'ADMIN')")
        self.assertEqual(self.has_right(tok, "USER_FETCH", conn=self.b), 0)
        self.a.execute("UPDATE pat_owners SET role = 'ROOT' "
                       "WHERE owner = 'alice'")
        self.assertEqual(self.has_right(tok, "USER_FETCH", conn=self.b), 1)
        self.a.execute("UPDATE pat_owners SET role = 'VIEWER' "
                       "WHERE owner = 'alice'")
        self.assertEqual(self.has_right(tok, "USER_FETCH", conn=self.b), 0)
        self.assertEqual(self.has_right(tok, "USER_FETCH", self.now(),
                                        conn=self.b), 0)
        self.assertEqual(self.has_right(tok, "DATA_FETCH", conn=self.b), 1)
        self.a.execute("DELETE FROM pat_owners WHERE owner = 'alice'")
        self.assertEqual(self.has_right(tok, "USER_FETCH", conn=self.b), 1)

    def test_role_row_deleted_on_one_connection_gives_0_on_the_other(self):
        self.a.execute("INSERT INTO pat_owners VALUES ('ann', 'AUTHOR')")
        tok = self.create(owner="ann", rights="DATA_DELETE", conn=self.a)
        tid = self.id_of(tok)
        self.warm(tok, tid, right="DATA_DELETE")
        self.a.execute("DELETE FROM pat_roles WHERE role = 'AUTHOR' AND "
                       "\"right\" = 'DATA_DELETE'")
        self.assertEqual(self.has_right(tok, "DATA_DELETE", conn=self.b), 0)

    def test_default_role_changed_on_one_connection_applies_on_the_other(self):
        tok = self.create(owner="walk-in", rights="USER_FETCH", conn=self.a)
        tid = self.id_of(tok)
        self.warm(tok, tid, right="USER_FETCH")
        self.set_setting("default_role", "VIEWER", conn=self.a)
        self.assertEqual(self.has_right(tok, "USER_FETCH", conn=self.b), 0)

    def test_audit_and_interval_changed_on_one_connection_apply_on_the_other(self):
        tok = self.create(conn=self.a)
        tid = self.id_of(tok)
        self.warm(tok, tid)
        used = self.rows("SELECT last_used_at FROM pat_tokens", conn=self.a)
        self.assertEqual(len(self.events(conn=self.a)), 1)
        self.set_setting("audit", "all", conn=self.a)
        self.assertEqual(self.verify(tok, conn=self.b), tid)
        self.assertEqual([e["event"] for e in self.events(conn=self.a)],
                         ["create", "use"])
        self.set_setting("audit", "off", conn=self.a)
        self.assertEqual(self.verify(tok, conn=self.b), tid)
        self.assertEqual(len(self.events(conn=self.a)), 2)
        self.set_setting("last_used_interval", 0, conn=self.a)
        first = self.unix(used[0][0])
        while self.now() <= first:
            time.sleep(0.05)
        self.assertEqual(self.verify(tok, conn=self.b), tid)
        self.assertGreater(self.one("SELECT last_used_at FROM pat_tokens",
                                    conn=self.a), used[0][0])

    def test_rights_or_window_updated_on_one_connection_apply_on_the_other(self):
        tok = self.create(rights="DATA_FETCH, MEDIA_FETCH", conn=self.a)
        tid = self.id_of(tok)
        self.warm(tok, tid)
        self.a.execute("UPDATE pat_tokens SET rights = 'MEDIA_FETCH' "
                       "WHERE id = ?", (tid,))
        self.assertEqual(self.has_right(tok, "DATA_FETCH", conn=self.b), 0)
        self.assertEqual(self.has_right(tok, "MEDIA_FETCH", conn=self.b), 1)
        now = self.now()
        self.a.execute("UPDATE pat_tokens SET valid_from = ?, valid_to = ? "
                       "WHERE id = ?", (now - 7200, now - 3600, tid))
        self.assertIsNone(self.verify(tok, conn=self.b))
        self.assertEqual(self.has_right(tok, "MEDIA_FETCH", conn=self.b), 0)

    def test_check_on_the_other_connection_inside_its_own_read_sees_its_snapshot(self):
        tok = self.create(conn=self.a)
        tid = self.id_of(tok)
        self.b.execute("BEGIN")
        self.assertEqual(self.verify(tok, self.now(), conn=self.b), tid)
        self.a.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.assertEqual(self.verify(tok, self.now(), conn=self.b), tid)
        self.b.execute("COMMIT")
        self.assertIsNone(self.verify(tok, conn=self.b))


class MultiRowUpdateTest(TwoConnectionsTestCase):
    """The failing row is picked by a counter, so it is never the first row
    processed, whatever order pat_tokens scans in."""

    def setUp(self):
        super().setUp()
        self.calls = 0

        def nth():
            self.calls += 1
            return self.calls
        self.a.create_function("nth", 0, nth, deterministic=False)
        self.toks = [self.create(owner="o%d" % i, name="n%d" % i,
                                 rights="DATA_FETCH", conn=self.a)
                     for i in range(6)]
        self.ids = [self.id_of(t) for t in self.toks]

    def assertNothingChanged(self, before, events_before):
        self.assertEqual(helpers.snapshot(self.path), before)
        for conn in (self.a, self.b):
            self.assertEqual(sorted(self.rows(
                "SELECT name, rights FROM pat_tokens", conn=conn)),
                [("n%d" % i, '["DATA_FETCH"]') for i in range(6)])
            self.assertEqual(len(self.events(conn=conn)), events_before)
        for t, tid in zip(self.toks, self.ids):
            self.assertEqual(self.has_right(t, "DATA_FETCH", conn=self.b), 1)

    def refuse_later_row(self, sql, message):
        before = helpers.snapshot(self.path)
        events_before = len(self.events())
        self.calls = 0
        msg = self.assertSqlError(sql, conn=self.a, message=message)
        self.assertGreaterEqual(self.calls, 3, "the failing row came first")
        self.assertNothingChanged(before, events_before)
        return msg

    def test_multi_row_update_failing_on_a_later_row_name_changes_nothing(self):
        self.refuse_later_row(
            "UPDATE pat_tokens SET name = CASE WHEN nth() >= 4 THEN '' "
            "ELSE 'renamed' END",
            "pat_tokens: name must be a non-empty text")

    def test_multi_row_update_failing_on_a_later_row_rights_changes_nothing(self):
        self.refuse_later_row(
            "UPDATE pat_tokens SET rights = CASE WHEN nth() >= 4 "
            "THEN 'NOPE' ELSE 'USER_FETCH' END",
            "pat_tokens: unknown right 'NOPE'")

    def test_multi_row_update_failing_on_a_later_row_window_changes_nothing(self):
        self.refuse_later_row(
            "UPDATE pat_tokens SET valid_to = CASE WHEN nth() >= 4 "
            "THEN 0 ELSE unixepoch('now') + 60 END",
            "pat_tokens: valid_to must be later than valid_from")

    def test_multi_row_update_failing_on_role_of_a_later_owner_changes_nothing(self):
        for i in range(6):
            self.a.execute("INSERT INTO pat_owners VALUES (?, 'VIEWER')",
                           ("o%d" % i,))
        self.refuse_later_row(
            "UPDATE pat_tokens SET rights = CASE WHEN nth() >= 4 "
            "THEN 'DATA_CREATE' ELSE 'MEDIA_FETCH' END",
            "pat_tokens: role 'VIEWER' may not grant 'DATA_CREATE'")

    def test_successful_multi_row_update_is_seen_whole_by_the_other(self):
        self.a.execute("UPDATE pat_tokens SET rights = 'DATA_*'")
        for t in self.toks:
            self.assertEqual(self.has_right(t, "DATA_DELETE", conn=self.b), 1)
        self.assertEqual({json.dumps(json.loads(r[0])) for r in self.rows(
            "SELECT rights FROM pat_tokens", conn=self.b)},
            {json.dumps(["DATA_CREATE", "DATA_DELETE", "DATA_FETCH",
                         "DATA_UPDATE"])})


class FirstWriteWaitsForTheLockTest(PatTestCase):
    """The first pat_create on a new database takes the write lock through
    the busy handler, like any write: it waits for another connection's
    write to end instead of failing at once."""

    def hold_write_lock(self, seconds, journal_mode):
        import sqlite3
        import threading
        other = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        other.execute("PRAGMA journal_mode = %s" % journal_mode)
        other.execute("BEGIN IMMEDIATE")
        ready = threading.Timer(seconds, lambda: other.execute("COMMIT"))
        ready.start()
        self.addCleanup(other.close)
        self.addCleanup(ready.join)

    def check(self, journal_mode):
        self.hold_write_lock(0.5, journal_mode)
        start = time.monotonic()
        tok = self.create()  # self.conn has a 5 s busy timeout
        waited = time.monotonic() - start
        self.assertGreater(waited, 0.3, "it did not wait for the lock")
        self.assertIsNotNone(self.verify(tok))

    def test_first_create_waits_in_wal_mode(self):
        self.check("wal")

    def test_first_create_waits_in_rollback_journal_mode(self):
        self.check("delete")
