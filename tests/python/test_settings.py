"""pat_settings (issue 3): UPDATE of each value with its validation, the
fixed set of keys, and what each setting does to pat_create and checks."""
import json
import re

from tests.python import helpers
from tests.python.helpers import (PatTestCase, SETTINGS, DEFAULT_LIFETIME,
                                  MAX_LIFETIME, utc)

F = 1790000000
FIXED_INSERT = ("pat_settings: INSERT is not supported: the settings are "
                "fixed; UPDATE their values")
DL_MSG = "pat_settings: default_lifetime must be a positive integer of seconds"
ML_MSG = ("pat_settings: max_lifetime must be a positive integer of seconds "
          "or NULL")
LUI_MSG = ("pat_settings: last_used_interval must be a non-negative integer "
           "of seconds")
AUDIT_MSG = "pat_settings: audit must be 'off', 'changes' or 'all'"
PREFIX_MSG = ("pat_settings: prefix must be at most 32 characters of A-Z, "
              "a-z, 0-9 and _")


class SettingsTestCase(PatTestCase):

    def refuse(self, key, value, message=None, prefix=None):
        return self.assertRefused(
            "UPDATE pat_settings SET value = ? WHERE key = ?", (value, key),
            message=message, prefix=prefix)

    def all_settings(self):
        return dict(self.rows("SELECT key, value FROM pat_settings"))

    def window(self, tok, at=None):
        tid = self.verify(tok, self.now() if at is None else at)
        self.assertIsInstance(tid, int)
        row = self.token_row(tid)
        return self.unix(row["valid_from"]), self.unix(row["valid_to"])


class SettingsTableTest(SettingsTestCase):

    def test_update_before_store_exists_is_kept_and_survives_reopen(self):
        self.set_setting("audit", "all")
        self.assertEqual(self.setting("audit"), "all")
        self.conn.close()
        self.conn = self.connect()
        self.assertEqual(self.setting("audit"), "all")
        self.assertEqual(len(self.all_settings()), len(helpers.SETTINGS))

    def test_refused_update_before_store_exists_makes_no_store(self):
        self.refuse("audit", "loud", message=AUDIT_MSG)
        self.refuse("default_lifetime", -1, message=DL_MSG)
        self.assertNoStore()

    def test_insert_and_delete_are_refused_and_keys_stay_fixed(self):
        self.assertRefused("INSERT INTO pat_settings VALUES ('colour', 'blue')",
                           message=FIXED_INSERT)
        self.assertRefused("INSERT INTO pat_settings(key, value) "
                           "VALUES ('prefix', 'x_')", message=FIXED_INSERT)
        self.assertNoStore()
        self.create()
        self.assertRefused("INSERT INTO pat_settings VALUES ('colour', 'blue')",
                           message=FIXED_INSERT)
        for sql in ("DELETE FROM pat_settings WHERE key = 'audit'",
                    "DELETE FROM pat_settings"):
            with self.subTest(sql=sql):
                self.assertRefused(sql, prefix="pat_settings: DELETE is not "
                                               "supported: ")
        self.assertEqual({k: None if v is None else str(v) for k, v in self.all_settings().items()},
                         SETTINGS)

    def test_update_of_unknown_key_changes_nothing_and_adds_no_row(self):
        self.create()
        before = helpers.snapshot(self.path)
        cur = self.conn.execute(
            "UPDATE pat_settings SET value = 1 WHERE key = 'colour'")
        self.assertEqual(cur.rowcount, 0)
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(sorted(self.all_settings()), sorted(SETTINGS))

    def test_update_of_key_column_refused(self):
        self.assertRefused(
            "UPDATE pat_settings SET key = 'colour' WHERE key = 'audit'",
            message="pat_settings: column 'key' can not be changed "
                    "(only value)")
        self.assertEqual(sorted(self.all_settings()), sorted(SETTINGS))

    def test_multi_row_update_failing_on_one_key_changes_nothing(self):
        self.create()
        self.assertRefused("UPDATE pat_settings SET value = 'all'",
                           prefix="pat_settings: ")
        self.assertRefused(
            "UPDATE pat_settings SET value = 0 WHERE key IN "
            "('last_used_interval', 'default_lifetime')", message=DL_MSG)
        self.assertEqual({k: None if v is None else str(v) for k, v in self.all_settings().items()},
                         SETTINGS)


class PrefixTest(SettingsTestCase):

    def test_new_prefix_affects_new_tokens_only_and_old_tokens_keep_working(self):
        old = self.create(rights="DATA_FETCH")
        oid = self.id_of(old)
        self.set_setting("prefix", "acme_")
        self.assertEqual(self.setting("prefix"), "acme_")
        new = self.one("SELECT pat_create('u', 'n', 'DATA_FETCH')")
        self.assertTrue(new.startswith("acme_"), new)
        self.assertEqual(len(new), len("acme_") + helpers.TAIL_LEN)
        self.assertTrue(helpers.checksum_ok(new, prefix="acme_"))
        nid = self.verify(new)
        self.assertIsInstance(nid, int)
        self.assertNotEqual(nid, oid)
        self.assertEqual(self.verify(old), oid)
        self.assertEqual(self.verify("Bearer " + old), oid)
        self.assertEqual(self.has_right(old, "DATA_FETCH"), 1)
        self.assertEqual(self.has_right(new, "DATA_FETCH"), 1)
        # a rotation of the old row still answers with a working token
        rotated = self.one("SELECT pat_rotate(?)", (oid,))
        self.assertEqual(self.verify(rotated), oid)
        self.assertIsNone(self.verify(old))

    def test_empty_and_32_character_prefixes_accepted(self):
        self.set_setting("prefix", "")
        tok = self.one("SELECT pat_create('u', 'n', 'DATA_FETCH')")
        self.assertEqual(len(tok), helpers.TAIL_LEN)
        self.assertTrue(re.fullmatch(r"[0-9A-Za-z]+", tok), tok)
        self.assertTrue(helpers.checksum_ok(tok, prefix=""))
        self.assertIsInstance(self.verify(tok), int)
        p32 = "Ab_9" * 8
        self.set_setting("prefix", p32)
        tok = self.one("SELECT pat_create('u', 'n', 'DATA_FETCH')")
        self.assertTrue(tok.startswith(p32))
        self.assertTrue(helpers.checksum_ok(tok, prefix=p32))
        self.assertIsInstance(self.verify(tok), int)

    def test_bad_prefixes_refused(self):
        self.create()
        for bad in ("a" * 33, "pat-", "pat ", "p\u00e4t_", "pat\n", "-"):
            with self.subTest(prefix=bad):
                self.refuse("prefix", bad, message=PREFIX_MSG)
        self.refuse("prefix", None, prefix="pat_settings: ")
        self.assertEqual(self.setting("prefix"), "pat_")
        self.assertTrue(self.create().startswith("pat_"))


class LifetimeTest(SettingsTestCase):

    def test_default_lifetime_used_by_pat_create(self):
        self.set_setting("default_lifetime", 3600)
        self.assertEqual(self.setting("default_lifetime"), 3600)
        n0 = self.now()
        tok = self.create()
        n1 = self.now()
        vf, vt = self.window(tok)
        self.assertTrue(n0 <= vf <= n1)
        self.assertEqual(vt - vf, 3600)
        tok = self.create(valid_from=F)
        self.assertEqual(self.window(tok, F), (F, F + 3600))

    def test_integral_real_is_stored_as_integer(self):
        for key, value in (("default_lifetime", 7200.0),
                           ("max_lifetime", 86400.0 * 400),
                           ("last_used_interval", 30.0)):
            with self.subTest(key=key):
                self.set_setting(key, value)
                self.assertEqual(self.one(
                    "SELECT typeof(value) || ':' || value FROM pat_settings "
                    "WHERE key = ?", (key,)), "integer:%d" % int(value))

    def test_integer_given_as_text_is_stored_as_integer(self):
        # README: "Integers may be given as INTEGER, integral REAL or text"
        for key, value in (("default_lifetime", "7200"),
                           ("max_lifetime", "86400"),
                           ("last_used_interval", "0")):
            with self.subTest(key=key):
                self.set_setting(key, value)
                self.assertEqual(self.one(
                    "SELECT typeof(value) || ':' || value FROM pat_settings "
                    "WHERE key = ?", (key,)), "integer:%s" % value)
        tok = self.create(valid_from=F)
        self.assertEqual(self.window(tok, F), (F, F + 7200))

    def test_default_lifetime_refusals(self):
        for bad in (0, -1, -3600, 1.5, "-60", "1.5", "abc", None, b"\x01"):
            with self.subTest(value=bad):
                self.refuse("default_lifetime", bad, message=DL_MSG)
        self.refuse("default_lifetime", MAX_LIFETIME + 1,
                    message="pat_settings: default_lifetime may not exceed "
                            "max_lifetime (31622400)")
        self.set_setting("max_lifetime", 5000000)
        self.refuse("default_lifetime", 5000001,
                    message="pat_settings: default_lifetime may not exceed "
                            "max_lifetime (5000000)")
        self.set_setting("default_lifetime", 5000000)
        self.assertEqual(self.setting("default_lifetime"), 5000000)

    def test_max_lifetime_refusals(self):
        for bad in (0, -1, 2.5, "0", "forever", b"\x01"):
            with self.subTest(value=bad):
                self.refuse("max_lifetime", bad, message=ML_MSG)
        self.refuse("max_lifetime", DEFAULT_LIFETIME - 1,
                    message="pat_settings: max_lifetime may not be less than "
                            "default_lifetime (2592000)")
        self.set_setting("default_lifetime", 60)
        self.refuse("max_lifetime", 59,
                    message="pat_settings: max_lifetime may not be less than "
                            "default_lifetime (60)")
        self.set_setting("max_lifetime", 60)
        self.assertEqual(self.setting("max_lifetime"), 60)

    def test_max_lifetime_limits_create_update_and_rotate(self):
        tok = self.create(valid_from=F, valid_to=F + 86400)
        tid = self.verify(tok, F)
        self.set_setting("default_lifetime", 3600)
        self.set_setting("max_lifetime", 7200)
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)", (F, F + 7201),
            message="pat_create: lifetime of 7201 seconds exceeds "
                    "max_lifetime (7200)")
        self.create(valid_from=F, valid_to=F + 7200)
        self.assertRefused(
            "UPDATE pat_tokens SET valid_from = ?, valid_to = ? WHERE id = ?",
            (F, F + 7201, tid),
            message="pat_tokens: lifetime of 7201 seconds exceeds "
                    "max_lifetime (7200)")
        p = self.now() + 100000
        self.conn.execute("UPDATE pat_tokens SET valid_from = ?, valid_to = ? "
                          "WHERE id = ?", (p, p + 10, tid))
        self.assertRefused(
            "SELECT pat_rotate(?, ?)", (tid, p + 7201),
            message="pat_rotate: lifetime of 7201 seconds exceeds "
                    "max_lifetime (7200)")

    def test_lowering_max_lifetime_leaves_existing_tokens_working(self):
        tok = self.create(rights="DATA_FETCH")     # 30 days
        tid = self.id_of(tok)
        self.set_setting("default_lifetime", 60)
        self.set_setting("max_lifetime", 120)
        self.assertEqual(self.verify(tok), tid)
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)

    def test_max_lifetime_null_means_no_limit(self):
        self.set_setting("max_lifetime", None)
        self.assertIsNone(self.setting("max_lifetime"))
        lo, hi = F, 253402300799                   # 9999-12-31 23:59:59
        tok = self.create(valid_from=lo, valid_to=hi)
        tid = self.verify(tok, lo)
        self.assertEqual(self.window(tok, lo), (lo, hi))
        self.conn.execute("UPDATE pat_tokens SET valid_from = ? WHERE id = ?",
                          (-62167219200, tid))
        self.assertEqual(self.token_row(tid)["valid_from"],
                         "0000-01-01 00:00:00")
        self.one("SELECT pat_rotate(?, ?)", (tid, hi - 1))
        self.assertEqual(self.token_row(tid)["valid_to"], utc(hi - 1))
        # default_lifetime is unbounded too, and still used
        self.set_setting("default_lifetime", 100 * 366 * 86400)
        tok = self.create(valid_from=F)
        self.assertEqual(self.window(tok, F), (F, F + 100 * 366 * 86400))
        # a limit can come back
        self.refuse("max_lifetime", MAX_LIFETIME,
                    message="pat_settings: max_lifetime may not be less than "
                            "default_lifetime (%d)" % (100 * 366 * 86400))
        self.set_setting("default_lifetime", DEFAULT_LIFETIME)
        self.set_setting("max_lifetime", MAX_LIFETIME)
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)",
            (F, F + MAX_LIFETIME + 1),
            message="pat_create: lifetime of %d seconds exceeds max_lifetime "
                    "(%d)" % (MAX_LIFETIME + 1, MAX_LIFETIME))


class RoleAuditIntervalTest(SettingsTestCase):

    def test_default_role_accepts_existing_roles_only(self):
        for role in ("VIEWER", "ADMIN", "AUTHOR", "ROOT"):
            self.set_setting("default_role", role)
            self.assertEqual(self.setting("default_role"), role)
        for bad in ("NOPE", "root", ""):
            with self.subTest(role=bad):
                self.refuse("default_role", bad,
                            message="pat_settings: unknown role '%s'" % bad)
        self.refuse("default_role", None, prefix="pat_settings: ")
        self.conn.execute("INSERT INTO pat_roles VALUES ('GUEST', "
                          "'DATA_FETCH')")
        self.set_setting("default_role", "GUEST")
        tok = self.create(owner="walk-in", rights="*")
        tid = self.id_of(tok)
        self.assertEqual(json.loads(self.token_row(tid)["rights"]),
                         ["DATA_FETCH"])

    def test_audit_accepts_its_three_modes_only(self):
        for mode in ("off", "all", "changes"):
            self.set_setting("audit", mode)
            self.assertEqual(self.setting("audit"), mode)
        for bad in ("verbose", "", "none", "on", 1):
            with self.subTest(mode=bad):
                self.refuse("audit", bad, message=AUDIT_MSG)
        self.refuse("audit", None, prefix="pat_settings: ")
        self.assertEqual(self.setting("audit"), "changes")

    def test_last_used_interval_accepts_non_negative_integers_only(self):
        for good in (0, 1, 86400):
            self.set_setting("last_used_interval", good)
            self.assertEqual(self.setting("last_used_interval"), good)
        for bad in (-1, 0.5, "-1", "often", None, b"\x01"):
            with self.subTest(value=bad):
                self.refuse("last_used_interval", bad, message=LUI_MSG)
        self.assertEqual(self.setting("last_used_interval"), 86400)

    def test_settings_visible_to_another_connection_at_once(self):
        other = self.connect()
        self.create(conn=other)
        self.set_setting("prefix", "x_")
        tok = self.one("SELECT pat_create('u', 'n', 'DATA_FETCH')", conn=other)
        self.assertTrue(tok.startswith("x_"), tok)
        self.set_setting("default_role", "VIEWER")
        before = helpers.snapshot(self.path)
        self.assertSqlError("SELECT pat_create('u', 'n', 'USER_FETCH')",
                            conn=other,
                            message="pat_create: role 'VIEWER' may not grant "
                                    "'USER_FETCH'")
        self.assertEqual(helpers.snapshot(self.path), before)
