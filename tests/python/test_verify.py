"""pat_verify and pat_has_right."""
import sqlite3
import time

from tests.python import helpers
from tests.python.helpers import PatTestCase, ALL_RIGHTS

F = 1790000000
T = F + 3600


def malformed_variants(tok):
    """Values that are not a well-formed token with a correct checksum,
    built from a real token `tok`."""
    rest = tok[4:]
    return [
        ("bad checksum", helpers.bad_checksum(tok)),
        ("wrong prefix", "tok_" + rest),
        ("no prefix", rest),
        ("prefix only", "pat_"),
        ("too short", tok[:-1]),
        ("too short by a lot", tok[:20]),
        ("too long", tok + "A"),
        ("too long, prefixed", "pat_" + tok),
        ("dash inside", tok[:10] + "-" + tok[11:]),
        ("space inside", tok[:10] + " " + tok[11:]),
        ("dot inside", tok[:10] + "." + tok[11:]),
        ("non-ascii inside", tok[:10] + "\u00e9" + tok[12:]),
        ("lower-cased", tok.lower()),
        ("upper-cased", tok.upper()),
        ("Basic scheme", "Basic " + tok),
        ("Bearer alone", "Bearer"),
        ("Bearer space", "Bearer "),
        ("Bearer no space", "Bearer" + tok),
        ("Bearer colon", "Bearer:" + tok),
        ("Bearer twice", "Bearer Bearer " + tok),
        ("token twice", tok + " " + tok),
        ("token then junk", tok + " x"),
        ("vertical tab around", "\v" + tok),
        ("NUL after", tok + "\x00"),
        ("NUL before", "\x00" + tok),
        ("form feed around", "\f" + tok + "\f"),
        ("no-break space around", "\u00a0" + tok),
        ("Bearer no-break space", "Bearer\u00a0" + tok),
        ("Bearer newline", "Bearer\n" + tok),
        ("quoted", '"' + tok + '"'),
        ("empty", ""),
        ("spaces", "   "),
        ("garbage", "garbage"),
        ("1 MiB", "pat_" + "A" * (1 << 20)),
        ("1 MiB header", "Bearer " + "a" * (1 << 20)),
        ("NULL", None),
        ("integer", 42),
        ("real", 4.2),
        ("blob", b"\x00\x01\x02"),
        ("empty blob", b""),
    ]


class VerifyTest(PatTestCase):

    def setUp(self):
        super().setUp()
        self.tok = self.create(rights="DATA_FETCH, MEDIA_FETCH")
        self.tid = self.id_of(self.tok)

    def test_verify_returns_id_of_token(self):
        self.assertIsInstance(self.tid, int)
        self.assertEqual(self.verify(self.tok), self.tid)
        self.assertEqual(self.verify(self.tok, None), self.tid)
        self.assertEqual(self.token_row(self.tid)["name"], "tok")
        other = self.create(name="other")
        self.assertNotEqual(self.id_of(other), self.tid)
        self.assertEqual(self.one("SELECT typeof(pat_verify(?))", (self.tok,)),
                         "integer")

    def test_verify_accepts_bearer_header_any_case(self):
        now = self.now()
        for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
            with self.subTest(scheme=scheme):
                self.assertEqual(self.verify(scheme + " " + self.tok, now),
                                 self.tid)

    def test_verify_accepts_spaces_and_tabs_after_bearer(self):
        now = self.now()
        for sep in (" ", "  ", "\t", " \t ", "\t\t", " " * 50):
            with self.subTest(sep=repr(sep)):
                self.assertEqual(self.verify("Bearer" + sep + self.tok, now),
                                 self.tid)

    def test_verify_ignores_surrounding_whitespace(self):
        now = self.now()
        for ws in (" ", "\t", "\r", "\n", "\r\n", " \t\r\n "):
            with self.subTest(ws=repr(ws)):
                self.assertEqual(self.verify(ws + self.tok, now), self.tid)
                self.assertEqual(self.verify(self.tok + ws, now), self.tid)
                self.assertEqual(self.verify(ws + self.tok + ws, now),
                                 self.tid)
                self.assertEqual(
                    self.verify(ws + "Bearer " + self.tok + ws, now),
                    self.tid)

    def test_verify_malformed_values_give_null_without_error(self):
        now = self.now()
        for label, v in malformed_variants(self.tok):
            with self.subTest(label=label):
                self.assertIsNone(self.verify(v))
                self.assertIsNone(self.verify(v, now))

    def test_verify_invalid_utf8_text_gives_null(self):
        for hexs in ("ff", "c3", "61ff62", "c328",
                     self.tok[:-1].encode().hex() + "ff",
                     "ff" + self.tok.encode().hex()):
            with self.subTest(hex=hexs[:12]):
                self.assertIsNone(self.one(
                    "SELECT pat_verify(CAST(x'%s' AS TEXT))" % hexs))

    def test_verify_valid_checksum_unknown_token_gives_null(self):
        for _ in range(5):
            fake = helpers.make_token()
            self.assertTrue(helpers.checksum_ok(fake))
            self.assertIsNone(self.verify(fake))
            self.assertIsNone(self.verify("Bearer " + fake))
        # a valid checksum for another prefix
        other = helpers.make_token("tok_", self.tok[4:36])
        self.assertIsNone(self.verify(other))

    def test_verify_token_made_from_same_random_part_new_checksum_gives_null(self):
        # changing one random character and fixing the checksum
        rnd = self.tok[4:36]
        c = rnd[0]
        rnd2 = helpers.BASE62[(helpers.BASE62.index(c) + 1) % 62] + rnd[1:]
        fake = helpers.make_token("pat_", rnd2)
        self.assertIsNone(self.verify(fake))

    def test_verify_blob_of_token_bytes_no_error(self):
        r = self.one("SELECT pat_verify(?)", (self.tok.encode(),))
        self.assertIn(r, (None, self.tid))

    def test_verify_half_open_window(self):
        tok = self.create(valid_from=F, valid_to=T)
        tid = self.verify(tok, F)
        self.assertIsInstance(tid, int)
        self.assertEqual(self.verify(tok, F + 1), tid)
        self.assertEqual(self.verify(tok, T - 1), tid)
        self.assertIsNone(self.verify(tok, T))
        self.assertIsNone(self.verify(tok, T + 1))
        self.assertIsNone(self.verify(tok, F - 1))
        self.assertIsNone(self.verify(tok, 0))
        # REAL and TEXT `at`
        self.assertEqual(self.verify(tok, float(F)), tid)
        self.assertIsNone(self.verify(tok, float(T)))
        self.assertEqual(self.verify(tok, "2026-09-21 14:13:20"), tid)
        self.assertEqual(self.verify(tok, "2026-09-21T15:13:19Z"), tid)
        self.assertIsNone(self.verify(tok, "2026-09-21 15:13:20"))
        self.assertIsNone(self.verify(tok, "2026-09-21 14:13:19"))
        self.assertIsNone(self.verify(tok, "2026-09-21"))
        # fractional seconds: still the half-open window of real time
        self.assertIsNone(self.verify(tok, F - 0.5))
        self.assertEqual(self.verify(tok, F + 0.5), tid)
        self.assertEqual(self.verify(tok, T - 0.5), tid)
        self.assertIsNone(self.verify(tok, T + 0.5))
        self.assertIsNone(self.verify(tok, "now"))
        self.assertIsNone(self.verify(tok))

    def test_verify_expired_token_gives_null_now(self):
        now = self.now()
        tok = self.create(valid_from=now - 7200, valid_to=now - 3600)
        self.assertIsNone(self.verify(tok))
        self.assertIsNone(self.verify(tok, now))
        self.assertIsNone(self.verify(tok, "now"))
        self.assertIsInstance(self.verify(tok, now - 5000), int)

    def test_verify_pending_token_gives_null_now(self):
        now = self.now()
        tok = self.create(valid_from=now + 3600, valid_to=now + 7200)
        self.assertIsNone(self.verify(tok))
        self.assertIsNone(self.verify(tok, now))
        self.assertIsInstance(self.verify(tok, now + 5000), int)

    def test_verify_bad_at_is_error(self):
        self.assertSqlError(
            "SELECT pat_verify(?, ?)", (self.tok, b"\x01"),
            message="pat_verify: at must be a time: unix seconds or text")
        self.assertSqlError(
            "SELECT pat_verify(?, ?)", (self.tok, "garbage"),
            message="pat_verify: at is not a time: 'garbage'")
        self.assertSqlError(
            "SELECT pat_verify(?, ?)", (self.tok, 10 ** 15),
            message="pat_verify: at is out of range")

    def test_verify_bad_at_leaves_database_unchanged(self):
        self.assertRefused("SELECT pat_verify(?, ?)", (self.tok, "garbage"),
                           prefix="pat_verify: at ")
        self.assertRefused("SELECT pat_verify(?, ?)", (self.tok, b"x"),
                           prefix="pat_verify: at ")


class VerifyBeforeStoreTest(PatTestCase):

    def test_verify_and_has_right_before_store_exists(self):
        fake = helpers.make_token()
        self.assertIsNone(self.verify(fake))
        self.assertIsNone(self.verify(fake, 1790000000))
        self.assertEqual(self.has_right(fake, "DATA_FETCH"), 0)
        self.assertSqlError("SELECT pat_has_right(?, 'NOPE')", (fake,),
                            message="pat_has_right: unknown right 'NOPE'")
        self.assertSqlError("SELECT pat_verify(?, 'garbage')", (fake,),
                            message="pat_verify: at is not a time: 'garbage'")
        self.assertNoStore()


class HasRightTest(PatTestCase):

    def setUp(self):
        super().setUp()
        self.tok = self.create(rights="DATA_FETCH, MEDIA_FETCH")
        self.tid = self.id_of(self.tok)

    def test_has_right_1_for_held_right(self):
        self.assertEqual(self.has_right(self.tok, "DATA_FETCH"), 1)
        self.assertEqual(self.has_right(self.tok, "MEDIA_FETCH", self.now()), 1)
        self.assertEqual(self.has_right("Bearer " + self.tok, "DATA_FETCH",
                                        self.now()), 1)
        self.assertEqual(self.one("SELECT typeof(pat_has_right(?, 'DATA_FETCH'))",
                                  (self.tok,)), "integer")

    def test_has_right_0_for_catalog_right_not_held(self):
        now = self.now()
        for r in ALL_RIGHTS:
            if r in ("DATA_FETCH", "MEDIA_FETCH"):
                continue
            with self.subTest(right=r):
                self.assertEqual(self.has_right(self.tok, r, now), 0)
        self.assertEqual(self.has_right(self.tok, "DATA_CREATE"), 0)

    def test_has_right_0_for_invalid_or_junk_token(self):
        now = self.now()
        for label, v in malformed_variants(self.tok) + [
                ("unknown", helpers.make_token())]:
            with self.subTest(label=label):
                self.assertEqual(self.has_right(v, "DATA_FETCH"), 0)
                self.assertEqual(self.has_right(v, "DATA_FETCH", now), 0)
        self.assertEqual(self.one(
            "SELECT pat_has_right(CAST(x'61ff62' AS TEXT), 'DATA_FETCH')"), 0)

    def test_has_right_unknown_right_is_error_even_with_junk_token(self):
        for tok in (self.tok, None, 42, b"\x00", "junk", helpers.make_token()):
            with self.subTest(tok=tok):
                self.assertSqlError(
                    "SELECT pat_has_right(?, 'DATA_FECTH')", (tok,),
                    message="pat_has_right: unknown right 'DATA_FECTH'")
        self.assertSqlError(
            "SELECT pat_has_right(?, 'DATA_*')", (self.tok,),
            message="pat_has_right: unknown right 'DATA_*'")
        self.assertSqlError(
            "SELECT pat_has_right(?, '')", (self.tok,),
            prefix="pat_has_right: ")

    def test_has_right_null_or_non_text_right_is_error(self):
        for right in (None, 42, b"DATA_FETCH"):
            for tok in (self.tok, None):
                with self.subTest(right=right, tok=tok):
                    self.assertSqlError(
                        "SELECT pat_has_right(?, ?)", (tok, right),
                        message="pat_has_right: right must be a text")

    def test_has_right_half_open_window(self):
        tok = self.create(rights="DATA_*", valid_from=F, valid_to=T)
        self.assertEqual(self.has_right(tok, "DATA_DELETE", F), 1)
        self.assertEqual(self.has_right(tok, "DATA_DELETE", T - 1), 1)
        self.assertEqual(self.has_right(tok, "DATA_DELETE", T), 0)
        self.assertEqual(self.has_right(tok, "DATA_DELETE", F - 1), 0)
        self.assertEqual(self.has_right(tok, "DATA_DELETE", "2026-09-21 14:30:00"), 1)
        self.assertEqual(self.has_right(tok, "DATA_DELETE"), 0)
        self.assertEqual(self.has_right(tok, "USER_FETCH", F), 0)

    def test_has_right_expired_and_pending_tokens_give_0_now(self):
        now = self.now()
        e = self.create(valid_from=now - 7200, valid_to=now - 3600)
        p = self.create(valid_from=now + 3600, valid_to=now + 7200)
        for tok in (e, p):
            self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)
            self.assertEqual(self.has_right(tok, "DATA_FETCH", now), 0)
        self.assertEqual(self.has_right(e, "DATA_FETCH", now - 5000), 1)
        self.assertEqual(self.has_right(p, "DATA_FETCH", now + 5000), 1)

    def test_has_right_bad_at_is_error(self):
        self.assertSqlError(
            "SELECT pat_has_right(?, 'DATA_FETCH', ?)", (self.tok, b"\x01"),
            message="pat_has_right: at must be a time: unix seconds or text")
        self.assertSqlError(
            "SELECT pat_has_right(?, 'DATA_FETCH', ?)", (self.tok, "garbage"),
            message="pat_has_right: at is not a time: 'garbage'")


class MalformedTokensDoNotTouchDatabaseTest(PatTestCase):
    """With another connection holding an EXCLUSIVE lock (rollback journal),
    anything that reads the database must fail or wait; a malformed token
    must be rejected at once."""

    BUSY = 1.0

    def test_malformed_token_rejected_while_database_exclusively_locked(self):
        self.assertEqual(self.one("PRAGMA journal_mode"), "delete")
        a = self.connect(timeout=self.BUSY)
        tok = self.create(conn=a)
        now = self.now()
        tid = self.verify(tok, now, conn=a)
        self.assertIsInstance(tid, int)
        # warm up every path once on `a`
        for _label, v in malformed_variants(tok):
            self.assertIsNone(self.verify(v, now, conn=a))
        b = self.connect(load=False, timeout=0)
        b.execute("BEGIN EXCLUSIVE")
        try:
            for label, v in malformed_variants(tok):
                with self.subTest(label=label):
                    r, dt = helpers.elapsed(
                        lambda: self.verify(v, now, conn=a))
                    self.assertIsNone(r)
                    self.assertLess(dt, self.BUSY / 2,
                                    "%s waited for the lock" % label)
            # control: a well-formed token needs the database
            t0 = time.monotonic()
            try:
                r = self.verify(tok, now, conn=a)
            except sqlite3.Error:
                r = "error"
            dt = time.monotonic() - t0
            self.assertNotEqual(r, tid, "lock did not keep the reader out")
        finally:
            b.execute("ROLLBACK")
        self.assertEqual(self.verify(tok, now, conn=a), tid)
        del dt
