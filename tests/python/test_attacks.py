"""Regression tests for issue 13: the holes an outside review found.

Each class holds one finding; every test named for a rule fails on the main of
the issue (7101914) and holds the rule of /work/shared/INTERFACE.md,
"Security properties":

1. no pat function runs from a CHECK constraint, generated column or index
   stored in a database file (main or attached, pat's own tables included):
   while one exists pat answers an error naming it, and works again once it
   is gone; a TEMP table's CHECK is the application's own;
2. a rollback of any kind (ROLLBACK, ROLLBACK TO, a failed statement) leaves
   every check and write seeing exactly the committed policy, in WAL and in
   rollback-journal mode;
3. pat_rekey proves the current key in its own write, whatever a connection
   cached;
4. no error message quotes a token's random part, even inside a longer value;
5. TEMP tables named like the store's tables receive nothing when the store
   is made;
8. pat_debug() shows the default_role in force.

(Finding 7, the example server's log, is checked by
tests/examples/python_api.sh.)

The cases that crashed or may crash pat on the main of the issue run in a
child process: a crash fails that test, not the run.
"""
import os
import re
import sqlite3

from tests.python import helpers
from tests.python.helpers import FastTestCase, run_child, raw_connect

F = 1790000000                      # a fixed valid_from (2026-09-21)
KEY = bytes(range(32))
KEY_ATTACKER = bytes(range(200, 232))
KEY_OTHER = bytes(range(50, 82))

STORE_TABLES = ("pat_store_meta", "pat_store_settings", "pat_store_rights",
                "pat_store_roles", "pat_store_owners", "pat_store_tokens",
                "pat_store_events")


# ----------------------------------------------------------------- helpers

def plant(path, name, hostile_sql, create_sql=None):
    """Makes object `name` (with create_sql, if given) and rewrites its SQL
    in sqlite_schema to hostile_sql, as an attacker who can write the file
    would: without pat, through writable_schema."""
    c = raw_connect(path)
    try:
        c.execute("PRAGMA synchronous=OFF")
        if create_sql:
            c.executescript(create_sql)
        c.execute("PRAGMA writable_schema=ON")
        n = c.execute("UPDATE sqlite_schema SET sql = ? WHERE name = ?",
                      (hostile_sql, name)).rowcount
        assert n == 1, "no object %r to plant on" % name
        c.execute("PRAGMA writable_schema=OFF")
    finally:
        c.close()


def schema_sql(path, name):
    c = raw_connect(path)
    try:
        return c.execute("SELECT sql FROM sqlite_schema WHERE name = ?",
                         (name,)).fetchone()[0]
    finally:
        c.close()


def with_check(sql, check):
    """CREATE TABLE sql with one more table constraint: CHECK (check)."""
    end = sql.rindex(")")
    return sql[:end] + ", CHECK (%s)" % check + sql[end:]


def tokens_of(path, owner):
    """How many tokens the file's store holds for owner (read without pat)."""
    c = raw_connect(path)
    try:
        if not c.execute("SELECT 1 FROM sqlite_schema WHERE name = "
                         "'pat_store_tokens'").fetchone():
            return 0
        return c.execute("SELECT count(*) FROM pat_store_tokens WHERE owner = ?",
                         (owner,)).fetchone()[0]
    finally:
        c.close()





# Child prelude: open(path, key=None, parse_first=False) -> connection with
# pat loaded and trusted_schema off; q(conn, sql, *params) -> rows or
# {"error": message}.
CHILD_PRELUDE = r'''
import json, sqlite3, sys
EXT = sys.argv[1]
def open_app(path, parse_first=False):
    c = sqlite3.connect(path, isolation_level=None, timeout=2)
    if parse_first:
        c.execute("SELECT count(*) FROM sqlite_schema").fetchall()
    c.enable_load_extension(True)
    c.load_extension(EXT)
    c.execute("PRAGMA trusted_schema=0")
    return c
def q(c, sql, *params):
    try:
        return {"rows": [list(r) for r in c.execute(sql, params).fetchall()]}
    except sqlite3.Error as e:
        return {"error": str(e)}
def out(**kw):
    print(json.dumps(kw), flush=True)
'''




class ChildTestCase(FastTestCase):

    def child(self, code, *args, timeout=60):
        rc, lines, err = run_child(CHILD_PRELUDE + code, helpers.EXT, *args,
                                   timeout=timeout)
        if rc < 0:
            self.fail("the child process crashed (signal %d); its results so far: "
                      "%r" % (-rc, lines))
        self.assertEqual(rc, 0, "the child process failed: %s" % err[-2000:])
        return {k: v for line in lines for k, v in line.items()}

    def assertNamesObject(self, result, name, what):
        self.assertIn("error", result,
                      "%s answered %r while %r exists" % (what, result, name))
        self.assertIn(name, result["error"], what)


# ------------------------------------------------ 1. stored objects calling pat

CHECK_SPELLINGS = [
    "pat_create('m','n','*') IS NOT NULL",
    "PAT_CREATE('m','n','*') IS NOT NULL",
    "\"PAT_CREATE\"('m','n','*') IS NOT NULL",
    "[pat_create]('m','n','*') IS NOT NULL",
    "`Pat_Create`('m','n','*') IS NOT NULL",
    "pat_create /* a comment */ ('m','n','*') IS NOT NULL",
    "pat_create -- a comment\n ('m','n','*') IS NOT NULL",
    "pat_create\n\t('m','n','*') IS NOT NULL",
    "length(pat_create('m','n','*')) > 0",
]


class StoredObjectCallingPatTest(FastTestCase):
    """13.1: a CHECK, generated column or index expression in a database
    file never runs a pat function."""

    def open_app(self, path=None, parse_first=False, trusted=0, attach=None):
        """The application's connection: pat loaded (after the schema was
        parsed, with parse_first; after the file `attach` was attached as
        aux, with attach), trusted_schema as given."""
        c = helpers.connect(path or self.path, load=False)
        self._conns.append(c)
        if parse_first:
            c.execute("SELECT count(*) FROM sqlite_schema").fetchall()
        if attach:
            c.execute("ATTACH ? AS aux", (attach,))
        c.enable_load_extension(True)
        c.load_extension(helpers.EXT)
        c.enable_load_extension(False)
        c.execute("PRAGMA trusted_schema=%d" % trusted)
        try:
            c.execute("PRAGMA synchronous=OFF")
        except sqlite3.DatabaseError:
            pass  # a schema SQLite itself calls malformed: the statements say so
        return c

    def assertRefusedNaming(self, conn, sql, name, params=()):
        with self.assertRaises(sqlite3.Error,
                               msg="%s ran while %r exists" % (sql, name)) as cm:
            conn.execute(sql, params).fetchall()
        self.assertIn(name, str(cm.exception), sql)
        return str(cm.exception)

    def assertPatRefusesNaming(self, conn, name, token=None):
        """Every pat function and table but pat_version() and pat_debug()
        answers an error naming `name`."""
        tok = token or helpers.make_token()
        calls = [
            ("SELECT pat_verify('x')", ()),
            ("SELECT pat_verify(?)", (tok,)),
            ("SELECT pat_has_right(?, 'DATA_FETCH')", (tok,)),
            ("SELECT pat_create('u', 'n', 'DATA_FETCH')", ()),
            ("SELECT pat_rotate(1)", ()),
            ("SELECT pat_key(NULL)", ()),
            ("SELECT pat_rekey(NULL)", ()),
        ] + [("SELECT * FROM %s" % t, ()) for t in helpers.PUBLIC_TABLES]
        for sql, params in calls:
            with self.subTest(call=sql, hostile=name):
                msg = self.assertRefusedNaming(conn, sql, name, params)
                self.assertNotIn(tok, msg)
        self.assertEqual(conn.execute("SELECT pat_version()").fetchone()[0],
                         helpers.version())
        self.assertIn("pat ", conn.execute("SELECT pat_debug()").fetchone()[0])

    def test_check_constraint_calling_pat_create_is_refused_in_any_spelling(self):
        cases = [(check, 0, "UTF-8") for check in CHECK_SPELLINGS]
        cases += [(CHECK_SPELLINGS[0], 1, "UTF-8"), (CHECK_SPELLINGS[2], 1, "UTF-8"),
                  (CHECK_SPELLINGS[2], 0, "UTF-16le"), (CHECK_SPELLINGS[5], 0, "UTF-16be")]
        # With pat loaded first, SQLite 3.54.1 refuses each CHECK itself
        # while it reads the schema (helpers.sqlite_refuses_pat_in_schema()),
        # naming it; read before pat is loaded, the schema holds the CHECK on
        # every version, and pat's own reading of each spelling refuses it.
        for i, (check, trusted, encoding) in enumerate(cases):
            for parse_first in (False, True):
                with self.subTest(check=check, trusted_schema=trusted, encoding=encoding,
                                  schema_parsed_before_load=parse_first):
                    path = os.path.join(self.tmpdir, "ck%d_%d.db" % (i, parse_first))
                    plant(path, "hostile_ck",
                          "CREATE TABLE hostile_ck(a CHECK (%s))" % check,
                          "PRAGMA encoding='%s'; CREATE TABLE hostile_ck(a);" % encoding)
                    app = self.open_app(path, parse_first=parse_first, trusted=trusted)
                    msg = self.assertRefusedNaming(app, "INSERT INTO hostile_ck VALUES (1)",
                                                   "hostile_ck")
                    self.assertNamesStoredObject(msg, "hostile_ck", parse_first=parse_first)
                    self.assertEqual(tokens_of(path, "m"), 0)

    def test_while_a_hostile_check_exists_every_pat_call_names_it(self):
        tok = self.create(owner="u", rights="DATA_FETCH")
        tid = self.id_of(tok)
        # With pat loaded first, SQLite 3.54.1 refuses the CHECK itself
        # (helpers.sqlite_refuses_pat_in_schema()), and every pat call passes
        # its message on, naming the table; read before pat is loaded, the
        # schema holds the CHECK on every version, and pat refuses.
        for parse_first in (False, True):
            with self.subTest(schema_parsed_before_load=parse_first):
                plant(self.path, "hostile_ck",
                      "CREATE TABLE hostile_ck(a CHECK (pat_create('m','n','*') IS NOT NULL))",
                      "CREATE TABLE hostile_ck(a);")
                app = self.open_app(parse_first=parse_first)
                self.assertPatRefusesNaming(app, "hostile_ck", tok)
                with self.assertRaises(sqlite3.Error) as cm:
                    app.execute("INSERT INTO hostile_ck VALUES (1)")
                self.assertNamesStoredObject(str(cm.exception), "hostile_ck",
                                             parse_first=parse_first)
                # Dropped: pat works again on the same connection, and minted
                # nothing. (On 3.54.1, with pat loaded first, SQLite refuses
                # the DROP on this connection too, and the application drops
                # it without pat: dropStoredObject.)
                self.dropStoredObject(app, "DROP TABLE hostile_ck", "hostile_ck",
                                      parse_first=parse_first)
                self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, self.now()), app),
                                 tid)
                self.assertEqual(self.one("SELECT count(*) FROM pat_tokens WHERE owner = 'm'",
                                          conn=app), 0)
                self.assertRegex(self.one("SELECT pat_create('u', ?, 'DATA_FETCH')",
                                          ("n2-%d" % parse_first,), conn=app),
                                 helpers.TOKEN_RE)
                self.assertEqual(tokens_of(self.path, "m"), 0)

    def test_hostile_check_on_a_fresh_file_leaves_no_store(self):
        # Refused by SQLite 3.54.1 itself with pat loaded first
        # (helpers.sqlite_refuses_pat_in_schema()), by pat otherwise.
        for parse_first in (False, True):
            with self.subTest(schema_parsed_before_load=parse_first):
                path = os.path.join(self.tmpdir, "fresh%d.db" % parse_first)
                plant(path, "hostile_ck",
                      "CREATE TABLE hostile_ck(a CHECK (pat_create('m','n','*') IS NOT NULL))",
                      "CREATE TABLE hostile_ck(a);")
                app = self.open_app(path, parse_first=parse_first)
                msg = self.assertRefusedNaming(app, "INSERT INTO hostile_ck VALUES (1)",
                                               "hostile_ck")
                self.assertNamesStoredObject(msg, "hostile_ck", parse_first=parse_first)
                self.assertEqual(helpers.pat_objects(path), ["hostile_ck"])

    def test_generated_column_calling_pat_create_is_refused(self):
        for kind in ("VIRTUAL", "STORED"):
            for parse_first in (True, False):
                with self.subTest(kind=kind, schema_parsed_before_load=parse_first):
                    path = os.path.join(self.tmpdir, "gen_%s_%d.db" % (kind, parse_first))
                    plant(path, "hostile_gen",
                          "CREATE TABLE hostile_gen(a, b AS (pat_create('m','n','*')) %s)"
                          % kind, "CREATE TABLE hostile_gen(a, b);"
                          if kind == "STORED" else "CREATE TABLE hostile_gen(a);")
                    app = self.open_app(path, parse_first=parse_first)
                    with self.assertRaises(sqlite3.Error) as cm:
                        app.execute("INSERT INTO hostile_gen(a) VALUES (1)")
                        app.execute("SELECT b FROM hostile_gen").fetchall()
                    self.assertIn("hostile_gen", str(cm.exception))
                    self.assertEqual(tokens_of(path, "m"), 0)

    def test_index_expression_calling_pat_create_is_refused(self):
        variants = [
            ("hostile_ix", "CREATE INDEX hostile_ix ON app(pat_create('m','n','*'))"),
            ("hostile_ix", "CREATE INDEX hostile_ix ON app(a) "
                           "WHERE \"Pat_Create\"('m','n','*') IS NOT NULL"),
        ]
        for i, (name, sql) in enumerate(variants):
            for parse_first in (True, False):
                with self.subTest(index=sql, schema_parsed_before_load=parse_first):
                    path = os.path.join(self.tmpdir, "ix%d_%d.db" % (i, parse_first))
                    plant(path, name, sql,
                          "CREATE TABLE app(a); CREATE INDEX hostile_ix ON app(a);")
                    app = self.open_app(path, parse_first=parse_first)
                    self.assertRefusedNaming(app, "INSERT INTO app VALUES (1)", name)
                    self.assertEqual(tokens_of(path, "m"), 0)

    def test_index_expression_dropped_lets_pat_work_again(self):
        tok = self.create(owner="u")
        tid = self.id_of(tok)
        plant(self.path, "hostile_ix",
              "CREATE INDEX hostile_ix ON app(pat_create('m','n','*'))",
              "CREATE TABLE app(a); CREATE INDEX hostile_ix ON app(a);")
        app = self.open_app(parse_first=True)
        self.assertRefusedNaming(app, "SELECT pat_verify(?)", "hostile_ix", (tok,))
        self.assertRefusedNaming(app, "SELECT * FROM pat_tokens", "hostile_ix")
        app.execute("DROP INDEX hostile_ix")
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, self.now()), app), tid)
        app.execute("INSERT INTO app VALUES (1)")
        self.assertEqual(tokens_of(self.path, "m"), 0)

    def test_hostile_check_in_an_attached_database_is_refused_until_detached(self):
        tok = self.create(owner="u")
        tid = self.id_of(tok)
        aux = os.path.join(self.tmpdir, "aux.db")
        plant(aux, "hostile_aux",
              "CREATE TABLE hostile_aux(a CHECK (pat_create('m','n','*') IS NOT NULL))",
              "CREATE TABLE hostile_aux(a);")
        app = self.open_app()
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, self.now()), app), tid)
        if helpers.sqlite_refuses_pat_in_schema():
            # SQLite 3.54.1 refuses the ATTACH itself, as it reads the
            # file's schema (helpers.sqlite_refuses_pat_in_schema()): nothing
            # is attached, and pat goes on for main.
            with self.assertRaises(sqlite3.DatabaseError) as cm:
                app.execute("ATTACH ? AS aux", (aux,))
            self.assertIn(helpers.sqlite_refusal("hostile_aux"), str(cm.exception))
            self.assertEqual(self.one("SELECT count(*) FROM pragma_database_list "
                                      "WHERE name = 'aux'", conn=app), 0)
            self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, self.now()), app), tid)
            # Attached before pat is loaded, the CHECK is in the schema, and
            # pat's own refusal is what it meets, as on 3.40.
            app = self.open_app(attach=aux)
        else:
            app.execute("ATTACH ? AS aux", (aux,))
        msg = self.assertRefusedNaming(app, "INSERT INTO aux.hostile_aux VALUES (1)",
                                       "hostile_aux")
        self.assertIn("'hostile_aux'", msg)  # pat's own refusal, on every version
        self.assertPatRefusesNaming(app, "hostile_aux", tok)
        app.execute("DETACH aux")
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, self.now()), app), tid)
        self.assertEqual(tokens_of(self.path, "m"), 0)
        self.assertEqual(tokens_of(aux, "m"), 0)

    def test_temp_table_with_pat_call_in_its_check_is_the_applications_own(self):
        # a control: holds on the main of the issue too
        tok = self.create(owner="u")
        self.conn.execute("CREATE TEMP TABLE mine(a CHECK "
                          "(pat_create('m', 'n', 'DATA_FETCH') IS NOT NULL))")
        self.conn.execute("INSERT INTO temp.mine VALUES (1)")
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens WHERE owner = 'm'"), 1)
        self.assertEqual(self.verify(tok, self.now()), self.id_of(tok))


class StoredObjectInChildTest(ChildTestCase):
    """13.1 (and 21.3): a CHECK planted on pat's own tables, and pat_rekey in
    a CHECK. These crashed pat, so they run in a child process."""

    def keyed_store(self):
        self.one("SELECT pat_key(?)", (KEY,))
        tok = self.create(owner="u", rights="DATA_FETCH")
        return tok, self.id_of(tok)

    def assertStillOnKey(self, tok, tid):
        c = self.connect()
        self.one("SELECT pat_key(?)", (KEY,), c)
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, self.now()), c), tid)
        c2 = self.connect()
        self.one("SELECT pat_key(?)", (KEY_ATTACKER,), c2)
        with self.assertRaises(sqlite3.Error):
            c2.execute("SELECT pat_verify(?)", (tok,)).fetchall()

    def test_check_calling_pat_rekey_does_not_move_a_keyed_store(self):
        tok, tid = self.keyed_store()
        plant(self.path, "hostile_rk",
              "CREATE TABLE hostile_rk(a CHECK (pat_rekey(x'%s') IS NOT NULL))"
              % KEY_ATTACKER.hex(), "CREATE TABLE hostile_rk(a);")
        # With pat loaded first, SQLite 3.54.1 refuses the CHECK itself, the
        # DROP TABLE included (helpers.sqlite_refuses_pat_in_schema()): there
        # the child reads the schema before it loads pat, so that the CHECK
        # meets pat_rekey's own refusal, as on 3.40.
        parse_first = helpers.sqlite_refuses_pat_in_schema()
        r = self.child(r'''
c = open_app(sys.argv[2], parse_first=sys.argv[4] == "1")
out(key=q(c, "SELECT pat_key(?)", bytes.fromhex(sys.argv[3])))
out(insert=q(c, "INSERT INTO hostile_rk VALUES (1)"))
out(create=q(c, "SELECT pat_create('u', 'x', 'DATA_FETCH')"))
c.execute("DROP TABLE hostile_rk")
''', self.path, KEY.hex(), int(parse_first))
        self.assertNamesObject(r["insert"], "hostile_rk", "INSERT INTO hostile_rk")
        self.assertNamesObject(r["create"], "hostile_rk", "pat_create")
        for what in ("insert", "create"):
            self.assertNamesStoredObject(r[what]["error"], "hostile_rk", "pat_rekey",
                                         parse_first=parse_first)
        self.assertStillOnKey(tok, tid)

    # The two tests below run with pat loaded first (SQLite 3.54.1 refuses
    # the planted CHECK itself there, naming the table:
    # helpers.sqlite_refuses_pat_in_schema()) and after the child read the
    # schema (pat's own refusal on every version).

    def test_check_planted_on_pat_store_tokens_is_refused(self):
        tok = self.create(owner="u", rights="DATA_FETCH")
        tid = self.id_of(tok)
        good = schema_sql(self.path, "pat_store_tokens")
        for parse_first in (False, True):
            with self.subTest(schema_parsed_before_load=parse_first):
                plant(self.path, "pat_store_tokens",
                      with_check(good, "pat_create('m','n','*') IS NOT NULL"))
                r = self.child(r'''
c = open_app(sys.argv[2], parse_first=sys.argv[4] == "1")
out(verify=q(c, "SELECT pat_verify(?)", sys.argv[3]))
out(tokens=q(c, "SELECT * FROM pat_tokens"))
out(create=q(c, "SELECT pat_create('u', 'x', 'DATA_FETCH')"))
out(version=q(c, "SELECT pat_version()"))
''', self.path, tok, int(parse_first))
                for what in ("verify", "tokens", "create"):
                    self.assertNamesObject(r[what], "pat_store_tokens", what)
                    self.assertNamesStoredObject(r[what]["error"], "pat_store_tokens",
                                                 parse_first=parse_first)
                self.assertEqual(r["version"], {"rows": [[helpers.version()]]})
                # The schema repaired: pat works again, and minted nothing.
                plant(self.path, "pat_store_tokens", good)
                c = self.connect()
                self.assertEqual(self.one("SELECT pat_verify(?, ?)", (tok, self.now()), c),
                                 tid)
                self.assertEqual(tokens_of(self.path, "m"), 0)
                self.assertEqual(self.one("SELECT count(*) FROM pat_tokens", conn=c), 1)

    def test_check_calling_pat_rekey_planted_on_pat_store_meta_does_not_move_the_key(self):
        tok, tid = self.keyed_store()
        good = schema_sql(self.path, "pat_store_meta")
        for parse_first in (False, True):
            with self.subTest(schema_parsed_before_load=parse_first):
                plant(self.path, "pat_store_meta",
                      with_check(good, "pat_rekey(x'%s') IS NOT NULL" % KEY_ATTACKER.hex()))
                r = self.child(r'''
c = open_app(sys.argv[2], parse_first=sys.argv[4] == "1")
q(c, "SELECT pat_key(?)", bytes.fromhex(sys.argv[3]))
out(create=q(c, "SELECT pat_create('u', 'x', 'DATA_FETCH')"))
out(roles=q(c, "INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_CREATE')"))
''', self.path, KEY.hex(), int(parse_first))
                self.assertNamesObject(r["create"], "pat_store_meta", "pat_create")
                self.assertNamesObject(r["roles"], "pat_store_meta", "INSERT INTO pat_roles")
                for what in ("create", "roles"):
                    self.assertNamesStoredObject(r[what]["error"], "pat_store_meta",
                                                 "pat_rekey", parse_first=parse_first)
                plant(self.path, "pat_store_meta", good)
                self.assertStillOnKey(tok, tid)


# ------------------------------------------------------------- 2. rollbacks

class RollbackTest(FastTestCase):
    """13.2: after a rollback every check and write sees the committed
    policy, and keeps seeing it after later commits by anyone (which bring
    a version counter back to the value of the rolled-back change)."""

    def setUp(self):
        super().setUp()
        self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'AUTHOR')")
        self.tok = self.create(owner="alice", rights="DATA_FETCH, DATA_DELETE")
        self.conn.execute("DELETE FROM pat_roles WHERE role = 'AUTHOR' "
                          "AND right = 'DATA_DELETE'")
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 0)
        self.other = self.connect()

    def grant(self, conn=None):
        (conn or self.conn).execute("INSERT INTO pat_roles VALUES ('AUTHOR', 'DATA_DELETE')")

    def unrelated_commit(self, conn):
        # role edits of its own: any version counter moves on
        conn.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'MEDIA_CREATE')")
        conn.execute("DELETE FROM pat_roles WHERE role = 'VIEWER' AND right = 'MEDIA_CREATE'")

    def assertNotGranted(self, when):
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 0, when)
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE", self.now()), 0, when)
        self.assertEqual(self.has_right(self.tok, "DATA_FETCH", self.now()), 1, when)
        msg = self.assertSqlError("SELECT pat_create('alice', 'n', 'DATA_DELETE')",
                                  prefix="pat_create: ")
        self.assertIn("may not grant", msg)

    def assertNotGrantedAfterCommits(self):
        self.assertNotGranted("after the rollback")
        self.conn.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_CREATE')")
        self.assertNotGranted("after a commit by this connection")
        self.other.execute("INSERT INTO pat_roles VALUES ('VIEWER', 'DATA_UPDATE')")
        self.assertNotGranted("after a commit by another connection")
        self.unrelated_commit(self.other)
        self.assertNotGranted("after more commits by another connection")
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE", conn=self.connect()), 0)

    def test_grant_rolled_back_is_not_in_force_after_rollback(self):
        self.conn.execute("BEGIN")
        self.grant()
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 1)
        self.conn.execute("ROLLBACK")
        self.assertNotGrantedAfterCommits()

    def test_grant_rolled_back_after_a_mint_inside_is_not_in_force(self):
        self.conn.execute("BEGIN")
        self.grant()
        self.create(owner="alice", name="inside", rights="DATA_DELETE")
        self.conn.execute("ROLLBACK")
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)
        self.assertNotGrantedAfterCommits()

    def test_grant_rolled_back_to_a_savepoint_is_not_in_force(self):
        self.conn.execute("SAVEPOINT s")
        self.grant()
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 1)
        self.conn.execute("ROLLBACK TO s")
        self.assertNotGranted("inside the savepoint, after ROLLBACK TO")
        self.conn.execute("RELEASE s")
        self.assertNotGrantedAfterCommits()

    def test_grant_rolled_back_to_a_savepoint_inside_begin_is_not_in_force(self):
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO pat_owners VALUES ('bob', 'VIEWER')")
        self.conn.execute("SAVEPOINT s")
        self.grant()
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 1)
        self.conn.execute("ROLLBACK TO s")
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 0)
        self.conn.execute("COMMIT")
        self.assertEqual(self.one("SELECT role FROM pat_owners WHERE owner = 'bob'"),
                         "VIEWER")
        self.assertNotGrantedAfterCommits()

    def failed_statement(self):
        """A statement that grants DATA_DELETE, checks (so the grant is seen),
        then fails on its next row and is undone."""
        with self.assertRaises(sqlite3.Error) as cm:
            self.conn.execute(
                "INSERT INTO pat_roles(role, right) SELECT 'AUTHOR', column1 "
                "FROM (VALUES ('DATA_DELETE'), ('NO_SUCH_RIGHT')) "
                "WHERE pat_has_right(?, 'DATA_DELETE') IS NOT NULL", (self.tok,))
        self.assertIn("NO_SUCH_RIGHT", str(cm.exception))
        self.assertEqual(self.one("SELECT count(*) FROM pat_roles WHERE role = 'AUTHOR' "
                                  "AND right = 'DATA_DELETE'"), 0)

    def test_grant_undone_by_a_failed_statement_is_not_in_force(self):
        self.failed_statement()
        self.assertNotGrantedAfterCommits()

    def test_grant_undone_by_a_failed_statement_inside_begin_is_not_in_force(self):
        self.conn.execute("BEGIN")
        self.failed_statement()
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 0)
        self.conn.execute("COMMIT")
        self.assertNotGrantedAfterCommits()

    def test_prefix_changed_in_a_rolled_back_transaction_is_not_used(self):
        self.conn.execute("BEGIN")
        self.set_setting("prefix", "zz_")
        self.assertTrue(self.one("SELECT pat_create('bob', 'n', 'DATA_FETCH')")
                        .startswith("zz_"))
        self.conn.execute("ROLLBACK")
        self.assertTrue(self.create(owner="bob").startswith("pat_"))
        self.other.execute("UPDATE pat_settings SET value = 'changes' WHERE key = 'audit'")
        self.assertTrue(self.create(owner="bob").startswith("pat_"))
        self.assertEqual(self.setting("prefix"), "pat_")

    def test_default_lifetime_changed_in_a_rolled_back_transaction_is_not_used(self):
        self.conn.execute("BEGIN")
        self.set_setting("default_lifetime", 3600)
        self.create(owner="bob", valid_from=F)
        self.conn.execute("ROLLBACK")
        self.other.execute("UPDATE pat_settings SET value = 'changes' WHERE key = 'audit'")
        tok = self.create(owner="bob", valid_from=F)
        row = self.token_row(self.one("SELECT pat_verify(?, ?)", (tok, F)))
        self.assertEqual(row["valid_to"], helpers.utc(F + helpers.DEFAULT_LIFETIME))

    def test_right_added_to_the_catalog_in_a_rolled_back_transaction_is_unknown(self):
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO pat_rights(name, category) VALUES ('NEW_RIGHT', 'New')")
        self.create(owner="bob", rights="NEW_RIGHT")
        self.conn.execute("ROLLBACK")
        for conn_commits in (None, self.other):
            if conn_commits is not None:
                self.unrelated_commit(conn_commits)
            self.assertSqlError("SELECT pat_create('bob', 'n', 'NEW_RIGHT')",
                                message="pat_create: unknown right 'NEW_RIGHT'")
            self.assertSqlError("SELECT pat_has_right(?, 'NEW_RIGHT')", (self.tok,),
                                message="pat_has_right: unknown right 'NEW_RIGHT'")
        self.assertEqual(self.one("SELECT count(*) FROM pat_rights WHERE name = 'NEW_RIGHT'"),
                         0)

    def test_owner_unlisted_in_a_rolled_back_transaction_keeps_its_role(self):
        tok = self.create(owner="carol", rights="PROJECT_CREATE")  # default_role ROOT
        self.conn.execute("INSERT INTO pat_owners VALUES ('carol', 'VIEWER')")
        self.conn.execute("DELETE FROM pat_owners WHERE owner = 'alice'")
        self.assertEqual(self.has_right(tok, "PROJECT_CREATE"), 0)
        self.conn.execute("BEGIN")
        self.conn.execute("DELETE FROM pat_owners WHERE owner = 'carol'")
        self.assertEqual(self.has_right(tok, "PROJECT_CREATE"), 1)
        self.conn.execute("ROLLBACK")
        self.assertEqual(self.has_right(tok, "PROJECT_CREATE"), 0)
        self.unrelated_commit(self.other)
        self.assertEqual(self.has_right(tok, "PROJECT_CREATE"), 0)
        self.assertSqlError("SELECT pat_create('carol', 'n', 'PROJECT_CREATE')",
                            prefix="pat_create: ")

    def test_owner_promoted_in_a_rolled_back_transaction_is_not(self):
        # a control: holds on the main of the issue too (owners' roles are not cached)
        self.conn.execute("BEGIN")
        self.conn.execute("UPDATE pat_owners SET role = 'ADMIN' WHERE owner = 'alice'")
        self.assertEqual(self.has_right(self.tok, "DATA_DELETE"), 1)
        self.conn.execute("ROLLBACK")
        self.assertNotGrantedAfterCommits()

    def test_audit_all_in_a_rolled_back_transaction_writes_no_use_event(self):
        self.conn.execute("BEGIN")
        self.set_setting("audit", "all")
        self.assertEqual(self.has_right(self.tok, "DATA_FETCH", self.now()), 1)
        self.conn.execute("ROLLBACK")
        for _ in range(3):
            self.assertEqual(self.has_right(self.tok, "DATA_FETCH"), 1)
        self.conn.close()
        c = raw_connect(self.path)
        try:
            self.assertEqual(c.execute("SELECT count(*) FROM pat_store_events "
                                       "WHERE event IN ('use', 'deny')").fetchone()[0], 0)
        finally:
            c.close()


class RollbackWalTest(RollbackTest):
    journal_mode = "wal"


# ---------------------------------------------------------------- 3. rekey

class RekeyProvesTheKeyTest(FastTestCase):
    """13.3: pat_rekey proves the current key every time."""

    def keyed_by_another_connection(self):
        # B made the store without a key and used it; A then keys it.
        self.b = self.conn
        self.tok_b = self.create(owner="u", name="keyless")
        self.assertIsNotNone(self.verify(self.tok_b))
        self.a = self.connect()
        self.assertIsNone(self.one("SELECT pat_key(NULL)", conn=self.a))
        self.assertIsNotNone(self.one("SELECT pat_rekey(?)", (KEY,), self.a))
        self.one("SELECT pat_key(?)", (KEY,), self.a)
        self.tok_a = self.create(owner="u", name="keyed", conn=self.a)
        self.id_a = self.one("SELECT pat_verify(?, ?)", (self.tok_a, self.now()), self.a)
        self.assertIsInstance(self.id_a, int)

    def assertStoreOnKey(self):
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (self.tok_a, self.now()),
                                  self.a), self.id_a)
        c = self.connect()
        self.one("SELECT pat_key(?)", (KEY,), c)
        self.assertEqual(self.one("SELECT pat_verify(?, ?)", (self.tok_a, self.now()), c),
                         self.id_a)
        self.assertRegex(self.one("SELECT pat_create('u', 'after', 'DATA_FETCH')", conn=c),
                         helpers.TOKEN_RE)
        c2 = self.connect()
        self.one("SELECT pat_key(?)", (KEY_ATTACKER,), c2)
        with self.assertRaises(sqlite3.Error):
            c2.execute("SELECT pat_verify(?)", (self.tok_a,)).fetchall()

    def test_connection_without_the_key_can_not_rekey_a_store_another_keyed(self):
        self.keyed_by_another_connection()
        self.assertSqlError("SELECT pat_rekey(?)", (KEY_ATTACKER,), conn=self.b,
                            prefix="pat_rekey: ")
        self.assertStoreOnKey()

    def test_connection_without_the_key_can_not_unkey_a_store_another_keyed(self):
        self.keyed_by_another_connection()
        self.assertSqlError("SELECT pat_rekey(NULL)", conn=self.b, prefix="pat_rekey: ")
        self.assertStoreOnKey()

    def test_connection_with_a_wrong_key_can_not_rekey(self):
        # a control: holds on the main of the issue too
        self.keyed_by_another_connection()
        self.one("SELECT pat_key(?)", (KEY_OTHER,), self.b)
        self.assertSqlError("SELECT pat_rekey(?)", (KEY_ATTACKER,), conn=self.b,
                            prefix="pat_rekey: ")
        self.assertStoreOnKey()

    def test_rekey_inside_a_transaction_of_a_connection_without_the_key_is_refused(self):
        self.keyed_by_another_connection()
        self.b.execute("BEGIN")
        self.assertSqlError("SELECT pat_rekey(?)", (KEY_ATTACKER,), conn=self.b,
                            prefix="pat_rekey: ")
        self.b.execute("ROLLBACK")
        self.assertStoreOnKey()


# --------------------------------------------------- 4. no token in a message

class MessagesDoNotQuoteTokensTest(FastTestCase):
    """13.4: an error message never quotes a token's random part, whole or
    inside a longer value; it still names the function or table."""

    # (sql with ?1 = the token, who must be named first in the message)
    CASES = [
        ("SELECT pat_has_right(?1, ?1 || ',')", "pat_has_right"),
        ("SELECT pat_has_right(?1, ?1 || 'x')", "pat_has_right"),
        ("SELECT pat_has_right(?1, 'x' || ?1)", "pat_has_right"),
        ("SELECT pat_has_right(?1, 'DATA_FETCH,' || ?1)", "pat_has_right"),
        ("SELECT pat_has_right('junk', ?1 || '!')", "pat_has_right"),
        ("SELECT pat_verify(?1, '\"' || ?1 || '\"')", "pat_verify"),
        ("SELECT pat_verify(?1, 'x' || ?1)", "pat_verify"),
        ("SELECT pat_verify(?1, '12345678' || ?1)", "pat_verify"),
        ("SELECT pat_has_right(?1, 'DATA_FETCH', 'at ' || ?1)", "pat_has_right"),
        ("SELECT pat_create('a', 'n', ?1)", "pat_create"),
        ("SELECT pat_create('a', 'n', ?1 || 'x')", "pat_create"),
        ("SELECT pat_create('a', 'n', 'DATA_FETCH,' || ?1)", "pat_create"),
        ("SELECT pat_create('a', 'n', 'DATA_FETCH, x' || ?1)", "pat_create"),
        ("SELECT pat_create('a', 'n', json_array('DATA_FETCH', ?1 || '_X'))", "pat_create"),
        ("SELECT pat_create('a', 'n', ?1 || '_*')", "pat_create"),
        ("SELECT pat_create('a', 'n', 'DATA_FETCH', 'from ' || ?1)", "pat_create"),
        ("SELECT pat_create('a', 'n', 'DATA_FETCH', NULL, ?1 || '!')", "pat_create"),
        ("SELECT pat_rotate(1, 'token=' || ?1)", "pat_rotate"),
        ("SELECT pat_rotate('token=' || ?1)", "pat_rotate"),
        ("INSERT INTO pat_owners VALUES (?1 || 'x', 'NOPE')", "pat_owners"),
        ("INSERT INTO pat_owners VALUES ('bob', ?1)", "pat_owners"),
        ("INSERT INTO pat_owners VALUES ('bob', ?1 || 'x')", "pat_owners"),
        ("UPDATE pat_owners SET role = 'x' || ?1 WHERE owner = 'alice'", "pat_owners"),
        ("UPDATE pat_settings SET value = ?1 || '!' WHERE key = 'prefix'", "pat_settings"),
        ("UPDATE pat_settings SET value = ?1 WHERE key = 'audit'", "pat_settings"),
        ("UPDATE pat_settings SET value = ?1 || 'x' WHERE key = 'audit'", "pat_settings"),
        ("UPDATE pat_settings SET value = ?1 || 'x' WHERE key = 'default_role'",
         "pat_settings"),
        ("UPDATE pat_settings SET value = 'x' || ?1 WHERE key = 'default_lifetime'",
         "pat_settings"),
        ("INSERT INTO pat_roles VALUES ('R', ?1 || '!')", "pat_roles"),
        ("INSERT INTO pat_roles VALUES ('R', 'x' || ?1)", "pat_roles"),
        ("INSERT INTO pat_rights(name, category) VALUES (?1 || '!', 'c')", "pat_rights"),
        ("UPDATE pat_tokens SET rights = 'x' || ?1 WHERE id = 1", "pat_tokens"),
        ("UPDATE pat_tokens SET valid_to = ?1 || 'x' WHERE id = 1", "pat_tokens"),
        ("UPDATE pat_tokens SET valid_from = 'x' || ?1 WHERE id = 1", "pat_tokens"),
    ]

    def random_part(self, tok, prefix):
        rnd = tok[len(prefix):len(prefix) + helpers.RANDOM_LEN]
        self.assertEqual(len(rnd), helpers.RANDOM_LEN)
        return rnd

    def assertNoRandomPart(self, msg, tok, rnd, what):
        self.assertNotIn(rnd, msg, what)
        # nor any 32-character run of the token, nor 20 characters in a row of
        # its random part
        for i in range(len(tok) - helpers.RANDOM_LEN + 1):
            self.assertNotIn(tok[i:i + helpers.RANDOM_LEN], msg, what)
        for i in range(len(rnd) - 20 + 1):
            self.assertNotIn(rnd[i:i + 20], msg, what)

    def run_cases(self, prefix):
        self.conn.execute("INSERT OR IGNORE INTO pat_owners VALUES ('alice', 'ADMIN')")
        if prefix != "pat_":
            self.set_setting("prefix", prefix)
        tok = self.one("SELECT pat_create('alice', 'n', 'DATA_FETCH')")
        self.assertTrue(tok.startswith(prefix))
        rnd = self.random_part(tok, prefix)
        pieces = [rnd, "x" + rnd]   # the random part alone, too
        for sql, who in self.CASES:
            for value in [tok] + pieces:
                with self.subTest(sql=sql, value="token" if value == tok else "piece",
                                  prefix=prefix):
                    before = helpers.snapshot(self.path)
                    with self.assertRaises(sqlite3.Error,
                                           msg="%s did not fail" % sql) as cm:
                        self.conn.execute(sql, (value,)).fetchall()
                    msg = str(cm.exception)
                    self.assertTrue(msg.startswith(who + ": "),
                                    "%r does not name %s" % (msg, who))
                    self.assertNoRandomPart(msg, tok, rnd, sql)
                    self.assertEqual(helpers.snapshot(self.path), before)

    def test_no_message_quotes_a_tokens_random_part(self):
        self.run_cases("pat_")

    def test_no_message_quotes_a_tokens_random_part_under_another_prefix(self):
        self.run_cases("Acme")


# -------------------------------------------- 5. TEMP tables named like the store

def store_ddl():
    """The CREATE TABLE statements of sql/schema.sql, by table name."""
    with open(os.path.join(helpers.ROOT, "sql", "schema.sql"), encoding="utf-8") as f:
        text = re.sub(r"--[^\n]*", "", f.read())
    ddl = {}
    for m in re.finditer(r"CREATE TABLE IF NOT EXISTS (?:main\.)?(\w+)\s*\((.*?)\)\s*(WITHOUT ROWID)?\s*;",
                         text, re.S):
        ddl[m.group(1)] = (m.group(2), m.group(3) or "")
    return ddl


class TempTablesNamedLikeTheStoreTest(FastTestCase):
    """13.5: TEMP tables named pat_store_* present when the store is made
    receive none of its rows, triggers or indexes."""

    def test_temp_tables_named_like_the_store_receive_nothing(self):
        ddl = store_ddl()
        self.assertTrue(set(STORE_TABLES) <= set(ddl), sorted(ddl))
        for name, (cols, suffix) in ddl.items():
            self.conn.execute("CREATE TEMP TABLE %s(%s) %s" % (name, cols, suffix))
        temp_before = self.rows("SELECT type, name FROM temp.sqlite_schema ORDER BY 1, 2")
        tok = self.create(owner="alice", rights="DATA_FETCH")
        for name in ddl:
            with self.subTest(table=name):
                self.assertEqual(self.one("SELECT count(*) FROM temp.%s" % name), 0)
        self.assertEqual(self.rows("SELECT type, name FROM temp.sqlite_schema ORDER BY 1, 2"),
                         temp_before)
        # main's store is whole: as a store made without the TEMP tables
        tid = self.verify(tok, self.now())
        self.assertIsInstance(tid, int)
        ref_path = os.path.join(self.tmpdir, "ref.db")
        ref = self.connect(path=ref_path)
        self.create(owner="alice", rights="DATA_FETCH", conn=ref)
        ref.close()
        self.assertEqual(helpers.schema_rows(self.path), helpers.schema_rows(ref_path))
        mine, theirs = helpers.snapshot(self.path), helpers.snapshot(ref_path)
        for name in ("pat_store_settings", "pat_store_rights", "pat_store_roles",
                     "pat_store_owners"):
            self.assertEqual(mine["data"][name], theirs["data"][name], name)
        self.assertEqual(len(mine["data"]["pat_store_tokens"]), 1)
        self.assertEqual([(e["event"], e["token_id"]) for e in self.events()],
                         [("create", tid)])
        c = self.connect()
        self.assertEqual(self.verify(tok, self.now(), conn=c), tid)
        self.assertEqual(self.has_right(tok, "DATA_FETCH", self.now(), conn=c), 1)


# ------------------------------------------------------ 8. pat_debug and roles

class DebugShowsDefaultRoleTest(FastTestCase):
    """13.8: pat_debug() shows the default_role in force."""

    def test_pat_debug_shows_the_default_role(self):
        self.assertIn("default_role ROOT", self.one("SELECT pat_debug()"))
        self.set_setting("default_role", "VIEWER")
        out = self.one("SELECT pat_debug()")
        self.assertIn("default_role VIEWER", out)
        self.assertNotIn("default_role ROOT", out)
        c = self.connect()
        self.assertIn("default_role VIEWER", self.one("SELECT pat_debug()", conn=c))


if __name__ == "__main__":
    import unittest
    unittest.main()
