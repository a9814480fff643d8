"""A value that is not a well-formed token with a correct checksum is thrown
out before any lookup: a check of it never reads pat_store_tokens.

What a check runs is seen through the connection's trace (Python's
set_trace_callback), which shows pat's own statements too, as "-- ..." under
the statement that called pat. The same trace shows the lookup of a
well-formed token, known or not, so a lookup could not go unseen.
"""
from tests.python import helpers
from tests.python.helpers import PatTestCase


class MalformedTokensAreNeverLookedUpTest(PatTestCase):

    def setUp(self):
        super().setUp()
        self.tok = self.create()
        # Every statement pat caches is prepared, and the policy read.
        self.assertEqual(self.has_right(self.tok, "DATA_FETCH"), 1)
        self.assertEqual(self.verify(self.tok), 1)

    def traced(self, sql, params):
        """The answer of `sql`, and the statements pat ran for it."""
        seen = []
        self.conn.set_trace_callback(seen.append)
        try:
            answer = self.one(sql, params)
        finally:
            self.conn.set_trace_callback(None)
        self.assertTrue(seen and not seen[0].startswith("--"), seen)
        return answer, seen[1:]

    def lookups(self, sql, params):
        answer, statements = self.traced(sql, params)
        return answer, [s for s in statements if "pat_store_tokens" in s]

    def malformed(self):
        body = "pat_" + "A" * 31 + "_"  # an underscore in the random part
        return {
            "empty": "",
            "nonsense header": "Bearer nonsense",
            "bad checksum": helpers.bad_checksum(self.tok),
            "one character short": self.tok[:-1],
            "one character more": self.tok + "A",
            "underscore in the random part, checksum right": body + helpers.checksum(body),
            "dash in the random part, checksum right":
                "pat_" + "A" * 31 + "-" + helpers.checksum("pat_" + "A" * 31 + "-"),
            "two tokens": self.tok + " " + self.tok,
            "an integer": 42,
            "NULL": None,
        }

    def test_the_trace_shows_the_lookup_of_a_well_formed_token(self):
        unknown = helpers.make_token()
        for value, want in ((self.tok, 1), ("Bearer " + self.tok, 1), (unknown, None)):
            answer, looked = self.lookups("SELECT pat_verify(?)", (value,))
            self.assertEqual(answer, want)
            self.assertNotEqual(looked, [])
            answer, looked = self.lookups("SELECT pat_has_right(?, 'DATA_FETCH')", (value,))
            self.assertEqual(answer, 1 if want else 0)
            self.assertNotEqual(looked, [])

    def test_pat_verify_never_looks_up_a_malformed_value(self):
        for name, value in self.malformed().items():
            with self.subTest(name):
                self.assertEqual(self.lookups("SELECT pat_verify(?)", (value,)),
                                 (None, []))
                self.assertEqual(self.lookups("SELECT pat_verify(?, 0)", (value,)),
                                 (None, []))

    def test_pat_has_right_never_looks_up_a_malformed_value(self):
        for name, value in self.malformed().items():
            with self.subTest(name):
                self.assertEqual(
                    self.lookups("SELECT pat_has_right(?, 'DATA_FETCH')", (value,)),
                    (0, []))
                self.assertEqual(
                    self.lookups("SELECT pat_has_right(?, 'DATA_FETCH', 0)", (value,)),
                    (0, []))
