"""What an attacker's review of the stored-object rule found (issue 13).

SQLite builds a table from a sqlite_schema row's SQL whatever the row's type
says ('TABLE', 'Table'), so pat may not trust the type; and SQLite runs the
schema it parsed, not the text in the file, so a refusal stands until SQLite
itself sees the schema change.
"""
import os
import sqlite3

from tests.python import helpers
from tests.python.helpers import PatTestCase

HOSTILE = "CREATE TABLE ck(a CHECK (pat_create(''mallory'', ''n'', ''*'') IS NOT NULL))"


class StoredObjectTypeIsNotTrustedTest(PatTestCase):

    def plant(self, path, name, type_, sql):
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("CREATE TABLE %s(a)" % name)
        raw.execute("PRAGMA writable_schema=ON")
        raw.execute("UPDATE sqlite_schema SET type = ?, sql = ? WHERE name = ?",
                    (type_, sql.replace("''", "'"), name))
        raw.close()

    def open_loaded(self, path):
        c = self.connect(path=path)
        c.execute("PRAGMA trusted_schema=0")
        return c

    def test_check_in_a_row_typed_TABLE_is_refused_in_any_case(self):
        for type_ in ("TABLE", "Table", "tAbLe"):
            with self.subTest(type=type_):
                path = os.path.join(self.tmpdir, "t-%s.db" % type_)
                self.plant(path, "ck", type_, HOSTILE)
                c = self.open_loaded(path)
                with self.assertRaises(sqlite3.Error) as cm:
                    c.execute("INSERT INTO ck VALUES (1)")
                self.assertIn("'ck'", str(cm.exception))
                with self.assertRaises(sqlite3.Error):
                    c.execute("SELECT count(*) FROM pat_tokens").fetchall()
                c.close()
                raw = sqlite3.connect(path)
                self.assertEqual(raw.execute(
                    "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'pat_store%'"
                ).fetchone()[0], 0)
                raw.close()

    def test_table_typed_Table_named_like_a_public_table_shadows(self):
        path = os.path.join(self.tmpdir, "shadow.db")
        self.plant(path, "pat_owners", "Table", "CREATE TABLE pat_owners(owner TEXT, role TEXT)")
        c = self.open_loaded(path)
        with self.assertRaises(sqlite3.Error) as cm:
            c.execute("SELECT pat_create('alice', 'n', 'USER_DELETE')")
        self.assertIn("shadows pat's own", str(cm.exception))
        self.assertIn("pat_owners", str(cm.exception))


class RefusalStandsUntilSqliteSeesTheChangeTest(PatTestCase):

    def test_schema_text_rewritten_without_its_cookie_keeps_pat_refusing(self):
        path = os.path.join(self.tmpdir, "h.db")
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("CREATE TABLE ck(a)")
        raw.execute("PRAGMA writable_schema=ON")
        raw.execute("UPDATE sqlite_schema SET sql = ? WHERE name = 'ck'",
                    (HOSTILE.replace("''", "'"),))
        raw.execute("PRAGMA writable_schema=OFF")
        raw.close()
        c = self.connect(path=path)
        with self.assertRaises(sqlite3.Error):
            c.execute("SELECT pat_create('alice', 'x', 'DATA_FETCH')")
        # Another connection rewrites the text, the schema cookie unchanged:
        # this connection still runs the CHECK it parsed.
        other = sqlite3.connect(path, isolation_level=None)
        cookie = other.execute("PRAGMA schema_version").fetchone()[0]
        other.execute("PRAGMA writable_schema=ON")
        other.execute("UPDATE sqlite_schema SET sql = 'CREATE TABLE ck(a)' WHERE name = 'ck'")
        other.execute("PRAGMA writable_schema=OFF")
        self.assertEqual(other.execute("PRAGMA schema_version").fetchone()[0], cookie)
        other.close()
        with self.assertRaises(sqlite3.Error):
            c.execute("SELECT pat_create('alice', 'x', 'DATA_FETCH')")
        with self.assertRaises(sqlite3.Error):
            c.execute("INSERT INTO ck VALUES (1)")
        c.close()
        # No token was made for anyone.
        check = sqlite3.connect(path)
        self.assertEqual(check.execute(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'pat_store_tokens'"
        ).fetchone()[0], 0)
        check.close()
        # A connection that parses the file anew sees the clean schema.
        fresh = self.connect(path=path)
        self.assertIsNotNone(self.one("SELECT pat_create('alice', 'x', 'DATA_FETCH')",
                                      conn=fresh))

    def test_refusal_ends_when_the_application_drops_the_object(self):
        path = os.path.join(self.tmpdir, "d.db")
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("CREATE TABLE ck(a)")
        raw.execute("PRAGMA writable_schema=ON")
        raw.execute("UPDATE sqlite_schema SET sql = ? WHERE name = 'ck'",
                    (HOSTILE.replace("''", "'"),))
        raw.close()
        c = self.connect(path=path)
        with self.assertRaises(sqlite3.Error):
            c.execute("SELECT pat_verify('x')")
        c.execute("DROP TABLE ck")
        self.assertIsNone(self.one("SELECT pat_verify('x')", conn=c))
        self.assertIsNotNone(self.one("SELECT pat_create('alice', 'x', 'DATA_FETCH')", conn=c))
