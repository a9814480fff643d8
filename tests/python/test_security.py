"""DIRECTONLY, shadowing, and refused calls leaving the database as it was."""
import sqlite3

from tests.python import helpers
from tests.python.helpers import PatTestCase, PUBLIC_TABLES

F = 1790000000

# (sql, params, exact message or None, prefix)
REFUSED_CREATES = [
    ("SELECT pat_create(NULL, 'n', 'DATA_FETCH')", (),
     "pat_create: owner must be a non-empty text or an integer"),
    ("SELECT pat_create('', 'n', 'DATA_FETCH')", (),
     "pat_create: owner must be a non-empty text or an integer"),
    ("SELECT pat_create(1.5, 'n', 'DATA_FETCH')", (),
     "pat_create: owner must be a non-empty text or an integer"),
    ("SELECT pat_create(x'01', 'n', 'DATA_FETCH')", (),
     "pat_create: owner must be a non-empty text or an integer"),
    ("SELECT pat_create('u', NULL, 'DATA_FETCH')", (),
     "pat_create: name must be a non-empty text"),
    ("SELECT pat_create('u', '', 'DATA_FETCH')", (),
     "pat_create: name must be a non-empty text"),
    ("SELECT pat_create('u', 42, 'DATA_FETCH')", (),
     "pat_create: name must be a non-empty text"),
    ("SELECT pat_create('u', ?, 'DATA_FETCH')", ("n" * 256,),
     "pat_create: name is longer than 255 bytes"),
    ("SELECT pat_create('u', ?, 'DATA_FETCH')", ("a\x01",),
     "pat_create: name contains a control character"),
    ("SELECT pat_create('u', ?, 'DATA_FETCH')", ("a\nb",),
     "pat_create: name contains a control character"),
    ("SELECT pat_create('u', CAST(x'610062' AS TEXT), 'DATA_FETCH')", (),
     "pat_create: name contains a control character"),
    ("SELECT pat_create('u', CAST(x'61ff' AS TEXT), 'DATA_FETCH')", (),
     "pat_create: name is not valid UTF-8"),
    ("SELECT pat_create('u', 'n', NULL)", (),
     "pat_create: rights must be a text: a JSON array or a comma-separated "
     "list"),
    ("SELECT pat_create('u', 'n', '')", (),
     "pat_create: rights names no right"),
    ("SELECT pat_create('u', 'n', '[]')", (),
     "pat_create: rights names no right"),
    ("SELECT pat_create('u', 'n', 'DATA_FECTH')", (),
     "pat_create: unknown right 'DATA_FECTH'"),
    ("SELECT pat_create('u', 'n', 'DATA_FETCH, NOPE')", (),
     "pat_create: unknown right 'NOPE'"),
    ("SELECT pat_create('u', 'n', 'FOO_*')", (),
     "pat_create: 'FOO_*' matches no right that role 'ROOT' may grant"),
    ("SELECT pat_create('u', 'n', '[')", (),
     "pat_create: rights is not a valid JSON array of strings"),
    ("SELECT pat_create('u', 'n', '[\"A\"')", (),
     "pat_create: rights is not a valid JSON array of strings"),
    ("SELECT pat_create('u', 'n', '[1]')", (),
     "pat_create: rights is not a valid JSON array of strings"),
    ("SELECT pat_create('u', 'n', ?)", ("[" * 3000 + "]" * 3000,),
     "pat_create: rights is not a valid JSON array of strings"),
    ("SELECT pat_create('u', 'n', '{\"a\":1}')", (), None),
    ("SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)", (F, F),
     "pat_create: valid_to must be later than valid_from"),
    ("SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)", (F, F - 10),
     "pat_create: valid_to must be later than valid_from"),
    ("SELECT pat_create('u', 'n', 'DATA_FETCH', ?, ?)", (F, F + 31622401),
     "pat_create: lifetime of 31622401 seconds exceeds max_lifetime "
     "(31622400)"),
    ("SELECT pat_create('u', 'n', 'DATA_FETCH', 'garbage')", (),
     "pat_create: valid_from is not a time: 'garbage'"),
    ("SELECT pat_create('u', 'n', 'DATA_FETCH', NULL, 'garbage')", (),
     "pat_create: valid_to is not a time: 'garbage'"),
    ("SELECT pat_create('u', 'n', 'DATA_FETCH', x'00')", (),
     "pat_create: valid_from must be a time: unix seconds or text"),
    ("SELECT pat_create('u', 'n', 'DATA_FETCH', NULL, x'00')", (),
     "pat_create: valid_to must be a time: unix seconds or text"),
    ("SELECT pat_create('u', 'n')", (),
     "wrong number of arguments to function pat_create()"),
]

REFUSED_CHECKS = [
    ("SELECT pat_verify(?, 'garbage')", (helpers.make_token(),),
     "pat_verify: at is not a time: 'garbage'"),
    ("SELECT pat_verify(?, x'00')", (helpers.make_token(),),
     "pat_verify: at must be a time: unix seconds or text"),
    ("SELECT pat_has_right('junk', 'NOPE')", (),
     "pat_has_right: unknown right 'NOPE'"),
    ("SELECT pat_has_right(NULL, NULL)", (),
     "pat_has_right: right must be a text"),
    ("SELECT pat_has_right(?, 'DATA_FETCH', 'garbage')",
     (helpers.make_token(),),
     "pat_has_right: at is not a time: 'garbage'"),
]


class RefusedCallsTest(PatTestCase):

    def run_refused(self, cases, token=None):
        for sql, params, msg in cases:
            if token is not None:
                params = tuple(token if isinstance(p, str) and
                               helpers.checksum_ok(p) else p for p in params)
            with self.subTest(sql=sql):
                self.assertRefused(sql, params, message=msg,
                                   prefix=None if msg else "pat_create: ")

    def test_refused_first_call_leaves_no_store(self):
        self.run_refused(REFUSED_CREATES + REFUSED_CHECKS)
        self.assertNoStore()
        self.assertEqual(helpers.file_bytes(self.path), b"")
        # and pat still works after all those errors
        self.create()
        self.assertTrue(helpers.pat_objects(self.path))

    def test_refused_first_call_in_app_database_leaves_no_store(self):
        self.conn.execute("CREATE TABLE app(x)")
        self.conn.execute("INSERT INTO app VALUES (1)")
        before = helpers.file_bytes(self.path)
        self.run_refused(REFUSED_CREATES[:5] + REFUSED_CREATES[-8:])
        self.assertEqual(helpers.pat_objects(self.path), ["app"])
        self.assertEqual(helpers.file_bytes(self.path), before)

    def test_every_refused_call_leaves_database_unchanged(self):
        tok = self.create(rights="DATA_*")
        self.create(owner=42, name="second", valid_from=F, valid_to=F + 60)
        self.run_refused(REFUSED_CREATES + REFUSED_CHECKS, token=tok)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 2)
        self.assertIsNotNone(self.verify(tok, self.now()))

    def test_refused_call_inside_transaction_keeps_earlier_work(self):
        self.conn.execute("CREATE TABLE app(x)")
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO app VALUES (1)")
        tok = self.one("SELECT pat_create('u', 'n', 'DATA_FETCH')")
        with self.assertRaises(sqlite3.Error):
            self.one("SELECT pat_create('u', 'n', 'NOPE')")
        self.assertTrue(self.conn.in_transaction)
        self.conn.execute("COMMIT")
        self.assertEqual(self.one("SELECT count(*) FROM app"), 1)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)
        self.assertIsNotNone(self.verify(tok, self.now()))


class DirectOnlyTest(PatTestCase):

    def assertUnsafe(self, sql, what):
        msg = self.assertSqlError(sql)
        self.assertIn("unsafe use of", msg)
        self.assertIn(what, msg)

    def test_view_calling_pat_create_is_refused(self):
        self.conn.execute(
            "CREATE VIEW v AS SELECT pat_create('u','n','DATA_FETCH') AS t")
        self.assertUnsafe("SELECT * FROM v", "pat_create()")
        self.assertEqual(helpers.pat_objects(self.path), ["v"])
        self.assertEqual(self.rows("SELECT * FROM pat_tokens"), [])
        # once the store exists, still no token from the view
        self.create()
        before = helpers.snapshot(self.path)
        self.assertUnsafe("SELECT * FROM v", "pat_create()")
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)

    def test_trigger_calling_pat_create_is_refused(self):
        self.conn.execute("CREATE TABLE t(x)")
        self.conn.execute(
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN "
            "SELECT pat_create('u', 'n', 'DATA_FETCH'); END")
        self.assertUnsafe("INSERT INTO t VALUES (1)", "pat_create()")
        self.assertEqual(self.rows("SELECT * FROM t"), [])
        self.assertEqual(sorted(helpers.pat_objects(self.path)), ["t", "tr"])
        self.create()
        before = helpers.snapshot(self.path)
        self.assertUnsafe("INSERT INTO t VALUES (2)", "pat_create()")
        self.assertEqual(helpers.snapshot(self.path), before)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)

    def test_view_calling_check_functions_is_refused(self):
        tok = self.create()
        self.conn.execute(
            "CREATE VIEW v1 AS SELECT pat_verify('%s') AS id" % tok)
        self.conn.execute(
            "CREATE VIEW v2 AS SELECT pat_has_right('%s', 'DATA_FETCH') AS r"
            % tok)
        self.conn.execute("CREATE VIEW v3 AS SELECT pat_version() AS v")
        self.assertUnsafe("SELECT * FROM v1", "pat_verify()")
        self.assertUnsafe("SELECT * FROM v2", "pat_has_right()")
        self.assertUnsafe("SELECT * FROM v3", "pat_version()")

    def test_trigger_calling_pat_verify_is_refused(self):
        tok = self.create()
        self.conn.execute("CREATE TABLE t(x)")
        self.conn.execute("CREATE TABLE log(id)")
        self.conn.execute(
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN "
            "INSERT INTO log SELECT pat_verify(NEW.x); END")
        self.assertUnsafe("INSERT INTO t VALUES ('%s')" % tok, "pat_verify()")
        self.assertEqual(self.rows("SELECT * FROM log"), [])

    def test_view_selecting_from_public_tables_is_refused(self):
        self.create()
        for t in PUBLIC_TABLES:
            with self.subTest(table=t):
                self.conn.execute("CREATE VIEW v_%s AS SELECT * FROM %s"
                                  % (t, t))
                self.assertUnsafe("SELECT * FROM v_%s" % t, t)

    def test_trigger_reading_pat_tokens_is_refused(self):
        self.create()
        self.conn.execute("CREATE TABLE t(x)")
        self.conn.execute("CREATE TABLE log(n)")
        self.conn.execute(
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN "
            "INSERT INTO log SELECT count(*) FROM pat_tokens; END")
        self.assertUnsafe("INSERT INTO t VALUES (1)", "pat_tokens")
        self.assertEqual(self.rows("SELECT * FROM log"), [])

    def test_direct_select_works(self):
        tok = self.one("SELECT pat_create('u','n','DATA_FETCH')")
        self.assertTrue(helpers.checksum_ok(tok))
        self.assertIsNotNone(self.verify(tok))
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)
        self.assertEqual(self.one("SELECT pat_version()"), helpers.version())

    def test_temp_view_of_the_application_may_call_pat(self):
        self.conn.execute("CREATE TEMP VIEW tv AS SELECT "
                          "pat_create('u','n','DATA_FETCH') AS t")
        tok = self.one("SELECT t FROM tv")
        self.assertTrue(helpers.checksum_ok(tok))
        self.conn.execute("CREATE TEMP VIEW tt AS SELECT * FROM pat_tokens")
        self.assertEqual(self.one("SELECT count(*) FROM tt"), 1)


class ShadowingTest(PatTestCase):

    def shadow_msg(self, fn, kind, name):
        return ("%s: %s '%s' in schema 'main' shadows pat's own; rename or "
                "drop it" % (fn, kind, name))

    def assertShadowed(self, kind, name, tok):
        self.assertSqlError("SELECT pat_verify(?)", (tok,),
                            message=self.shadow_msg("pat_verify", kind, name))
        self.assertSqlError("SELECT pat_verify(?, ?)", (tok, F),
                            message=self.shadow_msg("pat_verify", kind, name))
        self.assertSqlError("SELECT pat_has_right(?, 'DATA_FETCH')", (tok,),
                            message=self.shadow_msg("pat_has_right", kind,
                                                    name))
        self.assertRefused("SELECT pat_create('u', 'n', 'DATA_FETCH')",
                           message=self.shadow_msg("pat_create", kind, name))
        for t in PUBLIC_TABLES:
            if t == name:
                continue  # the application's own object answers that name
            with self.subTest(table=t):
                self.assertSqlError("SELECT * FROM %s" % t, contains=name)

    def test_table_named_pat_tokens_refuses_then_drop_restores(self):
        tok = self.create()
        tid = self.id_of(tok)
        self.conn.execute("CREATE TABLE pat_tokens(x)")
        self.assertShadowed("table", "pat_tokens", tok)
        self.conn.execute("DROP TABLE pat_tokens")
        self.assertEqual(self.verify(tok), tid)
        self.assertEqual(self.one("SELECT count(*) FROM pat_rights"),
                         len(helpers.ALL_RIGHTS))
        self.create()
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 2)

    def test_view_named_pat_rights_refuses_then_drop_restores(self):
        tok = self.create()
        tid = self.id_of(tok)
        self.conn.execute("CREATE VIEW pat_rights AS SELECT 1 AS name")
        self.assertShadowed("view", "pat_rights", tok)
        self.conn.execute("DROP VIEW pat_rights")
        self.assertEqual(self.verify(tok), tid)
        self.assertEqual(self.one("SELECT count(*) FROM pat_rights"),
                         len(helpers.ALL_RIGHTS))

    def test_every_public_name_shadowed_by_table_is_refused(self):
        tok = self.create()
        for name in PUBLIC_TABLES:
            with self.subTest(name=name):
                self.conn.execute('CREATE TABLE "%s"(x)' % name)
                try:
                    self.assertSqlError(
                        "SELECT pat_verify(?)", (tok,),
                        message=self.shadow_msg("pat_verify", "table", name))
                finally:
                    self.conn.execute('DROP TABLE "%s"' % name)
                self.assertIsNotNone(self.verify(tok))

    def test_table_named_like_the_hidden_anchor_is_refused_by_name(self):
        # pat_anchor is not public, but a table of that name would keep pat
        # from tying its statements to the connection: say so, by name.
        tok = self.create()
        tid = self.id_of(tok)
        self.conn.execute("CREATE TABLE pat_anchor(x)")
        self.assertSqlError("SELECT pat_verify(?)", (tok,),
                            message=self.shadow_msg("pat_verify", "table", "pat_anchor"))
        self.conn.execute("DROP TABLE pat_anchor")
        self.assertEqual(self.verify(tok), tid)

    def test_shadowing_table_before_store_exists_refuses_create(self):
        self.conn.execute("CREATE TABLE pat_settings(key, value)")
        self.assertRefused(
            "SELECT pat_create('u', 'n', 'DATA_FETCH')",
            message=self.shadow_msg("pat_create", "table", "pat_settings"))
        self.assertEqual(helpers.pat_objects(self.path), ["pat_settings"])
        self.assertSqlError("SELECT * FROM pat_rights", contains="pat_settings")
        self.conn.execute("DROP TABLE pat_settings")
        self.create()
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)

    def test_shadowing_object_already_in_file_when_opened(self):
        tok = self.create()
        self.conn.close()
        raw = helpers.raw_connect(self.path)
        raw.execute("CREATE VIEW pat_owners AS SELECT 1 AS owner, 2 AS role")
        raw.close()
        self.conn = self.connect()
        self.assertSqlError(
            "SELECT pat_verify(?)", (tok,),
            message=self.shadow_msg("pat_verify", "view", "pat_owners"))
        self.assertSqlError("SELECT * FROM pat_tokens", contains="pat_owners")

    def test_shadowing_created_by_another_connection(self):
        tok = self.create()
        self.assertIsNotNone(self.verify(tok, self.now()))
        other = self.connect(load=False)
        other.execute("CREATE TABLE pat_events(x)")
        self.assertSqlError(
            "SELECT pat_verify(?)", (tok,),
            message=self.shadow_msg("pat_verify", "table", "pat_events"))
        other.execute("DROP TABLE pat_events")
        self.assertIsNotNone(self.verify(tok))

    def test_shadowing_table_created_right_after_first_create_is_refused(self):
        # the shadowing object appears before pat's check functions ran on
        # this connection (only pat_create did)
        tok = self.create()
        self.conn.execute("CREATE TABLE pat_tokens(x)")
        self.assertShadowed("table", "pat_tokens", tok)

    def test_shadowing_temp_table_is_refused(self):
        tok = self.create()
        tid = self.id_of(tok)
        self.conn.execute("CREATE TEMP TABLE pat_settings(key, value)")
        msg = self.assertSqlError("SELECT pat_verify(?)", (tok,),
                                  prefix="pat_verify: ")
        self.assertIn("'pat_settings'", msg)
        self.conn.execute("DROP TABLE temp.pat_settings")
        self.assertEqual(self.verify(tok), tid)

    def test_shadowing_is_case_insensitive(self):
        tok = self.create()
        self.id_of(tok)
        self.conn.execute("CREATE TABLE PAT_TOKENS(x)")
        msg = self.assertSqlError("SELECT pat_verify(?)", (tok,),
                                  prefix="pat_verify: ")
        self.assertIn("pat_tokens", msg.lower())

    def test_shadowing_mixed_case_table_in_file_refused_on_open(self):
        tok = self.create()
        self.conn.close()
        raw = helpers.raw_connect(self.path)
        raw.execute("CREATE TABLE Pat_Rights(name, category, description)")
        raw.close()
        self.conn = self.connect()
        msg = self.assertSqlError("SELECT pat_verify(?)", (tok,),
                                  prefix="pat_verify: ")
        self.assertIn("pat_rights", msg.lower())
        self.assertSqlError("SELECT * FROM pat_settings",
                            contains="at_")


class NoTokenInErrorsTest(PatTestCase):
    """A token passed in the wrong place is never echoed by an error, which
    would carry it into a log."""

    def test_a_token_given_as_a_right_or_a_time_is_not_quoted(self):
        tok = self.create()
        for sql, params, message in [
            ("SELECT pat_has_right(?, ?)", (tok, tok), "pat_has_right: unknown right '(a token)'"),
            ("SELECT pat_create('u', 'n', ?)", (tok,), "pat_create: unknown right '(a token)'"),
            ("SELECT pat_verify(?, ?)", (tok, tok), "pat_verify: at is not a time: (a token)"),
            ("SELECT pat_create('u', 'n', 'DATA_FETCH', ?)", ("Bearer " + tok,),
             "pat_create: valid_from is not a time: (a token)"),
            ("INSERT INTO pat_roles(role, right) VALUES ('R', ?)", (tok,),
             "pat_roles: unknown right '(a token)'"),
        ]:
            with self.subTest(sql=sql):
                msg = self.assertRefused(sql, params, message=message)
                self.assertNotIn(tok[4:], msg)
