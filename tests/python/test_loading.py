"""Loading, pat_version(), the lazily created store, close and reopen,
several connections."""
import os
import sqlite3

from tests.python import helpers
from tests.python.helpers import PatTestCase, PUBLIC_TABLES


READ_ONLY_QUERIES = [
    ("SELECT pat_version()", ()),
    ("SELECT pat_verify(?)", (helpers.make_token(),)),
    ("SELECT pat_verify(?, 1790000000)", (helpers.make_token(),)),
    ("SELECT pat_verify('garbage')", ()),
    ("SELECT pat_verify(NULL)", ()),
    ("SELECT pat_has_right(?, 'DATA_FETCH')", (helpers.make_token(),)),
    ("SELECT pat_has_right(?, 'DATA_FETCH', 1790000000)",
     (helpers.make_token(),)),
    ("SELECT pat_has_right(NULL, 'USER_DELETE')", ()),
] + [("SELECT * FROM %s" % t, ()) for t in PUBLIC_TABLES] + [
    ("SELECT * FROM pat_tokens WHERE id = 1", ()),
]


class LoadingTest(PatTestCase):

    def test_load_extension_succeeds(self):
        self.assertEqual(self.one("SELECT 1"), 1)

    def test_pat_version_equals_VERSION_file(self):
        v = self.one("SELECT pat_version()")
        self.assertIsInstance(v, str)
        self.assertEqual(v, helpers.version())

    def run_read_only_queries(self):
        for sql, params in READ_ONLY_QUERIES:
            with self.subTest(sql=sql):
                self.conn.execute(sql, params).fetchall()

    def test_loading_and_reads_write_nothing_to_empty_file(self):
        before = helpers.file_bytes(self.path)
        self.run_read_only_queries()
        # a second connection loading pat, too
        c2 = self.connect()
        self.run_read_only_queries()
        c2.close()
        self.assertEqual(helpers.file_bytes(self.path), before)
        self.assertEqual(os.path.getsize(self.path), len(before or b""))
        self.assertNoStore()
        for suffix in ("-wal", "-journal"):
            self.assertFalse(os.path.exists(self.path + suffix), suffix)
        self.assertEqual(self.one("PRAGMA user_version"), 0)

    def test_loading_and_reads_write_nothing_to_existing_app_database(self):
        self.conn.close()
        raw = helpers.raw_connect(self.path)
        raw.execute("CREATE TABLE app(x)")
        raw.execute("INSERT INTO app VALUES (1), ('two')")
        raw.execute("PRAGMA user_version = 7")
        raw.close()
        before = helpers.file_bytes(self.path)
        schema_before = helpers.schema_rows(self.path)
        self.conn = self.connect()
        self.run_read_only_queries()
        self.conn.close()
        self.assertEqual(helpers.file_bytes(self.path), before)
        self.assertEqual(helpers.schema_rows(self.path), schema_before)

    def test_first_create_makes_store_with_private_pat_names(self):
        self.run_read_only_queries()
        self.assertNoStore()
        self.create()
        names = helpers.pat_objects(self.path)
        self.assertTrue(names, "pat_create created no store")
        for n in names:
            with self.subTest(name=n):
                self.assertTrue(n.startswith("pat_"), n)
                self.assertNotIn(n.lower(), PUBLIC_TABLES)
        for typ, name, tbl, _sql in helpers.schema_rows(self.path):
            self.assertTrue(tbl.startswith("pat_"), (typ, name, tbl))
        tables = [r for r in helpers.schema_rows(self.path) if r[0] == "table"]
        self.assertTrue(tables)

    def test_user_version_stays_zero_after_store_created(self):
        self.create()
        self.create()
        self.assertEqual(self.one("PRAGMA user_version"), 0)
        raw = helpers.raw_connect(self.path)
        self.assertEqual(raw.execute("PRAGMA user_version").fetchone()[0], 0)
        raw.close()

    def test_application_user_version_untouched_by_store_creation(self):
        self.conn.execute("PRAGMA user_version = 12345")
        self.create()
        self.assertEqual(self.one("PRAGMA user_version"), 12345)

    def test_close_after_using_everything_then_reopen_token_verifies(self):
        c = self.conn
        tok = self.create(rights="DATA_FETCH, MEDIA_FETCH")
        tid = self.id_of(tok)
        c.execute("SELECT pat_version()").fetchall()
        c.execute("SELECT pat_verify(?)", (tok,)).fetchall()
        c.execute("SELECT pat_has_right(?, 'DATA_FETCH')", (tok,)).fetchall()
        c.execute("SELECT pat_verify('junk')").fetchall()
        for t in PUBLIC_TABLES:
            c.execute("SELECT * FROM %s" % t).fetchall()
        c.execute("SELECT * FROM pat_tokens WHERE id = ?", (tid,)).fetchall()
        # a statement left half-read
        cur = c.execute("SELECT * FROM pat_rights")
        cur.fetchone()
        c.close()
        with self.assertRaises(sqlite3.ProgrammingError):
            c.execute("SELECT 1")
        c2 = self.connect()
        now = self.one("SELECT unixepoch('now')", conn=c2)
        self.assertEqual(self.verify(tok, now, conn=c2), tid)
        self.assertEqual(self.one(
            "SELECT pat_has_right(?, 'MEDIA_FETCH', unixepoch('now'))",
            (tok,), conn=c2), 1)
        c2.close()

    def test_close_without_any_use(self):
        self.conn.close()
        self.assertNoStore()

    def test_store_survives_reopen_with_all_rows(self):
        toks = [self.create(name="t%d" % i) for i in range(5)]
        ids = [self.id_of(t) for t in toks]
        self.conn.close()
        c = self.connect()
        got = [r[0] for r in c.execute("SELECT id FROM pat_tokens ORDER BY id")]
        self.assertEqual(got, sorted(ids))
        now = self.one("SELECT unixepoch('now')", conn=c)
        for t, i in zip(toks, ids):
            self.assertEqual(self.verify(t, now, conn=c), i)


class TwoConnectionsTest(PatTestCase):
    journal_mode = "wal"

    def test_token_created_on_A_verifies_on_B_wal(self):
        self.assertEqual(self.one("PRAGMA journal_mode"), "wal")
        b = self.connect()
        tok = self.create()
        tid = self.id_of(tok)
        self.assertEqual(self.verify(tok, self.now(), conn=b), tid)
        self.assertEqual(self.has_right(tok, "DATA_FETCH", self.now(),
                                        conn=b), 1)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens", conn=b),
                         1)

    def test_B_loaded_before_store_existed_sees_store_made_by_A(self):
        b = self.connect()
        probe = helpers.make_token()
        self.assertIsNone(self.verify(probe, conn=b))
        self.assertEqual(self.rows("SELECT * FROM pat_tokens", conn=b), [])
        tok = self.create()
        tid = self.id_of(tok)
        self.assertEqual(self.verify(tok, self.now(), conn=b), tid)
        self.assertEqual(
            [r[0] for r in self.rows("SELECT id FROM pat_tokens", conn=b)],
            [tid])
        # B can create too, and A sees it
        tok2 = self.create(conn=b, name="from B")
        self.assertIsNotNone(self.verify(tok2, self.now()))

    def test_store_created_by_B_then_A_creates_too(self):
        b = self.connect()
        t1 = self.create(conn=b)
        t2 = self.create()
        now = self.now()
        self.assertIsNotNone(self.verify(t1, now))
        self.assertIsNotNone(self.verify(t2, now, conn=b))


class StoreLifecycleTest(PatTestCase):

    def test_create_right_after_the_store_was_rolled_back_makes_it_again(self):
        self.conn.execute("BEGIN")
        self.create()
        self.conn.execute("ROLLBACK")
        tok = self.create()  # the very next call, nothing read in between
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)
        self.assertIsNotNone(self.verify(tok))

    def test_store_creation_rolled_back_with_callers_transaction(self):
        self.conn.execute("BEGIN")
        tok = self.create()
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)
        self.conn.execute("ROLLBACK")
        self.assertNoStore()
        # checks right after the rollback, before any table read
        with self.subTest(check="pat_verify"):
            self.assertIsNone(self.verify(tok))
        with self.subTest(check="pat_has_right real token"):
            self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)
        with self.subTest(check="pat_has_right junk token"):
            self.assertEqual(self.has_right("junk", "DATA_FETCH"), 0)
        self.assertEqual(self.rows("SELECT * FROM pat_tokens"), [])
        self.assertIsNone(self.verify(tok, self.now()))
        self.assertEqual(self.one("SELECT count(*) FROM pat_rights"),
                         len(helpers.ALL_RIGHTS))
        # the next create makes the store again
        tok2 = self.create()
        self.assertIsNotNone(self.verify(tok2, self.now()))
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)

    def test_create_in_multi_row_select_makes_one_token_per_row(self):
        toks = [r[0] for r in self.rows(
            "SELECT pat_create('u', 'n' || column1, 'DATA_FETCH') "
            "FROM (VALUES (1), (2), (3))")]
        self.assertEqual(len(set(toks)), 3)
        for t in toks:
            self.assertTrue(helpers.checksum_ok(t))
            self.assertIsNotNone(self.verify(t, self.now()))
        self.assertEqual(sorted(r[0] for r in self.rows(
            "SELECT name FROM pat_tokens")), ["n1", "n2", "n3"])

    def test_reads_work_on_read_only_database(self):
        tok = self.create()
        tid = self.id_of(tok)
        ro = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True,
                             isolation_level=None)
        self._conns.append(ro)
        ro.enable_load_extension(True)
        ro.load_extension(helpers.EXT)
        now = self.now()
        self.assertEqual(self.verify(tok, now, conn=ro), tid)
        self.assertEqual(self.verify(tok, conn=ro), tid)
        self.assertEqual(self.has_right(tok, "DATA_FETCH", now, conn=ro), 1)
        for t in PUBLIC_TABLES:
            ro.execute("SELECT * FROM %s" % t).fetchall()
        msg = self.assertSqlError("SELECT pat_create('u','n','DATA_FETCH')",
                                  conn=ro, prefix="pat_create: ")
        self.assertIn("readonly", msg)

    def test_read_only_database_without_store_reads_defaults(self):
        self.conn.execute("CREATE TABLE app(x)")
        ro = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True,
                             isolation_level=None)
        self._conns.append(ro)
        ro.enable_load_extension(True)
        ro.load_extension(helpers.EXT)
        self.assertIsNone(self.verify(helpers.make_token(), conn=ro))
        self.assertEqual(self.one("SELECT count(*) FROM pat_settings",
                                  conn=ro), len(helpers.SETTINGS))

    def test_in_memory_database(self):
        m = self.connect(path=":memory:")
        tok = self.create(conn=m)
        self.assertIsNotNone(self.verify(tok, conn=m))
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens", conn=m), 1)

    def test_everything_lives_in_main_not_attached_databases(self):
        tok = self.create()
        other = os.path.join(self.tmpdir, "other.db")
        c = self.connect(path=other)
        c.execute("ATTACH ? AS aux", (self.path,))
        self.assertIsNone(self.verify(tok, conn=c))
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens", conn=c), 0)
        tok2 = self.create(conn=c)
        self.assertIsNone(self.verify(tok2))
        self.assertIsNotNone(self.verify(tok2, conn=c))
        self.assertTrue(helpers.pat_objects(other))

    def test_journal_mode_unchanged_by_store_creation(self):
        self.assertEqual(self.one("PRAGMA journal_mode"), "delete")
        self.create()
        self.assertEqual(self.one("PRAGMA journal_mode"), "delete")
        c = helpers.raw_connect(self.path)
        self.assertEqual(c.execute("PRAGMA journal_mode").fetchone()[0],
                         "delete")
        c.close()

    def test_loading_twice_on_one_connection_still_works(self):
        tok = self.create()
        self.conn.enable_load_extension(True)
        self.conn.load_extension(helpers.EXT)
        self.assertIsNotNone(self.verify(tok))
        self.create()
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 2)
