"""A store of schema version 3 (tests/fixtures/schema_v3.sql) under the
current version. Version 4 adds the setting bookkeeping_delay, nothing else:
this pat reads a v3 store as it is (its checks and reads neither wait for
the write lock nor write), and the first write of a pat table upgrades it,
bringing the new setting's row. Each test builds a v3 store WITHOUT pat, the
way v3 pat wrote it, then opens it with pat.
"""
import hashlib
import os

from tests.python import helpers
from tests.python.helpers import PatTestCase

V3_SQL = os.path.join(helpers.ROOT, "tests", "fixtures", "schema_v3.sql")
V4_SQL = os.path.join(helpers.ROOT, "tests", "fixtures", "schema_v4.sql")


class UpgradeFromV3Test(PatTestCase):

    def build_v3(self, fixture=V3_SQL):
        """A v3 store (or another fixture's) with one token for alice and a
        changed setting."""
        raw = helpers.raw_connect(self.path)
        with open(fixture) as f:
            raw.executescript(f.read())
        raw.execute("INSERT INTO pat_store_meta(key, value) VALUES ('key_fingerprint', NULL)")
        raw.execute("UPDATE pat_store_settings SET value = 'all' WHERE key = 'audit'")
        token = helpers.make_token()
        now = self.now()
        raw.execute(
            "INSERT INTO pat_store_tokens(id, digest, owner, name, valid_from, valid_to,"
            " rights, created_at, create_event, rights_hash) VALUES"
            " (1, ?, 'alice', 'ci', ?, ?, '[\"DATA_FETCH\"]', ?, 1, NULL)",
            (hashlib.blake2b(token.encode(), digest_size=32).digest(), now - 60,
             now + 86400, now - 60))
        raw.commit()
        raw.close()
        return token

    def raw_one(self, sql):
        raw = helpers.raw_connect(self.path)
        try:
            return raw.execute(sql).fetchone()[0]
        finally:
            raw.close()

    def test_checks_and_reads_use_a_v3_store_as_it_is_and_never_write_it(self):
        token = self.build_v3()
        before = helpers.snapshot(self.path)
        ro = self.connect(path="file:%s?mode=ro" % self.path)
        for c in (ro, self.conn):
            self.assertEqual(self.one("SELECT pat_verify(?, unixepoch('now'))", (token,), c), 1)
            self.assertEqual(self.one("SELECT pat_has_right(?, 'DATA_FETCH', unixepoch('now'))",
                                      (token,), c), 1)
            self.assertEqual(len(self.rows("SELECT * FROM pat_tokens", conn=c)), 1)
            self.assertEqual(dict(self.rows("SELECT key, CAST(value AS TEXT) FROM pat_settings",
                                            conn=c))["audit"], "all")
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_meta"
                                      " WHERE key = 'schema_version'"), 3)
        # a check without `at` writes only its bookkeeping, never the upgrade
        self.assertEqual(self.verify(token, conn=ro), 1)
        self.assertEqual(self.verify(token), 1)
        self.conn.close()
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_meta"
                                      " WHERE key = 'schema_version'"), 3)

    def test_the_first_write_upgrades_it_and_the_new_setting_arrives(self):
        token = self.build_v3()
        before = self.raw_one("SELECT value FROM pat_store_meta WHERE key = 'policy_version'")
        self.assertEqual(self.raw_one("SELECT count(*) FROM pat_store_settings"), 6)
        # an UPDATE of the row the upgrade brings: the write's scan upgrades first
        self.set_setting("bookkeeping_delay", 0)
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_meta"
                                      " WHERE key = 'schema_version'"), helpers.SCHEMA_VERSION)
        self.assertEqual(dict(self.rows("SELECT key, CAST(value AS TEXT) FROM pat_settings")),
                         dict(helpers.SETTINGS, audit="all", bookkeeping_delay="0"))
        self.assertNotEqual(self.raw_one("SELECT value FROM pat_store_meta"
                                         " WHERE key = 'policy_version'"), before)
        self.assertEqual(self.verify(token), 1)
        raw = helpers.raw_connect(self.path)
        try:
            self.assertIsNotNone(helpers.recorded_last_use(raw, 1))
        finally:
            raw.close()

    def test_any_write_of_a_pat_table_upgrades_it(self):
        self.build_v3()
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('bob', 'VIEWER')")
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_meta"
                                      " WHERE key = 'schema_version'"), helpers.SCHEMA_VERSION)
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_settings"
                                      " WHERE key = 'bookkeeping_delay'"), 1000)

    def test_the_fixture_is_what_version_3_wrote(self):
        # version 4's schema.sql (tests/fixtures/schema_v4.sql) is the
        # fixture's, statement for statement: the upgrade to 4 had nothing
        # else to make (v3's schema.sql wrote the version row itself; pat now
        # writes it after the file). What 5 makes: test_upgrade_v4.
        with open(V3_SQL) as f:
            fixture = f.read()
        with open(V4_SQL) as f:
            v4 = f.read()
        body = lambda s: [l for l in s.splitlines()
                          if l.strip() and not l.startswith("--")]
        v4_schema = body(v4)[:body(v4).index(
            "INSERT OR IGNORE INTO main.pat_store_meta(key, value) VALUES ('schema_version', 4);")]
        self.assertEqual(body(fixture)[:len(v4_schema)], v4_schema)
        self.assertEqual(body(fixture)[len(v4_schema)],
                         "INSERT OR IGNORE INTO main.pat_store_meta(key, value)"
                         " VALUES ('schema_version', 3);")
