"""Only the role named exactly ROOT grants every right.

A role whose name starts with ROOT (ROOTLESS), a shorter one (ROO) or one
that differs in case (root) is an ordinary role: it grants the rights it has
rows for in pat_roles, as an owner's listed role and as default_role, both
when a token is made and when it is checked.
"""
from tests.python import helpers
from tests.python.helpers import PatTestCase

LOOKALIKES = ("ROOTLESS", "ROO", "root", "ROOT_")


class RolesNamedLikeRootTest(PatTestCase):

    def setUp(self):
        super().setUp()
        for role in LOOKALIKES:
            self.conn.execute("INSERT INTO pat_roles(role, right) VALUES (?, 'DATA_FETCH')",
                              (role,))
            self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES (?, ?)",
                              ("owner of " + role, role))

    def test_a_lookalike_role_may_grant_only_its_own_rights(self):
        for role in LOOKALIKES:
            with self.subTest(role):
                owner = "owner of " + role
                self.assertRefused("SELECT pat_create(?, 'x', 'USER_DELETE')", (owner,),
                                   message="pat_create: role '%s' may not grant "
                                           "'USER_DELETE'" % role)
                tok = self.create(owner=owner, rights="*")
                self.assertEqual(helpers.rights_json(
                    self.token_row(self.id_of(tok))["rights"]), ["DATA_FETCH"])
                self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)

    def test_a_lookalike_role_holds_nothing_its_rows_do_not_grant(self):
        tok = self.create(owner="moved", rights="DATA_FETCH, USER_FETCH")
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('moved', 'ROOT')")
        for role in LOOKALIKES:
            with self.subTest(role):
                self.conn.execute("UPDATE pat_owners SET role = ? WHERE owner = 'moved'",
                                  (role,))
                conn = self.connect()
                for c in (self.conn, conn, conn):
                    self.assertEqual(self.has_right(tok, "USER_FETCH", conn=c), 0)
                    self.assertEqual(self.has_right(tok, "DATA_FETCH", conn=c), 1)

    def test_a_lookalike_default_role_is_an_ordinary_role(self):
        self.conn.execute("DELETE FROM pat_owners")
        tok = self.create(owner="nobody listed", rights="DATA_FETCH, USER_FETCH")
        for role in LOOKALIKES:
            with self.subTest(role):
                self.set_setting("default_role", role)
                self.assertRefused("SELECT pat_create('anyone', 'x', 'USER_DELETE')",
                                   message="pat_create: role '%s' may not grant "
                                           "'USER_DELETE'" % role)
                conn = self.connect()
                for c in (self.conn, conn, conn):
                    self.assertEqual(self.has_right(tok, "USER_FETCH", conn=c), 0)
                    self.assertEqual(self.has_right(tok, "DATA_FETCH", conn=c), 1)
