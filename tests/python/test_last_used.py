"""last_used_interval, as a connection applies it.

A connection records the first use of each token in each last_used_interval:
it remembers the uses it recorded, so a check reads no last use from the
store. The exact boundary (a use one interval after the recorded one is
recorded, a second sooner is not) is proved on a clock the test sets, in C
(tests/unit/test_bookkeeping.c). Here, through Python and a real file:

- a connection's first use of a token is recorded whatever the store holds
  (a use recorded a second ago by another connection, or written into the
  row directly), and pat_tokens then shows it;
- a second use on the same connection within the interval records nothing;
- with an interval of 0, each use in a new second is recorded.
"""
from tests.python import helpers
from tests.python.helpers import PatTestCase, utc

INTERVAL = 100
ATTEMPTS = 50


class LastUsedIntervalTest(PatTestCase):
    journal_mode = "wal"  # reads show the connection's own bookkeeping

    def setUp(self):
        super().setUp()
        self.set_setting("last_used_interval", INTERVAL)
        self.set_setting("bookkeeping_delay", 0)
        self.tok = self.create()
        self.tid = self.id_of(self.tok)
        self.raw = self.connect(load=False)

    def recorded(self):
        return helpers.recorded_last_use(self.raw, self.tid)

    def checks(self):
        return {"pat_verify": lambda c: self.verify(self.tok, conn=c) == self.tid,
                "pat_has_right": lambda c: self.has_right(self.tok, "DATA_FETCH", conn=c) == 1}

    def at_one_second(self, action):
        """Runs action() until the clock showed the same second before and
        after it; returns that second."""
        for _ in range(ATTEMPTS):
            now = self.now()
            action()
            if self.now() == now:
                return now
        self.fail("the clock moved during each of %d attempts" % ATTEMPTS)

    def test_a_connections_first_use_is_recorded_whatever_the_row_says(self):
        for name, check in self.checks().items():
            with self.subTest(name):
                conn = self.connect()

                def use():
                    self.raw.execute("UPDATE pat_store_tokens SET last_used_at = ? WHERE id = ?",
                                     (self.now() - (INTERVAL - 1), self.tid))
                    self.raw.execute("DELETE FROM pat_store_uses")
                    self.assertTrue(check(conn))
                    conn.close()  # a new connection for the next attempt

                def fresh_use():
                    nonlocal conn
                    conn = self.connect()
                    use()

                now = self.at_one_second(fresh_use)
                self.assertEqual(self.recorded(), now)
                self.assertEqual(self.one("SELECT last_used_at FROM pat_tokens WHERE id = ?",
                                          (self.tid,)), utc(now))

    def test_a_second_use_within_the_interval_records_nothing(self):
        for name, check in self.checks().items():
            with self.subTest(name):
                conn = self.connect()
                self.assertTrue(check(conn))
                first = self.recorded()
                self.raw.execute("DELETE FROM pat_store_uses")
                self.raw.execute("UPDATE pat_store_tokens SET last_used_at = NULL")
                self.assertTrue(check(conn))
                self.assertIsNotNone(first)
                self.assertIsNone(self.recorded())
                self.assertEqual(self.one("SELECT count(*) FROM pat_store_uses",
                                          conn=self.raw), 0)

    def test_an_interval_of_0_records_each_second(self):
        self.set_setting("last_used_interval", 0)
        conn = self.connect()
        self.assertTrue(self.checks()["pat_verify"](conn))
        first = self.recorded()
        while self.now() == first:  # polls SQLite's clock into the next second
            pass
        self.assertTrue(self.checks()["pat_verify"](conn))
        self.assertGreater(self.recorded(), first)
        self.assertEqual(self.one("SELECT count(*) FROM pat_store_uses", conn=self.raw), 2)
