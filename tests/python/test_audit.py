"""The audit trail and the bookkeeping of checks (issue 3): pat_events for
each event kind and audit mode, secrets kept out of every event, column and
file, last_used_at and its interval, and checks that never fail, wait or
turn the caller's transaction into a write because of the bookkeeping."""
import hashlib
import json
import os
import sqlite3
import time

from tests.python import helpers
from tests.python.helpers import PatTestCase, TIME_RE, utc

F = 1790000000
T = F + 3600
READ_ONLY_MSG = "pat_events: the audit trail is read-only"
BOUND = 2.0          # seconds for a few checks; the busy timeout is 5


def wait_next_second(test, after_unix):
    """Sleeps until SQLite's unixepoch('now') is past after_unix."""
    deadline = time.monotonic() + 3
    while test.now() <= after_unix:
        test.assertLess(time.monotonic(), deadline, "clock did not move")
        time.sleep(0.05)


class EventsTest(PatTestCase):

    def assertAtBetween(self, at, n0, n1):
        self.assertRegex(at, TIME_RE)
        self.assertIn(at, [utc(t) for t in range(n0, n1 + 1)])

    def new_events(self, since_id):
        return [e for e in self.events() if e["id"] > since_id]

    def max_event_id(self):
        return self.one("SELECT coalesce(max(id), 0) FROM pat_events")

    def test_create_event_records_owner_name_rights_and_window(self):
        n0 = self.now()
        tok = self.create(owner=42, name="ci deploy",
                          rights="MEDIA_FETCH, DATA_*", valid_from=F,
                          valid_to=T)
        n1 = self.now()
        tid = self.verify(tok, F)
        evs = self.events()
        self.assertEqual(len(evs), 1)
        ev = evs[0]
        self.assertIsInstance(ev["id"], int)
        self.assertEqual((ev["event"], ev["token_id"], ev["token_name"],
                          ev["owner"]), ("create", tid, "ci deploy", "42"))
        self.assertAtBetween(ev["at"], n0, n1)
        self.assertEqual(json.loads(ev["detail"]), {
            "rights": ["DATA_CREATE", "DATA_DELETE", "DATA_FETCH",
                       "DATA_UPDATE", "MEDIA_FETCH"],
            "valid_from": utc(F), "valid_to": utc(T)})

    def test_update_event_detail_holds_only_changed_fields_old_and_new(self):
        tok = self.create(owner="alice", name="a", rights="DATA_FETCH",
                          valid_from=F, valid_to=T)
        tid = self.verify(tok, F)

        def update(sets, params=()):
            last = self.max_event_id()
            n0 = self.now()
            self.conn.execute("UPDATE pat_tokens SET %s WHERE id = ?" % sets,
                              tuple(params) + (tid,))
            n1 = self.now()
            evs = self.new_events(last)
            self.assertEqual(len(evs), 1, sets)
            ev = evs[0]
            self.assertEqual((ev["event"], ev["token_id"], ev["owner"]),
                             ("update", tid, "alice"))
            self.assertAtBetween(ev["at"], n0, n1)
            return ev

        ev = update("name = 'b'")
        self.assertEqual(ev["token_name"], "b")
        self.assertEqual(json.loads(ev["detail"]), {"name": ["a", "b"]})
        ev = update("rights = 'USER_FETCH, DATA_FETCH'")
        self.assertEqual(json.loads(ev["detail"]), {
            "rights": [["DATA_FETCH"], ["DATA_FETCH", "USER_FETCH"]]})
        ev = update("valid_to = ?", (T + 60,))
        self.assertEqual(json.loads(ev["detail"]),
                         {"valid_to": [utc(T), utc(T + 60)]})
        ev = update("valid_from = ?, valid_to = ?", (F + 10, T + 120))
        self.assertEqual(json.loads(ev["detail"]), {
            "valid_from": [utc(F), utc(F + 10)],
            "valid_to": [utc(T + 60), utc(T + 120)]})
        ev = update("name = 'c', rights = 'DATA_*'")
        self.assertEqual(json.loads(ev["detail"]), {
            "name": ["b", "c"],
            "rights": [["DATA_FETCH", "USER_FETCH"],
                       ["DATA_CREATE", "DATA_DELETE", "DATA_FETCH",
                        "DATA_UPDATE"]]})
        self.assertEqual(ev["token_name"], "c")

    def test_rotate_event_records_the_new_window(self):
        now = self.now()
        tok = self.create(owner="bob", name="r", valid_from=now - 100,
                          valid_to=now + 1000)
        tid = self.id_of(tok)
        last = self.max_event_id()
        self.one("SELECT pat_rotate(?)", (tid,))
        evs = self.new_events(last)
        self.assertEqual([(e["event"], e["token_id"], e["token_name"],
                           e["owner"]) for e in evs],
                         [("rotate", tid, "r", "bob")])
        self.assertEqual(json.loads(evs[0]["detail"]), {
            "valid_from": utc(now - 100), "valid_to": utc(now + 1000)})
        last = self.max_event_id()
        self.one("SELECT pat_rotate(?, ?)", (tid, now + 5000))
        row = self.token_row(tid)
        evs = self.new_events(last)
        self.assertEqual([e["event"] for e in evs], ["rotate"])
        self.assertEqual(json.loads(evs[0]["detail"]), {
            "valid_from": row["valid_from"], "valid_to": utc(now + 5000)})
        self.assertNotEqual(row["valid_from"], utc(now - 100))

    def test_delete_event_keeps_token_id_name_owner_and_rights(self):
        tok = self.create(owner="alice", name="deploy",
                          rights="DATA_FETCH, USER_FETCH")
        tid = self.id_of(tok)
        self.conn.execute("UPDATE pat_tokens SET name = 'deploy-2' "
                          "WHERE id = ?", (tid,))
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.assertEqual(self.rows("SELECT id FROM pat_tokens"), [])
        # after a reopen, "which token did what" is still answered
        self.conn.close()
        self.conn = self.connect()
        evs = self.events(tid)
        self.assertEqual([e["event"] for e in evs],
                         ["create", "update", "delete"])
        self.assertEqual([e["token_name"] for e in evs],
                         ["deploy", "deploy-2", "deploy-2"])
        self.assertEqual({e["owner"] for e in evs}, {"alice"})
        self.assertEqual(json.loads(evs[-1]["detail"]),
                         {"rights": ["DATA_FETCH", "USER_FETCH"]})

    def test_event_ids_increase_in_the_order_events_happen(self):
        self.set_setting("bookkeeping_delay", 0)  # what is written, not when
        self.set_setting("audit", "all")
        a = self.create(name="A")
        b = self.create(name="B")
        ia, ib = self.id_of(a), self.id_of(b)
        self.assertEqual(self.verify(a), ia)                       # use
        self.conn.execute("UPDATE pat_tokens SET name = 'B2' WHERE id = ?",
                          (ib,))                                   # update
        self.assertEqual(self.has_right(a, "DATA_FETCH"), 1)       # use
        a2 = self.one("SELECT pat_rotate(?)", (ia,))               # rotate
        self.assertEqual(self.has_right(a2, "USER_FETCH"), 0)      # deny
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (ib,))
        evs = [e for e in self.events() if e["token_id"] in (ia, ib)]
        self.assertEqual([(e["event"], e["token_id"]) for e in evs], [
            ("create", ia), ("create", ib), ("use", ia), ("update", ib),
            ("use", ia), ("rotate", ia), ("deny", ia), ("delete", ib)])
        ids = [e["id"] for e in self.events()]
        self.assertEqual(ids, sorted(set(ids)))
        ats = [e["at"] for e in evs]
        self.assertEqual(ats, sorted(ats))

    def test_audit_all_records_every_use_with_the_right_checked(self):
        self.set_setting("bookkeeping_delay", 0)  # what is written, not when
        self.set_setting("audit", "all")
        tok = self.create(owner="u9", name="user", rights="DATA_FETCH")
        tid = self.id_of(tok)
        for call, detail in (
                (lambda: self.verify(tok), None),
                (lambda: self.verify("Bearer " + tok), None),
                (lambda: self.has_right(tok, "DATA_FETCH"), "DATA_FETCH"),
                (lambda: self.has_right(tok, "DATA_FETCH"), "DATA_FETCH")):
            last = self.max_event_id()
            n0 = self.now()
            self.assertTrue(call())
            n1 = self.now()
            evs = self.new_events(last)
            self.assertEqual([(e["event"], e["token_id"], e["token_name"],
                               e["owner"], e["detail"]) for e in evs],
                             [("use", tid, "user", "u9", detail)])
            self.assertAtBetween(evs[0]["at"], n0, n1)

    def test_audit_all_records_deny_with_the_reason(self):
        self.set_setting("bookkeeping_delay", 0)  # what is written, not when
        self.set_setting("audit", "all")
        now = self.now()
        expired = self.create(name="e", valid_from=now - 7200,
                              valid_to=now - 3600)
        pending = self.create(name="p", valid_from=now + 3600,
                              valid_to=now + 7200)
        active = self.create(owner="vic", name="a",
                             rights="DATA_FETCH, USER_FETCH")
        ie = self.verify(expired, now - 5000)
        ip = self.verify(pending, now + 5000)
        ia = self.id_of(active)
        self.conn.execute("INSERT INTO pat_owners VALUES ('vic', 'VIEWER')")
        cases = [
            (lambda: self.verify(expired), ie, "expired"),
            (lambda: self.has_right(expired, "DATA_FETCH"), ie, "expired"),
            (lambda: self.verify(pending), ip, "not yet valid"),
            (lambda: self.has_right(pending, "DATA_FETCH"), ip,
             "not yet valid"),
            (lambda: self.has_right(active, "MEDIA_FETCH"), ia,
             "right not held: MEDIA_FETCH"),
            (lambda: self.has_right(active, "USER_FETCH"), ia,
             "right not granted by role 'VIEWER': USER_FETCH"),
        ]
        for i, (call, tid, detail) in enumerate(cases):
            with self.subTest(case=i, detail=detail):
                last = self.max_event_id()
                self.assertFalse(call())
                evs = self.new_events(last)
                self.assertEqual([(e["event"], e["token_id"], e["detail"])
                                  for e in evs], [("deny", tid, detail)])

    def test_unknown_or_malformed_tokens_write_no_event(self):
        self.set_setting("audit", "all")
        tok = self.create()
        gone = self.create(name="gone")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?",
                          (self.id_of(gone),))
        last = self.max_event_id()
        for v in (helpers.make_token(), helpers.bad_checksum(tok), "junk",
                  None, 42, gone):
            self.assertIsNone(self.verify(v))
            self.assertEqual(self.has_right(v, "DATA_FETCH"), 0)
        self.assertEqual(self.new_events(last), [])

    def test_audit_changes_records_lifecycle_but_no_use_or_deny(self):
        self.assertEqual(self.setting("audit"), "changes")
        now = self.now()
        tok = self.create(rights="DATA_FETCH")
        expired = self.create(valid_from=now - 7200, valid_to=now - 3600)
        tid = self.id_of(tok)
        self.conn.execute("UPDATE pat_tokens SET name = 'x' WHERE id = ?",
                          (tid,))
        tok = self.one("SELECT pat_rotate(?)", (tid,))
        last = self.max_event_id()
        self.assertEqual(self.verify(tok), tid)
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        self.assertEqual(self.has_right(tok, "USER_FETCH"), 0)
        self.assertIsNone(self.verify(expired))
        self.assertEqual(self.new_events(last), [])
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.assertEqual([e["event"] for e in self.events(tid)],
                         ["create", "update", "rotate", "delete"])
        self.assertFalse([e for e in self.events()
                          if e["event"] in ("use", "deny")])

    def test_audit_off_records_nothing(self):
        self.create(name="before")
        self.set_setting("audit", "off")
        last = self.max_event_id()
        now = self.now()
        tok = self.create(rights="DATA_FETCH")
        expired = self.create(valid_from=now - 7200, valid_to=now - 3600)
        tid = self.id_of(tok)
        self.conn.execute("UPDATE pat_tokens SET name = 'x', rights = "
                          "'DATA_*' WHERE id = ?", (tid,))
        tok = self.one("SELECT pat_rotate(?)", (tid,))
        self.verify(tok)
        self.has_right(tok, "USER_FETCH")
        self.verify(expired)
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.assertEqual(self.new_events(last), [])
        self.set_setting("audit", "changes")
        self.create(name="after")
        self.assertEqual([e["event"] for e in self.new_events(last)],
                         ["create"])

    def test_change_and_its_event_are_rolled_back_together(self):
        tok = self.create()
        tid = self.id_of(tok)
        before = helpers.snapshot(self.path)
        events = self.events()
        self.conn.execute("BEGIN")
        self.conn.execute("UPDATE pat_tokens SET name = 'tmp' WHERE id = ?",
                          (tid,))
        self.one("SELECT pat_rotate(?)", (tid,))
        self.create(name="other")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.assertEqual(len(self.events()), len(events) + 4)
        self.conn.execute("ROLLBACK")
        self.assertEqual(self.events(), events)
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.verify(tok), tid)

    def test_pat_events_is_read_only(self):
        self.assertRefused(
            "INSERT INTO pat_events(at, event, token_id, token_name, owner, "
            "detail) VALUES ('2026-01-01', 'create', 1, 'x', 'u', NULL)",
            message=READ_ONLY_MSG)
        self.assertNoStore()
        tok = self.create()
        self.assertEqual(len(self.events()), 1)
        for sql in ("INSERT INTO pat_events(event) VALUES ('use')",
                    "UPDATE pat_events SET detail = 'forged'",
                    "UPDATE pat_events SET event = 'use' WHERE id > 0",
                    "DELETE FROM pat_events",
                    "DELETE FROM pat_events WHERE event = 'create'"):
            with self.subTest(sql=sql):
                self.assertRefused(sql, message=READ_ONLY_MSG)
        self.assertEqual(len(self.events()), 1)
        del tok

    def test_events_visible_on_another_connection(self):
        other = self.connect()
        tok = self.create(name="seen")
        tid = self.id_of(tok)
        self.assertEqual([(e["event"], e["token_name"])
                          for e in self.events(tid, conn=other)],
                         [("create", "seen")])


class SecretsTest(PatTestCase):
    journal_mode = "wal"

    def test_no_event_column_or_file_holds_a_token_or_its_digest(self):
        self.set_setting("audit", "all")
        self.set_setting("last_used_interval", 0)
        now = self.now()
        minted = []

        def mint(**kw):
            t = self.create(**kw)
            minted.append(t)
            return t

        a = mint(owner="alice", name="a", rights="*")
        b = mint(owner=7, name="b", rights="DATA_*")
        c = mint(owner="carol", name="c", valid_from=now - 7200,
                 valid_to=now - 3600)
        d = mint(owner="dave", name="d")
        ib, idd = self.id_of(b), self.id_of(d)
        for _ in range(2):
            b = self.one("SELECT pat_rotate(?)", (ib,))
            minted.append(b)
        self.conn.execute("UPDATE pat_tokens SET name = 'b2', rights = "
                          "'DATA_FETCH' WHERE id = ?", (ib,))
        for t in (a, b, "Bearer " + b, c, d):
            self.verify(t)
            self.has_right(t, "DATA_FETCH")
            self.has_right(t, "USER_DELETE")
        self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'VIEWER')")
        self.has_right(a, "USER_FETCH")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (idd,))
        self.assertGreaterEqual(len(self.events()), 20)

        texts, blobs = [], []
        for t in minted:
            dg = hashlib.blake2b(t.encode(), digest_size=32).digest()
            texts += [t, t[4:], t[4:36], dg.hex(), dg.hex().upper()]
            blobs += [t.encode(), dg]

        def check_value(where, v):
            if isinstance(v, str):
                for n in texts:
                    self.assertNotIn(n, v, "%s holds a secret" % where)
            elif isinstance(v, bytes):
                for n in blobs + [x.encode() for x in texts]:
                    self.assertNotIn(n, v, "%s holds a secret" % where)

        # every public table, every column, through pat
        for table in helpers.PUBLIC_TABLES:
            for row in self.rows("SELECT * FROM %s" % table):
                for v in row:
                    check_value(table, v)

        # error messages of calls that were given a token
        for sql, params in (("SELECT pat_has_right(?, 'NOPE')", (a,)),
                            ("SELECT pat_verify(?, 'garbage')", (a,)),
                            ("SELECT pat_has_right(?, NULL)", (a,))):
            msg = self.assertSqlError(sql, params)
            check_value("error message", msg)

        # the files: no token in any form, no digest as text
        file_needles = [n.encode() for n in texts] + [
            t.encode("utf-16-le") for t in minted]

        def check_files(label):
            for suffix in ("", "-wal", "-journal", "-shm"):
                data = helpers.file_bytes(self.path + suffix)
                if not data:
                    continue
                for n in file_needles:
                    self.assertNotIn(n, data, "%s%s holds %r"
                                     % (label, suffix, n[:12]))
        check_files("open:")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()
        check_files("closed:")
        self.assertGreater(os.path.getsize(self.path), 0)


class LastUsedTest(PatTestCase):
    bookkeeping_delay = 0  # what is written, not when

    def last_used(self, tid):
        return self.token_row(tid)["last_used_at"]

    def test_successful_verify_sets_last_used_at_to_now(self):
        tok = self.create()
        tid = self.id_of(tok)
        self.assertIsNone(self.last_used(tid))
        n0 = self.now()
        self.assertEqual(self.verify(tok), tid)
        n1 = self.now()
        lu = self.last_used(tid)
        self.assertRegex(lu, TIME_RE)
        self.assertIn(lu, [utc(t) for t in range(n0, n1 + 1)])

    def test_successful_has_right_sets_last_used_at(self):
        tok = self.create()
        tid = self.id_of(tok)
        n0 = self.now()
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        n1 = self.now()
        self.assertIn(self.last_used(tid), [utc(t) for t in range(n0, n1 + 1)])

    def test_refused_checks_of_expired_or_pending_tokens_set_no_last_used_at(self):
        self.set_setting("last_used_interval", 0)
        now = self.now()
        e = self.create(valid_from=now - 7200, valid_to=now - 3600)
        p = self.create(valid_from=now + 3600, valid_to=now + 7200)
        for tok, at in ((e, now - 5000), (p, now + 5000)):
            tid = self.verify(tok, at)
            self.assertIsNone(self.verify(tok))
            self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)
            self.assertIsNone(self.last_used(tid))

    def test_checks_with_explicit_at_write_nothing(self):
        self.set_setting("audit", "all")
        self.set_setting("last_used_interval", 0)
        tok = self.create(rights="DATA_FETCH")
        expired = self.create(valid_from=F, valid_to=T)
        # After the creates: a slow run (valgrind) may cross a second between
        # them, and a token is not valid before the second it was made.
        now = self.now()
        tid = self.id_of(tok)
        observer = self.connect(load=False)
        dv = self.one("PRAGMA data_version", conn=observer)
        before = helpers.snapshot(self.path)
        self.assertEqual(self.verify(tok, now), tid)
        self.assertEqual(self.verify(tok, "now"), tid)
        self.assertEqual(self.has_right(tok, "DATA_FETCH", now), 1)
        self.assertEqual(self.has_right(tok, "USER_FETCH", now), 0)
        self.assertIsNone(self.verify(expired, now))
        self.assertIsNotNone(self.verify(expired, F))
        self.assertEqual(self.has_right(expired, "DATA_FETCH", F + 1), 1)
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.one("PRAGMA data_version", conn=observer), dv)
        self.assertIsNone(self.last_used(tid))
        self.assertFalse([e for e in self.events()
                          if e["event"] in ("use", "deny")])

    def test_interval_zero_writes_last_used_at_on_every_check(self):
        self.set_setting("last_used_interval", 0)
        tok = self.create()
        tid = self.id_of(tok)
        self.verify(tok)
        first = self.last_used(tid)
        self.assertIsNotNone(first)
        wait_next_second(self, self.unix(first))
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        second = self.last_used(tid)
        self.assertGreater(second, first)
        wait_next_second(self, self.unix(second))
        self.verify(tok)
        self.assertGreater(self.last_used(tid), second)

    def test_large_interval_writes_last_used_at_once_per_interval_per_token(self):
        self.set_setting("last_used_interval", 3600)
        tok = self.create()
        other = self.create(name="other")
        tid, oid = self.id_of(tok), self.id_of(other)
        self.verify(tok)
        first = self.last_used(tid)
        self.assertIsNotNone(first)
        wait_next_second(self, self.unix(first))
        observer = self.connect(load=False)
        dv = self.one("PRAGMA data_version", conn=observer)
        for _ in range(3):
            self.assertEqual(self.verify(tok), tid)
            self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        self.assertEqual(self.last_used(tid), first)
        self.assertEqual(self.one("PRAGMA data_version", conn=observer), dv,
                         "a check inside the interval wrote to the file")
        # the interval is per token: another token's first use is written
        self.assertIsNone(self.last_used(oid))
        self.verify(other)
        self.assertIsNotNone(self.last_used(oid))
        # and a shorter interval lets the next check write again
        self.set_setting("last_used_interval", 0)
        self.verify(tok)
        self.assertGreater(self.last_used(tid), first)


class BookkeepingNeverWaitsTest(PatTestCase):
    """last_used_at and use/deny events are best-effort: a check answers at
    once even when they can not be written."""
    bookkeeping_delay = 0  # what is written, not when

    def db(self, mode):
        path = os.path.join(self.tmpdir, "%s.db" % mode)
        c = helpers.raw_connect(path)
        self.assertEqual(c.execute("PRAGMA journal_mode=%s" % mode).fetchone()
                         [0].lower(), mode)
        c.execute("CREATE TABLE app(x)")
        c.close()
        return path

    def prepare(self, path):
        """A token never used yet, audit all, interval 0, on path."""
        w = self.connect(path=path)
        self.set_setting("bookkeeping_delay", 0, conn=w)
        self.set_setting("audit", "all", conn=w)
        self.set_setting("last_used_interval", 0, conn=w)
        tok = self.create(rights="DATA_FETCH", conn=w)
        tid = self.one("SELECT pat_verify(?, unixepoch('now'))", (tok,), w)
        self.assertIsInstance(tid, int)
        return w, tok, tid

    def checks(self, conn, tok, tid):
        """Runs the checks; returns the seconds they took."""
        def run():
            self.assertEqual(self.verify(tok, conn=conn), tid)
            self.assertEqual(self.verify("Bearer " + tok, conn=conn), tid)
            self.assertEqual(self.has_right(tok, "DATA_FETCH", conn=conn), 1)
            self.assertEqual(self.has_right(tok, "USER_FETCH", conn=conn), 0)
        _, dt = helpers.elapsed(run)
        return dt

    def last_used(self, conn, tid):
        return self.one("SELECT last_used_at FROM pat_tokens WHERE id = ?",
                        (tid,), conn)

    def test_read_only_connection_answers_checks_correctly_at_once(self):
        self.check_read_only("delete")

    def test_read_only_connection_on_wal_answers_checks_correctly_at_once(self):
        self.check_read_only("wal")

    def check_read_only(self, mode):
        path = self.db(mode)
        w, tok, tid = self.prepare(path)
        before = helpers.snapshot(path)
        ro = sqlite3.connect("file:%s?mode=ro" % path, uri=True,
                             isolation_level=None, timeout=5)
        self._conns.append(ro)
        ro.enable_load_extension(True)
        ro.load_extension(helpers.EXT)
        dt = self.checks(ro, tok, tid)
        self.assertLess(dt, BOUND)
        self.assertFalse(ro.in_transaction)
        self.assertEqual(helpers.snapshot(path), before)
        # a later check on a writable connection does the bookkeeping
        self.assertIsNone(self.last_used(w, tid))
        self.assertEqual(self.verify(tok, conn=w), tid)
        self.assertIsNotNone(self.last_used(w, tid))

    def check_under_write_lock(self, mode):
        path = self.db(mode)
        w, tok, tid = self.prepare(path)
        events_before = len(self.events(conn=w))
        checker = self.connect(path=path, timeout=5)
        holder = self.connect(path=path, load=False, timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO app VALUES (1)")
        try:
            # control: the write lock is really held
            probe = self.connect(path=path, load=False, timeout=0.1)
            with self.assertRaises(sqlite3.OperationalError):
                probe.execute("INSERT INTO app VALUES (9)")
            dt = self.checks(checker, tok, tid)
            self.assertFalse(checker.in_transaction)
        finally:
            holder.execute("ROLLBACK")
        self.assertLess(dt, BOUND, "checks sat out the busy timeout")
        # once the lock is released, a later check writes last_used_at
        self.assertIsNone(self.last_used(w, tid))
        self.assertEqual(self.verify(tok, conn=checker), tid)
        self.assertIsNotNone(self.last_used(w, tid))
        self.assertIn("use", [e["event"] for e in
                              self.events(conn=w)[events_before:]])

    def test_checks_answer_at_once_while_another_connection_holds_write_lock_wal(self):
        self.check_under_write_lock("wal")

    def test_checks_answer_at_once_while_another_connection_holds_write_lock_rollback_journal(self):
        self.check_under_write_lock("delete")

    def test_check_inside_callers_read_transaction_does_not_make_it_a_write(self):
        path = self.db("wal")
        w, tok, tid = self.prepare(path)
        a = self.connect(path=path, timeout=5)
        a.execute("BEGIN")
        self.checks(a, tok, tid)
        self.assertTrue(a.in_transaction)
        other = self.connect(path=path, load=False, timeout=0.1)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO app VALUES (2)")
        other.execute("COMMIT")
        a.execute("COMMIT")
        self.assertIsNone(self.last_used(w, tid))
        self.assertFalse([e for e in self.events(conn=w)
                          if e["event"] in ("use", "deny")])

    def test_check_inside_callers_write_transaction_writes_no_bookkeeping(self):
        path = self.db("wal")
        w, tok, tid = self.prepare(path)
        w.execute("BEGIN IMMEDIATE")
        w.execute("INSERT INTO app VALUES (3)")
        self.checks(w, tok, tid)
        w.execute("ROLLBACK")
        # nothing went into the caller's transaction: its rollback took
        # nothing of pat's, and nothing was written yet
        raw = helpers.raw_connect(path)
        try:
            self.assertEqual(raw.execute("SELECT count(*) FROM pat_store_uses").fetchone()[0], 0)
            self.assertEqual(raw.execute("SELECT count(*) FROM pat_store_events"
                                         " WHERE event IN ('use', 'deny')").fetchone()[0], 0)
        finally:
            raw.close()
        self.assertEqual(self.one("SELECT count(*) FROM app", conn=w), 0)
        # held, and written in pat's own transaction once the caller's ended
        # (here before w's read of pat_tokens): every use counts (max_idle)
        self.assertIsNotNone(self.last_used(w, tid))
        self.assertTrue([e for e in self.events(conn=w) if e["event"] == "use"])

    def test_check_inside_callers_insert_select_answers_at_once(self):
        for mode in ("delete", "wal"):
            with self.subTest(mode=mode):
                path = self.db(mode)
                w, tok, tid = self.prepare(path)
                w.execute("DELETE FROM app")
                (_, dt) = helpers.elapsed(lambda: w.execute(
                    "INSERT INTO app SELECT pat_verify(?) UNION ALL "
                    "SELECT pat_has_right(?, 'DATA_FETCH')", (tok, tok)))
                self.assertLess(dt, BOUND)
                self.assertEqual(sorted(self.rows("SELECT x FROM app",
                                                  conn=w)), [(1,), (tid,)])

    def test_check_in_select_over_an_application_table_answers_at_once(self):
        for mode in ("delete", "wal"):
            with self.subTest(mode=mode):
                path = self.db(mode)
                w, tok, tid = self.prepare(path)
                w.execute("INSERT INTO app VALUES (1), (2), (3)")
                (rows, dt) = helpers.elapsed(lambda: self.rows(
                    "SELECT pat_verify(?), pat_has_right(?, 'DATA_FETCH') "
                    "FROM app", (tok, tok), conn=w))
                self.assertLess(dt, BOUND)
                self.assertEqual(rows, [(tid, 1)] * 3)
                # the skipped bookkeeping is done by a later plain check
                self.assertEqual(self.verify(tok, conn=w), tid)
                self.assertIsNotNone(self.last_used(w, tid))
