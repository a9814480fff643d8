"""Where pat does its bookkeeping, and what it writes (README, "Bookkeeping").

- A check without `at` writes a token's last_used_at (and, under audit
  'all', a `use` or `deny` event) through a second connection, opened only
  where it shares the application's locks: SQLite's default "unix" VFS, on a
  file opened without nolock=1 or immutable=1. On a file opened with nolock=1
  or immutable=1, or under any other VFS (unix-none, unix-excl,
  unix-dotfile), it writes nothing at all: last_used_at stays as it was and
  no use/deny event is recorded. The same checks on the same file opened
  plainly (the control) write both.
- A stored last_used_at as far in the past as an integer goes
  (-9223372036854775808) is older than any interval: a passing check sets it
  to now (the difference now - last_used_at does not fit in 64 bits).
- An event's detail masks a token's random part given as a name (or a right
  named like one), while the table the name lives in shows what was stored.
"""
import json
import functools
import os
import sqlite3

from tests.python import helpers
from tests.python.helpers import PatTestCase

MIN_INT64 = -9223372036854775808
MASK = "(a token)"  # what stands for a masked secret (ext/pat_internal.h)


class BookkeepingWhereTest(PatTestCase):
    """No bookkeeping on a file whose application connection does not take
    the default unix VFS's locks; the control writes it."""
    bookkeeping_delay = 0  # what is written, not when

    def make_store(self, name, journal_mode):
        """A database file in `journal_mode` with a store, two tokens (one
        never used, one used long ago) and audit 'all'."""
        path = os.path.join(self.tmpdir, "%s-%s.db" % (name, journal_mode))
        setup = helpers.connect(path)
        try:
            self.assertEqual(setup.execute("PRAGMA journal_mode=%s" % journal_mode)
                             .fetchone()[0], journal_mode)
            fresh = setup.execute("SELECT pat_create('u1', 'fresh', 'DATA_FETCH')").fetchone()[0]
            old = setup.execute("SELECT pat_create('u1', 'old', 'DATA_FETCH')").fetchone()[0]
            setup.execute("UPDATE pat_settings SET value = 'all' WHERE key = 'audit'")
        finally:
            setup.close()
        raw = helpers.raw_connect(path)
        try:
            long_ago = raw.execute("SELECT unixepoch('now') - 100000").fetchone()[0]
            raw.execute("UPDATE pat_store_tokens SET last_used_at = ? WHERE name = 'old'",
                        (long_ago,))
        finally:
            raw.close()
        return path, fresh, old, long_ago

    def recorded(self, path):
        """(last_used_at by token name, the use/deny events), read without pat."""
        raw = helpers.raw_connect(path)
        try:
            used = helpers.recorded_last_uses(raw, key="name")
            events = raw.execute("SELECT event, token_id, detail FROM pat_store_events"
                                 " WHERE event IN ('use', 'deny') ORDER BY id").fetchall()
            self.assertEqual(raw.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            return used, events
        finally:
            raw.close()

    def run_checks(self, path, params, fresh, old, exclusive=False):
        """Opens the file with URI `params`, loads pat, and runs passing and
        failing checks without `at`, each its own statement (in rollback-journal
        mode a pending reader would stop any write). Returns False when SQLite
        itself can not read the file opened that way."""
        uri = "file:%s%s" % (path, "?" + params if params else "")
        app = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=2)
        self._conns.append(app)
        if exclusive:
            app.execute("PRAGMA locking_mode=EXCLUSIVE")
        app.enable_load_extension(True)
        app.load_extension(helpers.EXT)
        try:
            app.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        except sqlite3.OperationalError:
            app.close()
            return False
        for tok in (fresh, old):
            self.assertIsInstance(self.one("SELECT pat_verify(?)", (tok,), app), int)
            self.assertEqual(self.one("SELECT pat_has_right(?, 'DATA_FETCH')", (tok,), app), 1)
            self.assertEqual(self.one("SELECT pat_has_right(?, 'USER_FETCH')", (tok,), app), 0)
        app.close()
        return True

    def assertNoBookkeeping(self, params, journal_mode, exclusive=False):
        path, fresh, old, long_ago = self.make_store(params.replace("=", "-"), journal_mode)
        self.assertTrue(self.run_checks(path, params, fresh, old, exclusive),
                        "SQLite can not open a %s file with %s" % (journal_mode, params))
        used, events = self.recorded(path)
        self.assertEqual(used, {"fresh": None, "old": long_ago})
        self.assertEqual(events, [])

    def assertBookkeeping(self, journal_mode):
        path, fresh, old, long_ago = self.make_store("plain", journal_mode)
        self.assertTrue(self.run_checks(path, "", fresh, old))
        used, events = self.recorded(path)
        now = self.now()
        for name in ("fresh", "old"):
            self.assertIsInstance(used[name], int, name)
            self.assertLessEqual(abs(used[name] - now), 5, name)
        self.assertEqual([e[0] for e in events], ["use", "use", "deny"] * 2)

    # -- the control: a plain file, default VFS
    def test_control_plain_file_in_rollback_journal_mode_writes_bookkeeping(self):
        self.assertBookkeeping("delete")

    def test_control_plain_file_in_wal_mode_writes_bookkeeping(self):
        self.assertBookkeeping("wal")

    # -- nolock=1
    def test_nolock_in_rollback_journal_mode_writes_nothing(self):
        self.assertNoBookkeeping("nolock=1", "delete")

    def test_nolock_in_truncate_journal_mode_writes_nothing(self):
        self.assertNoBookkeeping("nolock=1", "truncate")

    def test_nolock_wal_file_is_refused_by_sqlite_itself(self):
        # SQLite 3.40 can not read a WAL file opened with nolock=1 at all:
        # there is no check for pat to answer, nor bookkeeping to write.
        path, fresh, old, _ = self.make_store("nolock-1", "wal")
        self.assertFalse(self.run_checks(path, "nolock=1", fresh, old))

    # -- immutable=1
    def test_immutable_in_rollback_journal_mode_writes_nothing(self):
        self.assertNoBookkeeping("immutable=1", "delete")

    def test_immutable_in_wal_mode_writes_nothing(self):
        self.assertNoBookkeeping("immutable=1", "wal")

    # -- VFSes other than "unix", including those whose name begins with it
    def test_unix_none_in_rollback_journal_mode_writes_nothing(self):
        self.assertNoBookkeeping("vfs=unix-none", "delete")

    def test_unix_none_in_wal_mode_writes_nothing(self):
        # WAL without locks needs the exclusive locking mode (SQLite's rule)
        self.assertNoBookkeeping("vfs=unix-none", "wal", exclusive=True)

    def test_unix_excl_in_rollback_journal_mode_writes_nothing(self):
        self.assertNoBookkeeping("vfs=unix-excl", "delete")

    def test_unix_excl_in_wal_mode_writes_nothing(self):
        self.assertNoBookkeeping("vfs=unix-excl", "wal")

    def test_unix_dotfile_in_rollback_journal_mode_writes_nothing(self):
        self.assertNoBookkeeping("vfs=unix-dotfile", "delete")


class OldestLastUsedTest(PatTestCase):
    """A last_used_at of -2**63 is older than any interval."""
    bookkeeping_delay = 0  # what is written, not when

    def setUp(self):
        super().setUp()
        self.tok = self.create()
        self.tid = self.id_of(self.tok)
        self.raw = self.connect(load=False)

    def recorded(self):
        return helpers.recorded_last_use(self.raw, self.tid)

    def test_a_passing_check_replaces_the_oldest_last_used_at_with_now(self):
        # Each on a connection of its own: one that recorded a use remembers
        # it for its interval, whatever the row says.
        checks = {"pat_verify": lambda c: self.verify(self.tok, conn=c) == self.tid,
                  "pat_has_right": lambda c: self.has_right(self.tok, "DATA_FETCH", conn=c) == 1}
        for interval in (60, 0, helpers.MAX_LIFETIME):
            for name, check_on in checks.items():
                with self.subTest(check=name, interval=interval):
                    check = functools.partial(check_on, self.connect())
                    self.set_setting("last_used_interval", interval)
                    self.raw.execute("UPDATE pat_store_tokens SET last_used_at = ?"
                                     " WHERE id = ?", (MIN_INT64, self.tid))
                    before = self.now()
                    self.assertTrue(check())
                    after = self.recorded()
                    self.assertIsInstance(after, int)
                    self.assertGreaterEqual(after, before)
                    self.assertLessEqual(after, self.now())


class EventDetailMasksTokensTest(PatTestCase):
    """An event's detail quotes names and rights as given, with every run that
    could be a token's random part masked."""
    bookkeeping_delay = 0  # what is written, not when

    def assertMasked(self, detail, rnd):
        self.assertIsInstance(detail, str)
        self.assertNotIn(rnd, detail)
        for i in range(len(rnd) - 20 + 1):
            self.assertNotIn(rnd[i:i + 20], detail)
        self.assertIn(MASK, detail)

    def test_update_event_detail_masks_a_token_given_as_a_name(self):
        tok = self.create(name="n")
        tid = self.id_of(tok)
        other = self.create(name="other")
        rnd = other[len("pat_"):len("pat_") + helpers.RANDOM_LEN]
        self.conn.execute("UPDATE pat_tokens SET name = 'leaked ' || ? WHERE id = ?",
                          (other, tid))
        # the table shows what was stored
        self.assertEqual(self.token_row(tid)["name"], "leaked " + other)
        updates = [e for e in self.events(tid) if e["event"] == "update"]
        self.assertEqual(len(updates), 1)
        detail = updates[0]["detail"]
        self.assertMasked(detail, rnd)
        self.assertEqual(json.loads(detail),
                         {"name": ["n", "leaked pat_" + MASK]})

    def test_use_event_detail_masks_a_right_named_like_a_random_part(self):
        right = helpers.random_part() + "ABCDEFGH"  # 40 base62 characters
        self.conn.execute("INSERT INTO pat_rights(name, category) VALUES (?, 'c')", (right,))
        self.assertEqual(self.one("SELECT count(*) FROM pat_rights WHERE name = ?", (right,)), 1)
        tok = self.create(rights=right)
        tid = self.id_of(tok)
        self.set_setting("audit", "all")
        self.assertEqual(self.has_right(tok, right), 1)
        uses = [e for e in self.events(tid) if e["event"] == "use"]
        self.assertEqual(len(uses), 1)
        self.assertMasked(uses[0]["detail"], right[:helpers.RANDOM_LEN])
        for e in self.events(tid):
            with self.subTest(event=e["event"]):
                self.assertNotIn(right[:helpers.RANDOM_LEN], e["detail"] or "")


if __name__ == "__main__":
    import unittest
    unittest.main()
