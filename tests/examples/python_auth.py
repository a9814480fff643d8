"""examples/python/auth.py on its own, without the server: unittest.

    /usr/bin/python3 -m unittest -v tests/examples/python_auth.py   # from the repo root, after make

Every answer of authenticate(): the token id, 401 (with its Bearer
challenge) for each way a token is not valid, 403 (without one) for a
missing right, a list of rights, the realm, and a right pat does not know
(an error, not a 403). tests/examples/python_api.sh runs it first and
reads unittest's -v lines, one result per case: give a test no docstring,
which -v would print in place of its name.
"""
import os
import shutil
import sqlite3
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

import auth  # noqa: E402  (examples/python/auth.py)


class AuthTest(unittest.TestCase):

    def setUp(self):
        tmp = tempfile.mkdtemp(prefix="pat-auth-")
        self.addCleanup(shutil.rmtree, tmp)
        self.db = sqlite3.connect(os.path.join(tmp, "app.db"), isolation_level=None)
        self.addCleanup(self.db.close)
        # As the example server runs it: on WAL, a read of pat_tokens shows the
        # bookkeeping the connection holds.
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.enable_load_extension(True)
        self.db.load_extension(os.path.join(ROOT, "dist", "pat"))
        self.full = self.mint("alice", "full", '["DATA_FETCH", "DATA_CREATE", "DATA_DELETE"]')
        self.reader = self.mint("bob", "reader", '["DATA_FETCH"]')

    def mint(self, owner, name, rights, valid_from=None, valid_to=None):
        return self.db.execute("SELECT pat_create(?, ?, ?, ?, ?)",
                               (owner, name, rights, valid_from, valid_to)).fetchone()[0]

    def token_id(self, name):
        return self.db.execute("SELECT id FROM pat_tokens WHERE name = ?", (name,)).fetchone()[0]

    def refused(self, authorization, right="DATA_FETCH", realm=None):
        with self.assertRaises(auth.AuthError) as cm:
            auth.authenticate(self.db, authorization, right, realm)
        return cm.exception

    def assert_401(self, authorization,
                   message="invalid, expired or revoked token, or not allowed from this address"):
        e = self.refused(authorization)
        self.assertEqual((e.status, e.message, e.headers, e.token_id),
                         (401, message, {"WWW-Authenticate": "Bearer"}, None), authorization)
        for t in (self.full, self.reader):
            self.assertNotIn(t[4:], e.message)

    # ---- success
    def test_a_token_with_the_right_gives_its_id(self):
        full = self.token_id("full")
        self.assertEqual(auth.authenticate(self.db, "Bearer " + self.full, "DATA_CREATE"), full)
        self.assertEqual(auth.authenticate(self.db, "bearer " + self.full, "DATA_FETCH"), full)
        self.assertEqual(auth.authenticate(self.db, self.full, "DATA_FETCH"), full)  # a bare token
        self.assertEqual(auth.authenticate(self.db, "Bearer " + self.reader, "DATA_FETCH"), self.token_id("reader"))

    def test_success_records_the_last_use(self):
        self.assertIsNone(self.db.execute("SELECT last_used_at FROM pat_tokens WHERE name = 'full'").fetchone()[0])
        auth.authenticate(self.db, "Bearer " + self.full, "DATA_FETCH")
        self.assertIsNotNone(self.db.execute("SELECT last_used_at FROM pat_tokens WHERE name = 'full'").fetchone()[0])

    # ---- 401
    def test_no_token_is_401_missing(self):
        for header in (None, ""):
            self.assert_401(header, "missing token: send 'Authorization: Bearer <token>'")

    def test_a_token_that_is_not_valid_is_401(self):
        typo = self.full[:-1] + ("B" if self.full.endswith("A") else "A")
        elsewhere = sqlite3.connect(":memory:")
        elsewhere.enable_load_extension(True)
        elsewhere.load_extension(os.path.join(ROOT, "dist", "pat"))
        stranger = elsewhere.execute("SELECT pat_create('eve', 'x', 'DATA_FETCH')").fetchone()[0]
        elsewhere.close()
        expired = self.mint("alice", "expired", '["DATA_FETCH"]', "2020-01-01", "2020-02-01")
        later = self.mint("alice", "later", '["DATA_FETCH"]', "2999-01-01", "2999-02-01")
        for header in ("Bearer", "Bearer ", "Bearer x", "Basic YWxpY2U6c2VjcmV0", "Bearer " + typo,
                       "Bearer " + stranger, "Bearer " + expired, "Bearer " + later, self.full + " x"):
            self.assert_401(header)

    def test_a_deleted_or_rotated_token_is_401_at_once(self):
        auth.authenticate(self.db, "Bearer " + self.reader, "DATA_FETCH")
        self.db.execute("DELETE FROM pat_tokens WHERE name = 'reader'")
        self.assert_401("Bearer " + self.reader)
        new = self.db.execute("SELECT pat_rotate(?)", (self.token_id("full"),)).fetchone()[0]
        self.assert_401("Bearer " + self.full)
        self.assertEqual(auth.authenticate(self.db, "Bearer " + new, "DATA_FETCH"), self.token_id("full"))

    # ---- 403
    def test_a_valid_token_without_the_right_is_403(self):
        e = self.refused("Bearer " + self.reader, "DATA_DELETE")
        self.assertEqual((e.status, e.message, e.headers, e.token_id),
                         (403, "this token lacks the right DATA_DELETE", {}, self.token_id("reader")))
        self.assertEqual(str(e), e.message)

    def test_a_right_taken_away_is_403_at_once(self):
        auth.authenticate(self.db, "Bearer " + self.full, "DATA_DELETE")
        self.db.execute("INSERT INTO pat_owners(owner, role) VALUES ('alice', 'VIEWER')")
        self.assertEqual(self.refused("Bearer " + self.full, "DATA_DELETE").status, 403)
        self.assertEqual(auth.authenticate(self.db, "Bearer " + self.full, "DATA_FETCH"), self.token_id("full"))

    # ---- several rights, the realm, mistakes of the caller
    def test_a_list_of_rights_needs_them_all(self):
        full = self.token_id("full")
        self.assertEqual(auth.authenticate(self.db, "Bearer " + self.full, ["DATA_FETCH", "DATA_DELETE"]), full)
        self.assertEqual(auth.authenticate(self.db, "Bearer " + self.full, ("DATA_CREATE",)), full)
        e = self.refused("Bearer " + self.reader, ["DATA_FETCH", "DATA_CREATE", "DATA_DELETE"])
        self.assertEqual((e.status, e.message, e.token_id),
                         (403, "this token lacks the right DATA_CREATE", self.token_id("reader")))
        self.assertEqual(self.refused("Bearer x", ["DATA_FETCH", "DATA_DELETE"]).status, 401)
        with self.assertRaises(ValueError):
            auth.authenticate(self.db, "Bearer " + self.full, [])

    def test_the_realm_goes_into_the_challenge(self):
        self.assertEqual(self.refused(None, realm="items").headers, {"WWW-Authenticate": 'Bearer realm="items"'})
        self.assertEqual(self.refused("Bearer x", realm='a "b" \\c').headers,
                         {"WWW-Authenticate": 'Bearer realm="a \\"b\\" \\\\c"'})
        self.assertEqual(self.refused("Bearer " + self.reader, "DATA_DELETE", realm="items").headers, {})

    def test_an_unknown_right_is_an_error_not_a_403(self):
        for header in ("Bearer " + self.full, None):
            with self.assertRaisesRegex(sqlite3.OperationalError, "unknown right 'DATA_FECTH'"):
                auth.authenticate(self.db, header, "DATA_FECTH")

    # ---- the client's address and the token's allow-list
    def test_a_token_with_an_allow_list_works_only_from_there(self):
        ci = self.db.execute("SELECT pat_create('carol', 'ci', 'DATA_FETCH', NULL, NULL,"
                             " '{\"allowed_ips\": [\"10.40.0.0/16\"]}')").fetchone()[0]
        tid = self.token_id("ci")
        self.assertEqual(auth.authenticate(self.db, "Bearer " + ci, "DATA_FETCH",
                                           client="10.40.1.2"), tid)
        for client in ("10.41.1.2", None):
            with self.assertRaises(auth.AuthError) as cm:
                auth.authenticate(self.db, "Bearer " + ci, "DATA_FETCH", client=client)
            self.assertEqual(cm.exception.status, 401)
        # a token without a list takes any client
        self.assertEqual(auth.authenticate(self.db, "Bearer " + self.reader, "DATA_FETCH",
                                           client="203.0.113.9"), self.token_id("reader"))
        self.assertEqual(self.db.execute("SELECT last_used_ips FROM pat_tokens WHERE name = 'ci'"
                                         ).fetchone()[0], '["10.40.1.2"]')

    def test_client_address_trusts_x_forwarded_for_only_from_a_trusted_proxy(self):
        ca = auth.client_address
        # no proxy trusted: the header is the client's own words
        self.assertEqual(ca("203.0.113.9", "10.40.1.2"), "203.0.113.9")
        # a trusted proxy: the rightmost entry that is not a trusted proxy
        self.assertEqual(ca("10.0.0.5", "10.40.1.2", ["10.0.0.5"]), "10.40.1.2")
        self.assertEqual(ca("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.4", ["10.0.0.0/24"]),
                         "198.51.100.7")
        self.assertEqual(ca("::ffff:10.0.0.5", "198.51.100.7", ["10.0.0.0/24"]), "198.51.100.7")
        # a peer that is no trusted proxy: its header is ignored
        self.assertEqual(ca("198.51.100.1", "10.40.1.2", ["10.0.0.5"]), "198.51.100.1")
        # nothing usable in the header: the peer
        self.assertEqual(ca("10.0.0.5", None, ["10.0.0.5"]), "10.0.0.5")
        self.assertEqual(ca("10.0.0.5", "unknown", ["10.0.0.5"]), "10.0.0.5")
        self.assertEqual(ca("10.0.0.5", "10.0.0.5", ["10.0.0.5"]), "10.0.0.5")

    def test_token_owner(self):
        self.assertEqual(auth.token_owner(self.db, self.token_id("reader")), "bob")
        self.assertIsNone(auth.token_owner(self.db, 9999))


if __name__ == "__main__":
    unittest.main()
