"""The last_used_interval boundary, exactly.

A use writes a token's last_used_at when at least last_used_interval seconds
have passed since the recorded last use: a use exactly that many seconds
later writes it, one a second sooner does not. The recorded last use is set
directly in the store relative to the clock, and an attempt counts only when
the clock (SQLite's, which pat reads) showed the same second before and
after the check, so the check ran at that very second: no sleeping, and no
answer that depends on how fast the machine is.
"""
from tests.python import helpers
from tests.python.helpers import PatTestCase, utc

INTERVAL = 100
ATTEMPTS = 50


class LastUsedIntervalBoundaryTest(PatTestCase):
    journal_mode = "wal"  # reads show the connection's own bookkeeping

    def setUp(self):
        super().setUp()
        self.set_setting("last_used_interval", INTERVAL)
        # A later pat may hold bookkeeping before writing it: not here.
        if self.one("SELECT count(*) FROM pat_settings WHERE key = 'bookkeeping_delay'"):
            self.set_setting("bookkeeping_delay", 0)
        self.tok = self.create()
        self.tid = self.id_of(self.tok)
        self.raw = self.connect(load=False)

    def recorded(self):
        return self.one("SELECT last_used_at FROM pat_store_tokens WHERE id = ?",
                        (self.tid,), conn=self.raw)

    def use_at_second(self, since, check):
        """Sets the recorded last use `since` seconds before now, then runs
        `check` (a use); returns (now, last_used_at after) once the clock did
        not move during it."""
        for _ in range(ATTEMPTS):
            now = self.now()
            self.raw.execute("UPDATE pat_store_tokens SET last_used_at = ? WHERE id = ?",
                             (now - since, self.tid))
            answer = check()
            if self.now() != now:
                continue  # the second turned: try again
            self.assertTrue(answer)
            shown = self.one("SELECT last_used_at FROM pat_tokens WHERE id = ?", (self.tid,))
            after = self.recorded()
            self.assertEqual(shown, utc(after))
            return now, after
        self.fail("the clock moved during each of %d attempts" % ATTEMPTS)

    def checks(self):
        return {"pat_verify": lambda: self.verify(self.tok) == self.tid,
                "pat_has_right": lambda: self.has_right(self.tok, "DATA_FETCH") == 1}

    def test_a_use_exactly_the_interval_later_writes_last_used_at(self):
        for name, check in self.checks().items():
            with self.subTest(name):
                now, after = self.use_at_second(INTERVAL, check)
                self.assertEqual(after, now)

    def test_a_use_one_second_sooner_writes_nothing(self):
        for name, check in self.checks().items():
            with self.subTest(name):
                now, after = self.use_at_second(INTERVAL - 1, check)
                self.assertEqual(after, now - (INTERVAL - 1))

    def test_a_use_one_second_later_writes_last_used_at(self):
        for name, check in self.checks().items():
            with self.subTest(name):
                now, after = self.use_at_second(INTERVAL + 1, check)
                self.assertEqual(after, now)
