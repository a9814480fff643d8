"""SELECT on the public tables, before and after the store exists."""
import re

from tests.python import helpers
from tests.python.helpers import (PatTestCase, PUBLIC_TABLES, COLUMNS,
                                  ALL_RIGHTS, CATALOG, ROLES, SETTINGS)


class PublicTablesTest(PatTestCase):

    def check_defaults(self, events_empty=True):
        for t in PUBLIC_TABLES:
            with self.subTest(table=t):
                cur = self.conn.execute("SELECT * FROM %s" % t)
                self.assertEqual([d[0] for d in cur.description], COLUMNS[t])
                cur.fetchall()
                # every column can be named
                self.conn.execute("SELECT %s FROM %s" % (
                    ", ".join('"%s"' % c for c in COLUMNS[t]), t)).fetchall()
        # catalog
        rights = self.rows("SELECT name, category FROM pat_rights")
        self.assertEqual(len(rights), len(ALL_RIGHTS))  # 19
        expect = sorted((r, cat) for cat, rs in CATALOG.items() for r in rs)
        self.assertEqual(sorted(rights), expect)
        for (desc,) in self.rows("SELECT description FROM pat_rights"):
            self.assertTrue(desc is None or isinstance(desc, str))
        # roles
        roles = {}
        for role, right in self.rows('SELECT role, "right" FROM pat_roles'):
            roles.setdefault(role, []).append(right)
        self.assertEqual({k: sorted(v) for k, v in roles.items()}, ROLES)
        # INTERFACE.md's catalog lists 19 rights: ROOT 19, ADMIN 19-4-3=12
        self.assertEqual(len(roles["ROOT"]), 19)
        self.assertEqual(len(roles["ADMIN"]), 12)
        self.assertEqual(len(roles["AUTHOR"]), 8)
        self.assertEqual(len(roles["VIEWER"]), 4)
        self.assertEqual(self.one(
            "SELECT count(*) FROM pat_roles WHERE role = 'ROOT'"),
            len(ALL_RIGHTS))
        # owners
        self.assertEqual(self.rows("SELECT * FROM pat_owners"), [])
        # settings
        settings = dict(self.rows("SELECT key, value FROM pat_settings"))
        self.assertEqual(sorted(settings), sorted(SETTINGS))
        self.assertEqual({k: None if v is None else str(v) for k, v in settings.items()}, SETTINGS)
        self.assertEqual(int(self.one(
            "SELECT value FROM pat_settings WHERE key = 'default_lifetime'")),
            2592000)
        self.assertEqual(self.one(
            "SELECT value FROM pat_settings WHERE key = 'prefix'"), "pat_")
        self.assertEqual(int(settings["max_lifetime"]), 31622400)
        self.assertEqual(int(settings["last_used_interval"]), 60)
        if events_empty:
            self.assertEqual(self.rows("SELECT * FROM pat_events"), [])

    def test_tables_read_as_defaults_before_store_exists(self):
        self.check_defaults()
        self.assertEqual(self.rows("SELECT * FROM pat_tokens"), [])
        self.assertNoStore()

    def test_tables_read_as_defaults_after_store_exists(self):
        self.create()
        self.assertTrue(helpers.pat_objects(self.path))
        self.check_defaults(events_empty=False)
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 1)

    def test_tables_defaults_after_reopen(self):
        self.create()
        self.conn.close()
        self.conn = self.connect()
        self.check_defaults(events_empty=False)

    def test_pat_rights_has_the_catalog_rights(self):
        names = [r[0] for r in self.rows("SELECT name FROM pat_rights")]
        self.assertEqual(sorted(names), ALL_RIGHTS)
        self.assertEqual(self.one(
            "SELECT category FROM pat_rights WHERE name = 'ROUTING_CREATE_UPDATE'"),
            "Route Management")
        self.assertEqual(self.one(
            "SELECT count(*) FROM pat_rights WHERE category = 'Data Operations'"),
            4)

    def test_pat_events_empty_at_start(self):
        self.assertEqual(self.rows("SELECT * FROM pat_events"), [])
        self.assertEqual(self.one("SELECT count(*) FROM pat_events"), 0)

    def test_pat_tokens_empty_before_and_lookup_of_missing_id(self):
        self.assertEqual(self.rows("SELECT * FROM pat_tokens WHERE id = 1"), [])
        self.create()
        self.assertEqual(self.rows("SELECT * FROM pat_tokens WHERE id = 999"),
                         [])
        self.assertEqual(self.rows("SELECT * FROM pat_tokens WHERE id = NULL"),
                         [])


class TokensLookupTest(PatTestCase):

    def eqp(self, sql, params=()):
        return " | ".join(r[3] for r in self.rows("EXPLAIN QUERY PLAN " + sql,
                                                   params))

    def index_num(self, plan):
        m = re.search(r"VIRTUAL TABLE INDEX (-?\d+):", plan)
        self.assertIsNotNone(m, plan)
        return int(m.group(1))

    def test_where_id_uses_direct_lookup_index(self):
        toks = [self.create(name="n%d" % i) for i in range(10)]
        plan = self.eqp("SELECT * FROM pat_tokens WHERE id = 5")
        self.assertIn("pat_tokens", plan)
        self.assertNotEqual(self.index_num(plan), 0, plan)
        plan = self.eqp("SELECT * FROM pat_tokens WHERE id = ?", (5,))
        self.assertNotEqual(self.index_num(plan), 0, plan)
        full = self.eqp("SELECT * FROM pat_tokens")
        self.assertEqual(self.index_num(full), 0, full)
        full = self.eqp("SELECT * FROM pat_tokens WHERE name = 'n5'")
        self.assertEqual(self.index_num(full), 0, full)
        del toks

    def test_events_of_one_token_are_a_lookup_on_token_id(self):
        ids = [self.id_of(self.create(name="n%d" % i)) for i in range(5)]
        self.conn.execute("UPDATE pat_tokens SET name = 'renamed' WHERE id = ?", (ids[2],))
        plan = self.eqp("SELECT * FROM pat_events WHERE token_id = ?", (ids[2],))
        self.assertEqual(self.index_num(plan), 2, plan)
        self.assertEqual(self.rows("SELECT event, token_id FROM pat_events WHERE token_id = ?"
                                   " ORDER BY id", (ids[2],)),
                         [("create", ids[2]), ("update", ids[2])])
        self.assertEqual(self.index_num(self.eqp("SELECT * FROM pat_events WHERE id = 1")), 1)
        self.assertEqual(self.index_num(self.eqp("SELECT * FROM pat_events")), 0)

    def test_where_id_lookup_returns_right_row(self):
        toks = [self.create(name="n%d" % i) for i in range(10)]
        ids = {self.id_of(t): "n%d" % i for i, t in enumerate(toks)}
        for tid, name in ids.items():
            rows = self.rows("SELECT id, name FROM pat_tokens WHERE id = ?",
                             (tid,))
            self.assertEqual(rows, [(tid, name)])
        some = sorted(ids)[4]
        self.assertEqual(self.rows(
            "SELECT name FROM pat_tokens WHERE id = %d" % some), [(ids[some],)])

    def test_where_id_text_finds_row(self):
        toks = [self.create(name="n%d" % i) for i in range(6)]
        ids = sorted(self.id_of(t) for t in toks)
        tid = ids[4]
        name = self.one("SELECT name FROM pat_tokens WHERE id = ?", (tid,))
        self.assertEqual(self.rows(
            "SELECT id, name FROM pat_tokens WHERE id = ?", (str(tid),)),
            [(tid, name)])
        self.assertEqual(self.rows(
            "SELECT id, name FROM pat_tokens WHERE id = '%d'" % tid),
            [(tid, name)])
        self.assertEqual(self.rows(
            "SELECT id FROM pat_tokens WHERE id = 'abc'"), [])

    def test_where_id_lookup_combined_with_other_constraints(self):
        toks = [self.create(name="n%d" % i) for i in range(4)]
        tid = self.id_of(toks[2])
        self.assertEqual(self.rows(
            "SELECT id FROM pat_tokens WHERE id = ? AND name = 'n2'", (tid,)),
            [(tid,)])
        self.assertEqual(self.rows(
            "SELECT id FROM pat_tokens WHERE id = ? AND name = 'n1'", (tid,)),
            [])
        self.assertEqual(self.rows(
            "SELECT id FROM pat_tokens WHERE id IN (?, ?) ORDER BY id",
            (tid, self.id_of(toks[0]))),
            sorted([(tid,), (self.id_of(toks[0]),)]))
        self.assertEqual(self.one(
            "SELECT count(*) FROM pat_tokens WHERE id > 0"), 4)

    def test_join_on_id(self):
        toks = [self.create(name="n%d" % i) for i in range(3)]
        self.conn.execute("CREATE TEMP TABLE want(id)")
        ids = [self.id_of(t) for t in toks]
        self.conn.execute("INSERT INTO want VALUES (?)", (ids[1],))
        self.assertEqual(self.rows(
            "SELECT t.name FROM want w JOIN pat_tokens t ON t.id = w.id"),
            [("n1",)])
