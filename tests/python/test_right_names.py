"""Right names that contain other right names.

A token's rights are stored as a JSON array of names, and a check looks for
the right's name in it. With a catalog where one right's name is the start
(DATA_FETCH / DATA_FETCH_ALL) or the end (DATA_FETCH / MY_DATA_FETCH) of
another's, a check must match whole names only, on every path a check
takes: the first check on a connection (rights read from the token's row),
a repeated one (rights found by their hash in the connection's cache), and
a check while owners are listed (rights read with the owner's role).
"""
from tests.python import helpers
from tests.python.helpers import PatTestCase

LONGER = "DATA_FETCH_ALL"    # DATA_FETCH is its start
WIDER = "MY_DATA_FETCH"      # DATA_FETCH is its end
SHORT = "DATA_FETCH"


class RightNamesInsideOthersTest(PatTestCase):

    def setUp(self):
        super().setUp()
        self.conn.execute(
            "INSERT INTO pat_rights(name, category, description) VALUES"
            " (?, 'Data Operations', 'Read all data'),"
            " (?, 'Data Operations', 'Read my data')", (LONGER, WIDER))
        self.tokens = {
            LONGER: self.create(owner="u1", name="longer", rights=LONGER),
            WIDER: self.create(owner="u1", name="wider", rights=WIDER),
            SHORT: self.create(owner="u1", name="short", rights=SHORT),
        }

    def answers(self, conn):
        """{(held, asked): has_right} for every pair of the three rights."""
        return {(held, asked): self.has_right(tok, asked, conn=conn)
                for held, tok in self.tokens.items()
                for asked in (SHORT, LONGER, WIDER)}

    def expected(self):
        return {(held, asked): int(held == asked)
                for held in self.tokens for asked in (SHORT, LONGER, WIDER)}

    def test_tokens_store_exactly_the_right_they_were_given(self):
        for right, tok in self.tokens.items():
            self.assertEqual(helpers.rights_json(
                self.token_row(self.id_of(tok))["rights"]), [right])

    def test_a_check_matches_whole_names_on_a_fresh_connection_and_again(self):
        for _ in range(2):  # each connection's first check, then cached
            conn = self.connect()
            self.assertEqual(self.answers(conn), self.expected())
            self.assertEqual(self.answers(conn), self.expected())

    def test_a_check_matches_whole_names_on_the_connection_that_minted(self):
        self.assertEqual(self.answers(self.conn), self.expected())
        self.assertEqual(self.answers(self.conn), self.expected())

    def test_a_check_matches_whole_names_while_owners_are_listed(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('u1', 'ROOT')")
        self.assertEqual(self.answers(self.conn), self.expected())
        conn = self.connect()
        self.assertEqual(self.answers(conn), self.expected())
        self.assertEqual(self.answers(conn), self.expected())

    def test_a_token_with_both_names_holds_each(self):
        tok = self.create(owner="u1", name="both", rights="%s, %s" % (SHORT, LONGER))
        conn = self.connect()
        for _ in range(2):
            self.assertEqual(self.has_right(tok, SHORT, conn=conn), 1)
            self.assertEqual(self.has_right(tok, LONGER, conn=conn), 1)
            self.assertEqual(self.has_right(tok, WIDER, conn=conn), 0)

    def test_a_name_that_only_starts_or_ends_a_catalog_name_is_unknown(self):
        for name in ("DATA_FETCH_AL", "DATA_FETC", "DATA_FETCH_ALLX", "Y_DATA_FETCH",
                     "ATA_FETCH"):
            self.assertRefused("SELECT pat_create('u1', 'x', ?)", (name,),
                               message="pat_create: unknown right '%s'" % name)
            self.assertSqlError("SELECT pat_has_right(?, ?)",
                                (self.tokens[LONGER], name),
                                message="pat_has_right: unknown right '%s'" % name)

    def test_a_category_wildcard_takes_every_name_of_its_prefix(self):
        tok = self.create(owner="u1", name="all data", rights="DATA_*")
        self.assertEqual(
            helpers.rights_json(self.token_row(self.id_of(tok))["rights"]),
            sorted(helpers.DATA_RIGHTS + [LONGER]))
        self.assertEqual(self.has_right(tok, WIDER), 0)
