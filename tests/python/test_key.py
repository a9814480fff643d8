"""The optional server-side key (pepper): pat_key, pat_rekey and PAT_KEY.

With a key, digests are keyed BLAKE2b; the store records only a fingerprint
of the key, and a missing or wrong key is an error, never silent failure.
"""
import hashlib
import os
import subprocess

from tests.python import helpers
from tests.python.helpers import PatTestCase

KEY = bytes(range(32))
KEY2 = bytes(range(100, 148))


class KeyTest(PatTestCase):

    def keyed(self, conn=None, key=KEY):
        c = conn or self.conn
        fp = c.execute("SELECT pat_key(?)", (key,)).fetchone()[0]
        self.assertRegex(fp, r"^[0-9a-f]{16}$")
        return fp

    def stored_digest(self, token_id):
        raw = helpers.raw_connect(self.path)
        try:
            return raw.execute("SELECT digest FROM pat_store_tokens WHERE id = ?",
                               (token_id,)).fetchone()[0]
        finally:
            raw.close()

    def test_key_gives_a_fingerprint_and_null_unsets_it(self):
        fp = self.keyed()
        self.assertEqual(self.keyed(), fp)
        self.assertNotEqual(self.keyed(key=KEY2), fp)
        self.assertIsNone(self.one("SELECT pat_key(NULL)"))

    def test_key_must_be_a_blob_of_32_to_64_bytes(self):
        msg = "pat_key: the key must be a BLOB of 32 to 64 bytes, or NULL for none"
        for bad in (b"x" * 31, b"x" * 65, "a" * 32, 42, 1.5, b""):
            with self.subTest(bad=bad):
                self.assertRefused("SELECT pat_key(?)", (bad,), message=msg)
        self.keyed(key=b"k" * 64)

    def test_keyed_store_stores_keyed_digests_and_verifies_with_the_key(self):
        self.keyed()
        tok = self.create(rights="DATA_FETCH")
        tid = self.id_of(tok)
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        stored = self.stored_digest(tid)
        self.assertEqual(stored, hashlib.blake2b(tok.encode(), key=KEY, digest_size=32).digest())
        self.assertNotEqual(stored, hashlib.blake2b(tok.encode(), digest_size=32).digest())

    def test_key_is_never_written_to_the_file(self):
        self.keyed()
        self.create()
        self.conn.close()
        with open(self.path, "rb") as f:
            data = f.read()
        self.assertNotIn(KEY, data)
        self.assertNotIn(KEY.hex().encode(), data)

    def test_missing_key_is_an_error_naming_the_fingerprint(self):
        fp = self.keyed()
        tok = self.create()
        other = self.connect()
        msg = self.assertSqlError("SELECT pat_verify(?)", (tok,), conn=other,
                                  contains="needs the key it was made with")
        self.assertIn(fp, msg)
        self.assertSqlError("SELECT pat_has_right(?, 'DATA_FETCH')", (tok,), conn=other,
                            contains="needs the key")
        self.assertSqlError("SELECT pat_create('u', 'n', 'DATA_FETCH')", conn=other,
                            contains="needs the key")
        self.keyed(conn=other)
        self.assertIsNotNone(self.verify(tok, conn=other))

    def test_wrong_key_is_an_error(self):
        self.keyed()
        tok = self.create()
        other = self.connect()
        self.keyed(conn=other, key=KEY2)
        self.assertSqlError("SELECT pat_verify(?)", (tok,), conn=other,
                            contains="is not the store's")

    def test_store_made_without_a_key_keeps_working_and_refuses_a_key(self):
        tok = self.create()
        self.assertIsNotNone(self.verify(tok))
        self.keyed()
        self.assertSqlError("SELECT pat_verify(?)", (tok,), contains="made without a key")
        self.one("SELECT pat_key(NULL)")
        self.assertIsNotNone(self.verify(tok))

    def test_a_token_planted_in_a_keyed_store_does_not_verify(self):
        self.keyed()
        self.create()
        planted = helpers.make_token()
        raw = helpers.raw_connect(self.path)
        raw.execute("INSERT INTO pat_store_tokens(digest, id, owner, name, valid_from,"
                    " valid_to, rights, created_at) VALUES (?, 99, 'evil', 'x', 0,"
                    " 253402300799, '[\"USER_DELETE\"]', 0)",
                    (hashlib.blake2b(planted.encode(), digest_size=32).digest(),))
        raw.commit()
        raw.close()
        self.assertIsNone(self.verify(planted))
        self.assertEqual(self.has_right(planted, "USER_DELETE"), 0)

    def test_rekey_moves_the_store_old_tokens_stop_until_rotated(self):
        self.keyed()
        tok = self.create()
        tid = self.id_of(tok)
        other = self.connect()
        self.keyed(conn=other)
        self.assertIsNotNone(self.verify(tok, conn=other))
        fp2 = self.one("SELECT pat_rekey(?)", (KEY2,))
        self.assertEqual(fp2, self.keyed(conn=self.connect(), key=KEY2))
        # the old value was digested with the old key: it no longer verifies
        self.assertIsNone(self.verify(tok))
        new = self.one("SELECT pat_rotate(?)", (tid,))
        self.assertEqual(self.verify(new), tid)
        # a connection still holding the old key is told, not silently refused
        self.assertSqlError("SELECT pat_verify(?)", (new,), conn=other,
                            contains="is not the store's")

    def test_rekey_with_the_wrong_current_key_is_refused(self):
        self.keyed()
        self.create()
        other = self.connect()
        before = helpers.snapshot(self.path)
        self.assertSqlError("SELECT pat_rekey(?)", (KEY2,), conn=other,
                            contains="needs the key")
        self.assertEqual(helpers.snapshot(self.path), before)

    def test_rekey_to_null_makes_the_store_keyless(self):
        self.keyed()
        tid = self.id_of(self.create())
        self.assertIsNone(self.one("SELECT pat_rekey(NULL)"))
        new = self.one("SELECT pat_rotate(?)", (tid,))
        plain = self.connect()
        self.assertEqual(self.verify(new, conn=plain), tid)


class EnvKeyTest(PatTestCase):

    def run_python(self, code, key_hex):
        env = dict(os.environ, PAT_KEY=key_hex)
        return subprocess.run(["/usr/bin/python3", "-c", code, self.path, helpers.EXT],
                              env=env, capture_output=True, text=True, timeout=60)

    def test_pat_key_environment_variable_keys_the_connection_at_load(self):
        code = ("import sqlite3, sys\n"
                "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                "c.enable_load_extension(True); c.load_extension(sys.argv[2])\n"
                "t = c.execute(\"SELECT pat_create('u', 'n', 'DATA_FETCH')\").fetchone()[0]\n"
                "print(t)\n")
        out = self.run_python(code, KEY.hex())
        self.assertEqual(out.returncode, 0, out.stderr)
        tok = out.stdout.strip()
        # this connection has no key: the store says it needs one
        self.assertSqlError("SELECT pat_verify(?)", (tok,), contains="needs the key")
        self.one("SELECT pat_key(?)", (KEY,))
        self.assertIsNotNone(self.verify(tok))

    def test_bad_pat_key_environment_variable_fails_the_load(self):
        code = ("import sqlite3, sys\n"
                "c = sqlite3.connect(sys.argv[1])\n"
                "c.enable_load_extension(True)\n"
                "try:\n"
                "    c.load_extension(sys.argv[2])\n"
                "except sqlite3.Error as e:\n"
                "    print(e); sys.exit(3)\n")
        for bad in ("zz" * 32, "ab" * 31, "ab" * 65, "abc"):
            with self.subTest(bad=bad):
                out = self.run_python(code, bad)
                self.assertEqual(out.returncode, 3, out.stdout + out.stderr)
                self.assertIn("PAT_KEY must be 32 to 64 bytes in hex", out.stdout)

