"""Rights, roles and owners (issue 3): writes to pat_rights, pat_roles and
pat_owners, role-limited grants in pat_create and UPDATE of rights, and the
owner's current role applied by pat_has_right at check time."""
import json

from tests.python.helpers import PatTestCase, ALL_RIGHTS, ROLES

F = 1790000000
NAME_MSG = ("pat_rights: name must be 1 to 64 characters of A-Z, a-z, 0-9 "
            "and _")
ROLE_NAME_MSG = ("pat_roles: role must be 1 to 64 characters of A-Z, a-z, "
                 "0-9 and _")
ROOT_MSG = ("pat_roles: ROOT grants every right already; its rows can not be "
            "changed")


class RoleTestCase(PatTestCase):

    def role_rights(self, role):
        return sorted(r[0] for r in self.rows(
            'SELECT "right" FROM pat_roles WHERE role = ?', (role,)))

    def stored_rights(self, tok, at=None):
        tid = self.verify(tok, self.now() if at is None else at)
        self.assertIsInstance(tid, int)
        return json.loads(self.token_row(tid)["rights"])

    def set_role(self, owner, role):
        if self.rows("SELECT 1 FROM pat_owners WHERE owner = ?", (owner,)):
            self.conn.execute("UPDATE pat_owners SET role = ? WHERE owner = ?",
                              (role, owner))
        else:
            self.conn.execute("INSERT INTO pat_owners(owner, role) "
                              "VALUES (?, ?)", (owner, role))


class RightsTableTest(RoleTestCase):

    def test_insert_custom_right_reaches_catalog_and_root_only(self):
        self.conn.execute("INSERT INTO pat_rights(name, category, description) "
                          "VALUES ('REPORT_RUN', 'Reports', 'Run reports')")
        self.assertEqual(self.rows(
            "SELECT name, category, description FROM pat_rights "
            "WHERE name = 'REPORT_RUN'"),
            [("REPORT_RUN", "Reports", "Run reports")])
        self.assertEqual(self.role_rights("ROOT"),
                         sorted(ALL_RIGHTS + ["REPORT_RUN"]))
        for role in ("ADMIN", "AUTHOR", "VIEWER"):
            self.assertEqual(self.role_rights(role), ROLES[role], role)
        tok = self.create(owner="root-user", rights="REPORT_RUN")
        self.assertEqual(self.has_right(tok, "REPORT_RUN"), 1)
        self.assertEqual(self.stored_rights(tok), ["REPORT_RUN"])

    def test_insert_right_without_description_stores_empty_text(self):
        self.conn.execute("INSERT INTO pat_rights(name, category) "
                          "VALUES ('REPORT_RUN', 'Reports')")
        self.conn.execute("INSERT INTO pat_rights(name, category, description) "
                          "VALUES ('REPORT_VIEW', 'Reports', NULL)")
        self.assertEqual(self.rows(
            "SELECT name, description FROM pat_rights WHERE category = "
            "'Reports' ORDER BY name"),
            [("REPORT_RUN", ""), ("REPORT_VIEW", "")])

    def test_insert_right_name_of_64_characters_accepted(self):
        name = "a_Z9" * 16
        self.conn.execute("INSERT INTO pat_rights(name, category) "
                          "VALUES (?, 'X')", (name,))
        self.assertEqual(self.one("SELECT count(*) FROM pat_rights "
                                  "WHERE name = ?", (name,)), 1)

    def test_insert_right_refusals(self):
        cases = [
            ((None, "C"), NAME_MSG),
            (("", "C"), NAME_MSG),
            (("X" * 65, "C"), NAME_MSG),
            (("BAD-NAME", "C"), NAME_MSG),
            (("BAD NAME", "C"), NAME_MSG),
            (("DATA_*", "C"), NAME_MSG),
            (("R\u00c9SUM\u00c9", "C"), NAME_MSG),
            (("DATA_FETCH", "C"), "pat_rights: right 'DATA_FETCH' exists "
                                  "already"),
            (("NEW_RIGHT", None), "pat_rights: category must be a non-empty "
                                  "text"),
            (("NEW_RIGHT", ""), "pat_rights: category must be a non-empty "
                                "text"),
            (("NEW_RIGHT", "c" * 256), "pat_rights: category is longer than "
                                       "255 bytes"),
            (("NEW_RIGHT", "a\tb"), "pat_rights: category contains a control "
                                    "character"),
        ]
        for (name, cat), msg in cases:
            with self.subTest(name=name, category=cat):
                self.assertRefused(
                    "INSERT INTO pat_rights(name, category) VALUES (?, ?)",
                    (name, cat), message=msg)
        self.assertRefused(
            "INSERT INTO pat_rights(name, category) "
            "VALUES ('NEW_RIGHT', CAST(x'61ff' AS TEXT))",
            message="pat_rights: category is not valid UTF-8")
        self.assertEqual(sorted(r[0] for r in self.rows(
            "SELECT name FROM pat_rights")), ALL_RIGHTS)

    def test_duplicate_right_refused_after_store_exists(self):
        self.create()
        self.conn.execute("INSERT INTO pat_rights(name, category) "
                          "VALUES ('REPORT_RUN', 'Reports')")
        self.assertRefused(
            "INSERT INTO pat_rights(name, category) VALUES ('REPORT_RUN', 'Z')",
            message="pat_rights: right 'REPORT_RUN' exists already")

    def test_update_category_and_description(self):
        self.conn.execute("UPDATE pat_rights SET category = 'Data', "
                          "description = 'Read rows' WHERE name = 'DATA_FETCH'")
        self.assertEqual(self.rows(
            "SELECT category, description FROM pat_rights "
            "WHERE name = 'DATA_FETCH'"), [("Data", "Read rows")])
        tok = self.create(rights="DATA_*")
        self.assertIn("DATA_FETCH", self.stored_rights(tok))

    def test_update_right_refusals(self):
        self.assertRefused(
            "UPDATE pat_rights SET name = 'DATA_READ' WHERE name = 'DATA_FETCH'",
            message="pat_rights: column 'name' can not be changed "
                    "(only category, description)")
        self.assertRefused(
            "UPDATE pat_rights SET category = '' WHERE name = 'DATA_FETCH'",
            message="pat_rights: category must be a non-empty text")
        self.assertEqual(self.one(
            "SELECT category FROM pat_rights WHERE name = 'DATA_FETCH'"),
            "Data Operations")

    def test_delete_unheld_right_removes_it_from_catalog_and_roles(self):
        self.create(rights="DATA_FETCH")
        self.conn.execute("DELETE FROM pat_rights WHERE name = 'ROUTING_FETCH'")
        self.assertEqual(self.rows(
            "SELECT name FROM pat_rights WHERE name = 'ROUTING_FETCH'"), [])
        self.assertEqual(self.rows(
            "SELECT role FROM pat_roles WHERE \"right\" = 'ROUTING_FETCH'"), [])
        for role in ("ROOT", "ADMIN", "AUTHOR", "VIEWER"):
            self.assertNotIn("ROUTING_FETCH", self.role_rights(role))
        self.assertRefused("SELECT pat_create('u', 'n', 'ROUTING_FETCH')",
                           message="pat_create: unknown right 'ROUTING_FETCH'")
        self.assertSqlError("SELECT pat_has_right('x', 'ROUTING_FETCH')",
                            message="pat_has_right: unknown right "
                                    "'ROUTING_FETCH'")
        self.assertEqual(self.stored_rights(self.create(rights="ROUTING_*")),
                         ["ROUTING_CREATE_UPDATE"])

    def test_right_deleted_and_added_again_reaches_only_root(self):
        self.conn.execute("DELETE FROM pat_rights WHERE name = 'DATA_FETCH'")
        self.conn.execute("INSERT INTO pat_rights(name, category) "
                          "VALUES ('DATA_FETCH', 'Data Operations')")
        self.assertIn("DATA_FETCH", self.role_rights("ROOT"))
        for role in ("ADMIN", "AUTHOR", "VIEWER"):
            self.assertNotIn("DATA_FETCH", self.role_rights(role))

    def test_delete_held_right_refused_with_token_count(self):
        self.create(name="a", rights="DATA_FETCH")
        self.create(name="b", rights="DATA_*")
        self.create(name="old", rights="DATA_FETCH", valid_from=F,
                    valid_to=F + 60)
        tok = self.create(name="c", rights="MEDIA_FETCH, USER_FETCH")
        now = self.now()  # after the create: under a slow build, a second may pass
        self.assertRefused(
            "DELETE FROM pat_rights WHERE name = 'DATA_FETCH'",
            message="pat_rights: right 'DATA_FETCH' is held by 3 tokens; take "
                    "it from them first")
        self.assertRefused(
            "DELETE FROM pat_rights WHERE name = 'MEDIA_FETCH'",
            message="pat_rights: right 'MEDIA_FETCH' is held by 1 token; take "
                    "it from them first")
        self.assertEqual(self.has_right(tok, "MEDIA_FETCH", now), 1)
        # taken from the token, the right can go
        self.conn.execute("UPDATE pat_tokens SET rights = 'USER_FETCH' "
                          "WHERE name = 'c'")
        self.conn.execute("DELETE FROM pat_rights WHERE name = 'MEDIA_FETCH'")
        self.assertEqual(self.rows(
            "SELECT name FROM pat_rights WHERE name = 'MEDIA_FETCH'"), [])

    def test_delete_of_several_rights_one_held_deletes_none(self):
        self.create(rights="MEDIA_UPDATE")
        self.assertRefused(
            "DELETE FROM pat_rights WHERE category = 'Media Management'",
            message="pat_rights: right 'MEDIA_UPDATE' is held by 1 token; "
                    "take it from them first")
        self.assertEqual(self.one(
            "SELECT count(*) FROM pat_rights "
            "WHERE category = 'Media Management'"), 3)


class RolesTableTest(RoleTestCase):

    def test_new_role_exists_once_it_has_a_row(self):
        self.assertRefused("INSERT INTO pat_owners VALUES ('carol', 'AUDITOR')",
                           message="pat_owners: unknown role 'AUDITOR'")
        self.conn.execute("INSERT INTO pat_roles(role, \"right\") "
                          "VALUES ('AUDITOR', 'USER_FETCH')")
        self.conn.execute("INSERT INTO pat_roles VALUES ('AUDITOR', "
                          "'CONFIG_FETCH')")
        self.assertEqual(self.role_rights("AUDITOR"),
                         ["CONFIG_FETCH", "USER_FETCH"])
        self.conn.execute("INSERT INTO pat_owners VALUES ('carol', 'AUDITOR')")
        tok = self.create(owner="carol", rights="*")
        self.assertEqual(self.stored_rights(tok),
                         ["CONFIG_FETCH", "USER_FETCH"])
        self.assertRefused(
            "SELECT pat_create('carol', 'n', 'DATA_FETCH')",
            message="pat_create: role 'AUDITOR' may not grant 'DATA_FETCH'")

    def test_insert_role_row_refusals(self):
        cases = [
            (("bad role", "DATA_FETCH"), ROLE_NAME_MSG),
            (("", "DATA_FETCH"), ROLE_NAME_MSG),
            ((None, "DATA_FETCH"), ROLE_NAME_MSG),
            (("R" * 65, "DATA_FETCH"), ROLE_NAME_MSG),
            (("ROOT", "DATA_FETCH"), ROOT_MSG),
            (("AUTHOR", "NOPE"), "pat_roles: unknown right 'NOPE'"),
            (("NEWROLE", "NOPE"), "pat_roles: unknown right 'NOPE'"),
            (("AUTHOR", "DATA_FETCH"), "pat_roles: role 'AUTHOR' grants "
                                       "'DATA_FETCH' already"),
        ]
        for (role, right), msg in cases:
            with self.subTest(role=role, right=right):
                self.assertRefused(
                    'INSERT INTO pat_roles(role, "right") VALUES (?, ?)',
                    (role, right), message=msg)
        self.assertEqual(self.role_rights("AUTHOR"), ROLES["AUTHOR"])
        self.assertEqual(self.role_rights("NEWROLE"), [])

    def test_role_name_of_64_characters_accepted(self):
        role = "Ab_9" * 16
        self.conn.execute('INSERT INTO pat_roles(role, "right") '
                          "VALUES (?, 'DATA_FETCH')", (role,))
        self.assertEqual(self.role_rights(role), ["DATA_FETCH"])

    def test_root_rows_can_not_be_deleted(self):
        self.assertRefused(
            "DELETE FROM pat_roles WHERE role = 'ROOT' AND \"right\" = "
            "'DATA_FETCH'", message=ROOT_MSG)
        self.assertRefused("DELETE FROM pat_roles WHERE role = 'ROOT'",
                           message=ROOT_MSG)
        self.assertEqual(self.role_rights("ROOT"), ALL_RIGHTS)

    def test_update_of_pat_roles_refused(self):
        msg = ("pat_roles: UPDATE is not supported: DELETE the row and INSERT "
               "the new one")
        self.assertRefused(
            "UPDATE pat_roles SET \"right\" = 'USER_FETCH' WHERE role = "
            "'VIEWER' AND \"right\" = 'DATA_FETCH'", message=msg)
        self.assertRefused("UPDATE pat_roles SET role = 'X' "
                           "WHERE role = 'VIEWER'", message=msg)
        self.assertEqual(self.role_rights("VIEWER"), ROLES["VIEWER"])

    def test_deleting_a_role_row_takes_that_right_from_its_owners_at_once(self):
        self.set_role("ann", "AUTHOR")
        tok = self.create(owner="ann", rights="DATA_DELETE, DATA_FETCH")
        self.assertEqual(self.has_right(tok, "DATA_DELETE"), 1)
        self.conn.execute("DELETE FROM pat_roles WHERE role = 'AUTHOR' AND "
                          "\"right\" = 'DATA_DELETE'")
        self.assertEqual(self.has_right(tok, "DATA_DELETE"), 0)
        self.assertEqual(self.has_right(tok, "DATA_DELETE", self.now()), 0)
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        self.assertRefused(
            "SELECT pat_create('ann', 'n', 'DATA_DELETE')",
            message="pat_create: role 'AUTHOR' may not grant 'DATA_DELETE'")
        self.conn.execute("INSERT INTO pat_roles VALUES ('AUTHOR', "
                          "'DATA_DELETE')")
        self.assertEqual(self.has_right(tok, "DATA_DELETE"), 1)

    def test_role_whose_last_row_is_deleted_grants_and_holds_nothing(self):
        self.conn.execute("INSERT INTO pat_roles VALUES ('TEMP', 'DATA_FETCH')")
        self.conn.execute("INSERT INTO pat_roles VALUES ('TEMP', "
                          "'MEDIA_FETCH')")
        self.set_role("tim", "TEMP")
        tok = self.create(owner="tim", rights="DATA_FETCH, MEDIA_FETCH")
        tid = self.id_of(tok)
        self.conn.execute("DELETE FROM pat_roles WHERE role = 'TEMP'")
        self.assertEqual(self.role_rights("TEMP"), [])
        # the token still exists and is valid; it just holds nothing
        self.assertEqual(self.verify(tok), tid)
        for r in ("DATA_FETCH", "MEDIA_FETCH"):
            self.assertEqual(self.has_right(tok, r), 0, r)
            self.assertEqual(self.has_right(tok, r, self.now()), 0, r)
        self.assertRefused("SELECT pat_create('tim', 'n', 'DATA_FETCH')",
                           prefix="pat_create: ")
        self.assertRefused("SELECT pat_create('tim', 'n', '*')",
                           prefix="pat_create: ")
        self.assertRefused("UPDATE pat_tokens SET rights = 'DATA_FETCH' "
                           "WHERE id = %d" % tid, prefix="pat_tokens: ")
        self.assertRefused("INSERT INTO pat_owners VALUES ('zed', 'TEMP')",
                           message="pat_owners: unknown role 'TEMP'")
        # a row brings the role back
        self.conn.execute("INSERT INTO pat_roles VALUES ('TEMP', 'DATA_FETCH')")
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        self.assertEqual(self.has_right(tok, "MEDIA_FETCH"), 0)


class OwnersTableTest(RoleTestCase):

    def test_role_limits_rights_at_create(self):
        cases = {
            "VIEWER": ("DATA_CREATE", "USER_*"),
            "AUTHOR": ("MEDIA_UPDATE", "USER_*"),
            "ADMIN": ("USER_FETCH", "CONFIG_*"),
        }
        for role, (bad, bad_wild) in cases.items():
            owner = "o_" + role.lower()
            self.set_role(owner, role)
            with self.subTest(role=role):
                self.assertRefused(
                    "SELECT pat_create(?, 'n', ?)", (owner, bad),
                    message="pat_create: role '%s' may not grant '%s'"
                    % (role, bad))
                self.assertRefused(
                    "SELECT pat_create(?, 'n', ?)",
                    (owner, '["DATA_FETCH","%s"]' % bad),
                    message="pat_create: role '%s' may not grant '%s'"
                    % (role, bad))
                self.assertRefused(
                    "SELECT pat_create(?, 'n', ?)", (owner, bad_wild),
                    message="pat_create: '%s' matches no right that role "
                            "'%s' may grant" % (bad_wild, role))
        self.assertEqual(self.one("SELECT count(*) FROM pat_tokens"), 0)

    def test_wildcards_expand_to_what_the_role_may_grant(self):
        for role in ("ADMIN", "AUTHOR", "VIEWER"):
            owner = "o_" + role.lower()
            self.set_role(owner, role)
            with self.subTest(role=role):
                self.assertEqual(self.stored_rights(
                    self.create(owner=owner, rights="*")), ROLES[role])
                self.assertEqual(self.stored_rights(
                    self.create(owner=owner, rights="DATA_*")),
                    [r for r in ROLES[role] if r.startswith("DATA_")])
        self.assertEqual(self.stored_rights(
            self.create(owner="o_author", rights="MEDIA_*, DATA_FETCH")),
            ["DATA_FETCH", "MEDIA_CREATE", "MEDIA_FETCH"])

    def test_integer_owner_and_its_text_are_one_owner(self):
        self.conn.execute("INSERT INTO pat_owners VALUES (42, 'VIEWER')")
        self.assertEqual(self.rows("SELECT owner, typeof(owner), role "
                                   "FROM pat_owners"),
                         [("42", "text", "VIEWER")])
        for owner in (42, "42"):
            with self.subTest(owner=owner):
                self.assertRefused(
                    "SELECT pat_create(?, 'n', 'DATA_CREATE')", (owner,),
                    message="pat_create: role 'VIEWER' may not grant "
                            "'DATA_CREATE'")
        self.assertRefused("INSERT INTO pat_owners VALUES ('42', 'ADMIN')",
                           message="pat_owners: owner '42' is listed already; "
                                   "UPDATE its role")

    def test_role_limits_update_of_rights(self):
        self.set_role("vic", "VIEWER")
        tok = self.create(owner="vic", rights="DATA_FETCH")
        tid = self.id_of(tok)
        self.assertRefused(
            "UPDATE pat_tokens SET rights = 'DATA_CREATE' WHERE id = ?", (tid,),
            message="pat_tokens: role 'VIEWER' may not grant 'DATA_CREATE'")
        self.assertRefused(
            "UPDATE pat_tokens SET rights = 'USER_*' WHERE id = ?", (tid,),
            message="pat_tokens: 'USER_*' matches no right that role 'VIEWER' "
                    "may grant")
        self.conn.execute("UPDATE pat_tokens SET rights = '*' WHERE id = ?",
                          (tid,))
        self.assertEqual(self.stored_rights(tok), ROLES["VIEWER"])

    def test_insert_owner_refusals(self):
        self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'ADMIN')")
        cases = [
            ((None, "VIEWER"), "pat_owners: owner must be a non-empty text or "
                               "an integer"),
            (("", "VIEWER"), "pat_owners: owner must be a non-empty text or "
                             "an integer"),
            ((1.5, "VIEWER"), "pat_owners: owner must be a non-empty text or "
                              "an integer"),
            ((b"\x01", "VIEWER"), "pat_owners: owner must be a non-empty text "
                                  "or an integer"),
            (("o" * 256, "VIEWER"), "pat_owners: owner is longer than 255 "
                                    "bytes"),
            (("a\nb", "VIEWER"), "pat_owners: owner contains a control "
                                 "character"),
            (("bob", "NOPE"), "pat_owners: unknown role 'NOPE'"),
            (("bob", "viewer"), "pat_owners: unknown role 'viewer'"),
            (("alice", "VIEWER"), "pat_owners: owner 'alice' is listed "
                                  "already; UPDATE its role"),
        ]
        for (owner, role), msg in cases:
            with self.subTest(owner=owner, role=role):
                self.assertRefused("INSERT INTO pat_owners VALUES (?, ?)",
                                   (owner, role), message=msg)
        self.assertRefused(
            "INSERT INTO pat_owners VALUES (CAST(x'61ff' AS TEXT), 'VIEWER')",
            message="pat_owners: owner is not valid UTF-8")
        self.assertRefused("INSERT INTO pat_owners VALUES ('bob', NULL)",
                           prefix="pat_owners: ")
        self.assertEqual(self.rows("SELECT * FROM pat_owners"),
                         [("alice", "ADMIN")])

    def test_update_owner_refusals(self):
        self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'ADMIN')")
        self.conn.execute("INSERT INTO pat_owners VALUES ('bob', 'VIEWER')")
        self.assertRefused(
            "UPDATE pat_owners SET role = 'NOPE' WHERE owner = 'alice'",
            message="pat_owners: unknown role 'NOPE'")
        self.assertRefused(
            "UPDATE pat_owners SET owner = 'bob' WHERE owner = 'alice'",
            message="pat_owners: owner 'bob' is listed already; UPDATE its "
                    "role")
        self.assertRefused(
            "UPDATE pat_owners SET owner = '' WHERE owner = 'alice'",
            message="pat_owners: owner must be a non-empty text or an integer")
        self.assertEqual(sorted(self.rows("SELECT * FROM pat_owners")),
                         [("alice", "ADMIN"), ("bob", "VIEWER")])

    def test_renaming_a_listed_owner_moves_the_role(self):
        self.conn.execute("INSERT INTO pat_owners VALUES ('alice', 'VIEWER')")
        a = self.create(owner="alice", rights="DATA_FETCH")
        b = self.create(owner="bob", rights="USER_FETCH")
        self.conn.execute("UPDATE pat_owners SET owner = 'bob' "
                          "WHERE owner = 'alice'")
        self.assertEqual(self.rows("SELECT * FROM pat_owners"),
                         [("bob", "VIEWER")])
        self.assertEqual(self.has_right(b, "USER_FETCH"), 0)
        self.assertEqual(self.has_right(a, "DATA_FETCH"), 1)
        self.assertEqual(self.stored_rights(
            self.create(owner="alice", rights="USER_FETCH")), ["USER_FETCH"])

    def test_demoting_an_owner_shrinks_their_tokens_at_once_and_restoring_restores(self):
        tok = self.create(owner="alice", rights="USER_FETCH, DATA_FETCH")
        other = self.create(owner="bob", rights="USER_FETCH")
        now = self.now()
        self.assertEqual(self.has_right(tok, "USER_FETCH"), 1)
        self.set_role("alice", "VIEWER")               # INSERT
        self.assertEqual(self.has_right(tok, "USER_FETCH"), 0)
        self.assertEqual(self.has_right(tok, "USER_FETCH", now), 0)
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        self.assertEqual(self.has_right(other, "USER_FETCH"), 1)
        # stored rights do not change
        self.assertEqual(self.stored_rights(tok), ["DATA_FETCH", "USER_FETCH"])
        self.set_role("alice", "ROOT")                 # UPDATE
        self.assertEqual(self.has_right(tok, "USER_FETCH"), 1)
        self.set_role("alice", "ADMIN")
        self.assertEqual(self.has_right(tok, "USER_FETCH"), 0)
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        self.conn.execute("DELETE FROM pat_owners WHERE owner = 'alice'")
        self.assertEqual(self.has_right(tok, "USER_FETCH"), 1)   # default ROOT
        self.assertEqual(self.has_right(tok, "USER_FETCH", now), 1)

    def test_demotion_applies_to_checks_with_explicit_at(self):
        tok = self.create(owner="ada", rights="CONFIG_UPDATE",
                          valid_from=F, valid_to=F + 100)
        self.assertEqual(self.has_right(tok, "CONFIG_UPDATE", F), 1)
        self.set_role("ada", "AUTHOR")
        self.assertEqual(self.has_right(tok, "CONFIG_UPDATE", F), 0)
        self.assertIsNotNone(self.verify(tok, F))

    def test_root_grants_rights_added_later(self):
        old = self.create(owner="root1", rights="*")
        self.set_role("adm", "ADMIN")
        self.conn.execute("INSERT INTO pat_rights(name, category) "
                          "VALUES ('DATA_EXPORT', 'Data Operations')")
        self.assertNotIn("DATA_EXPORT", self.stored_rights(old))
        self.assertEqual(self.has_right(old, "DATA_EXPORT"), 0)
        self.assertEqual(self.stored_rights(self.create(owner="root1",
                                                        rights="DATA_*")),
                         sorted(["DATA_EXPORT"] + [r for r in ALL_RIGHTS
                                                   if r.startswith("DATA_")]))
        tid = self.id_of(old)
        self.conn.execute("UPDATE pat_tokens SET rights = '*' WHERE id = ?",
                          (tid,))
        self.assertEqual(self.has_right(old, "DATA_EXPORT"), 1)
        # the other roles get it only by an INSERT into pat_roles
        self.assertNotIn("DATA_EXPORT", self.stored_rights(
            self.create(owner="adm", rights="DATA_*")))
        self.assertRefused(
            "SELECT pat_create('adm', 'n', 'DATA_EXPORT')",
            message="pat_create: role 'ADMIN' may not grant 'DATA_EXPORT'")
        self.conn.execute("INSERT INTO pat_roles VALUES ('ADMIN', "
                          "'DATA_EXPORT')")
        tok = self.create(owner="adm", rights="DATA_EXPORT")
        self.assertEqual(self.has_right(tok, "DATA_EXPORT"), 1)

    def test_default_role_applies_to_owners_not_listed(self):
        unlisted = self.create(owner="walk-in", rights="USER_FETCH, DATA_FETCH")
        self.conn.execute("INSERT INTO pat_owners VALUES ('boss', 'ROOT')")
        listed = self.create(owner="boss", rights="USER_FETCH")
        self.set_setting("default_role", "VIEWER")
        self.assertEqual(self.has_right(unlisted, "USER_FETCH"), 0)
        self.assertEqual(self.has_right(unlisted, "DATA_FETCH"), 1)
        self.assertEqual(self.has_right(listed, "USER_FETCH"), 1)
        self.assertRefused(
            "SELECT pat_create('walk-in', 'n', 'DATA_CREATE')",
            message="pat_create: role 'VIEWER' may not grant 'DATA_CREATE'")
        self.assertEqual(self.stored_rights(
            self.create(owner="newcomer", rights="*")), ROLES["VIEWER"])
        self.set_setting("default_role", "ROOT")
        self.assertEqual(self.has_right(unlisted, "USER_FETCH"), 1)

    def test_default_role_whose_rows_are_deleted_grants_nothing(self):
        self.conn.execute("INSERT INTO pat_roles VALUES ('GUEST', 'DATA_FETCH')")
        self.set_setting("default_role", "GUEST")
        tok = self.create(owner="walk-in", rights="DATA_FETCH")
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 1)
        self.conn.execute("DELETE FROM pat_roles WHERE role = 'GUEST'")
        self.assertEqual(self.has_right(tok, "DATA_FETCH"), 0)
        self.assertRefused("SELECT pat_create('walk-in', 'n', 'DATA_FETCH')",
                           prefix="pat_create: ")
