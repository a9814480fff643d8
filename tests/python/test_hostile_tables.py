"""Hostile writes to pat's catalog tables and its audit trail (issue 5,
item 3).

pat_rights: INSERT of every bad name, category (TEXT_VALUES) and description,
UPDATE of category and description, the name that can not be changed, and
DELETE of rights that tokens hold. pat_roles: INSERT of every bad role and
right, ROOT's computed rows, UPDATE (refused). pat_owners: INSERT and UPDATE
of every bad owner (TEXT_VALUES) and role, owners listed twice. pat_events:
every INSERT, UPDATE and DELETE is refused (the trail is read-only).

Writes to pat_tokens are in test_hostile_create.py, to pat_settings in
test_hostile_settings.py. The machinery (values, expectations,
HostileInputTest) is in tests/python/hostile.py.
"""
from tests.python import hostile
from tests.python.hostile import (AT_LIMIT, BAD_UTF8, EVENTS_RO, MIB, NAN, OVER_LIMIT,
                                  RIGHT_NAME, ROLES_UPDATE, ROOT_ROWS, SQL_INJECTION,
                                  TEXT_VALUES, TOO_BIG, Done, Err, ErrLike, Sql, bad_utf8,
                                  case, is_nan, raw_bytes, short, shown, stmt, text_rule)

ROLE_NAME = "pat_roles: role must be 1 to 64 characters of A-Z, a-z, 0-9 and _"


class HostileTableWritesTest(hostile.HostileInputTest):
    # ============================================================ pat_rights

    def test_pat_rights_writes(self):
        # tokens holding DATA_FETCH (2) and MEDIA_FETCH (1)
        self.create("u1", "a", "DATA_FETCH")
        self.create("u1", "b", "DATA_FETCH, MEDIA_FETCH")
        P = "pat_rights"
        cases = []

        def gone(name):
            def cleanup(tc):
                tc.conn.execute("DELETE FROM pat_rights WHERE name = ?", (name,))
            return cleanup

        def has(name, **kw):
            def check(tc):
                r = tc.rows("SELECT category, description FROM pat_rights "
                            "WHERE name = ?", (name,))
                if not r:
                    return "right %r not in the catalog" % name
                got = dict(zip(("category", "description"), r[0]))
                for k, v in kw.items():
                    if got[k] != v:
                        return "%s is %r, expected %r" % (k, short(got[k]), short(v))
                return None
            return check

        name_values = [
            ("NULL", None), ("NaN (binds as NULL)", NAN), ("INTEGER", 42), ("REAL", 1.5),
            ("BLOB", b"NEW"), ("empty BLOB", b""), ("empty string", ""),
            ("65 characters", "A" * 65), ("1 MiB string", MIB),
            ("string at the length limit", AT_LIMIT),
        ] + [(label, bad_utf8(b"NEW" + raw)) for label, raw in BAD_UTF8] + [
            ("embedded NUL", "NEW\x00X"), ("control character", "NEW\x01"),
            ("newline", "NEW\n"), ("space", "NEW RIGHT"), ("hyphen", "NEW-RIGHT"),
            ("non-ASCII letter", "\u00c9"), ("SQL injection", SQL_INJECTION),
            ("double quote", '"'), ("backslash", "\\"), ("'*'", "*"),
            ("'FOO_*'", "FOO_*"), ("'_*'", "_*"),
        ]
        for label, v in name_values:
            cases.append(case("pat_rights INSERT name: " + label,
                              stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                                   v, "Cat"), Err(RIGHT_NAME)))
        cases.append(case("pat_rights INSERT name: string over the length limit",
                          stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                               OVER_LIMIT, "Cat"), Err(TOO_BIG)))
        for label, v in [("64 characters", "A" * 64), ("'_'", "_"),
                         ("lower case of a catalog right", "data_fetch"), ("digit", "0")]:
            cases.append(case("pat_rights INSERT name: " + label,
                              stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                                   v, "Cat"), Done(has(v, category="Cat", description="")),
                              gone(v)))
        cases.append(case("pat_rights INSERT name: duplicate",
                          stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                               "DATA_FETCH", "Cat"),
                          Err("pat_rights: right 'DATA_FETCH' exists already")))
        cases.append(case("pat_rights INSERT name: duplicate within the statement",
                          stmt("INSERT INTO pat_rights(name, category) VALUES "
                               "('NEW_X', 'c'), ('NEW_X', 'c')"),
                          Err("pat_rights: right 'NEW_X' exists already")))
        # category on INSERT and UPDATE
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "category", False, 255,
                            lambda s: Done(has("NEW_R", category=s)))
            cases.append(case("pat_rights INSERT category: " + label,
                              stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})",
                                   "NEW_R", v), exp, gone("NEW_R")))
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "category", False, 255,
                            lambda s: Done(has("MEDIA_UPDATE", category=s)))
            cases.append(case("pat_rights UPDATE category: " + label,
                              stmt("UPDATE pat_rights SET category = {} "
                                   "WHERE name = 'MEDIA_UPDATE'", v), exp,
                              lambda tc: tc.conn.execute(
                                  "UPDATE pat_rights SET category = 'Media Management' "
                                  "WHERE name = 'MEDIA_UPDATE'")))
        # description: NULL means '' (errors-draft.md); the rest [undocumented]
        desc0 = self.one("SELECT description FROM pat_rights WHERE name = 'MEDIA_UPDATE'")

        def desc_rule(v, name):
            if v is OVER_LIMIT:
                return Err(TOO_BIG)
            if v is None or is_nan(v):
                return Done(has(name, description=""))
            if not isinstance(v, (str, Sql)):
                return Err("pat_rights: description must be a text")
            raw = raw_bytes(v)
            if not raw:
                return Done(has(name, description=""))
            if len(raw) > 1000:
                return Err("pat_rights: description is longer than 1000 bytes")
            return text_rule(v, P, "description", False, 1000,
                             lambda s: Done(has(name, description=s)))

        desc_values = TEXT_VALUES + [("1000 bytes", "d" * 1000), ("1001 bytes", "d" * 1001)]
        for label, v in desc_values:
            documented = v is None or is_nan(v) or raw_bytes(v) in (b"",) or (
                isinstance(v, str) and v.isprintable() and len(v.encode()) <= 255)
            tag = "" if documented else " [undocumented]"
            cases.append(case("pat_rights INSERT description: " + label + tag,
                              stmt("INSERT INTO pat_rights(name, category, description) "
                                   "VALUES ({}, {}, {})", "NEW_D", "Cat", v),
                              desc_rule(v, "NEW_D"), gone("NEW_D")))
            cases.append(case("pat_rights UPDATE description: " + label + tag,
                              stmt("UPDATE pat_rights SET description = {} "
                                   "WHERE name = 'MEDIA_UPDATE'", v),
                              desc_rule(v, "MEDIA_UPDATE"),
                              lambda tc: tc.conn.execute(
                                  "UPDATE pat_rights SET description = ? "
                                  "WHERE name = 'MEDIA_UPDATE'", (desc0,))))
        # name can not be changed
        fixed = Err("pat_rights: column 'name' can not be changed (only category, description)")
        for label, v in [("new name", "NEW_NAME"), ("NULL", None), ("empty string", ""),
                         ("its own value", Sql("name")), ("1 MiB string", MIB),
                         ("SQL injection", SQL_INJECTION)]:
            cases.append(case("pat_rights UPDATE name: " + label,
                              stmt("UPDATE pat_rights SET name = {} "
                                   "WHERE name = 'MEDIA_UPDATE'", v), fixed))
        # DELETE of held rights; multi-row refusals
        cases += [
            case("pat_rights DELETE of a right 2 tokens hold",
                 stmt("DELETE FROM pat_rights WHERE name = 'DATA_FETCH'"),
                 Err("pat_rights: right 'DATA_FETCH' is held by 2 tokens; "
                     "take it from them first")),
            case("pat_rights DELETE of a right 1 token holds",
                 stmt("DELETE FROM pat_rights WHERE name = 'MEDIA_FETCH'"),
                 Err("pat_rights: right 'MEDIA_FETCH' is held by 1 token; "
                     "take it from them first")),
            case("pat_rights DELETE of every right",
                 stmt("DELETE FROM pat_rights"),
                 ErrLike("pat_rights: right '", " take it from them first")),
            case("pat_rights DELETE WHERE name = NULL", stmt("DELETE FROM pat_rights "
                                                            "WHERE name = NULL"),
                 Done(changes=False)),
            case("pat_rights UPDATE of every row refused on one",
                 stmt("UPDATE pat_rights SET category = CASE WHEN name = 'USER_FETCH' "
                      "THEN '' ELSE 'X' END"),
                 Err("pat_rights: category must be a non-empty text")),
        ]
        self.run_cases(cases)

    # ============================================================= pat_roles

    def test_pat_roles_writes(self):
        cases = []

        def gone(role):
            return lambda tc: tc.conn.execute("DELETE FROM pat_roles WHERE role = ?", (role,))

        ins = "INSERT INTO pat_roles(role, right) VALUES ({}, {})"
        role_values = [
            ("NULL", None), ("NaN (binds as NULL)", NAN), ("INTEGER", 42), ("REAL", 1.5),
            ("BLOB", b"AUDITOR"), ("empty BLOB", b""), ("empty string", ""),
            ("65 characters", "A" * 65), ("1 MiB string", MIB),
            ("string at the length limit", AT_LIMIT),
        ] + [(label, bad_utf8(b"AUDITOR" + raw)) for label, raw in BAD_UTF8] + [
            ("embedded NUL", "AUDITOR\x00X"), ("control character", "AUDITOR\x01"),
            ("newline", "AUDITOR\n"), ("space", "AUDI TOR"), ("hyphen", "AUDI-TOR"),
            ("SQL injection", SQL_INJECTION), ("double quote", '"'), ("backslash", "\\"),
            ("'*'", "*"), ("'FOO_*'", "FOO_*"),
        ]
        for label, v in role_values:
            cases.append(case("pat_roles INSERT role: " + label,
                              stmt(ins, v, "DATA_FETCH"), Err(ROLE_NAME)))
        cases += [
            case("pat_roles INSERT role: string over the length limit",
                 stmt(ins, OVER_LIMIT, "DATA_FETCH"), Err(TOO_BIG)),
            case("pat_roles INSERT role: ROOT", stmt(ins, "ROOT", "DATA_FETCH"), Err(ROOT_ROWS)),
        ]
        for label, v in [("64 characters", "A" * 64), ("lower case of VIEWER", "viewer"),
                         ("'_'", "_")]:
            cases.append(case("pat_roles INSERT role: " + label, stmt(ins, v, "DATA_FETCH"),
                              Done(lambda tc, v=v: None if tc.rows(
                                  "SELECT 1 FROM pat_roles WHERE role = ?", (v,))
                                  else "role %r not listed" % v), gone(v)))

        def unknown(name):
            return Err("pat_roles: unknown right '%s'" % shown(name))

        right_not_text = Err("pat_roles: right must be a text")
        right_values = [
            ("NULL", None, right_not_text),
            ("NaN (binds as NULL)", NAN, right_not_text),
            ("INTEGER", 42, right_not_text),
            ("REAL", 1.5, right_not_text),
            ("empty string", "", unknown("")),
            ("lower case", "data_fetch", unknown("data_fetch")),
            ("1 MiB string", MIB, unknown(MIB)),
            ("string at the length limit", AT_LIMIT, unknown(AT_LIMIT)),
            ("string over the length limit", OVER_LIMIT, Err(TOO_BIG)),
        ] + [(label, bad_utf8(b"DATA_" + raw), unknown(b"DATA_" + raw))
             for label, raw in BAD_UTF8] + [
            ("NUL after a right", "DATA_FETCH\x00", unknown("DATA_FETCH\x00")),
            ("newline after a right", "DATA_FETCH\n", unknown("DATA_FETCH\n")),
            ("'*'", "*", unknown("*")),
            ("'DATA_*'", "DATA_*", unknown("DATA_*")),
            ("'_*'", "_*", unknown("_*")),
            ("SQL injection", SQL_INJECTION, unknown(SQL_INJECTION)),
            ("a list of rights", "DATA_FETCH,DATA_CREATE", unknown("DATA_FETCH,DATA_CREATE")),
            # a role grants a right everywhere: the resource is the token's
            ("a right on a resource", "DATA_CREATE@x", unknown("DATA_CREATE@x")),
            ("duplicate", "DATA_FETCH",
             Err("pat_roles: role 'VIEWER' grants 'DATA_FETCH' already")),
        ]
        for label, v, exp in right_values:
            cases.append(case("pat_roles INSERT right: " + label,
                              stmt(ins, "VIEWER", v), exp))
        # a BLOB is not a right name, as in pat_has_right
        cases.append(case("pat_roles INSERT right: BLOB of a right the role lacks",
                          stmt(ins, "VIEWER", b"USER_FETCH"), right_not_text))
        cases += [
            case("pat_roles INSERT right: duplicate within the statement",
                 stmt("INSERT INTO pat_roles(role, right) VALUES "
                      "('NEWROLE', 'DATA_FETCH'), ('NEWROLE', 'DATA_FETCH')"),
                 Err("pat_roles: role 'NEWROLE' grants 'DATA_FETCH' already")),
            case("pat_roles INSERT right: later row refused",
                 stmt("INSERT INTO pat_roles(role, right) VALUES "
                      "('NEWROLE', 'DATA_FETCH'), ('NEWROLE', 'NOPE')"),
                 Err("pat_roles: unknown right 'NOPE'")),
        ]
        # DELETE of ROOT's computed rows
        for label, where in [("one ROOT row", "role = 'ROOT' AND right = 'DATA_FETCH'"),
                             ("every ROOT row", "role = 'ROOT'"),
                             ("every row holding DATA_FETCH", "right = 'DATA_FETCH'"),
                             ("every row", "1")]:
            cases.append(case("pat_roles DELETE: " + label,
                              stmt("DELETE FROM pat_roles WHERE " + where), Err(ROOT_ROWS)))
        # UPDATE
        for label, sets, where in [
            ("role of a VIEWER row", "role = 'X'", "role = 'VIEWER'"),
            ("right to NULL", "right = NULL", "role = 'VIEWER'"),
            ("role to its own value", "role = role", "role = 'VIEWER'"),
            ("a ROOT row", "right = 'DATA_FETCH'", "role = 'ROOT'"),
            ("right to 1 MiB", "right = '%s'" % MIB, "role = 'AUTHOR'"),
            ("right to SQL injection", "right = '''; DROP TABLE pat_store_tokens; --'",
             "role = 'AUTHOR'"),
        ]:
            cases.append(case("pat_roles UPDATE: " + label,
                              stmt("UPDATE pat_roles SET %s WHERE %s" % (sets, where)),
                              Err(ROLES_UPDATE)))
        self.run_cases(cases)

    # ============================================================ pat_owners

    def test_pat_owners_writes(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES "
                          "('viewer', 'VIEWER'), ('42', 'AUTHOR')")
        P = "pat_owners"
        cases = []
        ins = "INSERT INTO pat_owners(owner, role) VALUES ({}, {})"

        def listed(owner, role):
            def check(tc):
                got = tc.rows("SELECT role FROM pat_owners WHERE owner = ?", (owner,))
                return None if got == [(role,)] else "owner %r has %r" % (owner, got)
            return check

        def unlist(owner):
            return lambda tc: tc.conn.execute("DELETE FROM pat_owners WHERE owner = ?",
                                              (owner,))

        for label, v in TEXT_VALUES:
            if v == 42:
                continue   # listed already, below
            exp = text_rule(v, P, "owner", True, 255,
                            lambda s: Done(listed(s, "VIEWER")))
            cleanup = unlist(str(v) if isinstance(v, int) else v) \
                if isinstance(v, (int, str)) and v is not OVER_LIMIT else None
            cases.append(case("pat_owners INSERT owner: " + label,
                              stmt(ins, v, "VIEWER"), exp, cleanup))

        def unknown(name):
            return Err("pat_owners: unknown role '%s'" % shown(name))

        not_text = Err("pat_owners: role must be a text")
        role_values = [
            ("NULL", None, not_text),
            ("NaN (binds as NULL)", NAN, not_text),
            ("INTEGER", 42, not_text),
            ("REAL", 1.5, not_text),
            ("BLOB of a role", b"VIEWER", not_text),
            ("empty string", "", unknown("")),
            ("unknown", "NOPE", unknown("NOPE")),
            ("lower case", "viewer", unknown("viewer")),
            ("blank before", " VIEWER", unknown(" VIEWER")),
            ("1 MiB string", MIB, unknown(MIB)),
            ("string at the length limit", AT_LIMIT, unknown(AT_LIMIT)),
            ("string over the length limit", OVER_LIMIT, Err(TOO_BIG)),
        ] + [(label, bad_utf8(b"VIEWER" + raw), unknown(b"VIEWER" + raw))
             for label, raw in BAD_UTF8] + [
            ("NUL after a role", "VIEWER\x00", unknown("VIEWER\x00")),
            ("NUL after ROOT", "ROOT\x00", unknown("ROOT\x00")),
            ("newline after a role", "VIEWER\n", unknown("VIEWER\n")),
            ("'*'", "*", unknown("*")),
            ("SQL injection", SQL_INJECTION, unknown(SQL_INJECTION)),
            ("role with no rows", "GHOST", unknown("GHOST")),
        ]
        for label, v, exp in role_values:
            cases.append(case("pat_owners INSERT role: " + label, stmt(ins, "newowner", v),
                              exp))
            cases.append(case("pat_owners UPDATE role: " + label,
                              stmt("UPDATE pat_owners SET role = {} WHERE owner = 'viewer'", v),
                              exp))
        for role in ("ROOT", "ADMIN"):
            cases.append(case("pat_owners INSERT role: " + role, stmt(ins, "newowner", role),
                              Done(listed("newowner", role)), unlist("newowner")))
        dup = "pat_owners: owner '%s' is listed already; UPDATE its role"
        cases += [
            case("pat_owners INSERT owner: listed already", stmt(ins, "viewer", "AUTHOR"),
                 Err(dup % "viewer")),
            case("pat_owners INSERT owner: INTEGER 42 listed as '42'", stmt(ins, 42, "VIEWER"),
                 Err(dup % "42")),
            case("pat_owners INSERT owner: twice in one statement",
                 stmt("INSERT INTO pat_owners(owner, role) VALUES "
                      "('new1', 'VIEWER'), ('new1', 'VIEWER')"), Err(dup % "new1")),
            case("pat_owners INSERT: later row refused",
                 stmt("INSERT INTO pat_owners(owner, role) VALUES "
                      "('new1', 'VIEWER'), ('new2', 'NOPE')"),
                 Err("pat_owners: unknown role 'NOPE'")),
            case("pat_owners UPDATE owner onto a listed one",
                 stmt("UPDATE pat_owners SET owner = '42' WHERE owner = 'viewer'"),
                 Err(dup % "42")),
            case("pat_owners UPDATE owner onto a listed one, as INTEGER",
                 stmt("UPDATE pat_owners SET owner = 42 WHERE owner = 'viewer'"),
                 Err(dup % "42")),
            case("pat_owners UPDATE role of every row to an unknown role",
                 stmt("UPDATE pat_owners SET role = 'NOPE'"),
                 Err("pat_owners: unknown role 'NOPE'")),
        ]
        for label, v in TEXT_VALUES:
            if v in (42,):
                continue
            exp = text_rule(v, P, "owner", True, 255,
                            lambda s: Done(listed(s, "VIEWER")))
            txt = str(v) if isinstance(v, int) else v

            def back(tc, txt=txt):
                tc.conn.execute("UPDATE pat_owners SET owner = 'viewer' WHERE owner = ?",
                                (txt,))
            cases.append(case("pat_owners UPDATE owner: " + label,
                              stmt("UPDATE pat_owners SET owner = {} WHERE owner = 'viewer'", v),
                              exp, back if isinstance(v, (int, str)) and v is not OVER_LIMIT
                              else None))
        self.run_cases(cases)

    # ============================================================ pat_events

    def test_pat_events_writes(self):
        self.create("u1", "a", "DATA_FETCH")
        ro = Err(EVENTS_RO)
        cases = []
        for label, sp in [
            ("INSERT", stmt("INSERT INTO pat_events(event, detail) VALUES ({}, {})",
                            "create", "x")),
            ("INSERT of every column", stmt(
                "INSERT INTO pat_events(id, at, event, token_id, token_name, owner, detail) "
                "VALUES (999, '2026-01-01', 'delete', 1, 'a', 'u1', '{{}}')")),
            ("INSERT of NULLs", stmt("INSERT INTO pat_events(id) VALUES (NULL)")),
            ("INSERT of 1 MiB", stmt("INSERT INTO pat_events(detail) VALUES ({})", MIB)),
            ("INSERT a copy", stmt("INSERT INTO pat_events SELECT * FROM pat_events")),
            ("REPLACE", stmt("REPLACE INTO pat_events(id, event) VALUES (1, 'use')")),
            ("UPDATE detail", stmt("UPDATE pat_events SET detail = {}", SQL_INJECTION)),
            ("UPDATE detail to invalid UTF-8",
             stmt("UPDATE pat_events SET detail = {}", bad_utf8(b"\xff"))),
            ("UPDATE id", stmt("UPDATE pat_events SET id = id + 100")),
            ("UPDATE event to NULL", stmt("UPDATE pat_events SET event = NULL")),
            ("UPDATE token_id", stmt("UPDATE pat_events SET token_id = 42")),
            ("UPDATE at", stmt("UPDATE pat_events SET at = '2000-01-01'")),
            ("DELETE every row", stmt("DELETE FROM pat_events")),
            ("DELETE one row", stmt("DELETE FROM pat_events WHERE id = 1")),
        ]:
            cases.append(case("pat_events " + label, sp, ro))
        self.run_cases(cases)
