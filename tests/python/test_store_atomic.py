"""A pat write that fails half-way leaves nothing half-done.

Making the store takes several statements. From pat_create it runs inside a
savepoint or a transaction of its own; from a write to one of pat's tables it
runs inside the application's statement, which SQLite gives no statement
journal. When that fails because the disk is full (or an I/O error, or no
memory), pat passes SQLite's code on, and SQLite rolls back the whole
transaction, as it does for its own statements: never a store made in part.
"""
import sqlite3

from tests.python import helpers
from tests.python.helpers import PatTestCase

# Pages a database with one application table has; too few for the store.
FULL_AT = 8


class StoreMadeWholeOrNotAtAllTest(PatTestCase):

    def pat_objects(self):
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM main.sqlite_schema WHERE name LIKE 'pat\\_%' ESCAPE '\\'")]

    def fill_up(self):
        self.conn.execute("CREATE TABLE app(x)")
        self.conn.execute("PRAGMA max_page_count = %d" % FULL_AT)

    def test_table_write_that_can_not_make_the_store_in_autocommit_leaves_none(self):
        self.fill_up()
        for sql in ("INSERT INTO pat_owners VALUES ('alice', 'ADMIN')",
                    "UPDATE pat_settings SET value = 'all' WHERE key = 'audit'",
                    "INSERT INTO pat_rights(name, category) VALUES ('X_NEW', 'X')"):
            with self.subTest(sql=sql):
                with self.assertRaises(sqlite3.Error) as cm:
                    self.conn.execute(sql)
                self.assertIn("can not create the store", str(cm.exception))
                self.assertEqual(self.pat_objects(), [])

    def test_table_write_that_can_not_make_the_store_in_a_transaction_rolls_it_back(self):
        self.fill_up()
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO app VALUES (1)")
        with self.assertRaises(sqlite3.Error) as cm:
            self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'ADMIN')")
        # SQLite's own rule for a full disk: the whole transaction goes.
        self.assertEqual(cm.exception.sqlite_errorcode, sqlite3.SQLITE_FULL)
        self.assertFalse(self.conn.in_transaction)
        self.assertEqual(self.pat_objects(), [])
        self.assertEqual(self.one("SELECT count(*) FROM app"), 0)

    def test_mint_that_can_not_make_the_store_in_a_transaction_keeps_the_transaction(self):
        self.fill_up()
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO app VALUES (1)")
        with self.assertRaises(sqlite3.Error):
            self.conn.execute("SELECT pat_create('alice', 'n', 'DATA_FETCH')")
        # pat_create makes the store inside a savepoint of its own
        self.assertTrue(self.conn.in_transaction)
        self.assertEqual(self.pat_objects(), [])
        self.assertEqual(self.one("SELECT count(*) FROM app"), 1)
        self.conn.execute("COMMIT")
        self.assertEqual(self.one("SELECT count(*) FROM app"), 1)

    def test_the_store_is_made_once_there_is_room(self):
        self.fill_up()
        with self.assertRaises(sqlite3.Error):
            self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'ADMIN')")
        self.conn.execute("PRAGMA max_page_count = 100000")
        self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'ADMIN')")
        self.assertEqual(self.rows("SELECT owner, role FROM pat_owners"), [("alice", "ADMIN")])
        tok = self.create(owner="alice")
        self.assertIsNotNone(self.verify(tok))
