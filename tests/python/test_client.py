"""Client context (INTERFACE.md, "Client context"): a check's `client`
argument and a token's allow-list, descriptions, the addresses of uses
(last_used_ips), max_idle, max_tokens_per_owner and pat_notices."""
import json
import sqlite3

from tests.python import helpers
from tests.python.helpers import FastTestCase


class ClientTestCase(FastTestCase):
    bookkeeping_delay = 0

    def make(self, owner="u1", name="tok", rights="DATA_FETCH", options=None,
             valid_from=None, valid_to=None, conn=None):
        tok = self.one("SELECT pat_create(?, ?, ?, ?, ?, ?)",
                       (owner, name, rights, valid_from, valid_to,
                        None if options is None else json.dumps(options)), conn)
        self.assertRegex(tok, helpers.TOKEN_RE)
        return tok

    def made(self, tok):
        """The id of `tok`, just made: the newest token."""
        self.assertRegex(tok, helpers.TOKEN_RE)
        return self.last_id()

    def last_id(self):
        """The id of the token made last (a token with an allow-list does
        not verify without a client: id_of would not find it)."""
        return self.one("SELECT max(id) FROM pat_tokens")

    def check(self, tok, client, at=None, conn=None):
        return self.one("SELECT pat_verify(?, ?, ?)", (tok, at, client), conn)

    def right(self, tok, right, client, at=None, conn=None):
        return self.one("SELECT pat_has_right(?, ?, ?, ?)", (tok, right, at, client), conn)

    def column(self, tid, name, conn=None):
        return self.one("SELECT %s FROM pat_tokens WHERE id = ?" % name, (tid,), conn)


class AllowListTest(ClientTestCase):

    def test_addresses_compare_as_addresses_not_text(self):
        tok = self.make(options={"allowed_ips": ["10.0.0.0/8", "2001:DB8::/32", "192.0.2.7",
                                                 "::ffff:172.16.0.0/108"]})
        tid = self.last_id()
        for client in ("10.0.0.1", "10.255.255.255", "::ffff:10.1.2.3", "::FFFF:a01:203",
                       "2001:db8::1", "2001:0db8:0000::1", "2001:DB8:ffff::", "192.0.2.7",
                       "::ffff:192.0.2.7", "2001:db8::1%eth0",
                       "172.16.5.5", "172.31.255.255"):
            with self.subTest(client=client):
                self.assertEqual(self.check(tok, client), tid)
                self.assertEqual(self.right(tok, "DATA_FETCH", client), 1)
        for client in ("11.0.0.1", "9.255.255.255", "2001:db9::1", "192.0.2.8", "::1",
                       "::10.0.0.1", "172.32.0.0", "fe80::1%eth0"):
            with self.subTest(client=client):
                self.assertIsNone(self.check(tok, client))
                self.assertEqual(self.right(tok, "DATA_FETCH", client), 0)
        # shown canonical: IPv4-mapped as IPv4, lower case, a bare address
        self.assertEqual(json.loads(self.column(tid, "allowed_ips")),
                         ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "172.16.0.0/12"])

    def test_prefix_lengths_at_their_edges(self):
        tok = self.make(options={"allowed_ips": ["0.0.0.0/0"]})
        self.assertIsNotNone(self.check(tok, "203.0.113.9"))
        self.assertIsNone(self.check(tok, "2001:db8::1"))  # IPv4 blocks hold IPv4 only
        every6 = self.make(options={"allowed_ips": ["::/0"]})
        self.assertIsNotNone(self.check(every6, "2001:db8::1"))
        self.assertIsNotNone(self.check(every6, "10.0.0.1"))  # ::ffff:10.0.0.1 is in ::/0
        odd = self.make(options={"allowed_ips": ["10.0.0.128/25", "2001:db8::/127"]})
        self.assertIsNotNone(self.check(odd, "10.0.0.128"))
        self.assertIsNotNone(self.check(odd, "10.0.0.255"))
        self.assertIsNone(self.check(odd, "10.0.0.127"))
        self.assertIsNotNone(self.check(odd, "2001:db8::1"))
        self.assertIsNone(self.check(odd, "2001:db8::2"))

    def test_fail_closed_without_a_client_and_deny_events_name_why(self):
        self.set_setting("audit", "all")
        tok = self.make(options={"allowed_ips": ["10.0.0.0/8"]})
        tid = self.last_id()
        self.assertIsNone(self.verify(tok))
        self.assertIsNone(self.check(tok, None))
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)
        self.assertIsNone(self.check(tok, "11.2.3.4"))
        self.assertEqual(self.right(tok, "DATA_FETCH", "::ffff:11.2.3.4"), 0)
        self.assertEqual(self.check(tok, "10.2.3.4"), tid)
        got = [(e["event"], e["detail"]) for e in self.events(tid) if e["event"] != "create"]
        self.assertEqual(got, [("deny", "client not allowed: unknown")] * 3 +
                         [("deny", "client not allowed: 11.2.3.4")] * 2 + [("use", None)])
        # a refused check is no use: last_used_ips holds only the allowed one
        self.assertEqual(json.loads(self.column(tid, "last_used_ips")), ["10.2.3.4"])

    def test_an_explicit_at_applies_the_list_and_writes_nothing(self):
        tok = self.make(options={"allowed_ips": ["10.0.0.0/8"]})
        tid = self.last_id()
        now = self.now()
        self.assertEqual(self.check(tok, "10.0.0.1", at=now), tid)
        self.assertIsNone(self.check(tok, "11.0.0.1", at=now))
        self.assertIsNone(self.check(tok, None, at=now))
        self.assertEqual(self.column(tid, "last_used_ips"), "[]")
        self.assertIsNone(self.column(tid, "last_used_at"))

    def test_a_token_without_a_list_takes_any_client_or_none(self):
        tok = self.make()
        tid = self.last_id()
        for client in (None, "10.0.0.1", "2001:db8::1", "fe80::1%eth0"):
            self.assertEqual(self.check(tok, client), tid)
        self.assertIsNone(self.column(tid, "allowed_ips"))

    def test_a_bad_client_is_an_error_whatever_the_token(self):
        tok = self.make()
        for client, why in ((5, "client must be an IP address as text, or NULL"),
                            (b"10.0.0.1", "client must be an IP address as text, or NULL"),
                            (1.5, "client must be an IP address as text, or NULL"),
                            ("", "client must not be empty"),
                            ("10.0.0.1:443", "client is not an IP address: '10.0.0.1:443'"),
                            ("10.0.0.0/8", "client is not an IP address: '10.0.0.0/8'"),
                            ("010.0.0.1", "client is not an IP address: '010.0.0.1'"),
                            ("10.0.0.256", "client is not an IP address: '10.0.0.256'"),
                            ("[::1]", "client is not an IP address: '[::1]'"),
                            (" 10.0.0.1", "client is not an IP address: ' 10.0.0.1'"),
                            ("::1%", "client is not an IP address: '::1%'"),
                            ("10.0.0.1%eth0", "client is not an IP address: '10.0.0.1%eth0'")):
            for t in (tok, "not a token", None):
                with self.subTest(client=client, token=t):
                    self.assertRefused("SELECT pat_verify(?, NULL, ?)", (t, client),
                                       message="pat_verify: " + why)
                    self.assertRefused("SELECT pat_has_right(?, 'DATA_FETCH', NULL, ?)",
                                       (t, client), message="pat_has_right: " + why)

    def test_a_retired_value_tried_from_a_client_names_the_address(self):
        tok = self.make()
        tid = self.last_id()
        self.assertEqual(self.one("SELECT pat_revoke(?)", (tok,)), 1)
        self.assertIsNone(self.check(tok, "::ffff:198.51.100.4"))
        self.assertIsNone(self.verify(tok))
        denies = [e["detail"] for e in self.events(tid) if e["event"] == "deny"]
        self.assertEqual(denies, ["retired: revoked from 198.51.100.4", "retired: revoked"])

    def test_a_token_given_as_the_client_is_not_quoted(self):
        tok = self.make()
        msg = self.assertSqlError("SELECT pat_verify(?, NULL, ?)", (tok, tok))
        self.assertNotIn(tok[4:], msg)
        self.assertIn("client", msg)


class OptionsTest(ClientTestCase):

    def test_description_and_list_are_stored_and_shown(self):
        tok = self.make(options={"description": "nightly build", "allowed_ips": ["10.1.0.0/16"]})
        row = self.token_row(self.last_id())
        self.assertEqual(self.check(tok, "10.1.2.3"), row["id"])
        self.assertEqual(row["description"], "nightly build")
        self.assertEqual(json.loads(row["allowed_ips"]), ["10.1.0.0/16"])
        self.assertEqual(row["last_used_ips"], "[]")
        plain = self.token_row(self.made(self.make(options={})))
        self.assertIsNone(plain["description"])
        self.assertIsNone(plain["allowed_ips"])
        none = self.token_row(self.made(self.make(options={"description": None,
                                                            "allowed_ips": None})))
        self.assertIsNone(none["allowed_ips"])

    def test_bad_options_are_errors_and_make_nothing(self):
        many = ["10.0.%d.0/24" % i for i in range(101)]
        for options, why in (
                ('{"foo": 1}', "unknown option (keys: description, allowed_ips): 'foo'"),
                ('[1]', "options must be a JSON object (keys: description, allowed_ips)"),
                ('{bad', "options must be a JSON object (keys: description, allowed_ips)"),
                ('"text"', "options must be a JSON object (keys: description, allowed_ips)"),
                (5, "options must be a JSON object (keys: description, allowed_ips)"),
                ('{"allowed_ips": []}', "allowed_ips must hold at least one address or block"),
                ('{"allowed_ips": "10.0.0.1"}',
                 "allowed_ips must be a JSON array of 1 to 100 addresses or blocks"),
                ('{"allowed_ips": [10]}', "allowed_ips entries must be texts"),
                ('{"allowed_ips": [["10.0.0.1"]]}', "allowed_ips entries must be texts"),
                ('{"allowed_ips": ["10.1.2.3/8"]}',
                 "allowed_ips entry has host bits set: '10.1.2.3/8'"),
                ('{"allowed_ips": ["10.0.0.0/33"]}',
                 "allowed_ips entry has a bad prefix length (0 to 32): '10.0.0.0/33'"),
                ('{"allowed_ips": ["2001:db8::/129"]}',
                 "allowed_ips entry has a bad prefix length (0 to 128): '2001:db8::/129'"),
                ('{"allowed_ips": ["10.0.0.0/08"]}',
                 "allowed_ips entry has a bad prefix length (0 to 32): '10.0.0.0/08'"),
                ('{"allowed_ips": ["example.com"]}',
                 "allowed_ips entry is not an IP address or block: 'example.com'"),
                (json.dumps({"allowed_ips": many}), "allowed_ips holds more than 100 entries"),
                ('{"description": 5}', "description must be a text"),
                (json.dumps({"description": "x" * 1001}), "description is longer than 1000 bytes"),
                ('{"description": "a", "description": "b"}',
                 "option 'description' is given twice")):
            with self.subTest(options=options):
                self.assertRefused("SELECT pat_create('u1', 'n', 'DATA_FETCH', NULL, NULL, ?)",
                                   (options,), message="pat_create: " + why)
        self.assertRefused("SELECT pat_create('u1', 'n', 'DATA_FETCH', NULL, NULL, ?)",
                           ('{"allowed_ips": [""]}',),
                           message="pat_create: allowed_ips entry must not be empty")
        # the edges that are allowed
        self.make(options={"allowed_ips": many[:100], "description": "x" * 1000})

    def test_update_sets_and_removes_them_checked_as_in_create(self):
        self.set_setting("audit", "changes")
        tok = self.make()
        tid = self.last_id()
        self.conn.execute("UPDATE pat_tokens SET allowed_ips = '[\"192.0.2.0/24\"]',"
                          " description = 'ci' WHERE id = ?", (tid,))
        self.assertIsNone(self.check(tok, "10.0.0.1"))
        self.assertEqual(self.check(tok, "192.0.2.9"), tid)
        self.assertEqual(self.column(tid, "description"), "ci")
        update = [e for e in self.events(tid) if e["event"] == "update"][-1]
        self.assertEqual(json.loads(update["detail"]),
                         {"description": [None, "ci"], "allowed_ips": [None, ["192.0.2.0/24"]]})
        for sql, why in (("UPDATE pat_tokens SET allowed_ips = '[\"10.0.0.1/8\"]' WHERE id = ?",
                          "allowed_ips entry has host bits set: '10.0.0.1/8'"),
                         ("UPDATE pat_tokens SET allowed_ips = '[]' WHERE id = ?",
                          "allowed_ips must hold at least one address or block"),
                         ("UPDATE pat_tokens SET description = zeroblob(3) WHERE id = ?",
                          "description must be a text"),
                         ("UPDATE pat_tokens SET description = CAST(x'61ff' AS TEXT) WHERE id = ?",
                          "description is not valid UTF-8"),
                         ("UPDATE pat_tokens SET description = 'a' || char(1) WHERE id = ?",
                          "description contains a control character")):
            with self.subTest(sql=sql):
                self.assertRefused(sql, (tid,), message="pat_tokens: " + why)
        # lines and tabs are a description's own
        self.conn.execute("UPDATE pat_tokens SET description = 'two' || char(10) || 'lines'"
                          " || char(9) || 'x' WHERE id = ?", (tid,))
        self.assertEqual(self.column(tid, "description"), "two\nlines\tx")
        self.conn.execute("UPDATE pat_tokens SET allowed_ips = NULL WHERE id = ?", (tid,))
        self.assertEqual(self.check(tok, None), tid)
        self.assertIsNone(self.column(tid, "allowed_ips"))


class LastUsedIpsTest(ClientTestCase):

    def ips(self, tid):
        return json.loads(self.column(tid, "last_used_ips"))

    def test_latest_first_five_distinct_each_use_from_another_address_recorded(self):
        self.set_setting("last_used_interval", 3600)  # within one interval throughout
        tok = self.make()
        tid = self.last_id()
        for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.1", "2001:DB8::1", "10.0.0.3", "10.0.0.4",
                   "10.0.0.5"):
            self.assertEqual(self.check(tok, ip), tid)
        self.assertEqual(self.ips(tid), ["10.0.0.5", "10.0.0.4", "10.0.0.3", "2001:db8::1",
                                         "10.0.0.1"])
        # a use without a client leaves the list as it is; a mapped address
        # is its IPv4 one
        self.assertEqual(self.verify(tok), tid)
        self.assertEqual(self.check(tok, "::ffff:10.0.0.3"), tid)
        self.assertEqual(self.ips(tid), ["10.0.0.3", "10.0.0.5", "10.0.0.4", "2001:db8::1",
                                         "10.0.0.1"])

    def test_another_connection_sees_them_and_a_deleted_token_takes_them_along(self):
        tok = self.make()
        tid = self.last_id()
        self.assertEqual(self.check(tok, "10.9.8.7"), tid)
        other = self.connect()
        self.assertEqual(json.loads(self.one("SELECT last_used_ips FROM pat_tokens", conn=other)),
                         ["10.9.8.7"])
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        raw = helpers.raw_connect(self.path)
        try:
            self.assertEqual(raw.execute("SELECT count(*) FROM pat_store_addresses").fetchone()[0],
                             0)
        finally:
            raw.close()


class MaxIdleTest(ClientTestCase):

    def test_the_setting_keeps_to_last_used_interval_both_ways(self):
        self.assertIsNone(self.setting("max_idle"))
        self.assertRefused("UPDATE pat_settings SET value = 30 WHERE key = 'max_idle'",
                           message="pat_settings: max_idle may not be less than "
                           "last_used_interval (60)")
        self.assertRefused("UPDATE pat_settings SET value = 0 WHERE key = 'max_idle'",
                           message="pat_settings: max_idle must be a positive integer of "
                           "seconds or NULL")
        self.set_setting("max_idle", 60)
        self.assertRefused("UPDATE pat_settings SET value = 61 WHERE key = 'last_used_interval'",
                           message="pat_settings: last_used_interval may not exceed max_idle (60)")
        self.set_setting("max_idle", None)
        self.set_setting("last_used_interval", 61)

    def test_idle_from_valid_from_until_an_update_of_valid_from_wakes_it(self):
        self.set_setting("last_used_interval", 0)
        self.set_setting("max_idle", 100)
        now = self.now()
        tok = self.make(valid_from=now - 150, valid_to=now + 86400)
        tid = self.one("SELECT pat_verify(?, ?)", (tok, now - 100))
        self.assertIsInstance(tid, int)
        self.assertIsNone(self.verify(tok))
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)
        self.assertEqual(self.column(tid, "status"), "idle")
        # using it does not wake it
        self.assertIsNone(self.verify(tok))
        self.assertIsNone(self.column(tid, "last_used_at"))
        # the setting off: it works again
        self.set_setting("max_idle", None)
        self.assertEqual(self.column(tid, "status"), "active")
        self.set_setting("max_idle", 100)
        self.conn.execute("UPDATE pat_tokens SET valid_from = ? WHERE id = ?", (now - 10, tid))
        self.assertEqual(self.verify(tok), tid)
        self.assertEqual(self.column(tid, "status"), "active")

    def test_a_use_keeps_it_awake_for_max_idle_and_a_rotation_wakes_it(self):
        self.set_setting("last_used_interval", 0)
        self.set_setting("max_idle", 100)
        now = self.now()
        tok = self.make(valid_from=now - 90, valid_to=now + 86400)
        tid = self.verify(tok)
        self.assertIsInstance(tid, int)  # a use, now
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, now + 95)), tid)
        self.assertIsNone(self.one("SELECT pat_verify(?, ?)", (tok, now + 105)))
        old = self.make(valid_from=now - 500, valid_to=now + 86400)
        oid = self.one("SELECT pat_verify(?, ?)", (old, now - 450))
        self.assertIsNone(self.verify(old))
        new = self.one("SELECT pat_rotate(?)", (oid,))
        self.assertEqual(self.verify(new), oid)
        self.assertEqual(self.column(oid, "status"), "active")

    def test_a_token_in_steady_use_stays_awake_with_max_idle_equal_to_the_interval(self):
        # found by a review: only the first use of each last_used_interval
        # was recorded, so with max_idle = last_used_interval a token used
        # all the time went idle max_idle after its first use
        import time
        self.set_setting("last_used_interval", 4)
        self.set_setting("max_idle", 4)
        tok = self.make()
        tid = self.last_id()
        t0 = self.now()
        self.assertEqual(self.verify(tok), tid)
        time.sleep(2.1)
        self.assertEqual(self.verify(tok), tid)  # a use at least 2 s after t0
        for c in (self.conn, self.connect()):
            self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, t0 + 4), conn=c), tid)

    def test_idle_exactly_max_idle_after_the_latest_activity(self):
        self.set_setting("last_used_interval", 0)
        self.set_setting("max_idle", 100)
        now = self.now()
        tok = self.make(valid_from=now - 200, valid_to=now + 86400)
        self.assertIsInstance(self.one("SELECT pat_verify(?, ?)", (tok, now - 101)), int)
        self.assertIsNone(self.one("SELECT pat_verify(?, ?)", (tok, now - 100)))

    def test_expired_and_pending_win_over_idle(self):
        self.set_setting("last_used_interval", 0)
        self.set_setting("max_idle", 100)
        now = self.now()
        tok = self.make(name="gone", valid_from=now - 1000, valid_to=now - 1)
        pending = self.make(name="later", valid_from=now + 1000, valid_to=now + 2000)
        statuses = dict(self.rows("SELECT name, status FROM pat_tokens"))
        self.assertEqual(statuses, {"gone": "expired", "later": "pending"})
        self.assertIsNone(self.verify(tok))
        self.assertIsNone(self.verify(pending))

    def test_every_check_inside_a_read_transaction_still_keeps_it_awake(self):
        # journal mode WAL, so the other connection reads while the first
        # holds its read transactions
        raw = helpers.raw_connect(self.path)
        raw.execute("PRAGMA journal_mode=wal")
        raw.close()
        self.set_setting("last_used_interval", 0)
        self.set_setting("max_idle", 100)
        now = self.now()
        tok = self.make(valid_from=now - 90, valid_to=now + 86400)
        app = self.connect()
        tid = None
        for _ in range(3):
            app.execute("BEGIN")
            app.execute("SELECT count(*) FROM pat_rights").fetchone()
            tid = self.verify(tok, conn=app)
            self.assertIsInstance(tid, int)
            app.execute("COMMIT")
        # held by app (every check ran inside its transaction): app itself
        # counts them at once
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, now + 95), conn=app), tid)
        other = self.connect()
        # written at app's next chance (here: its close); then every
        # connection counts the use
        app.close()
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, now + 95), conn=other), tid)
        self.assertEqual(self.one("SELECT status FROM pat_tokens", conn=other), "active")


class CapTest(ClientTestCase):

    def owner_index(self):
        raw = helpers.raw_connect(self.path)
        try:
            return raw.execute("SELECT count(*) FROM sqlite_schema"
                               " WHERE name = 'pat_store_tokens_owner'").fetchone()[0]
        finally:
            raw.close()

    def test_the_owner_index_comes_with_the_first_cap_and_stays(self):
        self.make()
        self.assertEqual(self.owner_index(), 0)  # a store without a cap does without it
        self.set_setting("max_tokens_per_owner", 5)
        self.assertEqual(self.owner_index(), 1)
        plan = " ".join(r[3] for r in self.rows(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM pat_store_tokens"
            " WHERE owner = 'u1' AND valid_to > 0"))
        self.assertIn("pat_store_tokens_owner", plan)
        self.set_setting("max_tokens_per_owner", None)
        self.assertEqual(self.owner_index(), 1)

    def test_pat_create_past_the_cap_is_an_error_naming_owner_and_setting(self):
        now = self.now()
        self.set_setting("max_tokens_per_owner", 2)
        self.make(owner="alice", name="old", valid_from=now - 1000, valid_to=now - 1)  # expired
        self.make(owner="alice", name="a")
        self.make(owner="alice", name="later", valid_from=now + 100, valid_to=now + 200)
        self.assertRefused("SELECT pat_create('alice', 'c', 'DATA_FETCH')",
                           message="pat_create: owner 'alice' holds 2 tokens that are not "
                           "expired, as many as max_tokens_per_owner (2) allows")
        self.make(owner="bob", name="b")  # another owner
        self.make(owner=42, name="n")
        self.make(owner="42", name="n2")
        self.assertRefused("SELECT pat_create(42, 'n3', 'DATA_FETCH')",
                           contains="owner '42' holds 2 tokens")
        # only pat_create is capped: a change of window is not
        aid = self.one("SELECT id FROM pat_tokens WHERE name = 'old'")
        self.conn.execute("UPDATE pat_tokens SET valid_to = ? WHERE id = ?", (now + 500, aid))
        self.set_setting("max_tokens_per_owner", None)
        self.make(owner="alice", name="c")

    def test_inside_one_transaction_the_cap_counts_the_tokens_made_in_it(self):
        self.set_setting("max_tokens_per_owner", 3)
        self.conn.execute("BEGIN")
        for i in range(3):
            self.make(owner="carol", name="t%d" % i)
        with self.assertRaises(sqlite3.Error):
            self.make(owner="carol", name="t3")
        self.conn.execute("COMMIT")
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens WHERE owner = 'carol'"), 3)


class NoticesTest(ClientTestCase):

    def notices(self, conn=None):
        return [(r[0], r[1], r[2], r[3]) for r in
                self.rows("SELECT token_id, name, kind, unixepoch(due_at) FROM pat_notices",
                          conn=conn)]

    def test_expiring_and_expired_in_order_until_acknowledged(self):
        now = self.now()
        soon = self.made(self.make(name="soon", valid_from=now - 10, valid_to=now + 3600))
        later = self.made(self.make(name="later", valid_from=now - 10, valid_to=now + 86400))
        gone = self.made(self.make(name="gone", valid_from=now - 1000, valid_to=now - 60))
        self.make(name="far", valid_from=now - 10, valid_to=now + 30 * 86400)
        self.make(name="long gone", valid_from=now - 30 * 86400, valid_to=now - 8 * 86400)
        self.assertEqual(self.notices(), [(gone, "gone", "expired", now - 60),
                                          (soon, "soon", "expiring", now + 3600),
                                          (later, "later", "expiring", now + 86400)])
        self.conn.execute("DELETE FROM pat_notices WHERE token_id = ?", (soon,))
        self.assertEqual([n[0] for n in self.notices()], [gone, later])
        ev = [e for e in self.events(soon) if e["event"] == "notice"]
        self.assertEqual([(e["detail"], e["token_name"], e["owner"]) for e in ev],
                         [("expiring", "soon", "u1")])
        # acknowledged stays so on another connection; a new valid_to brings
        # a new notice
        self.assertEqual([n[0] for n in self.notices(conn=self.connect())], [gone, later])
        self.conn.execute("UPDATE pat_tokens SET valid_to = ? WHERE id = ?", (now + 7200, soon))
        self.assertIn((soon, "soon", "expiring", now + 7200), self.notices())
        self.assertRefused("UPDATE pat_notices SET kind = 'x'",
                           message="pat_notices: only DELETE changes it (it acknowledges notices)")
        self.assertRefused("INSERT INTO pat_notices(token_id) VALUES (1)",
                           message="pat_notices: only DELETE changes it (it acknowledges notices)")

    def test_idle_notices_before_and_after_the_moment(self):
        self.set_setting("last_used_interval", 0)
        self.set_setting("max_idle", 86400)
        now = self.now()
        became = self.made(self.make(name="became", valid_from=now - 86400 - 50,
                                      valid_to=now + 20 * 86400))
        becomes = self.made(self.make(name="becomes", valid_from=now - 3600,
                                       valid_to=now + 20 * 86400))
        got = [n for n in self.notices() if n[2] == "idle"]
        self.assertEqual(got, [(became, "became", "idle", now - 50),
                               (becomes, "becomes", "idle", now - 3600 + 86400)])
        # a use moves the moment: a new due_at, shown again after an ack
        self.conn.execute("DELETE FROM pat_notices WHERE token_id = ?", (becomes,))
        self.assertEqual([n[0] for n in self.notices() if n[2] == "idle"], [became])
        tok = self.one("SELECT pat_rotate(?)", (becomes,))
        self.assertEqual(self.verify(tok), becomes)
        due = [n[3] for n in self.notices() if n[0] == becomes]
        self.assertEqual(len(due), 1)
        self.assertGreaterEqual(due[0], now + 86400)

    def test_acknowledging_under_audit_off_writes_no_event(self):
        self.set_setting("audit", "off")
        now = self.now()
        tid = self.made(self.make(valid_from=now - 10, valid_to=now + 60))
        self.conn.execute("DELETE FROM pat_notices")
        self.assertEqual(self.notices(), [])
        self.assertFalse([e for e in self.events(tid) if e["event"] == "notice"])
