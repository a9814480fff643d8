"""pat_create: the token, what pat_tokens shows, owner and name checks."""
import hashlib
import json
import os
import sqlite3

from tests.python import helpers
from tests.python.helpers import PatTestCase


class TokenTest(PatTestCase):
    journal_mode = "wal"

    def test_create_returns_text_token_with_prefix_and_valid_checksum(self):
        tok = self.create()
        self.assertEqual(len(tok), 42)
        self.assertTrue(tok.startswith("pat_"))
        self.assertTrue(helpers.checksum_ok(tok))
        self.assertEqual(self.one("SELECT typeof(pat_create('u','n','DATA_FETCH'))"),
                         "text")

    def test_100_tokens_are_distinct_and_well_formed(self):
        toks = [self.create(name="n%d" % i) for i in range(100)]
        self.assertEqual(len(set(toks)), 100)
        self.assertEqual(len({t[4:36] for t in toks}), 100)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 100)
        ids = [r[0] for r in self.rows("SELECT id FROM pat_tokens")]
        self.assertEqual(len(set(ids)), 100)

    def test_token_never_in_database_file_or_wal(self):
        toks = [self.create(name="n%d" % i, rights="*") for i in range(20)]
        needles = []
        for t in toks:
            needles += [t.encode(), t[4:].encode(), t[4:36].encode(),
                        t.encode("utf-16-le")]

        def check(label):
            for suffix in ("", "-wal", "-journal", "-shm"):
                data = helpers.file_bytes(self.path + suffix)
                if data is None:
                    continue
                for n in needles:
                    self.assertNotIn(n, data, "%s%s holds a token (%s)"
                                     % (label, suffix, n[:10]))
        check("open:")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        check("checkpointed:")
        self.conn.close()
        check("closed:")
        self.assertTrue(os.path.getsize(self.path) > 0)

    def test_token_never_in_rollback_journal_database_file(self):
        # same check on a rollback-journal file
        path = os.path.join(self.tmpdir, "rj.db")
        c = self.connect(path=path)
        toks = [self.create(name="n%d" % i, conn=c) for i in range(10)]
        c.close()
        data = helpers.file_bytes(path)
        self.assertTrue(data)
        for t in toks:
            self.assertNotIn(t.encode(), data)
            self.assertNotIn(t[4:36].encode(), data)

    def test_token_and_digest_never_in_any_pat_tokens_column(self):
        toks = [self.create(name="n%d" % i) for i in range(10)]
        digests = []
        for t in toks:
            d = hashlib.blake2b(t.encode(), digest_size=32).digest()
            digests += [d, d.hex(), d.hex().upper()]
        for row in self.rows("SELECT * FROM pat_tokens"):
            for v in row:
                for t in toks:
                    if isinstance(v, str):
                        self.assertNotIn(t, v)
                        self.assertNotIn(t[4:36], v)
                    if isinstance(v, bytes):
                        self.assertNotIn(t.encode(), v)
                for d in digests:
                    if isinstance(v, type(d)):
                        self.assertNotIn(d, v)
        cols = [d[0] for d in self.conn.execute(
            "SELECT * FROM pat_tokens").description]
        self.assertEqual(cols, helpers.COLUMNS["pat_tokens"])

    def test_pat_tokens_row_shows_contract_columns(self):
        now0 = self.now()
        tok = self.create(owner="alice", name="ci deploy",
                          rights="DATA_FETCH, DATA_CREATE")
        now1 = self.now()
        tid = self.id_of(tok)
        row = self.token_row(tid)
        self.assertEqual(row["id"], tid)
        self.assertEqual(row["owner"], "alice")
        self.assertEqual(row["name"], "ci deploy")
        for col in ("valid_from", "valid_to", "created_at"):
            self.assertRegex(row[col], helpers.TIME_RE, col)
        vf, vt, ca = (self.unix(row[c]) for c in
                      ("valid_from", "valid_to", "created_at"))
        self.assertTrue(now0 - 1 <= vf <= now1 + 1, (now0, vf, now1))
        self.assertEqual(vt - vf, helpers.DEFAULT_LIFETIME)
        self.assertTrue(now0 - 1 <= ca <= now1 + 1)
        self.assertEqual(helpers.rights_json(row["rights"]),
                         ["DATA_CREATE", "DATA_FETCH"])
        self.assertEqual(row["status"], "active")
        self.assertIsNone(row["last_used_at"])
        types = self.rows(
            "SELECT typeof(id), typeof(owner), typeof(name), typeof(valid_from),"
            " typeof(valid_to), typeof(rights), typeof(status),"
            " typeof(created_at), typeof(last_used_at) FROM pat_tokens")
        self.assertEqual(types, [("integer", "text", "text", "text", "text",
                                  "text", "text", "text", "null")])
        self.assertEqual(self.one("SELECT json_valid(rights) FROM pat_tokens"), 1)

    def test_valid_from_and_valid_to_shown_as_utc_text(self):
        tok = self.create(valid_from=1790000000, valid_to=1790003600)
        row = self.token_row(self.verify(tok, 1790000000))
        self.assertEqual(row["valid_from"], "2026-09-21 14:13:20")
        self.assertEqual(row["valid_to"], "2026-09-21 15:13:20")

    def test_status_active_pending_expired(self):
        now = self.now()
        a = self.id_of(self.create(valid_from=now - 10, valid_to=now + 100))
        p = self.create(valid_from=now + 1000, valid_to=now + 2000)
        e = self.create(valid_from=now - 2000, valid_to=now - 1000)
        st = dict(self.rows("SELECT id, status FROM pat_tokens"))
        self.assertEqual(st[a], "active")
        self.assertEqual(sorted(st.values()), ["active", "expired", "pending"])
        pid = self.verify(p, now + 1500)
        eid = self.verify(e, now - 1500)
        self.assertEqual(st[pid], "pending")
        self.assertEqual(st[eid], "expired")

    def test_ids_are_integers_that_pat_verify_returns(self):
        toks = [self.create(name="n%d" % i) for i in range(5)]
        ids = [self.id_of(t) for t in toks]
        self.assertEqual(len(set(ids)), 5)
        for t, i in zip(toks, ids):
            self.assertEqual(self.token_row(i)["name"], "n%d" % toks.index(t))


class OwnerTest(PatTestCase):

    def test_owner_integer_and_text_are_same_owner_stored_as_text(self):
        a = self.create(owner=42)
        b = self.create(owner="42")
        rows = self.rows("SELECT owner, typeof(owner) FROM pat_tokens")
        self.assertEqual(rows, [("42", "text"), ("42", "text")])
        self.assertEqual(self.rows(
            "SELECT count(*) FROM pat_tokens WHERE owner = '42'"), [(2,)])
        self.assertIsNotNone(self.id_of(a))
        self.assertIsNotNone(self.id_of(b))

    def test_owner_negative_and_large_integers_as_text(self):
        self.create(owner=-7)
        self.create(owner=9223372036854775807)
        owners = sorted(r[0] for r in self.rows("SELECT owner FROM pat_tokens"))
        self.assertEqual(owners, ["-7", "9223372036854775807"])

    def test_owner_null_empty_real_blob_are_errors(self):
        msg = "pat_create: owner must be a non-empty text or an integer"
        for owner in (None, "", 1.5, b"u1", b""):
            with self.subTest(owner=owner):
                self.assertRefused("SELECT pat_create(?, 'n', 'DATA_FETCH')",
                                   (owner,), message=msg)
        self.assertNoStore()

    def test_owner_as_a_real_holding_a_whole_number_is_that_integer(self):
        # better-sqlite3 and other drivers send every number as a REAL
        self.create(owner=42.0)
        self.create(owner=42)
        self.assertEqual(self.rows("SELECT DISTINCT owner FROM pat_tokens"), [("42",)])

    def test_owner_too_long_control_char_invalid_utf8_are_errors(self):
        self.assertRefused("SELECT pat_create(?, 'n', 'DATA_FETCH')",
                           ("o" * 256,),
                           message="pat_create: owner is longer than 255 bytes")
        for owner in ("a\x01b", "a\nb", "\x7f"):
            with self.subTest(owner=owner):
                self.assertRefused(
                    "SELECT pat_create(?, 'n', 'DATA_FETCH')", (owner,),
                    message="pat_create: owner contains a control character")
        self.assertRefused(
            "SELECT pat_create(CAST(x'610062' AS TEXT), 'n', 'DATA_FETCH')",
            message="pat_create: owner contains a control character")
        self.assertRefused(
            "SELECT pat_create(CAST(x'61ff62' AS TEXT), 'n', 'DATA_FETCH')",
            message="pat_create: owner is not valid UTF-8")
        self.assertNoStore()

    def test_owner_255_bytes_ok(self):
        self.create(owner="o" * 255)
        self.assertEqual(self.one("SELECT owner FROM pat_tokens"), "o" * 255)


class NameTest(PatTestCase):

    def test_name_null_empty_integer_real_blob_are_errors(self):
        msg = "pat_create: name must be a non-empty text"
        for name in (None, "", 42, 1.5, b"name"):
            with self.subTest(name=name):
                self.assertRefused("SELECT pat_create('u', ?, 'DATA_FETCH')",
                                   (name,), message=msg)
        self.assertNoStore()

    def test_name_over_255_bytes_is_error(self):
        msg = "pat_create: name is longer than 255 bytes"
        for name in ("n" * 256, "\u00e9" * 128, "n" * 100000):
            with self.subTest(n=len(name)):
                self.assertRefused("SELECT pat_create('u', ?, 'DATA_FETCH')",
                                   (name,), message=msg)

    def test_name_of_exactly_255_bytes_ok(self):
        for name in ("n" * 255, "\u00e9" * 127 + "x", "\u20ac" * 85):
            with self.subTest(name=name[:3]):
                self.assertEqual(len(name.encode()), 255)
                tok = self.create(name=name)
                self.assertEqual(self.token_row(self.id_of(tok))["name"], name)

    def test_name_control_characters_are_errors(self):
        msg = "pat_create: name contains a control character"
        for name in ("a\x01b", "line\nbreak", "tab\there", "cr\r", "\x1f",
                     "del\x7f", "c1\u0085x"):
            with self.subTest(name=name):
                self.assertRefused("SELECT pat_create('u', ?, 'DATA_FETCH')",
                                   (name,), message=msg)
        self.assertRefused(
            "SELECT pat_create('u', CAST(x'610062' AS TEXT), 'DATA_FETCH')",
            message=msg)
        self.assertNoStore()

    def test_name_invalid_utf8_is_error(self):
        msg = "pat_create: name is not valid UTF-8"
        for hexs in ("61ff62", "c3", "c328", "eda080", "f4908080", "c0af"):
            with self.subTest(hex=hexs):
                self.assertRefused(
                    "SELECT pat_create('u', CAST(x'%s' AS TEXT), 'DATA_FETCH')"
                    % hexs, message=msg)
        self.assertNoStore()

    def test_name_with_sql_metacharacters_and_quotes_stored_verbatim(self):
        names = ["Robert'); DROP TABLE pat_tokens;--", 'say "hi"', "it's",
                 "%_\\*?[]", "-- comment", "/* c */", "\u00fcn\u00efc\u00f8d\u00e9 \U0001F600",
                 "  spaced  ", "x' OR '1'='1"]
        ids = {}
        for n in names:
            ids[n] = self.id_of(self.create(name=n))
        for n, i in ids.items():
            self.assertEqual(self.token_row(i)["name"], n)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"),
                         len(names))

    def test_names_need_not_be_unique(self):
        a = self.create(name="same")
        b = self.create(name="same")
        self.assertNotEqual(self.id_of(a), self.id_of(b))


class ArgumentCountTest(PatTestCase):

    def test_wrong_argument_counts_are_errors(self):
        for sql in ("SELECT pat_create('u', 'n')",
                    "SELECT pat_create('u')",
                    "SELECT pat_create()",
                    "SELECT pat_create('u','n','DATA_FETCH',1,2,3,4)"):
            with self.subTest(sql=sql):
                self.assertRefused(
                    sql, message="wrong number of arguments to function "
                    "pat_create()")
        for sql, fn in (("SELECT pat_verify()", "pat_verify"),
                        ("SELECT pat_verify('a', 1, 2, 3)", "pat_verify"),
                        ("SELECT pat_has_right('a')", "pat_has_right"),
                        ("SELECT pat_has_right('a','DATA_FETCH',1,2,3)",
                         "pat_has_right"),
                        ("SELECT pat_version(1)", "pat_version")):
            with self.subTest(sql=sql):
                self.assertRefused(
                    sql, message="wrong number of arguments to function "
                    "%s()" % fn)
        self.assertNoStore()
