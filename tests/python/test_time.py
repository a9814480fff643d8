"""Time arguments of pat_create: defaults, types, window checks."""
from tests.python import helpers
from tests.python.helpers import PatTestCase, DEFAULT_LIFETIME, MAX_LIFETIME

F = 1790000000  # 2026-09-21 14:13:20 UTC


class TimeTest(PatTestCase):

    def window(self, *args, **kw):
        tok = self.create(*args, **kw)
        row = self.rows(
            "SELECT id, valid_from, valid_to, unixepoch(valid_from),"
            " unixepoch(valid_to) FROM pat_tokens ORDER BY id DESC LIMIT 1")[0]
        self.assertEqual(self.verify(tok, row[3]), row[0])
        return row[1], row[2], row[3], row[4]

    def test_default_window_is_now_to_now_plus_default_lifetime(self):
        t0 = self.now()
        _, _, vf, vt = self.window()
        t1 = self.now()
        self.assertTrue(t0 - 2 <= vf <= t1 + 2, (t0, vf, t1))
        self.assertEqual(vt - vf, DEFAULT_LIFETIME)

    def test_null_means_default(self):
        t0 = self.now()
        self.one("SELECT pat_create('u', 'n', 'DATA_FETCH', NULL, NULL)")
        vf, vt = self.rows("SELECT unixepoch(valid_from), unixepoch(valid_to)"
                           " FROM pat_tokens")[0]
        self.assertTrue(t0 - 2 <= vf <= t0 + 3)
        self.assertEqual(vt - vf, DEFAULT_LIFETIME)

    def test_valid_from_given_valid_to_defaults_to_from_plus_lifetime(self):
        _, _, vf, vt = self.window(valid_from=F)
        self.assertEqual((vf, vt), (F, F + DEFAULT_LIFETIME))
        self.one("SELECT pat_create('u', 'n', 'DATA_FETCH', ?, NULL)", (F,))
        vf, vt = self.rows("SELECT unixepoch(valid_from), unixepoch(valid_to)"
                           " FROM pat_tokens ORDER BY id DESC LIMIT 1")[0]
        self.assertEqual((vf, vt), (F, F + DEFAULT_LIFETIME))

    def test_null_valid_from_with_valid_to_means_now(self):
        t0 = self.now()
        self.one("SELECT pat_create('u', 'n', 'DATA_FETCH', NULL, ?)",
                 (t0 + 3600,))
        vf, vt = self.rows("SELECT unixepoch(valid_from), unixepoch(valid_to)"
                           " FROM pat_tokens")[0]
        self.assertTrue(t0 - 2 <= vf <= t0 + 3)
        self.assertEqual(vt, t0 + 3600)

    def test_integer_unix_seconds(self):
        f, t, vf, vt = self.window(valid_from=F, valid_to=F + 3600)
        self.assertEqual((f, t), ("2026-09-21 14:13:20", "2026-09-21 15:13:20"))
        self.assertEqual((vf, vt), (F, F + 3600))

    def test_real_unix_seconds(self):
        _, _, vf, vt = self.window(valid_from=float(F),
                                   valid_to=float(F + 7200))
        self.assertEqual((vf, vt), (F, F + 7200))
        f, t, vf, vt = self.window(valid_from=F + 0.25,
                                   valid_to=F + 7200.25)
        self.assertEqual((vf, vt), (F, F + 7200))
        self.assertRegex(f, helpers.TIME_RE)
        self.assertRegex(t, helpers.TIME_RE)

    def test_text_date_only(self):
        f, t, _, _ = self.window(valid_from="2026-11-27",
                                 valid_to="2026-11-28")
        self.assertEqual((f, t), ("2026-11-27 00:00:00", "2026-11-28 00:00:00"))

    def test_text_date_and_time(self):
        f, t, _, _ = self.window(valid_from="2026-11-27 12:00:00",
                                 valid_to="2026-12-01 08:30:15")
        self.assertEqual((f, t), ("2026-11-27 12:00:00", "2026-12-01 08:30:15"))

    def test_text_iso_with_T_and_Z(self):
        f, t, _, _ = self.window(valid_from="2026-11-27T12:00:00Z",
                                 valid_to="2026-11-28T12:00:00Z")
        self.assertEqual((f, t), ("2026-11-27 12:00:00", "2026-11-28 12:00:00"))

    def test_text_now(self):
        t0 = self.now()
        _, _, vf, vt = self.window(valid_from="now")
        self.assertTrue(t0 - 2 <= vf <= t0 + 3)
        self.assertEqual(vt - vf, DEFAULT_LIFETIME)
        # 'now' as valid_to is before any later valid_from: error
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH', ?, 'now')",
            (t0 + 1000,),
            message="pat_create: valid_to must be later than valid_from")

    def test_number_inside_text_is_a_julian_day(self):
        f, t, _, _ = self.window(valid_from="2461372.0",
                                 valid_to="2461373.5")
        self.assertEqual((f, t), ("2026-11-27 12:00:00", "2026-11-29 00:00:00"))

    def test_range_limits_of_year_0000_and_9999(self):
        lo, hi = -62167219200, 253402300799
        f, t, _, _ = self.window(valid_from=lo, valid_to=lo + 100)
        self.assertEqual(f, "0000-01-01 00:00:00")
        f, t, _, _ = self.window(valid_from=hi - 100, valid_to=hi)
        self.assertEqual(t, "9999-12-31 23:59:59")
        self.assertRefused(
            "SELECT pat_create('u','n','DATA_FETCH', ?, ?)", (lo - 1, lo + 100),
            message="pat_create: valid_from is out of range")
        self.assertRefused(
            "SELECT pat_create('u','n','DATA_FETCH', ?, ?)", (hi - 100, hi + 1),
            message="pat_create: valid_to is out of range")

    def test_valid_to_equal_valid_from_is_error(self):
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)", (F, F),
            message="pat_create: valid_to must be later than valid_from")
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)",
            ("2026-11-27", "2026-11-27 00:00:00"),
            message="pat_create: valid_to must be later than valid_from")
        self.assertNoStore()

    def test_valid_to_before_valid_from_is_error(self):
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)", (F, F - 1),
            message="pat_create: valid_to must be later than valid_from")
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH', NULL, ?)",
            ("2020-01-01",),
            message="pat_create: valid_to must be later than valid_from")
        self.assertNoStore()

    def test_lifetime_over_max_is_error(self):
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)",
            (F, F + MAX_LIFETIME + 1),
            message="pat_create: lifetime of 31622401 seconds exceeds "
                    "max_lifetime (31622400)")
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)",
            ("2026-01-01", "2028-01-01"),
            message="pat_create: lifetime of %d seconds exceeds "
                    "max_lifetime (31622400)" % (730 * 86400))
        self.assertNoStore()

    def test_lifetime_exactly_max_ok(self):
        _, _, vf, vt = self.window(valid_from=F, valid_to=F + MAX_LIFETIME)
        self.assertEqual(vt - vf, MAX_LIFETIME)

    def test_lifetime_of_one_second_ok(self):
        _, _, vf, vt = self.window(valid_from=F, valid_to=F + 1)
        self.assertEqual(vt - vf, 1)

    def test_bad_text_is_error(self):
        for col, sql in (
                ("valid_from", "SELECT pat_create('u','n','DATA_FETCH', ?)"),
                ("valid_to",
                 "SELECT pat_create('u','n','DATA_FETCH', NULL, ?)")):
            for bad in ("garbage", "2026-13-45", "tomorrow", ""):
                with self.subTest(col=col, bad=bad):
                    self.assertRefused(
                        sql, (bad,),
                        message="pat_create: %s is not a time: '%s'"
                        % (col, bad))
        self.assertNoStore()

    def test_blob_is_error(self):
        self.assertRefused(
            "SELECT pat_create('u','n','DATA_FETCH', ?)", (b"\x01\x02",),
            message="pat_create: valid_from must be a time: unix seconds or "
                    "text")
        self.assertRefused(
            "SELECT pat_create('u','n','DATA_FETCH', ?, ?)", (F, b"2026"),
            message="pat_create: valid_to must be a time: unix seconds or "
                    "text")
        self.assertNoStore()

    def test_out_of_range_is_error(self):
        for bad in (10 ** 15, -10 ** 15, float("inf"), float("-inf"), 1e300):
            with self.subTest(bad=bad):
                self.assertRefused(
                    "SELECT pat_create('u','n','DATA_FETCH', ?)", (bad,),
                    message="pat_create: valid_from is out of range")
                self.assertRefused(
                    "SELECT pat_create('u','n','DATA_FETCH', ?, ?)", (F, bad),
                    message="pat_create: valid_to is out of range")
        self.assertNoStore()

    def test_window_in_the_past_allowed_as_record(self):
        tok = self.create(valid_from="2020-01-01", valid_to="2020-02-01")
        row = self.rows("SELECT valid_from, valid_to, status FROM pat_tokens")[0]
        self.assertEqual(row, ("2020-01-01 00:00:00", "2020-02-01 00:00:00",
                               "expired"))
        self.assertIsNone(self.verify(tok))
        self.assertIsNotNone(self.verify(tok, "2020-01-15"))

    def test_window_in_the_future_allowed_as_pending(self):
        tok = self.create(valid_from="2099-01-01", valid_to="2099-02-01")
        row = self.rows("SELECT valid_from, valid_to, status FROM pat_tokens")[0]
        self.assertEqual(row, ("2099-01-01 00:00:00", "2099-02-01 00:00:00",
                               "pending"))
        self.assertIsNone(self.verify(tok))
        self.assertIsNotNone(self.verify(tok, "2099-01-15"))
