"""Token lifecycle through SQL: UPDATE, DELETE and INSERT on pat_tokens,
and pat_rotate (issue 3; INTERFACE.md, notes/errors-draft.md)."""
import json
import sqlite3

from tests.python import helpers
from tests.python.helpers import PatTestCase, MAX_LIFETIME, DATA_RIGHTS, utc

F = 1790000000          # 2026-09-21 14:13:20 UTC
T = F + 3600
INSERT_MSG = ("pat_tokens: INSERT is not supported: make tokens with "
              "pat_create(owner, name, rights [, valid_from [, valid_to [, options]]])")


def column_msg(col):
    return ("pat_tokens: column '%s' can not be changed "
            "(only name, valid_from, valid_to, rights, description, allowed_ips)" % col)


class TokensUpdateTest(PatTestCase):

    def setUp(self):
        super().setUp()
        self.tok = self.create(owner="alice", name="ci", rights="DATA_FETCH",
                               valid_from=F, valid_to=T)
        self.tid = self.id_of_at(self.tok, F)

    def id_of_at(self, tok, at):
        tid = self.verify(tok, at)
        self.assertIsInstance(tid, int)
        return tid

    def update(self, sets, params=()):
        cur = self.conn.execute(
            "UPDATE pat_tokens SET %s WHERE id = ?" % sets,
            tuple(params) + (self.tid,))
        return cur

    # -- name
    def test_update_name_renames_and_token_keeps_verifying(self):
        self.update("name = ?", ("deploy bot",))
        row = self.token_row(self.tid)
        self.assertEqual(row["name"], "deploy bot")
        self.assertEqual(row["owner"], "alice")
        self.assertEqual(json.loads(row["rights"]), ["DATA_FETCH"])
        self.assertEqual(self.verify(self.tok, F), self.tid)
        self.assertEqual(self.has_right(self.tok, "DATA_FETCH", F), 1)

    def test_update_name_of_255_bytes_accepted(self):
        name = "\u00e9" * 127 + "x"          # 255 bytes of UTF-8
        self.update("name = ?", (name,))
        self.assertEqual(self.token_row(self.tid)["name"], name)

    def test_update_name_refused_with_pat_create_checks_prefixed(self):
        cases = [
            ("''", (), "pat_tokens: name must be a non-empty text"),
            ("NULL", (), "pat_tokens: name must be a non-empty text"),
            ("42", (), "pat_tokens: name must be a non-empty text"),
            ("4.5", (), "pat_tokens: name must be a non-empty text"),
            ("x'6e'", (), "pat_tokens: name must be a non-empty text"),
            ("?", ("n" * 256,), "pat_tokens: name is longer than 255 bytes"),
            ("?", ("a\nb",), "pat_tokens: name contains a control character"),
            ("?", ("a\x7f",), "pat_tokens: name contains a control character"),
            ("CAST(x'610062' AS TEXT)", (),
             "pat_tokens: name contains a control character"),
            ("CAST(x'61ff' AS TEXT)", (),
             "pat_tokens: name is not valid UTF-8"),
        ]
        for expr, params, msg in cases:
            with self.subTest(expr=expr, params=params):
                self.assertRefused(
                    "UPDATE pat_tokens SET name = %s WHERE id = ?" % expr,
                    params + (self.tid,), message=msg)
        self.assertEqual(self.token_row(self.tid)["name"], "ci")

    def test_update_name_does_not_recheck_rights_or_window(self):
        # rights the owner's role no longer grants, a lifetime over the
        # current max_lifetime: a rename checks neither
        tok = self.create(owner="bob", rights="USER_FETCH",
                          valid_from=F, valid_to=F + 30 * 86400)
        tid = self.id_of_at(tok, F)
        self.conn.execute("INSERT INTO pat_owners VALUES ('bob', 'VIEWER')")
        self.set_setting("default_lifetime", 3600)
        self.set_setting("max_lifetime", 7200)
        self.conn.execute("UPDATE pat_tokens SET name = 'renamed' WHERE id = ?",
                          (tid,))
        row = self.token_row(tid)
        self.assertEqual(row["name"], "renamed")
        self.assertEqual(json.loads(row["rights"]), ["USER_FETCH"])
        self.assertEqual(row["valid_to"], utc(F + 30 * 86400))
        # but a new valid_to is checked, against the stored valid_from
        self.assertRefused(
            "UPDATE pat_tokens SET valid_to = ? WHERE id = ?", (F + 7201, tid),
            message="pat_tokens: lifetime of 7201 seconds exceeds max_lifetime "
                    "(7200)")
        self.conn.execute("UPDATE pat_tokens SET valid_to = ? WHERE id = ?",
                          (F + 7200, tid))
        self.assertEqual(self.token_row(tid)["valid_to"], utc(F + 7200))

    # -- rights
    def test_update_rights_stores_expanded_sorted_json_without_duplicates(self):
        self.update("rights = ?", ("MEDIA_FETCH, DATA_*, DATA_FETCH",))
        self.assertEqual(json.loads(self.token_row(self.tid)["rights"]),
                         sorted(DATA_RIGHTS + ["MEDIA_FETCH"]))
        self.update("rights = ?", ('["USER_FETCH","CONFIG_FETCH"]',))
        self.assertEqual(json.loads(self.token_row(self.tid)["rights"]),
                         ["CONFIG_FETCH", "USER_FETCH"])

    def test_update_rights_changes_what_has_right_answers(self):
        self.assertEqual(self.has_right(self.tok, "USER_FETCH", F), 0)
        self.update("rights = 'USER_FETCH'")
        self.assertEqual(self.has_right(self.tok, "USER_FETCH", F), 1)
        self.assertEqual(self.has_right(self.tok, "DATA_FETCH", F), 0)

    def test_update_rights_refused_with_pat_create_checks_prefixed(self):
        cases = [
            (None, "pat_tokens: rights must be a text: a JSON array or a "
                   "comma-separated list"),
            (42, "pat_tokens: rights must be a text: a JSON array or a "
                 "comma-separated list"),
            ("", "pat_tokens: rights names no right"),
            ("[]", "pat_tokens: rights names no right"),
            ("[1]", "pat_tokens: rights is not a valid JSON array of strings"),
            ('["DATA_FETCH"', "pat_tokens: rights is not a valid JSON array "
                              "of strings"),
            ("DATA_FETCH,,DATA_CREATE", "pat_tokens: rights has an empty name"),
            ("DATA_FECTH", "pat_tokens: unknown right 'DATA_FECTH'"),
            ("DATA_FETCH, NOPE", "pat_tokens: unknown right 'NOPE'"),
            ("X_" * 50, "pat_tokens: unknown right '%s'" % ("X_" * 32)),
            ("X" * 100, "pat_tokens: unknown right '(a token)'"),
            ("FOO_*", "pat_tokens: 'FOO_*' matches no right that role 'ROOT' "
                      "may grant"),
        ]
        for rights, msg in cases:
            with self.subTest(rights=rights):
                self.assertRefused(
                    "UPDATE pat_tokens SET rights = ? WHERE id = ?",
                    (rights, self.tid), message=msg)
        self.assertEqual(json.loads(self.token_row(self.tid)["rights"]),
                         ["DATA_FETCH"])

    # -- window
    def test_update_valid_to_moves_the_end_of_the_window(self):
        self.update("valid_to = ?", (T + 3600,))
        self.assertEqual(self.token_row(self.tid)["valid_to"], utc(T + 3600))
        self.assertEqual(self.verify(self.tok, T + 3599), self.tid)
        self.assertIsNone(self.verify(self.tok, T + 3600))
        self.update("valid_to = ?", (F + 10,))
        self.assertEqual(self.verify(self.tok, F + 9), self.tid)
        self.assertIsNone(self.verify(self.tok, F + 10))

    def test_update_valid_from_moves_the_start_of_the_window(self):
        self.update("valid_from = ?", (F + 100,))
        self.assertEqual(self.token_row(self.tid)["valid_from"], utc(F + 100))
        self.assertIsNone(self.verify(self.tok, F + 99))
        self.assertEqual(self.verify(self.tok, F + 100), self.tid)

    def test_update_window_accepts_text_times_and_shows_utc_text(self):
        self.update("valid_from = ?, valid_to = ?",
                    ("2026-09-21T15:00:00Z", "2026-09-22"))
        row = self.token_row(self.tid)
        self.assertEqual((row["valid_from"], row["valid_to"]),
                         ("2026-09-21 15:00:00", "2026-09-22 00:00:00"))

    def test_update_window_is_checked_against_the_stored_other_end(self):
        self.assertRefused(
            "UPDATE pat_tokens SET valid_from = ? WHERE id = ?", (T, self.tid),
            message="pat_tokens: valid_to must be later than valid_from")
        self.assertRefused(
            "UPDATE pat_tokens SET valid_from = ? WHERE id = ?",
            (T + 100, self.tid),
            message="pat_tokens: valid_to must be later than valid_from")
        self.assertRefused(
            "UPDATE pat_tokens SET valid_to = ? WHERE id = ?", (F, self.tid),
            message="pat_tokens: valid_to must be later than valid_from")
        self.assertRefused(
            "UPDATE pat_tokens SET valid_to = ? WHERE id = ?",
            (F - 1, self.tid),
            message="pat_tokens: valid_to must be later than valid_from")
        self.assertRefused(
            "UPDATE pat_tokens SET valid_to = ? WHERE id = ?",
            (F + MAX_LIFETIME + 1, self.tid),
            message="pat_tokens: lifetime of %d seconds exceeds max_lifetime "
                    "(31622400)" % (MAX_LIFETIME + 1))
        self.assertRefused(
            "UPDATE pat_tokens SET valid_from = ? WHERE id = ?",
            (T - MAX_LIFETIME - 1, self.tid),
            message="pat_tokens: lifetime of %d seconds exceeds max_lifetime "
                    "(31622400)" % (MAX_LIFETIME + 1))
        row = self.token_row(self.tid)
        self.assertEqual((row["valid_from"], row["valid_to"]), (utc(F), utc(T)))

    def test_update_of_both_ends_is_checked_as_one_new_window(self):
        # each new end alone would be refused against the stored other one
        self.update("valid_from = ?, valid_to = ?", (T + 1000, T + 2000))
        row = self.token_row(self.tid)
        self.assertEqual((row["valid_from"], row["valid_to"]),
                         (utc(T + 1000), utc(T + 2000)))
        self.update("valid_from = ?, valid_to = ?", (F - 5000, F - 4000))
        self.assertEqual(self.verify(self.tok, F - 4500), self.tid)
        self.assertRefused(
            "UPDATE pat_tokens SET valid_from = ?, valid_to = ? WHERE id = ?",
            (F, F, self.tid),
            message="pat_tokens: valid_to must be later than valid_from")

    def test_update_window_end_to_null_means_the_default(self):
        # INTERFACE.md: wherever a time is taken, NULL means the default;
        # valid_to defaults to valid_from + default_lifetime
        self.set_setting("default_lifetime", 7200)
        try:
            self.update("valid_to = NULL")
        except sqlite3.Error as e:
            self.fail("SET valid_to = NULL refused: %s" % e)
        row = self.token_row(self.tid)
        self.assertEqual((row["valid_from"], row["valid_to"]),
                         (utc(F), utc(F + 7200)))

    def test_update_window_start_to_null_means_now(self):
        now = self.now()
        self.update("valid_to = ?", (now + 3600,))
        try:
            self.update("valid_from = NULL")
        except sqlite3.Error as e:
            self.fail("SET valid_from = NULL refused: %s" % e)
        n1 = self.now()
        vf = self.unix(self.token_row(self.tid)["valid_from"])
        self.assertTrue(now <= vf <= n1, (now, vf, n1))
        self.assertEqual(self.verify(self.tok), self.tid)

    def test_update_lifetime_of_exactly_max_accepted(self):
        self.update("valid_to = ?", (F + MAX_LIFETIME,))
        self.assertEqual(self.token_row(self.tid)["valid_to"],
                         utc(F + MAX_LIFETIME))

    def test_update_bad_time_values_refused(self):
        cases = [
            ("valid_from", "garbage",
             "pat_tokens: valid_from is not a time: 'garbage'"),
            ("valid_to", "2026-13-45",
             "pat_tokens: valid_to is not a time: '2026-13-45'"),
            ("valid_from", b"\x01",
             "pat_tokens: valid_from must be a time: unix seconds or text"),
            ("valid_to", b"\x01",
             "pat_tokens: valid_to must be a time: unix seconds or text"),
            ("valid_from", 10 ** 15, "pat_tokens: valid_from is out of range"),
            ("valid_to", float("inf"), "pat_tokens: valid_to is out of range"),
        ]
        for col, value, msg in cases:
            with self.subTest(col=col, value=value):
                self.assertRefused(
                    "UPDATE pat_tokens SET %s = ? WHERE id = ?" % col,
                    (value, self.tid), message=msg)

    # -- columns that can not change
    def test_update_of_other_columns_refused_naming_the_column(self):
        for col, value in (("id", 999), ("owner", "mallory"),
                           ("status", "active"),
                           ("created_at", "2020-01-01 00:00:00"),
                           ("last_used_at", "2020-01-01 00:00:00")):
            with self.subTest(col=col):
                self.assertRefused(
                    "UPDATE pat_tokens SET %s = ? WHERE id = ?" % col,
                    (value, self.tid), message=column_msg(col))
        self.assertEqual(self.token_row(self.tid)["owner"], "alice")

    def test_update_mixing_allowed_and_refused_column_changes_nothing(self):
        self.assertRefused(
            "UPDATE pat_tokens SET name = 'x', owner = 'mallory' WHERE id = ?",
            (self.tid,), message=column_msg("owner"))
        self.assertRefused(
            "UPDATE pat_tokens SET name = 'x', rights = 'NOPE' WHERE id = ?",
            (self.tid,), message="pat_tokens: unknown right 'NOPE'")
        self.assertEqual(self.token_row(self.tid)["name"], "ci")

    def test_update_of_several_rows_changes_each(self):
        others = [self.create(owner="bob", name="b%d" % i) for i in range(3)]
        self.conn.execute("UPDATE pat_tokens SET name = 'bulk' "
                          "WHERE owner = 'bob'")
        self.assertEqual(self.rows(
            "SELECT DISTINCT name FROM pat_tokens WHERE owner = 'bob'"),
            [("bulk",)])
        self.assertEqual(self.token_row(self.tid)["name"], "ci")
        del others

    def test_update_rolled_back_with_callers_transaction(self):
        self.conn.execute("BEGIN")
        self.update("name = 'tmp', rights = 'USER_FETCH'")
        self.assertEqual(self.token_row(self.tid)["name"], "tmp")
        self.conn.execute("ROLLBACK")
        row = self.token_row(self.tid)
        self.assertEqual(row["name"], "ci")
        self.assertEqual(self.has_right(self.tok, "USER_FETCH", F), 0)


class TokensDeleteTest(PatTestCase):

    def test_delete_removes_row_and_token_stops_verifying(self):
        tok = self.create(owner="alice")
        keep = self.create(owner="alice", name="keep")
        tid = self.id_of(tok)
        self.assertEqual(self.verify(tok), tid)
        cur = self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.assertEqual(cur.rowcount, 1)
        self.assertEqual(self.rows("SELECT id FROM pat_tokens WHERE id = ?",
                                   (tid,)), [])
        self.assertIsNone(self.verify(tok))
        self.assertIsNone(self.verify(tok, self.now()))
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)
        self.assertEqual(self.has_right(tok, "DATA_FETCH", self.now()), 0)
        self.assertIsNotNone(self.verify(keep))

    def test_delete_by_owner_removes_all_their_tokens(self):
        a = [self.create(owner="alice", name="a%d" % i) for i in range(3)]
        b = self.create(owner="bob")
        self.conn.execute("DELETE FROM pat_tokens WHERE owner = 'alice'")
        self.assertEqual(self.rows("SELECT owner FROM pat_tokens"),
                         [("bob",)])
        for t in a:
            self.assertIsNone(self.verify(t))
        self.assertIsNotNone(self.verify(b))

    def test_deleted_token_id_is_not_given_to_a_new_token(self):
        toks = [self.create(name="n%d" % i) for i in range(3)]
        ids = [self.id_of(t) for t in toks]
        top = max(ids)
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (top,))
        fresh = self.id_of(self.create(name="fresh"))
        self.assertNotIn(fresh, ids)
        # and after a reopen too
        self.conn.close()
        self.conn = self.connect()
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (fresh,))
        again = self.id_of(self.create(name="again"))
        self.assertNotIn(again, ids + [fresh])

    def test_delete_rolled_back_with_callers_transaction(self):
        tok = self.create()
        tid = self.id_of(tok)
        self.conn.execute("BEGIN")
        self.conn.execute("DELETE FROM pat_tokens")
        self.assertIsNone(self.verify(tok, self.now()))
        self.conn.execute("ROLLBACK")
        self.assertEqual(self.verify(tok, self.now()), tid)

    def test_delete_of_missing_id_changes_nothing(self):
        self.create()
        before = helpers.snapshot(self.path)
        cur = self.conn.execute("DELETE FROM pat_tokens WHERE id = 9999")
        self.assertEqual(cur.rowcount, 0)
        self.assertEqual(helpers.snapshot(self.path), before)


class TokensInsertTest(PatTestCase):

    def test_insert_refused_pointing_to_pat_create_before_store_exists(self):
        self.assertRefused(
            "INSERT INTO pat_tokens(owner, name, rights) "
            "VALUES ('u', 'n', 'DATA_FETCH')", message=INSERT_MSG)
        self.assertNoStore()

    def test_insert_refused_pointing_to_pat_create_after_store_exists(self):
        self.create()
        for sql in ("INSERT INTO pat_tokens(owner, name, rights) "
                    "VALUES ('u', 'n', 'DATA_FETCH')",
                    "INSERT INTO pat_tokens(id, owner, name, valid_from, "
                    "valid_to, rights) VALUES (77, 'u', 'n', 1, 2, "
                    "'[\"DATA_FETCH\"]')",
                    "INSERT INTO pat_tokens SELECT * FROM pat_tokens"):
            with self.subTest(sql=sql):
                self.assertRefused(sql, message=INSERT_MSG)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)


class RotateTest(PatTestCase):

    def rotate(self, tid, *valid_to):
        if valid_to:
            return self.one("SELECT pat_rotate(?, ?)", (tid, valid_to[0]))
        return self.one("SELECT pat_rotate(?)", (tid,))

    def test_rotate_takes_the_id_as_a_whole_real_or_as_text(self):
        # drivers such as better-sqlite3 send every number as a REAL
        tid = self.id_of(self.create())
        self.assertEqual(self.verify(self.rotate(float(tid))), tid)
        self.assertEqual(self.verify(self.rotate(str(tid))), tid)
        self.assertRefused("SELECT pat_rotate(?)", (tid + 0.5,),
                           message="pat_rotate: id must be an integer")

    def test_rotate_returns_new_token_for_same_row_and_kills_old(self):
        old = self.create(owner="alice", name="ci", rights="DATA_*")
        tid = self.id_of(old)
        before = self.token_row(tid)
        new = self.rotate(tid)
        self.assertIsInstance(new, str)
        self.assertRegex(new, helpers.TOKEN_RE)
        self.assertTrue(helpers.checksum_ok(new))
        self.assertNotEqual(new, old)
        self.assertNotEqual(new[4:36], old[4:36])
        self.assertIsNone(self.verify(old))
        self.assertIsNone(self.verify(old, self.now()))
        self.assertEqual(self.has_right(old, "DATA_FETCH"), 0)
        self.assertEqual(self.verify(new), tid)
        self.assertEqual(self.has_right(new, "DATA_DELETE", self.now()), 1)
        after = self.token_row(tid)
        for col in ("id", "owner", "name", "rights", "valid_from", "valid_to"):
            self.assertEqual(after[col], before[col], col)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)

    def test_rotate_twice_kills_the_first_rotated_value(self):
        old = self.create()
        tid = self.id_of(old)
        r1 = self.rotate(tid)
        r2 = self.rotate(tid)
        self.assertEqual(len({old, r1, r2}), 3)
        self.assertIsNone(self.verify(old))
        self.assertIsNone(self.verify(r1))
        self.assertEqual(self.verify(r2), tid)

    def test_rotate_with_null_valid_to_keeps_the_window(self):
        old = self.create(valid_from=F, valid_to=T)
        tid = self.verify(old, F)
        new = self.rotate(tid, None)
        row = self.token_row(tid)
        self.assertEqual((row["valid_from"], row["valid_to"]), (utc(F), utc(T)))
        self.assertEqual(self.verify(new, F), tid)
        self.assertIsNone(self.verify(old, F))

    def test_rotate_of_expired_record_keeps_its_past_window(self):
        old = self.create(valid_from=F, valid_to=T)
        tid = self.verify(old, F)
        new = self.rotate(tid)
        self.assertIsNone(self.verify(new))
        self.assertEqual(self.verify(new, F + 1), tid)
        self.assertEqual(self.token_row(tid)["status"], "expired")

    def test_rotate_with_valid_to_starts_window_now_when_it_began_earlier(self):
        now = self.now()
        old = self.create(valid_from=now - 1000, valid_to=now + 1000)
        tid = self.id_of(old)
        n0 = self.now()
        new = self.rotate(tid, now + 5000)
        n1 = self.now()
        row = self.token_row(tid)
        self.assertIn(row["valid_from"], [utc(t) for t in range(n0, n1 + 1)])
        self.assertEqual(row["valid_to"], utc(now + 5000))
        self.assertIsNone(self.verify(new, now - 500))
        self.assertEqual(self.verify(new), tid)

    def test_rotate_with_valid_to_revives_an_expired_token_from_now(self):
        now = self.now()
        old = self.create(valid_from=now - 7200, valid_to=now - 3600)
        tid = self.verify(old, now - 5000)
        n0 = self.now()
        new = self.rotate(tid, now + 86400)
        n1 = self.now()
        row = self.token_row(tid)
        self.assertIn(row["valid_from"], [utc(t) for t in range(n0, n1 + 1)])
        self.assertEqual(row["status"], "active")
        self.assertEqual(self.verify(new), tid)

    def test_rotate_with_valid_to_keeps_a_future_valid_from(self):
        now = self.now()
        p = now + 100000
        old = self.create(valid_from=p, valid_to=p + 1000)
        tid = self.verify(old, p)
        new = self.rotate(tid, utc(p + 5000))
        row = self.token_row(tid)
        self.assertEqual((row["valid_from"], row["valid_to"]),
                         (utc(p), utc(p + 5000)))
        self.assertEqual(row["status"], "pending")
        self.assertEqual(self.verify(new, p + 4999), tid)

    def test_rotate_valid_to_not_after_the_new_start_is_refused(self):
        now = self.now()
        old = self.create(valid_from=now - 7200, valid_to=now + 7200)
        tid = self.id_of(old)
        # later than the stored valid_from, but not later than now
        for vt in (now - 3600, now - 1):
            with self.subTest(valid_to=vt):
                self.assertRefused(
                    "SELECT pat_rotate(?, ?)", (tid, vt),
                    message="pat_rotate: valid_to must be later than "
                            "valid_from")
        self.assertEqual(self.verify(old), tid)

    def test_rotate_lifetime_over_max_refused(self):
        p = self.now() + 100000
        old = self.create(valid_from=p, valid_to=p + 10)
        tid = self.verify(old, p)
        self.assertRefused(
            "SELECT pat_rotate(?, ?)", (tid, p + MAX_LIFETIME + 1),
            message="pat_rotate: lifetime of %d seconds exceeds max_lifetime "
                    "(31622400)" % (MAX_LIFETIME + 1))
        self.rotate(tid, p + MAX_LIFETIME)
        self.assertEqual(self.token_row(tid)["valid_to"],
                         utc(p + MAX_LIFETIME))

    def test_rotating_every_token_of_an_owner_in_one_select_rotates_each_once(self):
        toks = [self.create(owner="alice", name="n%d" % i) for i in range(20)]
        other = self.create(owner="bob")
        ids = sorted(self.id_of(t) for t in toks)
        rows = self.rows("SELECT id, pat_rotate(id) FROM pat_tokens "
                         "WHERE owner = 'alice'")
        self.assertEqual(sorted(r[0] for r in rows), ids,
                         "pat_tokens yielded a rotated row again")
        for tid, new in rows:
            self.assertEqual(self.verify(new), tid)
        for t in toks:
            self.assertIsNone(self.verify(t))
        self.assertIsNotNone(self.verify(other))
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 21)

    def test_rotate_bad_valid_to_refused(self):
        old = self.create()
        tid = self.id_of(old)
        for value, msg in (
                ("garbage", "pat_rotate: valid_to is not a time: 'garbage'"),
                (b"\x00", "pat_rotate: valid_to must be a time: unix seconds "
                          "or text"),
                (10 ** 15, "pat_rotate: valid_to is out of range"),
                (float("-inf"), "pat_rotate: valid_to is out of range")):
            with self.subTest(value=value):
                self.assertRefused("SELECT pat_rotate(?, ?)", (tid, value),
                                   message=msg)
        self.assertEqual(self.verify(old), tid)

    def test_rotate_bad_id_refused(self):
        old = self.create()
        tid = self.id_of(old)
        for value in (None, "abc", 1.5, b"\x01"):
            with self.subTest(id=value):
                self.assertRefused("SELECT pat_rotate(?)", (value,),
                                   message="pat_rotate: id must be an integer")
        self.assertRefused("SELECT pat_rotate(?)", (tid + 41,),
                           message="pat_rotate: no token with id %d"
                           % (tid + 41))
        self.assertRefused("SELECT pat_rotate(42)",
                           message="pat_rotate: no token with id 42")
        self.assertEqual(self.verify(old), tid)

    def test_rotate_of_deleted_token_is_refused(self):
        old = self.create()
        tid = self.id_of(old)
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (tid,))
        self.assertRefused("SELECT pat_rotate(?)", (tid,),
                           message="pat_rotate: no token with id %d" % tid)

    def test_rotate_before_store_exists_refused_without_making_store(self):
        self.assertRefused("SELECT pat_rotate(1)",
                           message="pat_rotate: no token with id 1")
        self.assertNoStore()

    def test_rotate_wrong_argument_count_refused(self):
        for sql in ("SELECT pat_rotate()", "SELECT pat_rotate(1, 2, 3, 4)"):
            with self.subTest(sql=sql):
                self.assertSqlError(
                    sql, message="wrong number of arguments to function "
                                 "pat_rotate()")

    def test_rotate_rolled_back_with_callers_transaction(self):
        old = self.create()
        tid = self.id_of(old)
        self.conn.execute("BEGIN")
        new = self.rotate(tid)
        self.assertEqual(self.verify(new, self.now()), tid)
        self.conn.execute("ROLLBACK")
        self.assertEqual(self.verify(old), tid)
        self.assertIsNone(self.verify(new))

    def test_rotated_token_value_never_in_database_files(self):
        old = self.create()
        tid = self.id_of(old)
        news = [self.rotate(tid) for _ in range(5)]
        self.conn.close()
        for suffix in ("", "-journal", "-wal"):
            data = helpers.file_bytes(self.path + suffix)
            if not data:
                continue
            for t in news + [old]:
                self.assertNotIn(t.encode(), data)
                self.assertNotIn(t[4:36].encode(), data)
