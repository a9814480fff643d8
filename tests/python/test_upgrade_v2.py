"""Upgrading a store of schema version 2 (tests/fixtures/schema_v2.sql, the
layout of pat 0.1.0 before the security review) to the current version.

Version 2 counted policy_version up by one on every change of the policy, so
a rolled-back change or a restored backup could bring back a value that named
another policy. The current version sets a new random value instead. Each
test builds a v2 store WITHOUT pat, the way v2 pat wrote it, then opens it
with pat.
"""
import hashlib
import os

from tests.python import helpers
from tests.python.helpers import PatTestCase

V2_SQL = os.path.join(helpers.ROOT, "tests", "fixtures", "schema_v2.sql")
POLICY_TRIGGERS = ["pat_store_%s_%s" % (t, k)
                   for t in ("settings", "rights", "roles", "owners") for k in "iud"]


def digest(token):
    return hashlib.blake2b(token.encode(), digest_size=32).digest()


class UpgradeFromV2Test(PatTestCase):

    def build_v2(self):
        """A v2 store with one token for alice (AUTHOR) and a changed role."""
        raw = helpers.raw_connect(self.path)
        with open(V2_SQL) as f:
            raw.executescript(f.read())
        raw.execute("INSERT INTO pat_store_meta(key, value) VALUES ('key_fingerprint', NULL)")
        token = helpers.make_token()
        now = self.now()
        raw.execute(
            "INSERT INTO pat_store_tokens(id, digest, owner, name, valid_from, valid_to,"
            " rights, created_at, create_event, rights_hash) VALUES"
            " (1, ?, 'alice', 'ci', ?, ?, '[\"DATA_DELETE\",\"DATA_FETCH\"]', ?, 1, NULL)",
            (digest(token), now - 60, now + 86400, now - 60))
        raw.execute("INSERT INTO pat_store_owners(owner, role) VALUES ('alice', 'AUTHOR')")
        raw.commit()
        version = raw.execute("SELECT value FROM pat_store_meta"
                              " WHERE key = 'policy_version'").fetchone()[0]
        raw.close()
        return token, version

    def meta(self, key):
        raw = helpers.raw_connect(self.path)
        try:
            return raw.execute("SELECT value FROM pat_store_meta WHERE key = ?",
                               (key,)).fetchone()[0]
        finally:
            raw.close()

    def trigger_sql(self, name):
        raw = helpers.raw_connect(self.path)
        try:
            row = raw.execute("SELECT sql FROM sqlite_schema WHERE type = 'trigger'"
                              " AND name = ?", (name,)).fetchone()
            return row[0] if row else None
        finally:
            raw.close()

    def test_v2_store_is_upgraded_by_the_first_call_and_keeps_its_tokens(self):
        token, _ = self.build_v2()
        self.assertEqual(self.meta("schema_version"), 2)
        self.assertEqual(self.verify(token), 1)
        self.assertEqual(self.meta("schema_version"), helpers.SCHEMA_VERSION)
        self.assertEqual(self.has_right(token, "DATA_DELETE"), 1)
        self.assertEqual(self.one("SELECT rights FROM pat_tokens WHERE id = 1"),
                         '["DATA_DELETE","DATA_FETCH"]')

    def test_v2_counting_triggers_are_replaced_by_random_ones(self):
        token, before = self.build_v2()
        self.verify(token)
        for name in POLICY_TRIGGERS:
            sql = self.trigger_sql(name)
            self.assertIsNotNone(sql, name)
            self.assertIn("random()", sql, name)
            self.assertNotIn("value + 1", sql, name)
        # the upgrade itself moved the version, to a value a counter would
        # not give
        after = self.meta("policy_version")
        self.assertNotIn(after, (before, before + 1))

    def test_a_role_change_after_the_upgrade_never_brings_back_an_old_version(self):
        token, _ = self.build_v2()
        self.verify(token)
        seen = {self.meta("policy_version")}
        for _ in range(3):
            self.conn.execute("DELETE FROM pat_roles WHERE role = 'AUTHOR'"
                              " AND right = 'DATA_DELETE'")
            self.assertNotIn(self.meta("policy_version"), seen)
            seen.add(self.meta("policy_version"))
            self.assertEqual(self.has_right(token, "DATA_DELETE"), 0)
            self.conn.execute("INSERT INTO pat_roles VALUES ('AUTHOR', 'DATA_DELETE')")
            self.assertNotIn(self.meta("policy_version"), seen)
            seen.add(self.meta("policy_version"))
            self.assertEqual(self.has_right(token, "DATA_DELETE"), 1)

    def test_deleting_a_right_takes_it_out_of_every_role_in_one_statement(self):
        token, _ = self.build_v2()
        self.verify(token)
        self.conn.execute("INSERT INTO pat_rights(name, category) VALUES ('X_NEW', 'X')")
        self.conn.execute("INSERT INTO pat_roles VALUES ('AUTHOR', 'X_NEW')")
        self.conn.execute("DELETE FROM pat_rights WHERE name = 'X_NEW'")
        self.assertEqual(self.one("SELECT count(*) FROM pat_roles WHERE right = 'X_NEW'"), 0)


class HalfMadeStoreSettingsTest(PatTestCase):
    """A store made by an older pat but never finished (no schema_version
    row) answers reads from the private defaults, whose settings rows are
    not in the older order: an UPDATE of pat_settings must still change the
    setting it names, in main, and no other."""

    def test_update_of_a_setting_changes_that_setting_in_a_half_made_store(self):
        self.conn.close()
        raw = helpers.raw_connect(self.path)
        with open(V2_SQL) as f:
            raw.executescript(f.read())
        raw.execute("DELETE FROM pat_store_meta WHERE key = 'schema_version'")
        raw.commit()
        raw.close()
        self.conn = self.connect()
        self.conn.execute("UPDATE pat_settings SET value = 'VIEWER' WHERE key = 'default_role'")
        settings = dict(self.conn.execute("SELECT key, value FROM pat_settings"))
        self.assertEqual(settings["default_role"], "VIEWER")
        self.assertEqual(settings["max_lifetime"], helpers.MAX_LIFETIME)
        self.assertEqual(settings["prefix"], "pat_")
        tok = self.create()
        self.assertIsNotNone(self.verify(tok))
