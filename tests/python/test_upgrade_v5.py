"""A store of schema version 5 (tests/fixtures/schema_v5.sql) under the
current version. Version 6 adds the client context (INTERFACE.md, Client
context): the allow-list in the digest index (pat_store_tokens_lookup, which
replaces v5's pat_store_tokens_by_digest), the token columns description,
allowed_ips, allowed_blocks and rotated_at, the tables pat_store_addresses
and pat_store_notices, and the settings max_idle, max_tokens_per_owner and
notice_before. This pat reads a v5 store as it is: its tokens have no
allow-list, so any client (or none) passes; pat_tokens shows no description,
no allow-list and no addresses; pat_notices is empty. Checks and reads never
upgrade it; the first write of a pat table, pat_create or pat_rotate does.
Each test builds a v5 store WITHOUT pat (a raw sqlite3 connection), then
opens it with pat.
"""
import os

from tests.python import helpers, test_upgrade_v3
from tests.python.helpers import PatTestCase
from tests.python.test_upgrade_v4 import V5_SQL, schema_objects

SCHEMA_SQL = os.path.join(helpers.ROOT, "sql", "schema.sql")
V5_SETTINGS = {k: v for k, v in helpers.SETTINGS.items()
               if k not in ("max_idle", "max_tokens_per_owner", "notice_before")}
CLIENTS = [None, "10.0.0.1", "192.0.2.7", "::1", "2001:db8::5", "::ffff:10.0.0.1",
           "fe80::1%eth0"]


class UpgradeFromV5Test(PatTestCase):
    # (the module, not the class, is imported: unittest would run a test
    # class imported here a second time)
    build = test_upgrade_v3.UpgradeFromV3Test.build_v3
    raw_one = test_upgrade_v3.UpgradeFromV3Test.raw_one

    def build_v5(self):
        """A v5 store with one token for alice (DATA_FETCH, valid from a
        minute ago for a day) and audit = all."""
        token = self.build(fixture=V5_SQL)
        self.assertEqual(self.schema_version(), 5)
        return token

    def schema_version(self):
        return self.raw_one("SELECT value FROM pat_store_meta WHERE key = 'schema_version'")

    def raw_rows(self, sql, params=()):
        raw = helpers.raw_connect(self.path)
        try:
            return raw.execute(sql, params).fetchall()
        finally:
            raw.close()

    def index_columns(self, name="pat_store_tokens_lookup"):
        return [r[2] for r in self.raw_rows("SELECT * FROM pragma_index_info(?)", (name,))]

    def exists(self, name):
        return self.raw_one("SELECT count(*) FROM sqlite_schema WHERE name = '%s'" % name) == 1

    def checks(self, token, conn=None, at=True):
        """pat_verify and pat_has_right of the token from every client in
        CLIENTS, with the client argument and (client None) without it; with
        an explicit `at` unless at is False."""
        out = []
        at_sql = "unixepoch('now')" if at else "NULL"
        for client in CLIENTS:
            if client is None:
                out.append(self.one("SELECT pat_verify(?, %s)" % at_sql, (token,), conn))
                out.append(self.one("SELECT pat_has_right(?, 'DATA_FETCH', %s)" % at_sql,
                                    (token,), conn))
            out.append(self.one("SELECT pat_verify(?, %s, ?)" % at_sql, (token, client), conn))
            out.append(self.one("SELECT pat_has_right(?, 'DATA_FETCH', %s, ?)" % at_sql,
                                (token, client), conn))
            out.append(self.one("SELECT pat_has_right(?, 'DATA_CREATE', %s, ?)" % at_sql,
                                (token, client), conn))
        return out

    def expected_checks(self, tid=1):
        out = []
        for client in CLIENTS:
            if client is None:
                out += [tid, 1]
            out += [tid, 1, 0]
        return out

    def assertUpgraded(self, max_idle=None):
        self.assertEqual(self.schema_version(), helpers.SCHEMA_VERSION)
        self.assertEqual(self.index_columns(),
                         ["digest", "valid_from", "valid_to", "prev_until", "rights_hash",
                          "allowed_blocks"])
        self.assertTrue(self.exists("pat_store_addresses"))
        self.assertTrue(self.exists("pat_store_notices"))
        self.assertEqual(self.raw_rows(
            "SELECT key, value FROM pat_store_settings WHERE key IN"
            " ('max_idle', 'max_tokens_per_owner', 'notice_before') ORDER BY key"),
            [("max_idle", max_idle), ("max_tokens_per_owner", None),
             ("notice_before", 604800)])
        cols = [r[1] for r in self.raw_rows("PRAGMA table_info(pat_store_tokens)")]
        for col in ("description", "allowed_ips", "allowed_blocks", "rotated_at"):
            self.assertIn(col, cols)

    def assertV5IndexGoes(self, token, client=None):
        """v5's digest index is gone, at once or after the next bookkeeping
        write (on its own connection, as v4's went: test_upgrade_v4); the
        check that brings it is a use of the token from `client`."""
        if self.exists("pat_store_tokens_by_digest"):
            self.set_setting("bookkeeping_delay", 0)
            self.assertIsInstance(self.one("SELECT pat_verify(?, NULL, ?)", (token, client)),
                                  int)
        self.assertFalse(self.exists("pat_store_tokens_by_digest"))
        self.assertEqual(self.index_columns("pat_store_tokens_by_digest"), [])

    # ---------------------------------------------------- read as it is

    def test_checks_with_and_without_a_client_pass_on_a_v5_store_as_it_is(self):
        token = self.build_v5()
        before = helpers.snapshot(self.path)
        ro = self.connect(path="file:%s?mode=ro" % self.path)
        for c in (ro, self.conn):
            # a v5 token has no allow-list: any client, or none, passes
            self.assertEqual(self.checks(token, conn=c), self.expected_checks())
            # an unknown token stays unknown, from any client
            self.assertIsNone(self.one("SELECT pat_verify(?, unixepoch('now'), '10.0.0.1')",
                                       (helpers.make_token(),), c))
            # a malformed client is an error whatever the store's version
            self.assertSqlError("SELECT pat_verify(?, NULL, '10.0.0.1:80')", (token,),
                                prefix="pat_verify: client ", conn=c)
            self.assertSqlError("SELECT pat_has_right(?, 'DATA_FETCH', NULL, '')", (token,),
                                message="pat_has_right: client must not be empty", conn=c)
        # checks with `at` are audit questions: nothing at all was written
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.schema_version(), 5)

    def test_reads_show_the_new_columns_empty_and_no_notices(self):
        token = self.build_v5()
        before = helpers.snapshot(self.path)
        ro = self.connect(path="file:%s?mode=ro" % self.path)
        for c in (ro, self.conn):
            cur = c.execute("SELECT * FROM pat_tokens")
            self.assertEqual([d[0] for d in cur.description], helpers.COLUMNS["pat_tokens"])
            rows = [dict(zip(helpers.COLUMNS["pat_tokens"], r)) for r in cur.fetchall()]
            self.assertEqual(len(rows), 1)
            self.assertEqual((rows[0]["id"], rows[0]["owner"], rows[0]["status"]),
                             (1, "alice", "active"))
            self.assertIsNone(rows[0]["description"])
            self.assertIsNone(rows[0]["allowed_ips"])
            self.assertEqual(rows[0]["last_used_ips"], "[]")
            self.assertEqual(self.rows("SELECT * FROM pat_notices", conn=c), [])
            self.assertEqual(self.one("SELECT count(*) FROM pat_notices WHERE kind = 'idle'",
                                      conn=c), 0)
            # the settings v5 has, as it has them (audit: set by the fixture)
            settings = dict(self.rows("SELECT key, CAST(value AS TEXT) FROM pat_settings",
                                      conn=c))
            for k, v in V5_SETTINGS.items():
                self.assertEqual(settings[k], "all" if k == "audit" else v, k)
            self.assertEqual(self.one("SELECT count(*) FROM pat_retired", conn=c), 0)
            self.assertEqual(self.verify(token, self.now(), conn=c), 1)
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.schema_version(), 5)

    def test_checks_without_at_write_only_their_bookkeeping_never_the_upgrade(self):
        token = self.build_v5()
        ro = self.connect(path="file:%s?mode=ro" % self.path)
        # a read-only connection checks and writes nothing
        ro_before = helpers.snapshot(self.path)
        self.assertEqual(self.checks(token, conn=ro, at=False), self.expected_checks())
        self.assertEqual(helpers.snapshot(self.path), ro_before)
        # the read-write one holds its uses (and the clients they came
        # from) and writes them when it closes: into the v5 tables alone
        self.assertEqual(self.checks(token, at=False), self.expected_checks())
        self.assertEqual(len(self.rows("SELECT * FROM pat_tokens")), 1)
        self.assertEqual(self.rows("SELECT * FROM pat_notices"), [])
        self.conn.close()
        self.assertEqual(self.schema_version(), 5)
        self.assertFalse(self.exists("pat_store_addresses"))
        self.assertFalse(self.exists("pat_store_notices"))
        self.assertFalse(self.exists("pat_store_tokens_lookup"))
        self.assertTrue(self.exists("pat_store_tokens_by_digest"))
        self.assertEqual(self.raw_one("SELECT count(*) FROM pat_store_settings"),
                         len(V5_SETTINGS))
        raw = helpers.raw_connect(self.path)
        try:
            self.assertIsNotNone(helpers.recorded_last_use(raw, 1))
        finally:
            raw.close()
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")
        # another connection shows the use; the store still has no addresses
        c = self.connect()
        row = self.token_row(1, conn=c)
        self.assertIsNotNone(row["last_used_at"])
        self.assertEqual(row["last_used_ips"], "[]")
        self.assertEqual(self.schema_version(), 5)

    # ------------------------------------------------------- the upgrade

    def test_the_first_write_upgrades_it_to_6(self):
        token = self.build_v5()
        self.assertEqual(self.index_columns("pat_store_tokens_by_digest"),
                         ["digest", "valid_from", "valid_to", "prev_until", "rights_hash"])
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('bob', 'VIEWER')")
        self.assertUpgraded()
        # the settings v5 had keep their values; the new ones have defaults
        self.assertEqual(dict(self.rows("SELECT key, value FROM pat_settings")),
                         {k: (v if v is None or not v.isdigit() else int(v))
                          for k, v in dict(helpers.SETTINGS, audit="all").items()})
        self.assertEqual(self.rows("SELECT owner, role FROM pat_owners"), [("bob", "VIEWER")])
        self.assertV5IndexGoes(token)
        # the token made before keeps verifying, from any client or none
        self.assertEqual(self.checks(token), self.expected_checks())
        self.assertEqual(self.checks(token, at=False), self.expected_checks())
        row = self.token_row(1)
        self.assertEqual((row["description"], row["allowed_ips"]), (None, None))
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    def test_an_update_of_a_new_setting_upgrades_first(self):
        token = self.build_v5()
        # the row the upgrade brings: the write's scan upgrades first
        self.set_setting("max_idle", 3600)
        self.assertUpgraded(max_idle=3600)
        self.assertEqual(self.setting("max_idle"), 3600)
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_settings"
                                      " WHERE key = 'max_idle'"), 3600)
        self.assertEqual(self.verify(token, self.now()), 1)
        self.assertV5IndexGoes(token)
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    def test_allowed_ips_can_be_set_after_the_upgrade(self):
        token = self.build_v5()
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('bob', 'VIEWER')")
        self.assertUpgraded()
        cur = self.conn.execute("UPDATE pat_tokens SET allowed_ips = ?, description = ?"
                                " WHERE id = 1", ('["10.0.0.0/8", "2001:DB8::/32"]', "ci job"))
        self.assertEqual(cur.rowcount, 1)
        row = self.token_row(1)
        self.assertEqual(row["allowed_ips"], '["10.0.0.0/8","2001:db8::/32"]')
        self.assertEqual(row["description"], "ci job")
        at = self.now()
        for client, want in [(None, None), ("10.1.2.3", 1), ("::ffff:10.200.0.1", 1),
                             ("2001:db8::1", 1), ("11.0.0.1", None), ("::1", None)]:
            self.assertEqual(self.one("SELECT pat_verify(?, ?, ?)", (token, at, client)),
                             want, client)
            self.assertEqual(self.one("SELECT pat_has_right(?, 'DATA_FETCH', ?, ?)",
                                      (token, at, client)), 1 if want else 0, client)
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (token, at)), None)
        # the change is an update event (audit = all from the fixture)
        details = [e["detail"] for e in self.events(1) if e["event"] == "update"]
        self.assertEqual(len(details), 1)
        self.assertIn('"allowed_ips":[null,["10.0.0.0/8","2001:db8::/32"]]', details[0])
        # and back to no list: any client again
        self.conn.execute("UPDATE pat_tokens SET allowed_ips = NULL WHERE id = 1")
        self.assertEqual(self.one("SELECT pat_verify(?, ?, '11.0.0.1')", (token, at)), 1)
        self.assertV5IndexGoes(token)
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    def test_an_update_of_allowed_ips_as_the_first_write_upgrades_and_applies(self):
        token = self.build_v5()
        self.conn.execute("UPDATE pat_tokens SET allowed_ips = '[\"192.0.2.0/24\"]'"
                          " WHERE id = 1")
        self.assertUpgraded()
        at = self.now()
        self.assertEqual(self.one("SELECT pat_verify(?, ?, '192.0.2.9')", (token, at)), 1)
        self.assertIsNone(self.one("SELECT pat_verify(?, ?, '192.0.3.9')", (token, at)))
        self.assertIsNone(self.one("SELECT pat_verify(?, ?)", (token, at)))
        self.assertEqual(self.token_row(1)["allowed_ips"], '["192.0.2.0/24"]')
        self.assertV5IndexGoes(token, "192.0.2.1")
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    def test_a_connection_that_read_the_v5_store_applies_a_list_set_since_at_once(self):
        # a found by a review: the connection that checked on the v5 store
        # kept its v5 lookup, which knows no allow-list, for one more check
        token = self.build_v5()
        a = self.connect()
        at = self.now()
        self.assertEqual(self.one("SELECT pat_verify(?, ?, '1.2.3.4')", (token, at), conn=a), 1)
        self.assertEqual(self.one("SELECT pat_has_right(?, 'DATA_FETCH', ?)", (token, at),
                                  conn=a), 1)
        self.conn.execute("UPDATE pat_tokens SET allowed_ips = '[\"10.0.0.0/8\"]' WHERE id = 1")
        self.assertUpgraded()
        self.assertIsNone(self.one("SELECT pat_verify(?, ?, '1.2.3.4')", (token, at), conn=a))
        b = self.connect()
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (token, at), conn=b), None)
        c = self.connect()
        self.assertEqual(self.one("SELECT pat_verify(?, ?, '1.2.3.4')", (token, at), conn=c), None)
        # pat_has_right, on a connection whose first look was the v5 store too
        d = self.connect(path=self.path)
        self.assertEqual(self.one("SELECT pat_has_right(?, 'DATA_FETCH', ?, '10.1.1.1')",
                                  (token, at), conn=d), 1)

    def test_pat_create_with_options_after_the_upgrade(self):
        old = self.build_v5()
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('bob', 'VIEWER')")
        self.assertUpgraded()
        self.create_with_options(old)

    def create_with_options(self, old):
        new = self.one("SELECT pat_create('bob', 'n', 'DATA_FETCH', NULL, NULL, ?)",
                       ('{"description": "d", "allowed_ips": ["::1"]}',))
        self.assertRegex(new, helpers.TOKEN_RE)
        self.assertUpgraded()
        at = self.now()
        new_id = self.one("SELECT pat_verify(?, ?, '::1')", (new, at))
        self.assertIsInstance(new_id, int)
        self.assertGreater(new_id, 1)
        self.assertIsNone(self.one("SELECT pat_verify(?, ?, '::2')", (new, at)))
        self.assertIsNone(self.one("SELECT pat_verify(?, ?)", (new, at)))
        self.assertEqual(self.one("SELECT pat_verify(?, ?, '::2')", (old, at)), 1)
        row = self.token_row(new_id)
        self.assertEqual((row["description"], row["allowed_ips"]), ("d", '["::1"]'))
        self.assertV5IndexGoes(old)
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    # pat_create and pat_rotate upgrade the store before they write: their
    # INSERT and UPDATE name version 6's columns. (Until 969096e they did
    # not: every pat_create on a v5 store failed with "table
    # main.pat_store_tokens has no column named description".)
    def test_pat_create_as_the_first_write_upgrades(self):
        self.create_with_options(self.build_v5())

    def test_pat_create_without_options_as_the_first_write_upgrades(self):
        self.build_v5()
        self.create("bob", "n", "DATA_FETCH")
        self.assertUpgraded()

    def test_a_refused_pat_create_or_pat_rotate_leaves_the_v5_store_as_it_was(self):
        self.build_v5()
        before = helpers.snapshot(self.path)
        for sql, params in [
            ("SELECT pat_create('bob', 'n', 'NOPE')", ()),
            ("SELECT pat_create('bob', 'n', 'DATA_FETCH', NULL, NULL, ?)", ('{"foo": 1}',)),
            ("SELECT pat_create('bob', 'n', 'DATA_FETCH', NULL, NULL, ?)",
             ('{"allowed_ips": ["10.1.2.3/8"]}',)),
            ("SELECT pat_create('bob', 'n', 'DATA_FETCH', 10, 5)", ()),
            ("SELECT pat_rotate(2)", ()),
            ("SELECT pat_rotate(1, 5)", ()),
        ]:
            self.assertSqlError(sql, params)
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.schema_version(), 5)

    def test_pat_create_in_a_transaction_rolled_back_leaves_the_v5_store(self):
        token = self.build_v5()
        before = helpers.snapshot(self.path)
        self.conn.execute("BEGIN")
        self.create("bob", "n", "DATA_FETCH")
        self.conn.execute("ROLLBACK")
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.schema_version(), 5)
        # and the connection goes on reading it as it is, then upgrades it
        self.assertEqual(self.verify(token, self.now()), 1)
        self.assertEqual(self.token_row(1)["allowed_ips"], None)
        self.create("bob", "n", "DATA_FETCH")
        self.assertUpgraded()
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    def test_a_read_only_connection_can_not_create_on_a_v5_store(self):
        self.build_v5()
        before = helpers.snapshot(self.path)
        ro = self.connect(path="file:%s?mode=ro" % self.path)
        self.assertSqlError("SELECT pat_create('bob', 'n', 'DATA_FETCH')", conn=ro,
                            prefix="pat_create: ")
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.schema_version(), 5)

    def test_pat_rotate_as_the_first_write_upgrades(self):
        old = self.build_v5()
        new = self.one("SELECT pat_rotate(1)")
        self.assertRegex(new, helpers.TOKEN_RE)
        self.assertUpgraded()
        self.assertEqual(self.verify(new, self.now()), 1)
        self.assertIsNone(self.verify(old, self.now()))

    def test_pat_rotate_after_the_upgrade(self):
        old = self.build_v5()
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('bob', 'VIEWER')")
        new = self.one("SELECT pat_rotate(1, NULL, 60)")
        self.assertRegex(new, helpers.TOKEN_RE)
        at = self.now()
        # both values are the token's during the grace, from any client
        for tok in (new, old):
            self.assertEqual(self.one("SELECT pat_verify(?, ?, '10.0.0.1')", (tok, at)), 1)
            self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, at)), 1)
        self.assertV5IndexGoes(new)
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    def test_uses_from_clients_are_recorded_after_the_upgrade(self):
        token = self.build_v5()
        self.set_setting("bookkeeping_delay", 0)
        self.set_setting("last_used_interval", 0)
        for client in ("10.0.0.1", "10.0.0.2", "::ffff:10.0.0.1"):
            self.assertEqual(self.one("SELECT pat_verify(?, NULL, ?)", (token, client)), 1)
        self.assertEqual(self.token_row(1)["last_used_ips"], '["10.0.0.1","10.0.0.2"]')
        self.assertIsNotNone(self.token_row(1)["last_used_at"])
        self.assertV5IndexGoes(token)
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    def test_the_upgraded_store_has_a_fresh_stores_schema(self):
        token = self.build_v5()
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('bob', 'VIEWER')")
        self.assertV5IndexGoes(token)
        fresh = os.path.join(self.tmpdir, "fresh.db")
        c = self.connect(path=fresh)
        self.one("SELECT pat_create('x', 'x', 'DATA_FETCH')", conn=c)
        # every trigger and index as a fresh store has it (the triggers
        # version 6 changed were made anew); the token table, changed with
        # ALTER TABLE, has a fresh one's columns in the same order
        def objects(path):
            return [r for r in helpers.schema_rows(path) if r[2] != "pat_store_tokens"
                    or r[0] != "table"]
        self.assertEqual(objects(self.path), objects(fresh))
        raw = helpers.raw_connect(fresh)
        try:
            fresh_cols = raw.execute("PRAGMA table_info(pat_store_tokens)").fetchall()
        finally:
            raw.close()
        self.assertEqual(self.raw_rows("PRAGMA table_info(pat_store_tokens)"), fresh_cols)
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    # ----------------------------------------------- what version 6 makes

    def test_version_6_adds_these_objects_and_changes_these_only(self):
        # version 5's schema.sql as it was (tests/fixtures/schema_v5.sql)
        # and this version's
        v5 = schema_objects(V5_SQL)
        now = schema_objects(SCHEMA_SQL)
        # (the owner index, pat_store_tokens_owner, is made with the first
        # max_tokens_per_owner, not by schema.sql: 4b27b4b)
        self.assertEqual(sorted(set(now) - set(v5)), sorted([
            "pat_store_addresses", "pat_store_notices", "pat_store_notices_acked",
            "pat_store_tokens_lookup"]))
        # the digest index under its new name, with the allow-list in it
        self.assertEqual(sorted(set(v5) - set(now)), ["pat_store_tokens_by_digest"])
        # changed in place: the token table's four new columns (added by the
        # upgrade) and the three token triggers that know them (dropped and
        # made anew)
        self.assertEqual(sorted(k for k in set(v5) & set(now) if v5[k] != now[k]), [
            "pat_store_tokens", "pat_store_tokens_create_kept", "pat_store_tokens_deleted",
            "pat_store_tokens_updated"])
