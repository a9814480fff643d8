"""Retired values and pat_revoke (INTERFACE.md, Retired tokens; issue 16).

- pat_revoke(tokens [, reason]): one value (bare or a Bearer header) or a
  JSON array of at most 1,000 strings or NULLs; each token of this store,
  whatever its window, is deleted with a `revoke` event (detail: the reason)
  and no `delete` event; a token listed twice counts once; anything else
  counts 0; a bad reason, a bad array or too many entries is an error and
  revokes nothing.
- Whenever a value stops working by DELETE, pat_revoke or pat_rotate, its
  digest is kept for retired_keep seconds, with the token's id, owner and
  name, why and when; pat_retired shows exactly these columns; DELETE on it
  forgets; nothing else writes it; a row older than retired_keep is neither
  shown nor matched; retired_keep 0 keeps none.
- A check of a retired value answers as for an unknown token at any `at`;
  without `at` it adds one to `seen`, sets `last_seen_at` and writes a deny
  event `retired: <why>` under every audit setting but off: bookkeeping,
  seen by another connection and another process once written.
- pat_rotate's grace: the old value is the token until the grace ends (its
  time, or the first use of the new value); rotate_reuse 'revoke' revokes a
  token whose rotated value is used after its grace. Both are state: written
  at once when the lock can be had, else held and acted on by the connection
  that holds them.
"""
import json
import os
import subprocess
import sys

from tests.python import helpers
from tests.python.helpers import PatTestCase

RETIRED_COLUMNS = ["token_id", "owner", "name", "why", "retired_at", "seen", "last_seen_at"]


class RevokeTest(PatTestCase):
    journal_mode = "wal"

    def revoke(self, *args, conn=None):
        marks = ", ".join("?" for _ in args)
        return self.one("SELECT pat_revoke(%s)" % marks, args, conn=conn)

    def events(self, kinds=("revoke", "delete")):
        return self.rows("SELECT event, token_id, detail FROM pat_events WHERE event IN (%s)"
                         " ORDER BY id" % ", ".join("'%s'" % k for k in kinds))

    def test_a_bare_value_and_a_header_each_revoke_their_token(self):
        a, b = self.create(name="a"), self.create(name="b")
        ida, idb = self.id_of(a), self.id_of(b)
        self.assertEqual(self.revoke(a), 1)
        self.assertEqual(self.revoke("Bearer  " + b), 1)
        self.assertIsNone(self.verify(a))
        self.assertIsNone(self.verify(b))
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 0)
        self.assertEqual(self.events(), [("revoke", ida, "revoked"), ("revoke", idb, "revoked")])

    def test_an_array_revokes_each_token_once_with_the_reason(self):
        toks = [self.create(name="t%d" % i) for i in range(3)]
        ids = [self.id_of(t) for t in toks]
        keep = self.create(name="kept")
        arr = json.dumps([toks[0], "Bearer " + toks[1], toks[0], None, "junk", toks[2],
                          "pat_" + "A" * 38])
        self.assertEqual(self.revoke(arr, "found in a gist"), 3)
        self.assertEqual(self.events(), [("revoke", i, "found in a gist") for i in ids])
        self.assertEqual(self.verify(keep), self.id_of(keep))
        self.assertEqual(self.revoke(arr), 0)  # retired values count 0
        self.assertEqual(self.revoke(" [ ] "), 0)

    def test_expired_and_pending_tokens_are_revoked_too(self):
        old = self.create(name="old", valid_from="2020-01-01", valid_to="2020-02-01")
        later = self.create(name="later", valid_from="2999-01-01", valid_to="2999-02-01")
        self.assertEqual(self.revoke(json.dumps([old, later])), 2)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 0)

    def test_what_is_no_token_counts_0_and_writes_nothing(self):
        tok = self.create()
        before = helpers.snapshot(self.path)
        for value in (None, 42, 1.5, b"\x00\x01", "", "pat_", "not a token",
                      tok[:-1] + ("A" if tok[-1] != "A" else "B"), json.dumps([None, "x"])):
            with self.subTest(value=value):
                self.assertEqual(self.revoke(value), 0)
        self.assertEqual(helpers.snapshot(self.path), before)

    def test_a_blob_holding_a_token_is_that_token(self):
        tok = self.create()
        self.assertEqual(self.revoke(tok.encode()), 1)

    def test_bad_arguments_are_errors_and_revoke_nothing(self):
        tok = self.create()
        tid = self.id_of(tok)
        many = json.dumps([tok] + ["x"] * 1000)
        cases = [
            ((tok, ""), "pat_revoke: reason must be a non-empty text"),
            ((tok, 7), "pat_revoke: reason must be a non-empty text"),
            ((tok, "a\nb"), "pat_revoke: reason contains a control character"),
            ((tok, "r" * 256), "pat_revoke: reason is longer than 255 bytes"),
            (("[" + json.dumps(tok),), "pat_revoke: tokens is not a valid JSON array"),
            (('{"a": 1}',), None),  # not an array: one value, no token
            ((json.dumps([tok, 1]),), "pat_revoke: tokens must hold strings or NULLs, not integer"),
            ((json.dumps([tok, [tok]]),), "pat_revoke: tokens must hold strings or NULLs, not array"),
            ((many,), "pat_revoke: tokens holds 1001 entries: at most 1000 in one call"),
        ]
        for args, message in cases:
            with self.subTest(args=str(args)[:60]):
                if message is None:
                    self.assertEqual(self.revoke(*args), 0)
                else:
                    self.assertSqlError("SELECT pat_revoke(%s)" % ", ".join("?" for _ in args),
                                        args, message=message)
                self.assertEqual(self.verify(tok), tid)
        self.assertEqual(self.revoke(json.dumps([tok] + ["x"] * 999)), 1)

    def test_a_revoke_inside_an_application_transaction_rolls_back_with_it(self):
        tok = self.create()
        self.conn.execute("BEGIN")
        self.assertEqual(self.revoke(tok), 1)
        self.conn.execute("ROLLBACK")
        self.assertEqual(self.verify(tok), self.id_of(tok))
        self.assertEqual(self.rows("SELECT * FROM pat_retired"), [])

    def test_audit_off_writes_no_revoke_event_but_still_retires(self):
        tok = self.create()
        self.set_setting("audit", "off")
        self.assertEqual(self.revoke(tok), 1)
        self.assertEqual(self.events(), [])
        self.assertEqual(self.rows("SELECT why FROM pat_retired"), [("revoked",)])

    def test_a_revoke_of_a_store_that_does_not_exist_writes_nothing(self):
        self.assertEqual(self.revoke("pat_" + "A" * 38), 0)
        self.assertEqual(self.one("SELECT count(*) FROM sqlite_schema"), 0)


class RetiredTest(PatTestCase):
    journal_mode = "wal"

    def retired(self, conn=None):
        return self.rows("SELECT token_id, owner, name, why, seen FROM pat_retired"
                         " ORDER BY token_id, why", conn=conn)

    def test_the_table_has_exactly_the_contract_columns(self):
        cols = [r[1] for r in self.rows("SELECT * FROM pragma_table_info('pat_retired')")]
        self.assertEqual(cols, RETIRED_COLUMNS)

    def test_delete_revoke_and_rotate_each_retire_with_their_why(self):
        a = self.create(owner="alice", name="a")
        b = self.create(owner="bob", name="b")
        c = self.create(owner="carol", name="c")
        ida, idb, idc = self.id_of(a), self.id_of(b), self.id_of(c)
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (ida,))
        self.one("SELECT pat_revoke(?)", (b,))
        new_c = self.one("SELECT pat_rotate(?)", (idc,))
        self.assertEqual(self.retired(), [(ida, "alice", "a", "deleted", 0),
                                          (idb, "bob", "b", "revoked", 0),
                                          (idc, "carol", "c", "rotated", 0)])
        for row in self.rows("SELECT retired_at FROM pat_retired"):
            self.assertRegex(row[0], helpers.TIME_RE)
        # rotating again retires the second value; deleting, the current one
        self.one("SELECT pat_rotate(?)", (idc,))
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (idc,))
        self.assertEqual([r[3] for r in self.retired() if r[0] == idc],
                         ["deleted", "rotated", "rotated"])
        self.assertIsNone(self.verify(new_c))

    def test_a_retired_value_answers_as_unknown_at_any_at(self):
        self.set_setting("max_lifetime", None)
        tok = self.create(valid_from="2020-01-01", valid_to="2999-01-01")
        tid = self.id_of(tok)
        self.one("SELECT pat_rotate(?)", (tid,))
        for at in (None, "2020-06-01", "2998-01-01"):
            with self.subTest(at=at):
                args = (tok,) if at is None else (tok, at)
                self.assertIsNone(self.verify(*args))
                self.assertEqual(self.has_right(tok, "DATA_FETCH", *args[1:]), 0)

    def test_a_check_without_at_counts_it_and_writes_a_deny_under_changes_and_all(self):
        for audit in ("changes", "all"):
            with self.subTest(audit=audit):
                self.set_setting("audit", audit)
                tok = self.create(name=audit)
                tid = self.id_of(tok)
                self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
                self.assertIsNone(self.verify(tok))
                self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)
                self.assertIsNone(self.verify(tok, "now"))  # an audit question: nothing
                row = self.rows("SELECT seen, last_seen_at FROM pat_retired WHERE token_id = ?",
                                (tid,))
                self.assertEqual(row[0][0], 2)
                self.assertRegex(row[0][1], helpers.TIME_RE)
                self.assertEqual(self.rows("SELECT token_name, owner, detail FROM pat_events"
                                           " WHERE token_id = ? AND event = 'deny'", (tid,)),
                                 [(audit, "u1", "retired: deleted")] * 2)

    def test_audit_off_records_no_attempt(self):
        tok = self.create()
        tid = self.id_of(tok)
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.set_setting("audit", "off")
        self.assertIsNone(self.verify(tok))
        self.assertEqual(self.one("SELECT seen FROM pat_retired"), 0)
        self.assertEqual(self.one("SELECT count(*) FROM pat_events WHERE event = 'deny'"), 0)

    def test_delete_forgets_and_nothing_else_writes_it(self):
        tok = self.create()
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (self.id_of(tok),))
        for sql in ("INSERT INTO pat_retired(token_id) VALUES (1)",
                    "UPDATE pat_retired SET seen = 5",
                    "UPDATE pat_retired SET why = 'x'"):
            with self.subTest(sql=sql):
                self.assertSqlError(sql, message="pat_retired: only DELETE changes it"
                                    " (it forgets retired values)")
        self.conn.execute("DELETE FROM pat_retired")
        self.assertEqual(self.retired(), [])
        self.assertIsNone(self.verify(tok))
        raw = self.connect(load=False)
        self.assertEqual(self.one("SELECT count(*) FROM pat_store_retired", conn=raw), 0)

    def test_retired_keep_0_keeps_none_and_an_older_row_is_neither_shown_nor_matched(self):
        self.set_setting("retired_keep", 0)
        tok = self.create(name="none kept")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (self.id_of(tok),))
        self.assertEqual(self.retired(), [])
        self.set_setting("retired_keep", 100)
        old = self.create(name="old")
        oid = self.id_of(old)
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (oid,))
        raw = self.connect(load=False)
        raw.execute("UPDATE pat_store_retired SET retired_at = retired_at - 101")
        self.assertEqual(self.retired(), [])
        self.assertIsNone(self.verify(old))
        self.assertEqual(self.one("SELECT seen FROM pat_store_retired", conn=raw), 0)
        self.assertEqual(self.one("SELECT count(*) FROM pat_events WHERE event = 'deny'"), 0)
        # within the keep again: shown and matched
        raw.execute("UPDATE pat_store_retired SET retired_at = retired_at + 50")
        self.assertEqual(len(self.retired()), 1)
        self.assertIsNone(self.verify(old))
        self.assertEqual(self.one("SELECT seen FROM pat_retired"), 1)

    def test_the_store_keeps_only_the_digest(self):
        tok = self.create()
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (self.id_of(tok),))
        self.conn.close()
        with open(self.path, "rb") as f:
            data = f.read()
        wal = self.path + "-wal"
        if os.path.exists(wal):
            with open(wal, "rb") as f:
                data += f.read()
        self.assertNotIn(tok[4:].encode(), data)

    def test_another_connection_sees_the_attempt_once_written(self):
        tok = self.create()
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (self.id_of(tok),))
        other = self.connect()
        self.set_setting("bookkeeping_delay", 60000, conn=other)
        self.assertIsNone(self.verify(tok, conn=other))
        self.assertEqual(self.one("SELECT seen FROM pat_retired"), 0)  # held by `other`
        other.close()  # writes what it held
        self.assertEqual(self.one("SELECT seen FROM pat_retired"), 1)

    def test_another_process_that_presents_a_retired_value_is_recorded(self):
        tok = self.create()
        tid = self.id_of(tok)
        self.one("SELECT pat_rotate(?)", (tid,))
        code = ("import sqlite3, sys\n"
                "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                "c.enable_load_extension(True)\n"
                "c.load_extension(sys.argv[2])\n"
                "assert c.execute('SELECT pat_verify(?)', (sys.argv[3],)).fetchone()[0] is None\n"
                "c.close()\n")
        subprocess.run([sys.executable or "/usr/bin/python3", "-c", code, self.path, helpers.EXT, tok], check=True)
        self.assertEqual(self.rows("SELECT token_id, why, seen FROM pat_retired"),
                         [(tid, "rotated", 1)])
        self.assertEqual(self.rows("SELECT detail FROM pat_events WHERE event = 'deny'"),
                         [("retired: rotated",)])


class GraceTest(PatTestCase):
    """pat_rotate(id, valid_to, grace), the early end of a grace at the first
    use of the new value, and rotate_reuse."""
    journal_mode = "wal"

    def rotate(self, tid, grace=None, conn=None):
        if grace is None:
            return self.one("SELECT pat_rotate(?)", (tid,), conn=conn)
        return self.one("SELECT pat_rotate(?, NULL, ?)", (tid, grace), conn=conn)

    def setUp(self):
        super().setUp()
        self.old = self.create(rights="DATA_FETCH")
        self.tid = self.id_of(self.old)
        self.raw = self.connect(load=False)

    def grace_row(self):
        return self.rows("SELECT prev_digest IS NOT NULL, prev_until FROM pat_store_tokens"
                         " WHERE id = ?", (self.tid,), conn=self.raw)[0]

    def test_the_old_value_is_the_token_until_the_grace_ends(self):
        new = self.rotate(self.tid, 100)
        now = self.now()
        self.assertEqual(self.verify(self.old, now + 99), self.tid)
        self.assertIsNone(self.verify(self.old, now + 101))
        self.assertEqual(self.has_right(self.old, "DATA_FETCH", now), 1)
        self.assertEqual(self.has_right(self.old, "DATA_CREATE", now), 0)
        # it obeys the row: rights changed, window ended
        self.conn.execute("UPDATE pat_tokens SET rights = 'DATA_CREATE' WHERE id = ?", (self.tid,))
        self.assertEqual(self.has_right(self.old, "DATA_CREATE", now), 1)
        self.conn.execute("UPDATE pat_tokens SET valid_to = datetime(?, 'unixepoch')"
                          " WHERE id = ?", (now + 10, self.tid))
        self.assertIsNone(self.verify(self.old, now + 20))
        self.assertEqual(self.verify(new, now), self.tid)
        self.assertEqual(self.rows("SELECT * FROM pat_retired"), [])  # not retired yet

    def test_the_setting_rotate_grace_is_the_default_and_0_is_none(self):
        self.set_setting("rotate_grace", 100)
        self.rotate(self.tid)
        self.assertEqual(self.verify(self.old, "now"), self.tid)
        self.rotate(self.tid, 0)  # ends the grace that ran, and gives none
        self.assertIsNone(self.verify(self.old, "now"))
        self.assertEqual(self.grace_row(), (0, None))

    def test_the_first_use_of_the_new_value_ends_the_grace(self):
        self.set_setting("last_used_interval", 1000000)
        self.verify(self.old)  # a use recorded long before: the interval is not the rule
        new = self.rotate(self.tid, 1000)
        self.assertEqual(self.verify(self.old), self.tid)  # a use of the old value: no end
        self.assertEqual(self.grace_row()[0], 1)
        self.assertEqual(self.verify(new, "now"), self.tid)  # an audit question: no end
        self.assertEqual(self.grace_row()[0], 1)
        self.assertEqual(self.verify(new), self.tid)
        self.assertEqual(self.grace_row(), (0, None))
        self.assertIsNone(self.verify(self.old))
        self.assertIsNone(self.verify(self.old, "now"))
        rows = self.rows("SELECT why, seen, retired_at FROM pat_retired")
        self.assertEqual([r[:2] for r in rows], [("rotated", 1)])
        self.assertLessEqual(abs(self.one("SELECT unixepoch(?)", (rows[0][2],)) - self.now()), 2)

    def test_a_grace_that_times_out_retires_the_old_value(self):
        self.rotate(self.tid, 1000)
        self.raw.execute("UPDATE pat_store_tokens SET prev_until = prev_until - 2000")
        self.raw.execute("UPDATE pat_store_retired SET retired_at = retired_at - 2000")
        self.assertIsNone(self.verify(self.old))
        self.assertEqual(self.rows("SELECT why, seen FROM pat_retired"), [("rotated", 1)])
        self.assertEqual(self.rows("SELECT detail FROM pat_events WHERE event = 'deny'"),
                         [("retired: rotated",)])

    def test_rotating_again_during_a_grace_retires_the_older_value_at_once(self):
        second = self.rotate(self.tid, 1000)
        self.rotate(self.tid, 1000)
        self.assertIsNone(self.verify(self.old, "now"))
        self.assertEqual(self.verify(second, "now"), self.tid)
        self.assertEqual(self.rows("SELECT why FROM pat_retired"), [("rotated",)])

    def test_revoke_by_the_value_in_grace_and_delete_during_a_grace(self):
        new = self.rotate(self.tid, 1000)
        self.assertEqual(self.one("SELECT pat_revoke(?)", (self.old,)), 1)
        self.assertIsNone(self.verify(new, "now"))
        self.assertEqual(sorted(self.rows("SELECT why FROM pat_retired")),
                         [("revoked",), ("revoked",)])
        other = self.create(name="other")
        oid = self.id_of(other)
        self.rotate(oid, 1000)
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (oid,))
        self.assertEqual(self.rows("SELECT why FROM pat_retired WHERE token_id = ?", (oid,)),
                         [("deleted",), ("deleted",)])
        self.assertIsNone(self.verify(other, "now"))

    def test_reuse_is_logged_by_default_and_revokes_under_revoke(self):
        new = self.rotate(self.tid)
        self.assertIsNone(self.verify(self.old))
        self.assertEqual(self.verify(new), self.tid)
        self.set_setting("rotate_reuse", "revoke")
        self.assertIsNone(self.verify(self.old, "now"))  # an audit question revokes nothing
        self.assertEqual(self.verify(new), self.tid)
        self.assertEqual(self.has_right(self.old, "DATA_FETCH"), 0)
        self.assertIsNone(self.verify(new))
        self.assertEqual(self.rows("SELECT event, detail FROM pat_events WHERE event = 'revoke'"),
                         [("revoke", "reuse of a rotated value")])
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 0)

    def test_reuse_revokes_under_audit_off_too_and_records_no_attempt(self):
        new = self.rotate(self.tid)
        self.set_setting("rotate_reuse", "revoke")
        self.set_setting("audit", "off")
        self.assertIsNone(self.verify(self.old))
        self.assertIsNone(self.verify(new, "now"))
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 0)
        self.assertEqual(self.rows("SELECT why, seen FROM pat_retired ORDER BY why"),
                         [("revoked", 0), ("rotated", 0)])
        self.assertEqual(self.one("SELECT count(*) FROM pat_events WHERE event = 'deny'"), 0)

    def test_only_a_rotated_value_is_reuse(self):
        self.set_setting("rotate_reuse", "revoke")
        gone = self.create(name="gone")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (self.id_of(gone),))
        self.assertIsNone(self.verify(gone))
        self.assertEqual(self.verify(self.old), self.tid)  # nothing of it revoked
        self.assertEqual(self.one("SELECT count(*) FROM pat_events WHERE event = 'revoke'"), 0)

    def test_held_when_the_lock_is_taken_acted_on_at_once_and_written_at_the_next_check(self):
        self.set_setting("bookkeeping_delay", 0)
        other = self.create(name="other")
        new = self.rotate(self.tid, 1000)
        checker = self.connect()
        self.assertIsNotNone(self.verify(other, conn=checker))  # recorded, remembered
        holder = self.connect(load=False)
        holder.execute("BEGIN IMMEDIATE")
        try:
            self.assertEqual(self.verify(new, conn=checker), self.tid)
            self.assertEqual(self.grace_row()[0], 1)
            self.assertIsNone(self.verify(self.old, conn=checker))
        finally:
            holder.execute("ROLLBACK")
        # its next chance: any check, one that records nothing itself too
        self.assertIsNotNone(self.verify(other, conn=checker))
        self.assertEqual(self.grace_row(), (0, None))

    def test_held_when_the_lock_is_taken_acted_on_at_once_and_written_later(self):
        new = self.rotate(self.tid, 1000)
        checker = self.connect()
        holder = self.connect(load=False)
        holder.execute("BEGIN IMMEDIATE")
        try:
            self.assertEqual(self.verify(new, conn=checker), self.tid)
            self.assertEqual(self.grace_row()[0], 1)  # not written: the lock is taken
            self.assertIsNone(self.verify(self.old, conn=checker))  # acted on at once
            self.assertEqual(self.verify(self.old, "now"), self.tid)  # by that one alone
        finally:
            holder.execute("ROLLBACK")
        checker.close()  # its next chance
        self.assertEqual(self.grace_row(), (0, None))
        self.assertIsNone(self.verify(self.old, "now"))

    def test_a_stopped_value_tried_in_autocommit_writes_what_stopped_it_and_counts_as_reuse(self):
        # The grace ended inside the application's transaction (held); after
        # it, a check of the old value is the next chance: the end is
        # written, and the old value is a retired one, its reuse revoked.
        self.set_setting("rotate_reuse", "revoke")
        for check in (lambda tok, conn: self.verify(tok, conn=conn),
                      lambda tok, conn: self.has_right(tok, "DATA_FETCH", conn=conn) or None):
            with self.subTest(check=check):
                old = self.create(rights="DATA_FETCH")
                tid = self.id_of(old)
                new = self.rotate(tid, 1000)
                app = self.connect()
                app.execute("BEGIN")
                self.assertEqual(self.verify(new, conn=app), tid)
                self.assertIsNone(check(old, app))  # stopped here, held
                app.execute("COMMIT")
                other = self.connect()
                self.assertEqual(self.verify(old, conn=other), tid)  # not written yet
                other.close()
                self.assertIsNone(check(old, app))  # written now, and a reuse
                app.close()
                self.assertEqual(self.rows("SELECT why, seen FROM pat_retired WHERE token_id = ?"
                                           " ORDER BY why DESC", (tid,)),
                                 [("rotated", 1), ("revoked", 0)])
                # (the revocation is state, written at once; the deny event
                # bookkeeping, written with the connection's next batch)
                self.assertEqual(self.rows("SELECT detail FROM pat_events WHERE token_id = ?"
                                           " AND event IN ('deny', 'revoke') ORDER BY detail", (tid,)),
                                 [("retired: rotated",), ("reuse of a rotated value",)])
                self.assertIsNone(self.verify(new))  # revoked

    def test_a_read_only_connection_acts_for_itself_only(self):
        new = self.rotate(self.tid, 1000)
        ro = self.connect(path="file:%s?mode=ro" % self.path)
        self.assertEqual(self.verify(new, conn=ro), self.tid)
        self.assertIsNone(self.verify(self.old, conn=ro))
        ro.close()
        self.assertEqual(self.grace_row()[0], 1)
        self.assertEqual(self.verify(self.old, "now"), self.tid)

    def test_another_process_ends_the_grace_and_its_reuse_revokes_here_too(self):
        self.set_setting("rotate_reuse", "revoke")
        new = self.rotate(self.tid, 1000)
        self.assertEqual(self.verify(self.old), self.tid)  # here, in its grace
        code = ("import sqlite3, sys\n"
                "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                "c.enable_load_extension(True)\n"
                "c.load_extension(sys.argv[2])\n"
                "print(c.execute('SELECT pat_verify(?)', (sys.argv[3],)).fetchone()[0])\n"
                "c.close()\n")

        def verify_elsewhere(tok):
            return subprocess.run([sys.executable or "/usr/bin/python3", "-c", code, self.path,
                                   helpers.EXT, tok], check=True, capture_output=True,
                                  text=True).stdout.strip()

        self.assertEqual(verify_elsewhere(new), str(self.tid))  # the first use of the new value
        self.assertEqual(self.rows("SELECT why, seen FROM pat_retired"), [("rotated", 0)])
        self.assertEqual(verify_elsewhere(self.old), "None")  # so the grace ended: a reuse there
        self.assertIsNone(self.verify(new))  # revoked, here too
        self.assertIsNone(self.verify(self.old))
        self.assertEqual(self.rows("SELECT event, detail FROM pat_events WHERE event = 'revoke'"),
                         [("revoke", "reuse of a rotated value")])
        self.assertEqual(self.rows("SELECT why FROM pat_retired ORDER BY why DESC"),
                         [("rotated",), ("revoked",)])
        self.assertEqual(verify_elsewhere(new), "None")

    def test_bad_grace_is_an_error(self):
        for grace in (-1, 2592001, "x", 1.5):
            with self.subTest(grace=grace):
                self.assertSqlError("SELECT pat_rotate(?, NULL, ?)", (self.tid, grace),
                                    message="pat_rotate: grace must be an integer of seconds"
                                    " from 0 to 2592000")
        self.assertEqual(self.verify(self.old, "now"), self.tid)
