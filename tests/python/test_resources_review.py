"""Outside review of rights on resources (issue 15): inputs that should not
cost what they do.

pat_rights_expand adds one entry per catalog right for every wildcard item
(`*`, `CATEGORY_*`, with or without a resource) and only then sorts and drops
duplicates, so a rights argument that repeats a wildcard costs memory and time
in items x catalog, about 400 bytes of heap per byte of argument with the
default catalog. Before resources, `*, *, ...` cost one flag per catalog right
whatever the number of items. A rights text reaches pat_create and
UPDATE pat_tokens SET rights from whoever may make a token, so its cost
should follow what the token stores, not the items times the catalog.
"""
import sqlite3

from tests.python import helpers
from tests.python.helpers import PatTestCase

# SQLite's own heap (sqlite3_malloc, which pat uses) for this test; the
# argument itself is 0.5 to 1 MB, and what is stored is at most one entry per
# catalog right.
HEAP_LIMIT = 64 << 20
ITEMS = 1 << 18


class RepeatedWildcardTest(PatTestCase):

    def setUp(self):
        super().setUp()
        self.create(rights="DATA_FETCH")  # the store exists before the limit
        # process-wide: always put back
        self.addCleanup(self.conn.execute, "PRAGMA hard_heap_limit=0")

    def create_under_limit(self, rights, sql="SELECT pat_create('u1', 'n', ?)"):
        self.conn.execute("PRAGMA hard_heap_limit=%d" % HEAP_LIMIT)
        try:
            return self.conn.execute(sql, (rights,)).fetchone()
        except sqlite3.OperationalError as e:
            self.fail("%s of %d bytes (%d items) under a %d MB heap: %s"
                      % (sql.split("(")[0], len(rights), ITEMS, HEAP_LIMIT >> 20, e))
        finally:
            self.conn.execute("PRAGMA hard_heap_limit=0")

    def test_a_repeated_star_costs_what_it_stores(self):
        # before resources this passed: '*' set one flag per catalog right
        tok = self.create_under_limit(", ".join(["*"] * ITEMS))[0]
        self.assertEqual(helpers.rights_json(self.token_row(self.id_of(tok))["rights"]),
                         helpers.ALL_RIGHTS)

    def test_a_repeated_star_on_a_resource_costs_what_it_stores(self):
        tok = self.create_under_limit(",".join(["*@a"] * ITEMS))[0]
        self.assertEqual(helpers.rights_json(self.token_row(self.id_of(tok))["rights"]),
                         sorted(r + "@a" for r in helpers.ALL_RIGHTS))

    def test_update_of_a_repeated_star_costs_what_it_stores(self):
        tid = self.id_of(self.create(rights="DATA_FETCH"))
        self.create_under_limit(",".join(["*"] * ITEMS),
                                sql="UPDATE pat_tokens SET rights = ? WHERE id = %d" % tid)
        self.assertEqual(helpers.rights_json(self.token_row(tid)["rights"]),
                         helpers.ALL_RIGHTS)


if __name__ == "__main__":
    import unittest
    unittest.main()
