"""Rights on resources (INTERFACE.md, "Rights on resources"; issue 15).

A rights list entry may name a resource, RIGHT@resource; a resource ending
in '*' covers every resource that begins with what comes before it. The
token stores the explicit list, sorted in byte order, without duplicates and
without an entry another one covers. A check asks about one right on one
resource (or a list of them): an unscoped right holds everywhere, a scoped
entry only where its resource (or its stem) says, and a check for the right
everywhere passes only an unscoped one.
"""
import os
import subprocess

from tests.python import helpers
from tests.python.helpers import PatTestCase

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class StoredFormTest(PatTestCase):

    def stored(self, rights, owner="u1"):
        tok = self.create(owner=owner, name="t", rights=rights)
        return helpers.rights_json(self.token_row(self.id_of(tok))["rights"])

    def test_entries_are_kept_sorted_in_byte_order(self):
        self.assertEqual(self.stored("PROJECT_FETCH, DATA_FETCH@project:42, DATA_CREATE@b"),
                         ["DATA_CREATE@b", "DATA_FETCH@project:42", "PROJECT_FETCH"])
        # '@' sorts before '_' and after the digits: byte order, not by right
        self.assertEqual(self.stored('["DATA_FETCH@x", "DATA_FETCH_ALL"]'
                                     .replace("DATA_FETCH_ALL", "DATA_DELETE")),
                         ["DATA_DELETE", "DATA_FETCH@x"])

    def test_duplicates_go(self):
        self.assertEqual(self.stored("DATA_FETCH@p:1, DATA_FETCH@p:1"), ["DATA_FETCH@p:1"])

    def test_an_unscoped_right_absorbs_its_scoped_entries(self):
        self.assertEqual(self.stored("DATA_FETCH@project:42, DATA_FETCH, DATA_FETCH@*"),
                         ["DATA_FETCH"])

    def test_a_wildcard_absorbs_what_begins_with_its_stem(self):
        self.assertEqual(
            self.stored("DATA_FETCH@repo:acme/x, DATA_FETCH@repo:acme/*,"
                        " DATA_FETCH@repo:acme/y*, DATA_FETCH@repo:acme, DATA_FETCH@repo:b"),
            ["DATA_FETCH@repo:acme", "DATA_FETCH@repo:acme/*", "DATA_FETCH@repo:b"])
        # a wildcard covers the resource that is its stem itself
        self.assertEqual(self.stored("DATA_FETCH@p:1, DATA_FETCH@p:1*, DATA_FETCH@p:10"),
                         ["DATA_FETCH@p:1*"])
        # '*' alone covers any resource, and only of its own right
        self.assertEqual(self.stored("DATA_FETCH@a, DATA_FETCH@*, DATA_CREATE@a"),
                         ["DATA_CREATE@a", "DATA_FETCH@*"])
        # the stem is plain bytes: repo:acme* covers repo:acme-evil/x
        self.assertEqual(self.stored("DATA_FETCH@repo:acme*, DATA_FETCH@repo:acme-evil/x"),
                         ["DATA_FETCH@repo:acme*"])

    def test_a_category_wildcard_takes_the_resource_to_each_right_the_role_grants(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('v', 'VIEWER')")
        self.assertEqual(self.stored("DATA_*@project:42", owner="v"), ["DATA_FETCH@project:42"])
        self.assertEqual(self.stored("DATA_*@project:42"),
                         ["DATA_CREATE@project:42", "DATA_DELETE@project:42",
                          "DATA_FETCH@project:42", "DATA_UPDATE@project:42"])
        every = self.stored("*@p:1")
        self.assertEqual(len(every), self.one("SELECT count(*) FROM pat_rights"))
        self.assertTrue(all(e.endswith("@p:1") for e in every))

    def test_a_role_limits_a_scoped_right_as_an_unscoped_one(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('v', 'VIEWER')")
        self.assertRefused("SELECT pat_create('v', 't', 'DATA_DELETE@project:42')",
                           message="pat_create: role 'VIEWER' may not grant 'DATA_DELETE'")

    def test_update_takes_entries_as_create_does(self):
        tid = self.id_of(self.create(rights="DATA_FETCH"))
        self.conn.execute("UPDATE pat_tokens SET rights = ? WHERE id = ?",
                          ("DATA_FETCH@b, DATA_FETCH@a, DATA_FETCH@a*", tid))
        self.assertEqual(helpers.rights_json(self.token_row(tid)["rights"]),
                         ["DATA_FETCH@a*", "DATA_FETCH@b"])
        self.assertRefused("UPDATE pat_tokens SET rights = 'DATA_FETCH@a b' WHERE id = %d" % tid,
                           message="pat_tokens: resource 'a b' of DATA_FETCH holds a"
                                   " character that is not allowed")

    def test_bad_resources_are_errors_that_change_nothing(self):
        self.create(rights="DATA_FETCH")  # a store, so that "nothing changed" means something
        for rights, problem in [
            ("DATA_FETCH@proj ect", "resource 'proj ect' of DATA_FETCH holds a character"
                                    " that is not allowed"),
            ("DATA_FETCH@", "resource '' of DATA_FETCH is empty"),
            ("DATA_FETCH@a*b", "resource 'a*b' of DATA_FETCH holds a '*' before its end"),
            ("DATA_FETCH@**", "resource '**' of DATA_FETCH holds a '*' before its end"),
            ("DATA_FETCH@a@b", "resource 'a@b' of DATA_FETCH holds a character that is"
                               " not allowed"),
            ("DATA_FETCH@" + "a" * 129, "resource of DATA_FETCH is longer than 128 bytes"),
            ("DATA_*@caf\u00e9", "resource 'caf??' of DATA_* holds a character that is"
                                 " not allowed"),
            ("DATA_FECTH@a", "unknown right 'DATA_FECTH'"),
            ("NOPE_*@a", "'NOPE_*' matches no right that role 'ROOT' may grant"),
        ]:
            self.assertRefused("SELECT pat_create('u1', 'n', ?)", (rights,),
                               message="pat_create: " + problem)

    def test_a_resource_of_128_bytes_and_every_allowed_byte(self):
        res = "aZ09_.:/-" * 14 + "xy"
        self.assertEqual(len(res), 128)
        self.assertEqual(self.stored("DATA_FETCH@" + res), ["DATA_FETCH@" + res])

    def test_a_resource_that_holds_a_token_is_not_quoted(self):
        tok = self.create()
        msg = self.assertRefused("SELECT pat_create('u1', 'n', ?)",
                                 ("DATA_FETCH@" + tok + "!",))
        self.assertNotIn(tok[4:], msg)


class CheckTest(PatTestCase):

    def setUp(self):
        super().setUp()
        self.T = self.create(rights="DATA_FETCH@project:42, DATA_CREATE@repo:acme/*,"
                                    " PROJECT_FETCH, MEDIA_FETCH@*")

    def test_a_scoped_entry_holds_on_its_resource_only(self):
        for right, want in [
            ("DATA_FETCH@project:42", 1),
            ("DATA_FETCH@project:43", 0),
            ("DATA_FETCH@project:420", 0),
            ("DATA_FETCH@project:4", 0),
            ("DATA_FETCH", 0),           # the right everywhere: only an unscoped one
            ("DATA_CREATE@repo:acme/x", 1),
            ("DATA_CREATE@repo:acme/", 1),
            ("DATA_CREATE@repo:acme", 0),
            ("DATA_CREATE@repo:acmex/y", 0),
            ("DATA_CREATE", 0),
            ("MEDIA_FETCH@anything/at-all", 1),
            ("MEDIA_FETCH", 0),
            ("PROJECT_FETCH", 1),        # unscoped: everywhere
            ("PROJECT_FETCH@project:42", 1),
            ("DATA_DELETE@project:42", 0),
        ]:
            with self.subTest(right=right):
                self.assertEqual(self.has_right(self.T, right, self.now()), want)
                self.assertEqual(self.has_right(self.T, right), want)

    def test_resources_are_compared_byte_for_byte(self):
        self.assertEqual(self.has_right(self.T, "DATA_FETCH@Project:42"), 0)

    def test_a_stem_is_plain_bytes_in_a_check(self):
        tok = self.create(rights="DATA_FETCH@repo:acme*")
        self.assertEqual(self.has_right(tok, "DATA_FETCH@repo:acme-evil/x"), 1)
        self.assertEqual(self.has_right(tok, "DATA_FETCH@repo:acme"), 1)
        self.assertEqual(self.has_right(tok, "DATA_FETCH@repo:acm"), 0)

    def test_the_same_on_a_fresh_connection_and_with_owners_listed(self):
        # the three paths a check takes: the row, the cached set, the owner's role
        for setup in (None, "INSERT INTO pat_owners(owner, role) VALUES ('u1', 'ROOT')"):
            if setup:
                self.conn.execute(setup)
            for _ in range(2):
                conn = self.connect()
                for _ in range(2):
                    self.assertEqual(self.has_right(self.T, "DATA_FETCH@project:42", conn=conn), 1)
                    self.assertEqual(self.has_right(self.T, "DATA_FETCH@project:43", conn=conn), 0)
                    self.assertEqual(self.has_right(self.T, "DATA_FETCH", conn=conn), 0)

    def test_the_role_must_still_grant_the_right(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('u1', 'VIEWER')")
        self.assertEqual(self.has_right(self.T, "DATA_FETCH@project:42"), 1)
        self.assertEqual(self.has_right(self.T, "DATA_CREATE@repo:acme/x"), 0)

    def test_every_right_of_a_list_must_still_be_granted(self):
        # in byte order the right the role still grants comes first
        tok = self.create(owner="u2", rights="DATA_FETCH@project:42, PROJECT_UPDATE")
        self.assertEqual(self.has_right(tok, "DATA_FETCH@project:42, PROJECT_UPDATE"), 1)
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('u2', 'VIEWER')")
        self.assertEqual(self.has_right(tok, "DATA_FETCH@project:42"), 1)
        self.assertEqual(self.has_right(tok, "DATA_FETCH@project:42, PROJECT_UPDATE"), 0)
        self.assertEqual(self.has_right(tok, '["PROJECT_UPDATE", "DATA_FETCH@project:42"]'), 0)

    def test_a_list_passes_when_every_entry_holds(self):
        for rights, want in [
            ("DATA_FETCH@project:42, PROJECT_FETCH", 1),
            ('["DATA_FETCH@project:42", "DATA_CREATE@repo:acme/1"]', 1),
            ("DATA_FETCH@project:42, DATA_FETCH@project:43", 0),
            ("PROJECT_FETCH, DATA_DELETE", 0),
            ("PROJECT_FETCH,PROJECT_FETCH", 1),
        ]:
            with self.subTest(rights=rights):
                self.assertEqual(self.has_right(self.T, rights), want)

    def test_a_check_asks_about_one_right_on_one_resource(self):
        for right, problem in [
            ("DATA_FETCH@project:*", "resource 'project:*' of DATA_FETCH is a wildcard:"
                                     " a check asks about one resource"),
            ("DATA_FETCH@*", "resource '*' of DATA_FETCH is a wildcard: a check asks"
                             " about one resource"),
            ("DATA_*@project:42", "unknown right 'DATA_*'"),
            ("*", "unknown right '*'"),
            ("DATA_FETCH, DATA_*", "unknown right 'DATA_*'"),
            ("DATA_FETCH@a b", "resource 'a b' of DATA_FETCH holds a character that is"
                               " not allowed"),
            ("NOPE@x", "unknown right 'NOPE'"),
        ]:
            for tok in (self.T, "not a token"):
                with self.subTest(right=right, token=tok[:5]):
                    self.assertRefused("SELECT pat_has_right(?, ?)", (tok, right),
                                       message="pat_has_right: " + problem)

    def test_events_name_the_entries_checked_and_the_first_not_held(self):
        self.set_setting("audit", "all")
        self.set_setting("bookkeeping_delay", 0)
        tid = self.id_of(self.T)
        self.assertEqual(self.has_right(self.T, "PROJECT_FETCH, DATA_FETCH@project:42"), 1)
        self.assertEqual(self.has_right(self.T, "DATA_FETCH@project:9, DATA_DELETE@a"), 0)
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('u1', 'VIEWER')")
        self.assertEqual(self.has_right(self.T, "PROJECT_FETCH, DATA_CREATE@repo:acme/x"), 0)
        got = [(e["event"], e["detail"]) for e in self.events(tid) if e["event"] != "create"]
        self.assertEqual(got, [
            ("use", "DATA_FETCH@project:42, PROJECT_FETCH"),
            ("deny", "right not held: DATA_DELETE@a"),
            ("deny", "right not granted by role 'VIEWER': DATA_CREATE@repo:acme/x"),
        ])


class AroundTest(PatTestCase):

    def test_a_right_held_on_a_resource_can_not_leave_the_catalog(self):
        self.conn.execute("INSERT INTO pat_rights(name, category) VALUES ('REPORT_FETCH', 'R')")
        self.create(rights="REPORT_FETCH@collection:reports")
        msg = self.assertRefused("DELETE FROM pat_rights WHERE name = 'REPORT_FETCH'")
        self.assertIn("REPORT_FETCH", msg)

    def test_audit_sql_counts_an_entry_as_its_right(self):
        """sql/audit.sql, in the sqlite3 shell: a scoped entry whose right the
        role grants is not listed as not granted; one it does not grant is."""
        self.create(owner="v", name="ok", rights="DATA_FETCH@project:42")
        self.create(owner="v", name="over", rights="DATA_DELETE@project:42, DATA_FETCH")
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('v', 'VIEWER')")
        self.conn.commit()
        with open(os.path.join(ROOT, "sql", "audit.sql")) as f:
            queries = f.read()
        out = subprocess.run(
            ["sqlite3", "-bail", "-cmd", ".load " + os.path.join(ROOT, "dist", "pat"),
             "-cmd", ".mode list", self.path],
            input=queries, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = [l for l in out.stdout.splitlines() if '["DATA_DELETE@project:42"]' in l]
        self.assertEqual(len(lines), 1, out.stdout)
        self.assertIn("|over|VIEWER|", lines[0])
        self.assertNotIn("|ok|VIEWER|", out.stdout)
