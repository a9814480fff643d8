"""Hostile input to what makes and changes a token row (issue 5, item 3).

pat_create's every argument: owner and name (TEXT_VALUES), the rights list
(rights_values: types, empty, huge, invalid UTF-8, NUL, control characters,
unknown, duplicate and wildcard rights, malformed and deeply nested JSON, SQL
metacharacters, and rights the owner's role does not grant), valid_from and
valid_to (TIME_VALUES) and the window they make (equal ends, past
max_lifetime), and the wrong number of arguments. Then the same columns
written through pat_tokens (UPDATE of name, valid_from, valid_to, rights; the
columns that can not be changed; INSERT, which is refused). And a refused
first call, of pat_create or of any other function or table write, creates no
store: the file stays as it was.

The machinery (values, expectations, HostileInputTest) is in
tests/python/hostile.py.
"""
from tests.python import helpers, hostile
from tests.python.helpers import (ALL_RIGHTS, DATA_RIGHTS, DEFAULT_LIFETIME, MAX_LIFETIME,
                                  ROLES, file_bytes, make_token)
from tests.python.hostile import (AT_LIMIT, AUDIT, EVENTS_RO, MIB, NAN, OVER_LIMIT,
                                  RIGHT_NAME, ROLES_UPDATE, ROOT_ROWS, SETTINGS_DELETE,
                                  SETTINGS_INSERT, SQL_INJECTION, TEXT_VALUES, TIME_MAX,
                                  TIME_MIN, TIME_VALUES, TOO_BIG, Done, Err, ErrLike, Is,
                                  Made, Sql, bad_utf8, call, case, fmt, rights_json,
                                  short, shown, stmt, text_rule, time_rule)

TOKENS_INSERT = ("pat_tokens: INSERT is not supported: make tokens with "
                 "pat_create(owner, name, rights [, valid_from [, valid_to [, options]]])")


class HostileCreateTest(hostile.HostileInputTest):
    # ============================================================ pat_create

    def create_fixture(self):
        self.create("u1", "existing", "DATA_FETCH")
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('viewer', 'VIEWER')")
        # a role that existed and is gone: its owner may grant nothing
        self.conn.execute("INSERT INTO pat_roles(role, right) VALUES ('GHOST', 'DATA_FETCH')")
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('ghost', 'GHOST')")
        self.conn.execute("DELETE FROM pat_roles WHERE role = 'GHOST'")

    def create_cases(self):
        cases = []
        R = "DATA_FETCH"
        P = "pat_create"

        # owner
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "owner", True, 255,
                            lambda s: Made(self.new_token_check(owner=s)))
            cases.append(case("pat_create owner: " + label, call(P, v, "n", R), exp))
        # name
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "name", False, 255,
                            lambda s: Made(self.new_token_check(name=s)))
            cases.append(case("pat_create name: " + label, call(P, "u1", v, R), exp))
        # rights
        for label, v, want, owner in self.rights_values():
            exp = self.rights_expect(P, v, want,
                                     lambda w: Made(self.new_token_check(rights=w)))
            cases.append(case("pat_create rights (%s): %s" % (owner, label),
                              call(P, owner, "n", v), exp))
        # valid_from (valid_to defaults to valid_from + default_lifetime)
        for label, v in TIME_VALUES:
            def on_ok(u):
                if u + DEFAULT_LIFETIME > TIME_MAX:
                    # the default valid_to would lie after 9999-12-31
                    return ErrLike("pat_create: valid_to ")
                return Made(self.new_token_check(
                    valid_from=fmt(u), valid_to=fmt(u + DEFAULT_LIFETIME)))
            exp = time_rule(v, P, "valid_from", lambda: Made(), on_ok)
            cases.append(case("pat_create valid_from: " + label,
                              call(P, "u1", "n", R, v), exp))
        # valid_to, with valid_from 1970-01-01 00:00:00
        for label, v in TIME_VALUES:
            def on_ok(u):
                if u <= 0:
                    return Err("pat_create: valid_to must be later than valid_from")
                if u > MAX_LIFETIME:
                    return Err("pat_create: lifetime of %d seconds exceeds "
                               "max_lifetime (%d)" % (u, MAX_LIFETIME))
                return Made(self.new_token_check(valid_from=fmt(0), valid_to=fmt(u)))
            exp = time_rule(v, P, "valid_to",
                            lambda: Made(self.new_token_check(
                                valid_from=fmt(0), valid_to=fmt(DEFAULT_LIFETIME))),
                            on_ok)
            cases.append(case("pat_create valid_to: " + label,
                              call(P, "u1", "n", R, 0, v), exp))
        # windows
        later = "pat_create: valid_to must be later than valid_from"
        for label, vf, vt, exp in [
            ("valid_to equal to valid_from (INTEGER)", 1900000000, 1900000000, Err(later)),
            ("valid_to equal to valid_from (TEXT)", "2030-01-01", "2030-01-01", Err(later)),
            ("valid_to equal to valid_from (TEXT and INTEGER)", "2030-01-01",
             1893456000, Err(later)),
            ("valid_to equal to valid_from (REAL rounded down)", 1900000000.9,
             1900000000, Err(later)),
            ("valid_to one second before valid_from", 1900000001, 1900000000, Err(later)),
            ("valid_to equal to valid_from at 0000-01-01", TIME_MIN, TIME_MIN, Err(later)),
            ("valid_to equal to valid_from at 9999-12-31", TIME_MAX, TIME_MAX, Err(later)),
            ("lifetime one second over max_lifetime", 0, MAX_LIFETIME + 1,
             Err("pat_create: lifetime of %d seconds exceeds max_lifetime (%d)"
                 % (MAX_LIFETIME + 1, MAX_LIFETIME))),
            ("lifetime of the whole time range", TIME_MIN, TIME_MAX,
             Err("pat_create: lifetime of %d seconds exceeds max_lifetime (%d)"
                 % (TIME_MAX - TIME_MIN, MAX_LIFETIME))),
            ("lifetime exactly max_lifetime", 0, MAX_LIFETIME,
             Made(self.new_token_check(valid_from=fmt(0), valid_to=fmt(MAX_LIFETIME)))),
            ("one-second window", TIME_MAX - 1, TIME_MAX,
             Made(self.new_token_check(valid_from=fmt(TIME_MAX - 1),
                                       valid_to=fmt(TIME_MAX)))),
        ]:
            cases.append(case("pat_create window: " + label,
                              call(P, "u1", "n", R, vf, vt), exp))
        # argument counts
        wrong = Err("wrong number of arguments to function pat_create()")
        for args in [(), ("u1",), ("u1", "n"), ("u1", "n", R, None, None, None, None)]:
            cases.append(case("pat_create with %d arguments" % len(args),
                              call(P, *args), wrong))
        return cases

    def rights_values(self):
        """(label, value, documented answer, owner): the answer is the stored
        list, or an error message without the 'fn: ' prefix."""
        TYPE = "rights must be a text: a JSON array or a comma-separated list"
        NONE = "rights names no right"
        JSON = "rights is not a valid JSON array of strings"
        EMPTY = "rights has an empty name"
        NUL = "rights has a name with a NUL byte"

        def unknown(name):
            return "unknown right '%s'" % shown(name)

        def nomatch(w, role="ROOT"):
            return "'%s' matches no right that role '%s' may grant" % (shown(w), role)

        deep = "[" * 100000
        n_rep = (1 << 20) // len("DATA_FETCH,")
        v = [
            ("NULL", None, TYPE),
            ("NaN (binds as NULL)", NAN, TYPE),
            ("INTEGER", 42, TYPE),
            ("REAL", 1.5, TYPE),
            ("BLOB of a right", b"DATA_FETCH", TYPE),
            ("empty BLOB", b"", TYPE),
            ("empty string", "", NONE),
            ("white space only", " \t\r\n", NONE),
            ("empty JSON array", "[]", NONE),
            ("empty JSON array with blanks", " [ ] ", NONE),
            ("1 MiB string", MIB, unknown(MIB)),
            ("string at the length limit", AT_LIMIT, unknown(AT_LIMIT)),
            ("string over the length limit", OVER_LIMIT, None),
            ("1 MiB list of one right, duplicated", ",".join(["DATA_FETCH"] * n_rep),
             ["DATA_FETCH"]),
            ("1 MiB JSON array of one right, duplicated",
             "[" + ",".join(['"DATA_FETCH"'] * (n_rep - 2)) + "]", ["DATA_FETCH"]),
            ("invalid UTF-8 alone", bad_utf8(b"\xff"), unknown(b"\xff")),
            ("invalid UTF-8 after a right", bad_utf8(b"DATA_FETCH\xff"),
             unknown(b"DATA_FETCH\xff")),
            ("invalid UTF-8 in a JSON string", bad_utf8(b'["DATA_FETCH\xc0\xaf"]'),
             unknown(b"DATA_FETCH\xc0\xaf")),
            ("embedded NUL between two rights", "DATA_FETCH\x00USER_DELETE", NUL),
            ("NUL after the list", "DATA_FETCH\x00", NUL),
            ("NUL as \\u0000 in JSON", '["DATA_FETCH\\u0000"]', NUL),
            ("control character", "DATA_FETCH\x01", unknown("DATA_FETCH\x01")),
            ("ANSI escape", "\x1b[2JDATA_FETCH", unknown("\x1b[2JDATA_FETCH")),
            ("DEL inside", "DATA_\x7fFETCH", unknown("DATA_\x7fFETCH")),
            ("C1 control U+0085", "DATA_FETCH\u0085", unknown("DATA_FETCH\u0085")),
            ("JSON \\n escape", '["DATA_FETCH\\n"]', unknown("DATA_FETCH\n")),
            ("raw control character in a JSON string", '["DATA_FETCH\x01"]', JSON),
            ("blanks around a right", "  DATA_FETCH , DATA_CREATE ",
             ["DATA_CREATE", "DATA_FETCH"]),
            ("unknown right", "DATA_FECTH", unknown("DATA_FECTH")),
            ("lower case", "data_fetch", unknown("data_fetch")),
            ("unknown among known", "DATA_FETCH, NOPE", unknown("NOPE")),
            ("65-character name", "A" * 65, unknown("A" * 65)),
            ("duplicate", "DATA_FETCH,DATA_FETCH", ["DATA_FETCH"]),
            ("duplicate in JSON", '["DATA_FETCH","DATA_FETCH"]', ["DATA_FETCH"]),
            ("right and its wildcard", "DATA_FETCH, DATA_*", DATA_RIGHTS),
            ("wildcard twice", "DATA_*,DATA_*", DATA_RIGHTS),
            ("'*' alone", "*", ALL_RIGHTS),
            ("'*' twice", "*,*", ALL_RIGHTS),
            ("'*' in JSON", '["*"]', ALL_RIGHTS),
            ("'FOO_*'", "FOO_*", nomatch("FOO_*")),
            ("'_*'", "_*", nomatch("_*")),
            ("'**'", "**", unknown("**")),
            ("'DATA*'", "DATA*", unknown("DATA*")),
            ("'*_'", "*_", unknown("*_")),
            ("'DATA_**'", "DATA_**", unknown("DATA_**")),
            ("long wildcard", "A" * 100 + "_*", nomatch("A" * 100 + "_*")),
            ("empty name in the middle", "DATA_FETCH,,DATA_CREATE", EMPTY),
            ("trailing comma", "DATA_FETCH,", EMPTY),
            ("lone comma", ",", EMPTY),
            ("JSON empty string", '[""]', EMPTY),
            ("JSON '['", "[", JSON),
            ("JSON unclosed", '["DATA_FETCH"', JSON),
            ("JSON trailing comma", '["DATA_FETCH",]', JSON),
            ("JSON bare word", "[DATA_FETCH]", JSON),
            ("JSON number", "[1]", JSON),
            ("JSON null", "[null]", JSON),
            ("JSON nested array", '[["DATA_FETCH"]]', JSON),
            ("JSON single quotes", "['DATA_FETCH']", JSON),
            ("JSON trailing garbage", '["DATA_FETCH"] x', JSON),
            ("JSON two arrays", '["DATA_FETCH"]["DATA_CREATE"]', JSON),
            ("JSON bad escape", '["DATA_\\xFETCH"]', JSON),
            ("JSON escaped quote ends nothing", '["DATA_FETCH\\"]', JSON),
            ("JSON 100,000 levels of '['", deep, JSON),
            ("JSON 100,000 levels, balanced", deep + "]" * 100000, JSON),
            ("JSON 100,000 levels around a right",
             deep + '"DATA_FETCH"' + "]" * 100000, JSON),
            ("JSON object (a comma-separated list of one name)",
             '{"rights":"DATA_FETCH"}', unknown('{"rights":"DATA_FETCH"}')),
            ("50,000 nested objects", '{"a":' * 50000 + "1" + "}" * 50000,
             unknown('{"a":' * 13)),
            ("JSON \\u escapes", '["DATA_\\u0046ETCH"]', ["DATA_FETCH"]),
            ("SQL injection", SQL_INJECTION, unknown(SQL_INJECTION)),
            ("SQL injection in JSON", '["\'; DROP TABLE pat_store_tokens; --"]',
             unknown(SQL_INJECTION)),
            ("double quote", '"', unknown('"')),
            ("backslash", "\\", unknown("\\")),
            ("quoted right", "'DATA_FETCH'", unknown("'DATA_FETCH'")),
        ]
        # rights on resources (INTERFACE.md, Rights on resources)
        def res_bad(res, right="DATA_FETCH"):
            return "resource '%s' of %s holds a character that is not allowed" % (res, right)
        n_scoped = (1 << 20) // len("DATA_FETCH@p,")
        v += [
            ("a right on a resource", "DATA_FETCH@project:42", ["DATA_FETCH@project:42"]),
            ("every byte a resource may hold", "DATA_FETCH@aZ09_.:/-", ["DATA_FETCH@aZ09_.:/-"]),
            ("a resource wildcard", "DATA_FETCH@repo:a/*", ["DATA_FETCH@repo:a/*"]),
            ("'*' as the resource", "DATA_FETCH@*", ["DATA_FETCH@*"]),
            ("a category wildcard on a resource", "DATA_*@p", [r + "@p" for r in DATA_RIGHTS]),
            ("'*' on a resource", "*@p", [r + "@p" for r in ALL_RIGHTS]),
            ("unscoped absorbs scoped", "DATA_FETCH@p, DATA_FETCH", ["DATA_FETCH"]),
            ("a wildcard absorbs what begins with its stem",
             "DATA_FETCH@p:1, DATA_FETCH@p:*, DATA_FETCH@q", ["DATA_FETCH@p:*", "DATA_FETCH@q"]),
            ("a resource of 128 bytes", "DATA_FETCH@" + "r" * 128, ["DATA_FETCH@" + "r" * 128]),
            ("a resource of 129 bytes", "DATA_FETCH@" + "r" * 129,
             "resource of DATA_FETCH is longer than 128 bytes"),
            ("an empty resource", "DATA_FETCH@", "resource '' of DATA_FETCH is empty"),
            ("a space in a resource", "DATA_FETCH@a b", res_bad("a b")),
            ("'*' inside a resource", "DATA_FETCH@a*b",
             "resource 'a*b' of DATA_FETCH holds a '*' before its end"),
            ("two '*' ending a resource", "DATA_FETCH@a**",
             "resource 'a**' of DATA_FETCH holds a '*' before its end"),
            ("two '@'", "DATA_FETCH@a@b", res_bad("a@b")),
            ("a quote in a JSON resource", '["DATA_FETCH@a\\"b"]', res_bad('a"b')),
            ("a wildcard right on a bad resource", "DATA_*@a b", res_bad("a b", "DATA_*")),
            ("an unknown right on a resource", "DATA_FECTH@a", unknown("DATA_FECTH")),
            ("a token-like run in a resource", "DATA_FETCH@" + "x" * 40 + "!",
             res_bad("(a token)!")),
            ("invalid UTF-8 in a resource", bad_utf8(b"DATA_FETCH@caf\xc3"), res_bad("caf?")),
            ("NUL in a resource", "DATA_FETCH@a\x00b", NUL),
            ("1 MiB list of one scoped entry, duplicated", ",".join(["DATA_FETCH@p"] * n_scoped),
             ["DATA_FETCH@p"]),
            ("1 MiB list of '*@p', duplicated", ",".join(["*@p"] * (n_scoped * 3)),
             [r + "@p" for r in ALL_RIGHTS]),
        ]
        out = [(label, val, want, "u1") for label, val, want in v]
        out += [
            ("role does not grant it", "DATA_CREATE",
             "role 'VIEWER' may not grant 'DATA_CREATE'", "viewer"),
            ("role does not grant one of them", "DATA_FETCH, USER_DELETE",
             "role 'VIEWER' may not grant 'USER_DELETE'", "viewer"),
            ("wildcard outside the role", "USER_*", nomatch("USER_*", "VIEWER"), "viewer"),
            ("'*' within the role", "*", ROLES["VIEWER"], "viewer"),
            ("'DATA_*' within the role", "DATA_*", ["DATA_FETCH"], "viewer"),
            ("'DATA_*' on a resource, within the role", "DATA_*@p", ["DATA_FETCH@p"], "viewer"),
            ("a right on a resource the role does not grant", "DATA_CREATE@p",
             "role 'VIEWER' may not grant 'DATA_CREATE'", "viewer"),
            ("role that no longer exists", "DATA_FETCH",
             "role 'GHOST' may not grant 'DATA_FETCH'", "ghost"),
            ("'*' for a role that no longer exists", "*", nomatch("*", "GHOST"), "ghost"),
        ]
        return out

    def rights_expect(self, prefix, value, want, on_ok):
        if value is OVER_LIMIT:
            return Err(TOO_BIG)
        if isinstance(want, list):
            return on_ok(want)
        return Err("%s: %s" % (prefix, want))

    def test_pat_create(self):
        self.create_fixture()
        self.run_cases(self.create_cases())

    def test_refused_calls_and_writes_create_no_store(self):
        """A refused first call creates no store: the file stays as it was."""
        before = file_bytes(self.path)
        # (the VIEWER and GHOST owners exist only in create_fixture)
        cases = [c for c in self.create_cases() if isinstance(c.expect, Err)
                 and "(viewer)" not in c.label and "(ghost)" not in c.label]
        cases += self.no_store_cases()
        self.run_cases(cases)
        self.assertEqual(file_bytes(self.path), before)
        self.assertEqual(helpers.schema_rows(self.path), [])
        # Writes that match no row are not refused and change no table, and
        # create no store; but SQLite itself starts a write transaction on
        # main for them, which turns an empty (0-byte) file into an empty
        # 1-page database: so only the tables are compared here.
        self.run_cases([
            case("no store: UPDATE pat_tokens of no row",
                 stmt("UPDATE pat_tokens SET name = {}", ""), Done(self.no_store)),
            case("no store: DELETE FROM pat_events (no events yet)",
                 stmt("DELETE FROM pat_events"), Done(self.no_store)),
        ])

    def no_store(self, tc):
        objs = helpers.pat_objects(tc.path)
        return "a write of no row made %r" % objs if objs else None

    def no_store_cases(self):
        junk = make_token()
        return [
            case("no store: pat_verify of an unknown token", call("pat_verify", junk), Is(None)),
            case("no store: pat_verify at garbage", call("pat_verify", junk, "garbage"),
                 Err("pat_verify: at is not a time: 'garbage'")),
            case("no store: pat_has_right unknown right",
                 call("pat_has_right", junk, "NOPE"),
                 Err("pat_has_right: unknown right 'NOPE'")),
            case("no store: pat_has_right NULL right", call("pat_has_right", junk, None),
                 Err("pat_has_right: right must be a text")),
            case("no store: pat_has_right of an unknown token",
                 call("pat_has_right", junk, "DATA_FETCH"), Is(0)),
            case("no store: pat_rotate(1)", call("pat_rotate", 1),
                 Err("pat_rotate: no token with id 1")),
            case("no store: pat_rotate('x')", call("pat_rotate", "x"),
                 Err("pat_rotate: id must be an integer")),
            case("no store: pat_rotate(1, BLOB)", call("pat_rotate", 1, b"\x00"),
                 Err("pat_rotate: valid_to must be a time: unix seconds or text")),
            case("no store: INSERT INTO pat_tokens",
                 stmt("INSERT INTO pat_tokens(owner, name, rights) VALUES ({}, {}, {})",
                      "u1", "n", "DATA_FETCH"), Err(TOKENS_INSERT)),
            case("no store: INSERT INTO pat_rights bad name",
                 stmt("INSERT INTO pat_rights(name, category) VALUES ({}, {})", "A-B", "c"),
                 Err(RIGHT_NAME)),
            case("no store: INSERT INTO pat_roles ROOT",
                 stmt("INSERT INTO pat_roles(role, right) VALUES ({}, {})",
                      "ROOT", "DATA_FETCH"), Err(ROOT_ROWS)),
            case("no store: UPDATE pat_roles",
                 stmt("UPDATE pat_roles SET role = {} WHERE role = 'VIEWER'", "X"),
                 Err(ROLES_UPDATE)),
            case("no store: DELETE ROOT's row",
                 stmt("DELETE FROM pat_roles WHERE role = {}", "ROOT"), Err(ROOT_ROWS)),
            case("no store: INSERT INTO pat_owners unknown role",
                 stmt("INSERT INTO pat_owners(owner, role) VALUES ({}, {})", "a", "NOPE"),
                 Err("pat_owners: unknown role 'NOPE'")),
            case("no store: INSERT INTO pat_owners NULL owner",
                 stmt("INSERT INTO pat_owners(owner, role) VALUES ({}, {})", None, "VIEWER"),
                 Err("pat_owners: owner must be a non-empty text or an integer")),
            case("no store: bad audit setting",
                 stmt("UPDATE pat_settings SET value = {} WHERE key = 'audit'", "ALL"),
                 Err(AUDIT)),
            case("no store: INSERT INTO pat_settings",
                 stmt("INSERT INTO pat_settings(key, value) VALUES ({}, {})", "x", "y"),
                 Err(SETTINGS_INSERT)),
            case("no store: DELETE FROM pat_settings", stmt("DELETE FROM pat_settings"),
                 Err(SETTINGS_DELETE)),
            case("no store: INSERT INTO pat_events",
                 stmt("INSERT INTO pat_events(event) VALUES ({})", "create"), Err(EVENTS_RO)),
        ]

    # ============================================================ pat_tokens

    def test_pat_tokens_writes(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('viewer', 'VIEWER')")
        F0, T0 = 1900000000, 1900000000 + 86400
        _, uid = self.make("u1", "upd", "DATA_FETCH", F0, T0)
        _, vid = self.make("viewer", "vtok", "DATA_FETCH")
        P = "pat_tokens"
        cases = []

        def row(tc):
            return tc.token_row(uid)

        def restore(tc):
            tc.conn.execute("UPDATE pat_tokens SET valid_from = ?, valid_to = ?, "
                            "rights = 'DATA_FETCH' WHERE id = ?", (F0, T0, uid))

        def want(**kw):
            def check(tc):
                r = row(tc)
                for k, v in kw.items():
                    got = rights_json(r[k]) if k == "rights" else r[k]
                    if got != v:
                        return "%s is %r, expected %r" % (k, short(got), short(v))
                return None
            return check

        # name
        for label, v in TEXT_VALUES:
            exp = text_rule(v, P, "name", False, 255, lambda s: Done(want(name=s)))
            cases.append(case("pat_tokens UPDATE name: " + label,
                              stmt("UPDATE pat_tokens SET name = {} WHERE id = {}", v, uid),
                              exp))
        # valid_from against the stored valid_to
        for label, v in TIME_VALUES:
            def on_ok(u):
                if u >= T0:
                    return Err("pat_tokens: valid_to must be later than valid_from")
                if T0 - u > MAX_LIFETIME:
                    return Err("pat_tokens: lifetime of %d seconds exceeds max_lifetime (%d)"
                               % (T0 - u, MAX_LIFETIME))
                return Done(want(valid_from=fmt(u)))
            # NULL: the default, now; [now, T0) is longer than max_lifetime
            exp = time_rule(v, P, "valid_from", lambda: ErrLike(
                "pat_tokens: lifetime of ",
                " seconds exceeds max_lifetime (%d)" % MAX_LIFETIME), on_ok)
            cases.append(case("pat_tokens UPDATE valid_from: " + label,
                              stmt("UPDATE pat_tokens SET valid_from = {} WHERE id = {}",
                                   v, uid), exp, restore))
        # valid_to against the stored valid_from
        for label, v in TIME_VALUES:
            def on_ok(u):
                if u <= F0:
                    return Err("pat_tokens: valid_to must be later than valid_from")
                if u - F0 > MAX_LIFETIME:
                    return Err("pat_tokens: lifetime of %d seconds exceeds max_lifetime (%d)"
                               % (u - F0, MAX_LIFETIME))
                return Done(want(valid_to=fmt(u)))
            # NULL: the default, valid_from + default_lifetime
            exp = time_rule(v, P, "valid_to", lambda: Done(
                want(valid_to=fmt(F0 + DEFAULT_LIFETIME))), on_ok)
            cases.append(case("pat_tokens UPDATE valid_to: " + label,
                              stmt("UPDATE pat_tokens SET valid_to = {} WHERE id = {}",
                                   v, uid), exp, restore))
        later = Err("pat_tokens: valid_to must be later than valid_from")
        cases += [
            case("pat_tokens UPDATE valid_to equal to the stored valid_from",
                 stmt("UPDATE pat_tokens SET valid_to = {} WHERE id = {}", F0, uid), later),
            case("pat_tokens UPDATE valid_from equal to the stored valid_to",
                 stmt("UPDATE pat_tokens SET valid_from = {} WHERE id = {}", T0, uid), later),
            case("pat_tokens UPDATE valid_to = valid_from (the column)",
                 stmt("UPDATE pat_tokens SET valid_to = valid_from WHERE id = {}", uid), later),
            case("pat_tokens UPDATE both ends to one time",
                 stmt("UPDATE pat_tokens SET valid_from = {}, valid_to = {} WHERE id = {}",
                      "2031-01-01", "2031-01-01", uid), later),
            case("pat_tokens UPDATE both ends, lifetime one second too long",
                 stmt("UPDATE pat_tokens SET valid_from = {}, valid_to = {} WHERE id = {}",
                      0, MAX_LIFETIME + 1, uid),
                 Err("pat_tokens: lifetime of %d seconds exceeds max_lifetime (%d)"
                     % (MAX_LIFETIME + 1, MAX_LIFETIME))),
        ]
        # rights
        for label, v, w, owner in self.rights_values():
            if owner == "ghost":
                continue
            tid = uid if owner == "u1" else vid
            exp = self.rights_expect(P, v, w, lambda lst, tid=tid: Done(
                lambda tc: None if rights_json(tc.token_row(tid)["rights"]) == lst
                else "rights %r, expected %r" % (tc.token_row(tid)["rights"], lst)))
            cases.append(case("pat_tokens UPDATE rights (%s): %s" % (owner, label),
                              stmt("UPDATE pat_tokens SET rights = {} WHERE id = {}", v, tid),
                              exp, lambda tc, tid=tid: tc.conn.execute(
                                  "UPDATE pat_tokens SET rights = 'DATA_FETCH' "
                                  "WHERE id = ?", (tid,))))
        # columns that can not be changed
        for col in ("id", "owner", "status", "created_at", "last_used_at"):
            msg = Err("pat_tokens: column '%s' can not be changed "
                      "(only name, valid_from, valid_to, rights, description, allowed_ips)" % col)
            for label, v in [("NULL", None), ("its own value", Sql(col)),
                             ("INTEGER 42", 42), ("empty string", ""),
                             ("1 MiB string", MIB), ("invalid UTF-8", bad_utf8(b"\xff")),
                             ("SQL injection", SQL_INJECTION)]:
                cases.append(case("pat_tokens UPDATE %s: %s" % (col, label),
                                  stmt("UPDATE pat_tokens SET %s = {} WHERE id = {}" % col,
                                       v, uid), msg))
        cases += [
            case("pat_tokens UPDATE rowid [undocumented]",
                 stmt("UPDATE pat_tokens SET rowid = rowid + 1000 WHERE id = {}", uid),
                 Err("pat_tokens: column 'id' can not be changed "
                     "(only name, valid_from, valid_to, rights, description, allowed_ips)")),
            case("pat_tokens UPDATE a fixed column with an allowed one",
                 stmt("UPDATE pat_tokens SET name = 'ok', owner = 'x' WHERE id = {}", uid),
                 Err("pat_tokens: column 'owner' can not be changed "
                     "(only name, valid_from, valid_to, rights, description, allowed_ips)")),
            case("pat_tokens UPDATE of every row refused on the last row",
                 stmt("UPDATE pat_tokens SET name = CASE WHEN id = {} THEN '' "
                      "ELSE 'renamed' END", vid),
                 Err("pat_tokens: name must be a non-empty text")),
            case("pat_tokens UPDATE rights of every row refused on the VIEWER's row",
                 stmt("UPDATE pat_tokens SET rights = 'DATA_CREATE'"),
                 Err("pat_tokens: role 'VIEWER' may not grant 'DATA_CREATE'")),
            case("pat_tokens UPDATE valid_to = valid_from on every row",
                 stmt("UPDATE pat_tokens SET valid_to = valid_from"), later),
        ]
        # INSERT
        for label, sp in [
            ("ordinary values", stmt(
                "INSERT INTO pat_tokens(owner, name, rights) VALUES ({}, {}, {})",
                "u1", "n", "DATA_FETCH")),
            ("every column", stmt(
                "INSERT INTO pat_tokens(id, owner, name, valid_from, valid_to, rights) "
                "VALUES ({}, {}, {}, {}, {}, {})", 999, "u1", "n", F0, T0, "DATA_FETCH")),
            ("NULL id only", stmt("INSERT INTO pat_tokens(id) VALUES (NULL)")),
            ("1 MiB name", stmt("INSERT INTO pat_tokens(name) VALUES ({})", MIB)),
            ("invalid UTF-8 owner",
             stmt("INSERT INTO pat_tokens(owner) VALUES ({})", bad_utf8(b"\xff"))),
            ("SQL injection", stmt("INSERT INTO pat_tokens(name) VALUES ({})", SQL_INJECTION)),
            ("a copy of the table", stmt("INSERT INTO pat_tokens SELECT * FROM pat_tokens")),
            ("REPLACE of an existing id",
             stmt("REPLACE INTO pat_tokens(id, name) VALUES ({}, 'x')", uid)),
            ("INSERT OR IGNORE", stmt("INSERT OR IGNORE INTO pat_tokens(name) VALUES ('x')")),
        ]:
            cases.append(case("pat_tokens INSERT: " + label, sp, Err(TOKENS_INSERT)))
        self.run_cases(cases)
