"""Upgrading a store of schema version 1 (tests/fixtures/schema_v1.sql) to
the current version (sql/schema.sql, helpers.SCHEMA_VERSION).

Each test builds a v1 store WITHOUT pat, as v1 pat would have written it:
the v1 DDL with its triggers, tokens inserted with v1's id rule (past every
token and id_floor), so their create, update, rotate and delete events come
from v1's own triggers, with ids from the events' own sequence. Token ids and
event ids therefore differ. Then pat opens the store and must upgrade it at
once, in a write of its own, keeping every token and event as it was.
"""
import ctypes
import hashlib
import json
import os
import sqlite3
import threading
import time

from tests.python import helpers
from tests.python.helpers import PatTestCase, utc

V1_SQL = os.path.join(helpers.ROOT, "tests", "fixtures", "schema_v1.sql")
UPGRADE_MSG = ("can not upgrade the store from schema version 1 to %d"
               % helpers.SCHEMA_VERSION)
DAY = 86400

# v1 pat's INSERT (its PAT_STMT_INSERT_TOKEN): ids past every token and
# every deleted token; the v1 trigger writes the create event.
V1_INSERT = (
    "INSERT INTO pat_store_tokens(digest, id, owner, name, valid_from,"
    " valid_to, rights, created_at, last_used_at) VALUES (?1, max("
    " coalesce((SELECT max(id) FROM pat_store_tokens), 0),"
    " coalesce((SELECT value FROM pat_store_meta WHERE key = 'id_floor'),"
    " 0)) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")


def digest(token):
    return hashlib.blake2b(token.encode(), digest_size=32).digest()


class V1Store:
    """A v1 store being built through a raw connection (no pat)."""

    def __init__(self, path):
        self.path = path
        self.now = int(time.time())
        self.tokens = {}     # label -> dict of what v1 stored (+ "token")
        self.deleted = {}    # label -> token text of deleted tokens
        self.raw = helpers.raw_connect(path)
        with open(V1_SQL, encoding="utf-8") as f:
            self.raw.executescript("BEGIN;\n" + f.read() + "\nCOMMIT;")
        # v1 pat made the store with no key: a NULL fingerprint row.
        self.raw.execute("INSERT OR IGNORE INTO pat_store_meta(key, value)"
                         " VALUES ('key_fingerprint', NULL)")
        self.raw.execute("BEGIN")

    def audit(self, mode):
        self.raw.execute("UPDATE pat_store_settings SET value = ?"
                         " WHERE key = 'audit'", (mode,))

    def make(self, label, owner, name, rights, age_days=10, life_days=30,
             last_used=None):
        token = helpers.make_token()
        vf = self.now - age_days * DAY
        vt = vf + life_days * DAY
        rights_text = json.dumps(sorted(rights), separators=(",", ":"))
        self.raw.execute(V1_INSERT, (digest(token), owner, name, vf, vt,
                                     rights_text, vf, last_used))
        tid = self.raw.execute("SELECT id FROM pat_store_tokens WHERE digest = ?",
                               (digest(token),)).fetchone()[0]
        self.tokens[label] = dict(token=token, id=tid, owner=owner, name=name,
                                  valid_from=vf, valid_to=vt,
                                  rights=rights_text, created_at=vf,
                                  last_used_at=last_used)
        return tid

    def update(self, label, **sets):
        t = self.tokens[label]
        if "rights" in sets:
            sets["rights"] = json.dumps(sorted(sets["rights"]),
                                        separators=(",", ":"))
        cols = ", ".join("%s = ?" % k for k in sets)
        self.raw.execute("UPDATE pat_store_tokens SET %s WHERE id = ?" % cols,
                         tuple(sets.values()) + (t["id"],))
        t.update(sets)

    def rotate(self, label):
        """v1 pat_rotate: a new value and a new window, same id."""
        t = self.tokens[label]
        token = helpers.make_token()
        vf = self.now - DAY
        vt = vf + 40 * DAY
        self.raw.execute("UPDATE pat_store_tokens SET digest = ?, valid_from = ?,"
                         " valid_to = ? WHERE id = ?",
                         (digest(token), vf, vt, t["id"]))
        self.deleted[label + " (before rotation)"] = t["token"]
        t.update(token=token, valid_from=vf, valid_to=vt)

    def use(self, label, right):
        """A 'use' event as v1's bookkeeping wrote it under audit = all."""
        t = self.tokens[label]
        self.raw.execute(
            "INSERT INTO pat_store_events(at, event, token_id, token_name, owner,"
            " detail) SELECT ?, 'use', id, name, owner, ? FROM pat_store_tokens"
            " WHERE id = ?", (self.now - 60, right, t["id"]))

    def delete(self, label):
        t = self.tokens.pop(label)
        self.raw.execute("DELETE FROM pat_store_tokens WHERE id = ?", (t["id"],))
        self.deleted[label] = t["token"]

    def finish(self):
        self.raw.execute("COMMIT")
        r = self.raw
        self.events = r.execute(
            "SELECT id, at, event, token_id, token_name, owner, detail"
            " FROM pat_store_events ORDER BY id").fetchall()
        self.id_floor = r.execute("SELECT value FROM pat_store_meta"
                                  " WHERE key = 'id_floor'").fetchone()[0]
        self.token_rows = r.execute(
            "SELECT id, digest, owner, name, valid_from, valid_to, rights,"
            " created_at, last_used_at FROM pat_store_tokens ORDER BY id").fetchall()
        self.meta = dict(r.execute("SELECT key, value FROM pat_store_meta"))
        r.close()
        self.raw = None
        self.snapshot = helpers.snapshot(self.path)
        return self

    # -- what pat must show after the upgrade
    def max_old_id(self):
        return max([self.id_floor] + [e[0] for e in self.events]
                   + [r[0] for r in self.token_rows])

    def expected_tokens(self):
        rows = []
        for t in sorted(self.tokens.values(), key=lambda t: t["id"]):
            rows.append({
                "id": t["id"], "owner": t["owner"], "name": t["name"],
                "valid_from": utc(t["valid_from"]),
                "valid_to": utc(t["valid_to"]), "rights": t["rights"],
                "status": "active", "created_at": utc(t["created_at"]),
                "last_used_at": (utc(t["last_used_at"])
                                 if t["last_used_at"] is not None else None),
                "description": None, "allowed_ips": None, "last_used_ips": "[]"})
        return rows

    def expected_events(self):
        return [{"id": i, "at": utc(at), "event": ev, "token_id": tid,
                 "token_name": tname, "owner": owner, "detail": detail}
                for i, at, ev, tid, tname, owner, detail in self.events]


def build_v1(path):
    """The main v1 store: token ids, event ids and id_floor all differ."""
    s = V1Store(path)
    s.make("alice", "alice", "ci deploy", ["DATA_FETCH", "USER_FETCH"])  # t1 e1
    s.make("bob", "bob", "backup", ["DATA_FETCH"], age_days=20)          # t2 e2
    s.make("carol", "carol", "temp", ["MEDIA_FETCH"])                    # t3 e3
    s.update("alice", name="ci deploy (old)",                            # e4
             rights=["DATA_FETCH", "DATA_UPDATE", "USER_FETCH"])
    s.delete("carol")                                   # id_floor 3, e5
    s.audit("off")
    s.make("dave", "dave", "quiet", ["PROJECT_FETCH"])  # t4, no create event
    s.audit("changes")
    s.make("erin", "erin", "reports", ["DATA_FETCH", "PROJECT_FETCH"],   # t5 e6
           last_used=s.now - 3600)
    s.rotate("bob")                                                      # e7
    s.audit("all")
    s.use("erin", "DATA_FETCH")                                          # e8
    s.audit("changes")
    s.make("frank", "frank", "gone soon", ["USER_FETCH"])                # t6 e9
    s.delete("frank")                                   # id_floor 6, e10
    return s.finish()


class UpgradeTestCase(PatTestCase):

    def setUp(self):
        super().setUp()
        # self.conn has pat loaded but made no call yet: it has not looked
        # at the file, which is built now.
        self.v1 = build_v1(self.path)

    def meta(self, key, path=None):
        raw = helpers.raw_connect(path or self.path)
        try:
            row = raw.execute("SELECT value FROM pat_store_meta WHERE key = ?",
                              (key,)).fetchone()
            return row[0] if row else None
        finally:
            raw.close()

    def raw_rows(self, sql, params=(), path=None):
        raw = helpers.raw_connect(path or self.path)
        try:
            return raw.execute(sql, params).fetchall()
        finally:
            raw.close()

    def upgrade(self, conn=None):
        """The first call, as a bare pat_verify with an explicit `at` (no
        bookkeeping): the upgrade runs in a write of its own."""
        alice = self.v1.tokens["alice"]
        self.assertEqual(self.verify(alice["token"], self.v1.now, conn=conn),
                         alice["id"])
        self.assertUpgraded(conn=conn or self.conn)

    def tokens_table(self, conn=None):
        cur = (conn or self.conn).execute("SELECT * FROM pat_tokens ORDER BY id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def assertUpgraded(self, conn=None, path=None):
        path = path or self.path
        self.assertEqual(self.meta("schema_version", path), helpers.SCHEMA_VERSION)
        cols = [r[1] for r in self.raw_rows(
            "SELECT * FROM pragma_table_info('pat_store_tokens')", path=path)]
        self.assertIn("create_event", cols)
        self.assertEqual(self.raw_rows(
            "SELECT type, tbl_name FROM sqlite_schema"
            " WHERE name = 'pat_store_tokens_lookup'", path=path),
            [("index", "pat_store_tokens")])
        self.assertEqual(self.raw_rows(
            "SELECT name FROM sqlite_schema WHERE name LIKE 'pat_upgrade%'",
            path=path), [])
        if conn is not None:
            self.assertEqual(self.rows(
                "SELECT name FROM temp.sqlite_schema"
                " WHERE name LIKE 'pat_upgrade%'", conn=conn), [])
            self.assertEqual(self.rows(
                "SELECT name FROM pragma_table_list"
                " WHERE name = 'pat_upgrade_tokens'", conn=conn), [])


class UpgradeTest(UpgradeTestCase):

    def test_the_v1_store_is_what_the_tests_mean_it_to_be(self):
        v1 = self.v1
        ids = {k: t["id"] for k, t in v1.tokens.items()}
        self.assertEqual(ids, {"alice": 1, "bob": 2, "dave": 4, "erin": 5})
        self.assertEqual(v1.id_floor, 6)
        self.assertEqual([(e[0], e[2], e[3]) for e in v1.events], [
            (1, "create", 1), (2, "create", 2), (3, "create", 3),
            (4, "update", 1), (5, "delete", 3), (6, "create", 5),
            (7, "rotate", 2), (8, "use", 5), (9, "create", 6),
            (10, "delete", 6)])
        self.assertEqual(v1.meta["schema_version"], 1)
        cols = [r[1] for r in self.raw_rows(
            "SELECT * FROM pragma_table_info('pat_store_tokens')")]
        self.assertNotIn("create_event", cols)

    def test_first_call_of_any_kind_upgrades_in_a_write_of_its_own(self):
        firsts = [
            ("pat_verify", "SELECT pat_verify(?)", True),
            ("pat_verify at", "SELECT pat_verify(?, unixepoch('now'))", True),
            ("pat_has_right", "SELECT pat_has_right(?, 'DATA_FETCH')", True),
            ("pat_tokens", "SELECT count(*) FROM pat_tokens", False),
            ("pat_events", "SELECT count(*) FROM pat_events", False),
            ("pat_settings", "SELECT count(*) FROM pat_settings", False),
            ("pat_create", "SELECT pat_create('zoe', 'z', 'DATA_FETCH')", False),
            ("pat_rotate", "SELECT pat_rotate(2)", False),
            ("UPDATE pat_tokens",
             "UPDATE pat_tokens SET name = 'renamed' WHERE id = 1", False),
            ("DELETE FROM pat_tokens", "DELETE FROM pat_tokens WHERE id = 4", False),
            ("UPDATE pat_settings",
             "UPDATE pat_settings SET value = 'all' WHERE key = 'audit'", False),
            ("pat_verify over an application table",
             "SELECT pat_verify(t, unixepoch('now')) FROM app", False),
        ]
        for i, (label, sql, takes_token) in enumerate(firsts):
            with self.subTest(first=label):
                path = os.path.join(self.tmpdir, "first%d.db" % i)
                v1 = build_v1(path)
                raw = helpers.raw_connect(path)
                raw.execute("CREATE TABLE app(t)")
                raw.execute("INSERT INTO app VALUES (?)",
                            (v1.tokens["alice"]["token"],))
                raw.close()
                conn = self.connect(path=path)
                params = (v1.tokens["alice"]["token"],) if takes_token else ()
                conn.execute(sql, params).fetchall()
                # committed at once: another connection sees the new version
                self.assertFalse(conn.in_transaction)
                self.assertUpgraded(conn=conn, path=path)

    def test_upgraded_schema_is_the_schema_of_a_fresh_store(self):
        self.upgrade()
        fresh = os.path.join(self.tmpdir, "fresh.db")
        c = self.connect(path=fresh)
        self.one("SELECT pat_create('x', 'x', 'DATA_FETCH')", conn=c)
        self.assertEqual(helpers.schema_rows(self.path),
                         helpers.schema_rows(fresh))
        # v1's create trigger went with the old table
        self.assertEqual(self.raw_rows(
            "SELECT name FROM sqlite_schema"
            " WHERE name = 'pat_store_tokens_created'"), [])

    def test_old_rows_are_copied_as_they_were_with_create_event_null(self):
        self.upgrade()
        rows = self.raw_rows(
            "SELECT id, digest, owner, name, valid_from, valid_to, rights,"
            " created_at, last_used_at FROM pat_store_tokens ORDER BY id")
        self.assertEqual(rows, self.v1.token_rows)
        self.assertEqual(self.raw_rows(
            "SELECT id, create_event FROM pat_store_tokens ORDER BY id"),
            [(r[0], None) for r in self.v1.token_rows])
        self.assertEqual(self.raw_rows(
            "SELECT id, at, event, token_id, token_name, owner, detail"
            " FROM pat_store_events ORDER BY id"), self.v1.events)
        self.assertEqual(self.meta("id_floor"), self.v1.id_floor)

    def test_old_tokens_show_and_verify_as_before(self):
        v1 = self.v1
        self.upgrade()
        # pat_tokens before any check without `at` (it may move last_used_at)
        self.assertEqual(self.tokens_table(), v1.expected_tokens())
        for label, t in v1.tokens.items():
            with self.subTest(token=label):
                self.assertEqual(self.verify(t["token"], v1.now), t["id"])
                self.assertEqual(self.verify(t["token"]), t["id"])
                for right in helpers.ALL_RIGHTS:
                    want = 1 if right in json.loads(t["rights"]) else 0
                    self.assertEqual(self.has_right(t["token"], right, v1.now),
                                     want, right)
                    self.assertEqual(self.has_right(t["token"], right), want,
                                     right)
        for label, tok in v1.deleted.items():
            with self.subTest(gone=label):
                self.assertIsNone(self.verify(tok))
                self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)

    def test_old_events_are_exactly_the_old_ones(self):
        v1 = self.v1
        self.upgrade()
        self.assertEqual(self.events(), v1.expected_events())
        # no create event appears for a token that had none (dave), and no
        # token gets a second one
        creates = [e["token_id"] for e in self.events()
                   if e["event"] == "create"]
        self.assertEqual(creates, [1, 2, 3, 5, 6])
        self.assertEqual(self.events(token_id=v1.tokens["dave"]["id"]), [])
        # the seek paths of pat_events agree with the scan
        for e in v1.expected_events():
            self.assertEqual(self.rows("SELECT id, event, token_id FROM pat_events"
                                       " WHERE id = ?", (e["id"],)),
                             [(e["id"], e["event"], e["token_id"])])
        self.assertEqual(
            self.rows("SELECT id FROM pat_events WHERE id > 3 AND id <= 7"
                      " ORDER BY id"), [(4,), (5,), (6,), (7,)])
        erin = v1.tokens["erin"]["id"]
        self.assertEqual([e["id"] for e in self.events(token_id=erin)], [6, 8])

    def test_new_token_gets_an_id_past_every_old_id_and_a_virtual_create_event(self):
        v1 = self.v1
        n0 = self.now()
        tok = self.create(owner="gina", name="new", rights="DATA_FETCH",
                          valid_from=v1.now, valid_to=v1.now + 7 * DAY)
        tid = self.id_of(tok)
        self.assertUpgraded(conn=self.conn)
        self.assertGreater(tid, max(r[0] for r in v1.token_rows))
        self.assertGreater(tid, max(e[0] for e in v1.events))
        self.assertGreater(tid, v1.id_floor)
        self.assertEqual(tid, v1.max_old_id() + 1)
        window = {"valid_from": utc(v1.now), "valid_to": utc(v1.now + 7 * DAY)}
        evs = self.events(token_id=tid)
        self.assertEqual(len(evs), 1)
        ev = evs[0]
        self.assertEqual((ev["id"], ev["event"], ev["token_id"], ev["token_name"],
                          ev["owner"]), (tid, "create", tid, "new", "gina"))
        self.assertIn(ev["at"], [utc(t) for t in range(n0, self.now() + 1)])
        self.assertEqual(json.loads(ev["detail"]),
                         dict(rights=["DATA_FETCH"], **window))
        # the old events are still all there, below it
        self.assertEqual(self.events()[:-1], v1.expected_events())
        # the create event is the row itself until the token changes
        self.assertEqual(self.raw_rows(
            "SELECT create_event FROM pat_store_tokens WHERE id = ?", (tid,)),
            [(1,)])
        self.assertEqual(self.raw_rows(
            "SELECT count(*) FROM pat_store_events WHERE token_id = ?", (tid,)),
            [(0,)])

        self.conn.execute("UPDATE pat_tokens SET rights = 'DATA_FETCH, MEDIA_FETCH'"
                          " WHERE id = ?", (tid,))
        evs = self.events(token_id=tid)
        self.assertEqual([(e["event"], e["token_id"]) for e in evs],
                         [("create", tid), ("update", tid)])
        self.assertEqual(evs[0], ev)   # the create event, as it was
        self.assertGreater(evs[1]["id"], tid)
        self.assertEqual(json.loads(evs[1]["detail"]), {
            "rights": [["DATA_FETCH"], ["DATA_FETCH", "MEDIA_FETCH"]]})
        self.assertEqual(self.raw_rows(
            "SELECT create_event FROM pat_store_tokens WHERE id = ?", (tid,)),
            [(None,)])
        self.assertEqual(self.raw_rows(
            "SELECT id, event FROM pat_store_events WHERE token_id = ?"
            " ORDER BY id", (tid,)),
            [(tid, "create"), (evs[1]["id"], "update")])
        self.assertEqual(self.has_right(tok, "MEDIA_FETCH"), 1)

        # a second new token: past the first one and its update event
        tid2 = self.id_of(self.create(owner="gina", name="second"))
        self.assertEqual(tid2, evs[1]["id"] + 1)

    def test_old_token_update_writes_an_update_event_and_no_create_event(self):
        v1 = self.v1
        alice = v1.tokens["alice"]
        self.upgrade()
        before = self.events()
        self.conn.execute("UPDATE pat_tokens SET name = 'renamed', rights = 'DATA_FETCH'"
                          " WHERE id = ?", (alice["id"],))
        after = self.events()
        self.assertEqual(after[:len(before)], before)
        new = after[len(before):]
        self.assertEqual(len(new), 1, new)
        self.assertEqual((new[0]["event"], new[0]["token_id"],
                          new[0]["token_name"], new[0]["owner"]),
                         ("update", alice["id"], "renamed", "alice"))
        self.assertEqual(new[0]["id"], v1.max_old_id() + 1)
        self.assertEqual(json.loads(new[0]["detail"]), {
            "name": ["ci deploy (old)", "renamed"],
            "rights": [["DATA_FETCH", "DATA_UPDATE", "USER_FETCH"],
                       ["DATA_FETCH"]]})
        self.assertEqual([e["event"] for e in self.events(token_id=alice["id"])],
                         ["create", "update", "update"])
        self.assertEqual(self.has_right(alice["token"], "USER_FETCH"), 0)
        self.assertEqual(self.verify(alice["token"]), alice["id"])

    def test_old_token_rotate_writes_a_rotate_event_and_no_create_event(self):
        v1 = self.v1
        dave = v1.tokens["dave"]    # made while audit was off: no create event
        new = self.one("SELECT pat_rotate(?)", (dave["id"],))
        self.assertIsNone(self.verify(dave["token"]))
        self.assertEqual(self.verify(new), dave["id"])
        evs = self.events(token_id=dave["id"])
        self.assertEqual([(e["id"], e["event"]) for e in evs],
                         [(v1.max_old_id() + 1, "rotate")])

    def test_old_token_delete_writes_a_delete_event_and_no_create_event(self):
        v1 = self.v1
        self.upgrade()
        for n, label in enumerate(("erin", "dave")):
            with self.subTest(token=label):
                t = v1.tokens[label]
                before = self.events()
                self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (t["id"],))
                after = self.events()
                self.assertEqual(after[:len(before)], before)
                new = after[len(before):]
                self.assertEqual(len(new), 1, new)
                self.assertEqual((new[0]["id"], new[0]["event"], new[0]["token_id"],
                                  new[0]["token_name"], new[0]["owner"]),
                                 (v1.max_old_id() + 1 + n, "delete", t["id"],
                                  t["name"], t["owner"]))
                self.assertEqual(json.loads(new[0]["detail"]),
                                 {"rights": json.loads(t["rights"])})
                self.assertIsNone(self.verify(t["token"]))
        self.assertEqual([e["event"] for e in self.events(v1.tokens["erin"]["id"])],
                         ["create", "use", "delete"])
        self.assertEqual([e["event"] for e in self.events(v1.tokens["dave"]["id"])],
                         ["delete"])
        # id_floor was already past both
        self.assertEqual(self.meta("id_floor"), v1.id_floor)
        self.assertEqual(self.raw_rows(
            "SELECT count(*) FROM pat_store_events WHERE event = 'create'"), [(5,)])

    def test_upgrade_happens_once(self):
        v1 = self.v1
        self.upgrade()
        # a token made after the upgrade keeps its create event in its row:
        # a second upgrade would clear it
        tok = self.create(owner="hank", name="after", valid_from=v1.now - DAY,
                          valid_to=v1.now + DAY)
        tid = self.id_of(tok)
        tokens = self.tokens_table()
        events = self.events()
        self.conn.close()
        before = helpers.snapshot(self.path)
        raw_before = helpers.file_bytes(self.path)
        for round_ in range(2):
            with self.subTest(reopen=round_):
                c = self.connect()
                # reads only (checks with an explicit `at`: no bookkeeping);
                # the first call a table query, which could not upgrade
                self.assertEqual(self.tokens_table(conn=c), tokens)
                self.assertEqual(self.events(conn=c), events)
                self.assertEqual(self.verify(tok, v1.now, conn=c), tid)
                for t in v1.tokens.values():
                    self.assertEqual(self.verify(t["token"], v1.now, conn=c), t["id"])
                self.assertEqual(self.rows("SELECT count(*) FROM pat_settings",
                                           conn=c), [(len(helpers.SETTINGS),)])
                c.close()
                self.assertEqual(helpers.snapshot(self.path), before)
                self.assertEqual(helpers.file_bytes(self.path), raw_before,
                                 "reopening wrote to the file")
        self.assertEqual(self.raw_rows(
            "SELECT create_event FROM pat_store_tokens WHERE id = ?", (tid,)),
            [(1,)])
        # and writes after a reopen go on from where they were
        c = self.connect()
        tok2 = self.create(owner="hank", name="later", conn=c)
        self.assertEqual(self.verify(tok2, conn=c), tid + 1)

    def test_read_only_connection_can_not_upgrade_and_leaves_v1(self):
        v1 = self.v1
        alice = v1.tokens["alice"]
        raw_before = helpers.file_bytes(self.path)
        ro = helpers.connect("file:%s?mode=ro" % self.path, uri=True)
        self._conns.append(ro)
        calls = [
            ("SELECT pat_verify(?)", (alice["token"],)),
            ("SELECT pat_verify(?, ?)", (alice["token"], v1.now)),
            ("SELECT pat_has_right(?, 'DATA_FETCH')", (alice["token"],)),
            ("SELECT * FROM pat_tokens", ()),
            ("SELECT * FROM pat_events", ()),
            ("SELECT pat_create('x', 'y', 'DATA_FETCH')", ()),
            # again: a failed upgrade is not remembered as done
            ("SELECT pat_verify(?)", (alice["token"],)),
        ]
        for sql, params in calls:
            with self.subTest(sql=sql):
                self.assertSqlError(sql, params, contains=UPGRADE_MSG, conn=ro)
                self.assertFalse(ro.in_transaction)
                self.assertEqual(self.rows(
                    "SELECT name FROM temp.sqlite_schema", conn=ro), [])
        self.assertEqual(helpers.file_bytes(self.path), raw_before)
        self.assertEqual(helpers.snapshot(self.path), v1.snapshot)
        self.assertEqual(self.meta("schema_version"), 1)
        ro.close()

        # a read-write connection upgrades it fine afterwards
        self.assertEqual(self.verify(alice["token"]), alice["id"])
        self.assertUpgraded(conn=self.conn)
        self.assertEqual(self.events(), v1.expected_events())
        # and now the read-only connection works too
        ro = helpers.connect("file:%s?mode=ro" % self.path, uri=True)
        self._conns.append(ro)
        self.assertEqual(self.verify(alice["token"], conn=ro), alice["id"])
        self.assertEqual(self.has_right(alice["token"], "USER_FETCH", conn=ro), 1)

    def test_upgrade_inside_an_application_transaction_rolls_back_with_it(self):
        v1 = self.v1
        alice = v1.tokens["alice"]
        self.conn.execute("BEGIN")
        self.assertEqual(self.verify(alice["token"], v1.now), alice["id"])
        self.assertEqual(self.one("SELECT value FROM pat_store_meta"
                                  " WHERE key = 'schema_version'"),
                         helpers.SCHEMA_VERSION)
        self.conn.execute("ROLLBACK")
        self.assertEqual(helpers.snapshot(self.path), v1.snapshot)
        # the connection does not believe the store is still upgraded
        self.assertEqual(self.verify(alice["token"], v1.now), alice["id"])
        self.assertUpgraded(conn=self.conn)
        self.assertEqual(self.events(), v1.expected_events())
        tid = self.id_of(self.create(owner="ivy"))
        self.assertEqual(tid, v1.max_old_id() + 1)


class IdFloorTest(UpgradeTestCase):
    """A store where id_floor is the largest old id: no events at all."""

    def setUp(self):
        PatTestCase.setUp(self)
        s = V1Store(self.path)
        s.audit("off")
        s.make("a", "a", "a", ["DATA_FETCH"])
        s.make("b", "b", "b", ["DATA_FETCH"])
        s.make("c", "c", "c", ["DATA_FETCH"])
        s.delete("c")
        s.audit("changes")
        self.v1 = s.finish()

    def test_new_token_id_is_past_id_floor(self):
        self.assertEqual((self.v1.id_floor, self.v1.events), (3, []))
        tid = self.id_of(self.create(owner="z"))
        self.assertUpgraded(conn=self.conn)
        self.assertEqual(tid, 4)
        self.assertEqual([(e["id"], e["event"], e["token_id"]) for e in self.events()],
                         [(4, "create", 4)])
        self.assertIsNone(self.verify(self.v1.deleted["c"]))


class CConnection:
    """A connection driven through SQLite's C API (ctypes, the same
    libsqlite3 as Python's sqlite3 module), for what that module can not
    show: a busy handler that says when the connection waits for a lock,
    and a trace of every statement it runs, pat's own included."""

    SQLITE_ROW, SQLITE_DONE = 100, 101
    BUSY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
    TRACE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint, ctypes.c_void_p,
                             ctypes.c_void_p, ctypes.c_void_p)

    def __init__(self, path, on_busy):
        lib = self.lib = ctypes.CDLL("libsqlite3.so.0")
        vp = ctypes.c_void_p
        lib.sqlite3_open_v2.argtypes = [ctypes.c_char_p, ctypes.POINTER(vp), ctypes.c_int,
                                        ctypes.c_char_p]
        lib.sqlite3_enable_load_extension.argtypes = [vp, ctypes.c_int]
        lib.sqlite3_load_extension.argtypes = [vp, ctypes.c_char_p, ctypes.c_char_p,
                                               ctypes.POINTER(ctypes.c_char_p)]
        lib.sqlite3_busy_handler.argtypes = [vp, self.BUSY, vp]
        lib.sqlite3_trace_v2.argtypes = [vp, ctypes.c_uint, self.TRACE, vp]
        lib.sqlite3_prepare_v2.argtypes = [vp, ctypes.c_char_p, ctypes.c_int,
                                           ctypes.POINTER(vp), vp]
        lib.sqlite3_bind_text.argtypes = [vp, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, vp]
        lib.sqlite3_bind_int64.argtypes = [vp, ctypes.c_int, ctypes.c_longlong]
        lib.sqlite3_step.argtypes = [vp]
        lib.sqlite3_column_count.argtypes = [vp]
        lib.sqlite3_column_type.argtypes = [vp, ctypes.c_int]
        lib.sqlite3_column_int64.argtypes = [vp, ctypes.c_int]
        lib.sqlite3_column_int64.restype = ctypes.c_longlong
        lib.sqlite3_column_text.argtypes = [vp, ctypes.c_int]
        lib.sqlite3_column_text.restype = ctypes.c_char_p
        lib.sqlite3_finalize.argtypes = [vp]
        lib.sqlite3_errmsg.argtypes = [vp]
        lib.sqlite3_errmsg.restype = ctypes.c_char_p
        lib.sqlite3_close_v2.argtypes = [vp]
        self.db = vp()
        self.statements = []  # the text of every statement run, in order
        self._busy = self.BUSY(lambda _arg, count: on_busy(self, count))
        self._trace = self.TRACE(self._traced)
        if lib.sqlite3_open_v2(path.encode(), ctypes.byref(self.db), 2, None) != 0:
            raise sqlite3.OperationalError("can not open %s" % path)
        err = ctypes.c_char_p()
        if (lib.sqlite3_enable_load_extension(self.db, 1) != 0 or
                lib.sqlite3_load_extension(self.db, helpers.EXT.encode(), None,
                                           ctypes.byref(err)) != 0):
            self.close()
            raise sqlite3.OperationalError("can not load pat: %s" % err.value)
        lib.sqlite3_busy_handler(self.db, self._busy, None)
        lib.sqlite3_trace_v2(self.db, 1, self._trace, None)  # SQLITE_TRACE_STMT

    def _traced(self, _type, _ctx, _stmt, sql):
        self.statements.append(ctypes.string_at(sql).decode("utf-8", "replace"))
        return 0

    def rows(self, sql, params=()):
        lib, st = self.lib, ctypes.c_void_p()
        if lib.sqlite3_prepare_v2(self.db, sql.encode(), -1, ctypes.byref(st), None) != 0:
            raise sqlite3.OperationalError(lib.sqlite3_errmsg(self.db).decode())
        try:
            for i, v in enumerate(params, 1):
                if isinstance(v, int):
                    lib.sqlite3_bind_int64(st, i, v)
                else:
                    lib.sqlite3_bind_text(st, i, v.encode(), -1, ctypes.c_void_p(-1))
            out = []
            while True:
                rc = lib.sqlite3_step(st)
                if rc == self.SQLITE_DONE:
                    return out
                if rc != self.SQLITE_ROW:
                    raise sqlite3.OperationalError(lib.sqlite3_errmsg(self.db).decode())
                row = []
                for k in range(lib.sqlite3_column_count(st)):
                    t = lib.sqlite3_column_type(st, k)
                    row.append(None if t == 5 else lib.sqlite3_column_int64(st, k) if t == 1
                               else lib.sqlite3_column_text(st, k).decode())
                out.append(tuple(row))
        finally:
            lib.sqlite3_finalize(st)

    def close(self):
        if self.db:
            self.lib.sqlite3_close_v2(self.db)
            self.db = ctypes.c_void_p()


class ConcurrentFirstCallsTest(UpgradeTestCase):
    """Two connections open the v1 store at the same time: the one that
    waits for the write lock must find the store already upgraded, and not
    upgrade it a second time (that would copy the rows again with
    create_event NULL, losing the create events of tokens made since)."""

    def test_second_upgrader_sees_the_first_ones_upgrade(self):
        v1 = self.v1
        a = self.conn
        waiting = threading.Event()
        seen = {}

        def on_busy(conn, count):
            if count == 0:
                # What B was running when it first had to wait.
                seen["statement"] = conn.statements[-1] if conn.statements else None
                waiting.set()
            time.sleep(0.001)
            return 1 if count < 20000 else 0

        b = CConnection(self.path, on_busy)
        self.addCleanup(b.close)
        # A upgrades and makes a token inside its own transaction, holding
        # the write lock; B's first call reads version 1, begins its own
        # upgrade and waits for the lock. A commits only once B waits.
        a.execute("BEGIN IMMEDIATE")
        tok = self.create(owner="jo", name="made by a", conn=a)
        result = {}

        def first_call_of_b():
            try:
                result["id"] = b.rows("SELECT pat_verify(?, ?)",
                                      (v1.tokens["alice"]["token"], v1.now))[0][0]
            except sqlite3.Error as e:
                result["error"] = str(e)

        th = threading.Thread(target=first_call_of_b)
        th.start()
        try:
            b_waited = waiting.wait(30)
            b_running = th.is_alive()
        finally:
            a.execute("COMMIT")
            th.join(30)
        self.assertTrue(b_waited, "B never waited for a lock")
        self.assertTrue(b_running)
        # A statement run inside another (pat's, inside SELECT pat_verify)
        # is traced as "-- " and its text.
        self.assertEqual(seen["statement"], "-- BEGIN IMMEDIATE",
                         "B waited elsewhere than for the write lock of its upgrade")
        self.assertFalse(th.is_alive())
        self.assertEqual(result, {"id": v1.tokens["alice"]["id"]})
        tid = self.id_of(tok)
        # B found the store upgraded under the lock, and upgraded nothing.
        self.assertUpgraded(conn=self.connect())
        # A's token still shows its create event, which is still in its row
        self.assertEqual([e["event"] for e in self.events(token_id=tid)],
                         ["create"])
        self.assertEqual(b.rows("SELECT event FROM pat_events WHERE token_id = ?", (tid,)),
                         [("create",)])
        self.assertEqual(self.raw_rows(
            "SELECT create_event FROM pat_store_tokens WHERE id = ?", (tid,)),
            [(1,)])
        self.assertEqual(self.events()[:-1], v1.expected_events())

