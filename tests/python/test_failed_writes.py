"""A pat write that fails after it began leaves the database exactly as it
was: no half-made store, no token; and inside the application's own
transaction, that transaction stays open with its own rows, usable.

The first write makes the store (sql/schema.sql) and the token in one
transaction of pat's own (autocommit), or in a savepoint inside the
application's transaction. These tests make that write fail part way:
  - an application table already named like an index that the store makes
    (pat_store_events_token), so the schema fails after its first tables;
  - a full disk (PRAGMA max_page_count), part way through the schema;
  - an application TEMP trigger that refuses the token's row (RAISE(ABORT),
    calling no pat function), on a store whose making was interrupted before
    its schema version was written (so the write makes the rest of it) and
    on a whole store.
"""
import sqlite3

from tests.python import helpers
from tests.python.helpers import PatTestCase

COLLIDING = "pat_store_events_token"
VETO = ("CREATE TEMP TRIGGER app_veto BEFORE INSERT ON main.pat_store_tokens"
        " BEGIN SELECT RAISE(ABORT, 'the application says no'); END")
VETO_UPDATE = ("CREATE TEMP TRIGGER app_veto_update BEFORE UPDATE ON main.pat_store_tokens"
               " BEGIN SELECT RAISE(ABORT, 'the application says no'); END")


def state(conn):
    """main as `conn` sees it (its own uncommitted changes included): the
    schema and every table's rows."""
    schema = conn.execute(
        "SELECT type, name, tbl_name, sql FROM main.sqlite_schema"
        " ORDER BY type, name").fetchall()
    data = {}
    for typ, name, _tbl, sql in schema:
        if typ == "table" and not (sql or "").upper().startswith("CREATE VIRTUAL"):
            q = 'SELECT * FROM main."%s"' % name.replace('"', '""')
            data[name] = sorted(conn.execute(q).fetchall(), key=repr)
    return {"schema": schema, "data": data}


class FailedWriteTestCase(PatTestCase):

    def app_table(self):
        raw = self.connect(load=False)
        raw.execute("CREATE TABLE app(x)")
        raw.close()

    def assertMintFails(self, contains, sql="SELECT pat_create('u1', 'ci', 'DATA_FETCH')"):
        """The mint fails with an error holding `contains`, and main is as
        it was, as this connection and a fresh one see it."""
        mine, committed = state(self.conn), helpers.snapshot(self.path)
        self.assertSqlError(sql, contains=contains)
        self.assertEqual(state(self.conn), mine)
        self.assertEqual(helpers.snapshot(self.path), committed)
        return mine

    def assertInsideTransactionMintFails(self, contains):
        """Inside BEGIN, after a row of the application's own: the mint
        fails, the row stays, the transaction stays open and commits."""
        committed = helpers.snapshot(self.path)
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO app(x) VALUES ('before')")
        before = state(self.conn)
        self.assertSqlError("SELECT pat_create('u1', 'ci', 'DATA_FETCH')", contains=contains)
        self.assertTrue(self.conn.in_transaction)
        self.assertEqual(state(self.conn), before)
        self.assertEqual(helpers.snapshot(self.path), committed)
        self.conn.execute("INSERT INTO app(x) VALUES ('after')")
        self.conn.execute("COMMIT")
        self.assertFalse(self.conn.in_transaction)
        after = helpers.snapshot(self.path)
        self.assertEqual(after["schema"], committed["schema"])
        self.assertEqual(sorted(after["data"]["app"]), [("after",), ("before",)])
        return after

    def assertStoreWorks(self):
        tok = self.create()
        self.assertIsInstance(self.verify(tok), int)
        names = [r[1] for r in helpers.schema_rows(self.path)]
        self.assertIn("pat_store_tokens", names)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)


class NameTakenBeforeTheStoreTest(FailedWriteTestCase):
    """An application table named like the store's index on events."""

    def setUp(self):
        super().setUp()
        self.app_table()
        self.conn.execute("CREATE TABLE %s(y)" % COLLIDING)

    def test_in_autocommit_nothing_of_the_store_is_left(self):
        self.assertMintFails(COLLIDING)
        self.assertEqual(helpers.pat_objects(self.path), ["app", COLLIDING])

    def test_in_a_writing_statement_nothing_of_the_store_is_left(self):
        self.assertMintFails(
            COLLIDING, "INSERT INTO app(x) SELECT pat_create('u1', 'ci', 'DATA_FETCH')")
        self.assertEqual(helpers.pat_objects(self.path), ["app", COLLIDING])

    def test_inside_begin_the_application_transaction_survives_whole(self):
        self.assertInsideTransactionMintFails(COLLIDING)
        self.assertEqual(helpers.pat_objects(self.path), ["app", COLLIDING])

    def test_twice_inside_one_transaction(self):
        self.conn.execute("BEGIN")
        before = state(self.conn)
        for _ in range(2):
            self.assertSqlError("SELECT pat_create('u1', 'ci', 'DATA_FETCH')",
                                contains=COLLIDING)
            self.assertEqual(state(self.conn), before)
        self.conn.execute("ROLLBACK")

    def test_the_store_is_made_whole_once_the_name_is_free(self):
        self.assertMintFails(COLLIDING)
        self.conn.execute("DROP TABLE %s" % COLLIDING)
        self.assertStoreWorks()


class DiskFullTest(FailedWriteTestCase):
    """The file may grow by two pages: the schema fails after a few tables."""

    def setUp(self):
        super().setUp()
        self.app_table()
        pages = self.one("PRAGMA page_count")
        self.assertEqual(self.one("PRAGMA max_page_count = %d" % (pages + 2)), pages + 2)

    def test_in_autocommit_nothing_of_the_store_is_left(self):
        self.assertMintFails("full")
        self.assertEqual(helpers.pat_objects(self.path), ["app"])

    def test_inside_begin_the_application_transaction_survives_whole(self):
        self.assertInsideTransactionMintFails("full")
        self.assertEqual(helpers.pat_objects(self.path), ["app"])

    def test_the_store_is_made_whole_once_there_is_room(self):
        self.assertMintFails("full")
        self.one("PRAGMA max_page_count = 1000000")
        self.assertStoreWorks()


class ApplicationTriggerRefusesTest(FailedWriteTestCase):
    """A TEMP trigger of the application's refuses every new token row."""

    def setUp(self):
        super().setUp()
        self.app_table()
        self.first = self.create(owner="u0")

    def interrupt_the_making(self):
        """As if the store's making had stopped before its last statement:
        pat sees no store, and its next write runs the schema again."""
        raw = self.connect(load=False)
        raw.execute("DELETE FROM pat_store_meta WHERE key = 'schema_version'")
        raw.close()

    def test_a_half_made_store_stays_as_it_was_in_autocommit(self):
        self.interrupt_the_making()
        self.conn.execute(VETO)
        self.assertMintFails("the application says no")

    def test_a_half_made_store_stays_as_it_was_inside_begin(self):
        self.interrupt_the_making()
        self.conn.execute(VETO)
        self.assertInsideTransactionMintFails("the application says no")

    def test_a_whole_store_stays_as_it_was(self):
        self.conn.execute(VETO)
        self.conn.execute(VETO_UPDATE)
        self.assertMintFails("the application says no")
        self.assertInsideTransactionMintFails("the application says no")
        before = helpers.snapshot(self.path)
        for sql in ("SELECT pat_rotate(1)",
                    "UPDATE pat_tokens SET name = 'renamed' WHERE id = 1",
                    "UPDATE pat_tokens SET rights = 'DATA_CREATE' WHERE id = 1"):
            self.assertSqlError(sql, contains="the application says no")
            self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.verify(self.first), 1)

    def test_the_write_works_once_the_trigger_is_gone(self):
        self.interrupt_the_making()
        self.conn.execute(VETO)
        self.assertMintFails("the application says no")
        self.conn.execute("DROP TRIGGER temp.app_veto")
        tok = self.create()
        self.assertIsInstance(self.verify(tok), int)
        self.assertEqual(self.verify(self.first), 1)
