"""The store layout of schema 2 and the per-connection shortcuts that
pat_create and pat_has_right take over it (issue 4: create speed).

- pat_create is one INSERT with no trigger: a trigger on the INSERT would
  make SQLite journal every mint on its own (about a quarter of its cost).
- A token's create event is its own row until the token first changes.
- The id of the next token is remembered while nothing else writes; another
  connection or another statement of the same one must never make two
  tokens share an id, or a token take an event's id.
- The last rights argument is remembered per role; the rights of a token
  are found by their hash. Neither may ever answer with a stale or another
  role's set.
"""
import sqlite3
import subprocess
import sys
import unittest

from tests.python import helpers


class StoreLayoutTest(helpers.PatTestCase):
    journal_mode = "wal"

    def ids_and_events(self, conn=None):
        ids = [r[0] for r in self.rows("SELECT id FROM pat_tokens ORDER BY id",
                                       conn=conn)]
        events = self.rows("SELECT id, event, token_id FROM pat_events ORDER BY id",
                           conn=conn)
        return ids, events

    def assertIdsUnique(self, conn=None):
        ids, events = self.ids_and_events(conn)
        event_ids = [e[0] for e in events]
        self.assertEqual(len(event_ids), len(set(event_ids)), events)
        # a token's create event carries its id; no other event takes it
        for e_id, kind, tid in events:
            if e_id in ids:
                self.assertEqual((kind, tid), ("create", e_id), events)

    def test_no_trigger_on_insert_into_the_tokens_table(self):
        self.create()
        raw = helpers.raw_connect(self.path)
        triggers = raw.execute(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'"
            " AND tbl_name = 'pat_store_tokens'").fetchall()
        raw.close()
        self.assertTrue(triggers)
        for name, sql in triggers:
            head = sql.split("BEGIN")[0].upper()
            self.assertNotIn(" INSERT ", " " + head.replace("\n", " ") + " ", name)

    def test_a_check_reads_only_the_digest_index(self):
        self.create()
        cols = [r[2] for r in self.rows(
            "SELECT * FROM pragma_index_info('pat_store_tokens_lookup')")]
        # last_used_at is in no index: folding uses into it changes the
        # row's page alone (sql/schema.sql, pat_store_uses); prev_until says
        # a rotation grace runs, for its early end
        # allowed_blocks: a check applies the allow-list from the index too
        self.assertEqual(cols, ["digest", "valid_from", "valid_to", "prev_until", "rights_hash",
                                "allowed_blocks"])

    def test_the_create_event_is_the_row_until_the_first_change(self):
        tok = self.create(rights="DATA_FETCH, DATA_CREATE")
        tid = self.id_of(tok)
        raw = helpers.raw_connect(self.path)
        self.assertEqual(raw.execute("SELECT count(*) FROM pat_store_events").fetchone()[0], 0)
        self.assertEqual(raw.execute("SELECT create_event FROM pat_store_tokens WHERE id = ?",
                                     (tid,)).fetchone()[0], 1)
        before = self.events(tid)
        self.assertEqual([(e["id"], e["event"]) for e in before], [(tid, "create")])
        self.conn.execute("UPDATE pat_tokens SET rights = 'DATA_FETCH' WHERE id = ?", (tid,))
        after = self.events(tid)
        self.assertEqual(after[0], before[0])  # written out as it was
        self.assertEqual([e["event"] for e in after], ["create", "update"])
        self.assertIsNone(raw.execute("SELECT create_event FROM pat_store_tokens WHERE id = ?",
                                      (tid,)).fetchone()[0])
        self.assertEqual(raw.execute("SELECT id, event FROM pat_store_events ORDER BY id"
                                     ).fetchall()[0], (tid, "create"))
        raw.close()

    def test_audit_off_makes_no_create_event_even_after_a_change(self):
        self.set_setting("audit", "off")
        tid = self.id_of(self.create())
        self.set_setting("audit", "changes")
        self.conn.execute("UPDATE pat_tokens SET name = 'renamed' WHERE id = ?", (tid,))
        self.assertEqual([e["event"] for e in self.events(tid)], ["update"])

    def test_ids_stay_unique_when_another_connection_mints_between(self):
        other = self.connect()
        a1 = self.id_of(self.create(name="a1"))
        b1 = self.id_of(self.create(name="b1", conn=other))
        a2 = self.id_of(self.create(name="a2"))
        b2 = self.id_of(self.create(name="b2", conn=other))
        self.assertEqual(len({a1, b1, a2, b2}), 4)
        self.assertLess(a1, b1)
        self.assertLess(b1, a2)
        self.assertLess(a2, b2)
        self.assertIdsUnique()

    def test_ids_stay_unique_when_another_connection_writes_an_event(self):
        other = self.connect()
        t1 = self.create(name="t1")
        self.create(name="t2")
        # an update event written by the other connection takes the next id
        other.execute("UPDATE pat_tokens SET name = 'x' WHERE id = ?", (self.id_of(t1),))
        t3 = self.id_of(self.create(name="t3"))
        self.assertGreater(t3, max(e[0] for e in self.ids_and_events()[1] if e[0] != t3))
        self.assertIdsUnique()

    def test_ids_stay_unique_when_another_connection_writes_between_two_mints(self):
        # No statement of this connection runs between the two mints, so
        # nothing here starts a read transaction that would show it the other
        # connection's commit: the remembered id must not be trusted then.
        # The other writer is another process, as in the stress test that
        # found this.
        t1 = self.create(name="t1")
        t1_id = self.id_of(t1)
        self.create(name="t2")
        script = ("import sqlite3, sys\n"
                  "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                  "c.enable_load_extension(True)\n"
                  "c.load_extension(sys.argv[2])\n"
                  "for n in ('x', 'y'):\n"
                  "    c.execute('UPDATE pat_tokens SET name = ? WHERE id = ?', (n, int(sys.argv[3])))\n")
        subprocess.run([sys.executable, "-c", script, self.path, helpers.EXT, str(t1_id)],
                       check=True, timeout=60)
        t3 = self.create(name="t3")
        self.assertIdsUnique()
        self.conn.execute("UPDATE pat_tokens SET name = 'z' WHERE id = ?", (self.id_of(t3),))
        self.assertIdsUnique()

    def test_ids_stay_unique_inside_one_transaction_with_other_writes(self):
        self.conn.execute("BEGIN")
        t1 = self.id_of(self.create(name="t1"))
        t2 = self.id_of(self.create(name="t2"))
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (t2,))
        t3 = self.id_of(self.create(name="t3"))
        self.conn.execute("UPDATE pat_tokens SET name = 'one' WHERE id = ?", (t1,))
        t4 = self.id_of(self.create(name="t4"))
        self.conn.execute("COMMIT")
        self.assertGreater(t3, t2)  # a deleted token's id is never handed out again
        self.assertGreater(t4, t3)
        self.assertIdsUnique()

    def test_ids_after_a_rollback_are_not_reused_wrongly(self):
        self.conn.execute("BEGIN")
        self.create(name="gone")
        self.conn.execute("ROLLBACK")
        other = self.connect()
        b = self.id_of(self.create(name="b", conn=other))
        a = self.id_of(self.create(name="a"))
        self.assertNotEqual(a, b)
        self.assertIdsUnique()

    def test_the_rights_memo_is_per_role(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('root', 'ROOT')")
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('viewer', 'VIEWER')")
        self.create(owner="root", rights="USER_DELETE")
        self.assertSqlError("SELECT pat_create('viewer', 'v', 'USER_DELETE')",
                            contains="role 'VIEWER' may not grant 'USER_DELETE'")
        # and a change of the role's grants is seen at once
        self.create(owner="viewer", rights="DATA_FETCH")
        self.conn.execute("DELETE FROM pat_roles WHERE role = 'VIEWER' AND right = 'DATA_FETCH'")
        self.assertSqlError("SELECT pat_create('viewer', 'v', 'DATA_FETCH')",
                            contains="may not grant")

    def test_has_right_follows_a_change_of_rights_on_every_connection(self):
        other = self.connect()
        tok = self.create(rights="DATA_FETCH")
        tid = self.id_of(tok)
        for c in (self.conn, other):
            self.assertEqual(self.has_right(tok, "DATA_FETCH", conn=c), 1)
            self.assertEqual(self.has_right(tok, "DATA_DELETE", conn=c), 0)
        self.conn.execute("UPDATE pat_tokens SET rights = 'DATA_DELETE' WHERE id = ?", (tid,))
        for c in (self.conn, other):
            self.assertEqual(self.has_right(tok, "DATA_FETCH", conn=c), 0)
            self.assertEqual(self.has_right(tok, "DATA_DELETE", conn=c), 1)

    def test_has_right_reads_the_row_when_the_hash_is_missing_or_wrong(self):
        tok = self.create(rights="DATA_FETCH")
        tid = self.id_of(tok)
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)  # cached now
        other = self.connect(load=False)
        # a row written around pat: no hash, then a hash that is not its own
        other.execute("UPDATE pat_store_tokens SET rights = '[\"USER_FETCH\"]',"
                      " rights_hash = NULL WHERE id = ?", (tid,))
        self.assertEqual(self.has_right(tok, "USER_FETCH"), 1)
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)
        fetch = self.rows("SELECT rights_hash FROM pat_store_tokens")
        other.execute("UPDATE pat_store_tokens SET rights = '[\"USER_DELETE\"]',"
                      " rights_hash = 12345 WHERE id = ?", (tid,))
        self.assertEqual(self.has_right(tok, "USER_DELETE"), 1)
        self.assertEqual(self.has_right(tok, "USER_FETCH"), 0)
        self.assertEqual(self.has_right(tok, "USER_DELETE"), 1)
        self.assertTrue(fetch)


if __name__ == "__main__":
    unittest.main()
