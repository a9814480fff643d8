"""What an attacker's review of the stored-object rule found (issue 13).

SQLite builds a table from a sqlite_schema row's SQL whatever the row's type
says ('TABLE', 'Table'), so pat may not trust the type; and SQLite runs the
schema it parsed, not the text in the file, so a refusal stands until SQLite
itself sees the schema change.

Each test of a planted CHECK calling pat runs with pat loaded before the
connection reads the schema, and after it (parse_first). Where SQLite
refuses such a CHECK while it reads the schema
(helpers.sqlite_refuses_pat_in_schema(), SQLite 3.54.1), the first order
meets SQLite's refusal and the second pat's own: both are checked, and each
test says where it differs.
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

    def open_loaded(self, path, parse_first=False):
        c = self.connect(path=path, load=not parse_first)
        if parse_first:
            c.execute("SELECT count(*) FROM sqlite_schema").fetchall()
            c.enable_load_extension(True)
            c.load_extension(helpers.EXT)
            c.enable_load_extension(False)
        c.execute("PRAGMA trusted_schema=0")
        return c

    def test_check_in_a_row_typed_TABLE_is_refused_in_any_case(self):
        for type_ in ("TABLE", "Table", "tAbLe"):
            for parse_first in (False, True):
                with self.subTest(type=type_, schema_parsed_before_load=parse_first):
                    path = os.path.join(self.tmpdir, "t-%s-%d.db" % (type_, parse_first))
                    self.plant(path, "ck", type_, HOSTILE)
                    c = self.open_loaded(path, parse_first)
                    with self.assertRaises(sqlite3.Error) as cm:
                        c.execute("INSERT INTO ck VALUES (1)")
                    # pat's refusal; SQLite's own on 3.54.1 with pat loaded
                    # first (helpers.sqlite_refuses_pat_in_schema()).
                    self.assertNamesStoredObject(str(cm.exception), "ck",
                                                 parse_first=parse_first)
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

    def plant(self, name):
        path = os.path.join(self.tmpdir, name)
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("CREATE TABLE ck(a)")
        raw.execute("PRAGMA writable_schema=ON")
        raw.execute("UPDATE sqlite_schema SET sql = ? WHERE name = 'ck'",
                    (HOSTILE.replace("''", "'"),))
        raw.execute("PRAGMA writable_schema=OFF")
        raw.close()
        return path

    def open_app(self, path, parse_first):
        """pat loaded; with parse_first, after the connection read the schema."""
        c = self.connect(path=path, load=not parse_first)
        if parse_first:
            c.execute("SELECT count(*) FROM sqlite_schema").fetchall()
            c.enable_load_extension(True)
            c.load_extension(helpers.EXT)
            c.enable_load_extension(False)
        return c

    def test_schema_text_rewritten_without_its_cookie_keeps_pat_refusing(self):
        for parse_first in (False, True):
            with self.subTest(schema_parsed_before_load=parse_first):
                path = self.plant("h-%d.db" % parse_first)
                c = self.open_app(path, parse_first)
                with self.assertRaises(sqlite3.Error) as cm:
                    c.execute("SELECT pat_create('alice', 'x', 'DATA_FETCH')")
                self.assertNamesStoredObject(str(cm.exception), "ck", parse_first=parse_first)
                # Another connection rewrites the text, the schema cookie
                # unchanged.
                other = sqlite3.connect(path, isolation_level=None)
                cookie = other.execute("PRAGMA schema_version").fetchone()[0]
                other.execute("PRAGMA writable_schema=ON")
                other.execute("UPDATE sqlite_schema SET sql = 'CREATE TABLE ck(a)' WHERE name = 'ck'")
                other.execute("PRAGMA writable_schema=OFF")
                self.assertEqual(other.execute("PRAGMA schema_version").fetchone()[0], cookie)
                other.close()
                if helpers.sqlite_refuses_pat_in_schema() and not parse_first:
                    # SQLite 3.54.1 refused the CHECK as it read the schema
                    # (helpers.sqlite_refuses_pat_in_schema()): this
                    # connection never held it, and reads the text anew at
                    # its next statement. The CHECK never runs: the INSERT
                    # calls no pat, and pat works.
                    c.execute("INSERT INTO ck VALUES (1)")
                    self.assertIsNotNone(self.one(
                        "SELECT pat_create('alice', 'x', 'DATA_FETCH')", conn=c))
                    self.assertEqual(self.one(
                        "SELECT count(*) FROM pat_tokens WHERE owner = 'mallory'", conn=c), 0)
                    c.close()
                    continue
                # This connection still runs the CHECK it parsed.
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
        for parse_first in (False, True):
            with self.subTest(schema_parsed_before_load=parse_first):
                path = self.plant("d-%d.db" % parse_first)
                c = self.open_app(path, parse_first)
                with self.assertRaises(sqlite3.Error) as cm:
                    c.execute("SELECT pat_verify('x')")
                self.assertNamesStoredObject(str(cm.exception), "ck", parse_first=parse_first)
                # On 3.54.1, with pat loaded first, SQLite refuses the DROP
                # too: the application drops it without pat.
                self.dropStoredObject(c, "DROP TABLE ck", "ck", path=path,
                                      parse_first=parse_first)
                self.assertIsNone(self.one("SELECT pat_verify('x')", conn=c))
                self.assertIsNotNone(self.one("SELECT pat_create('alice', 'x', 'DATA_FETCH')",
                                              conn=c))
