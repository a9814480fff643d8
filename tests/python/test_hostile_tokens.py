"""Hostile input to the functions that take a token (issue 5, item 3).

pat_verify and pat_has_right: the token argument (token_values: the token
bare or as a Bearer header, every wrong type, prefix, length, alphabet and
checksum, invalid UTF-8, NUL and control characters around it; expired, not
yet valid and deleted tokens), the right argument of pat_has_right
(right_values), the at argument (TIME_VALUES and the ends of the half-open
window), rights the token does not hold or the owner's role no longer
grants, and the wrong number of arguments. pat_rotate: its id (every type,
unknown and deleted ids) and its valid_to (TIME_VALUES, equal ends, past
max_lifetime).

The machinery (values, expectations, HostileInputTest) is in
tests/python/hostile.py.
"""
from tests.python import helpers, hostile
from tests.python.helpers import MAX_LIFETIME, bad_checksum, make_token
from tests.python.hostile import (AT_LIMIT, BAD_UTF8, INF, MIB, NAN, OVER_LIMIT,
                                  SQL_INJECTION, TIME_VALUES, TOO_BIG, Err, ErrLike, Is,
                                  Made, bad_utf8, call, case, shown, time_rule)


class HostileTokenArgumentsTest(hostile.HostileInputTest):
    # ============================================== pat_verify / pat_has_right

    def checks_fixture(self):
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('viewer', 'VIEWER')")
        T, tid = self.make("u1", "main", "DATA_FETCH")
        self.T, self.tid = T, tid
        self.t_from, self.t_to = self.window(tid)
        self.at = self.t_from + 1          # inside T's window
        E, _ = self.make("u1", "expired", "DATA_FETCH", "2001-01-01", "2001-02-01")
        Pn, _ = self.make("u1", "pending", "DATA_FETCH", 4102444800, 4102444800 + 3600)
        D, did = self.make("u1", "deleted", "DATA_FETCH")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (did,))
        self.E, self.Pn, self.D = E, Pn, D
        # a token holding DATA_CREATE whose owner was then demoted to VIEWER
        self.Dm, _ = self.make("demoted", "demoted", "DATA_CREATE, DATA_FETCH")
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('demoted', 'VIEWER')")
        self.V, _ = self.make("viewer", "viewer", "DATA_FETCH")

    def token_values(self):
        """(label, value, valid): valid when it is T (bare or as a header)."""
        T = self.T
        tb = T.encode()
        alpha_ok_crc = make_token(rand="_" + helpers.random_part()[1:])
        return [
            ("the token", T, True),
            ("Bearer header", "Bearer " + T, True),
            ("bearer in mixed case, tabs, CRLF around", " \tbEaReR\t " + T + "\r\n", True),
            ("NULL", None, False),
            ("NaN (binds as NULL)", NAN, False),
            ("INTEGER", 42, False),
            ("INTEGER 0", 0, False),
            ("REAL", 1.5, False),
            ("BLOB of the token's bytes", tb, True),  # INTERFACE.md: that token
            ("BLOB of a Bearer header", b"Bearer " + tb, True),
            ("empty BLOB", b"", False),
            ("empty string", "", False),
            ("one space", " ", False),
            ("'Bearer' alone", "Bearer", False),
            ("'Bearer ' alone", "Bearer ", False),
            ("1 MiB string", MIB, False),
            ("string at the length limit", AT_LIMIT, False),
            ("string over the length limit", OVER_LIMIT, False),
            ("token then invalid UTF-8", bad_utf8(tb + b"\xff"), False),
            ("invalid UTF-8 then token", bad_utf8(b"\xff" + tb), False),
            ("a character replaced by a truncated sequence",
             bad_utf8(tb[:20] + b"\xc3" + tb[21:]), False),
            ("token then NUL", T + "\x00", False),
            ("NUL inside the token", T[:10] + "\x00" + T[10:], False),
            ("NUL then token", "\x00" + T, False),
            ("token then control character", T + "\x01", False),
            ("ANSI escape then token", "\x1b[0m" + T, False),
            ("token then vertical tab", T + "\x0b", False),
            ("token then form feed", T + "\x0c", False),
            ("no-break space then token", "\u00a0" + T, False),
            ("newline between Bearer and token", "Bearer\n" + T, False),
            ("'Bearer' glued to the token", "Bearer" + T, False),
            ("Bearer twice", "Bearer Bearer " + T, False),
            ("Basic scheme", "Basic " + T, False),
            ("SQL injection", SQL_INJECTION, False),
            ("token then SQL injection", T + "' OR '1'='1", False),
            ("double quote", '"', False),
            ("backslash", "\\", False),
            ("wrong prefix: upper case", "PAT_" + T[4:], False),
            ("wrong prefix: other letters", "pax_" + T[4:], False),
            ("wrong prefix: none", T[4:], False),
            ("wrong prefix: one more character", "x" + T, False),
            ("wrong prefix: '-' instead of '_'", "pat-" + T[4:], False),
            ("wrong length: one short", T[:-1], False),
            ("wrong length: one long", T + "A", False),
            ("wrong length: a character dropped", T[:20] + T[21:], False),
            ("wrong length: token twice", T + T, False),
            ("wrong alphabet: '-'", T[:10] + "-" + T[11:], False),
            ("wrong alphabet: '+'", T[:10] + "+" + T[11:], False),
            ("wrong alphabet: '/'", T[:10] + "/" + T[11:], False),
            ("wrong alphabet: '='", T[:-1] + "=", False),
            ("wrong alphabet: Cyrillic look-alike", T[:10] + "\u0430" + T[11:], False),
            ("wrong alphabet: '_' in the random part, checksum right", alpha_ok_crc, False),
            ("wrong alphabet: '-' in the prefix, checksum right",
             make_token(prefix="pa-_"), False),
            ("wrong checksum: last character changed", bad_checksum(T), False),
            ("wrong checksum: zeros", T[:-6] + "000000", False),
            ("wrong checksum: random part changed",
             T[:10] + ("A" if T[10] != "A" else "B") + T[11:], False),
            ("right checksum, unknown token", make_token(), False),
            ("right checksum, empty prefix, unknown", make_token(prefix=""), False),
            ("right checksum, other prefix, unknown", make_token(prefix="other_"), False),
            ("lower case", T.lower(), False),
            ("upper case", T.upper(), False),
        ]

    def test_pat_verify(self):
        self.checks_fixture()
        cases = []
        for label, v, valid in self.token_values():
            if v is OVER_LIMIT:
                exp = exp_at = Err(TOO_BIG)
            else:
                # a check without `at` of a valid token may write last_used_at
                exp = Is(self.tid, changes=True) if valid else Is(None)
                exp_at = Is(self.tid) if valid else Is(None)
            cases.append(case("pat_verify token: " + label, call("pat_verify", v), exp))
            cases.append(case("pat_verify token at a time in its window: " + label,
                              call("pat_verify", v, self.at), exp_at))
        # A check without `at` may write what the connection held (its
        # bookkeeping is due once bookkeeping_delay has passed, which a slow
        # run such as valgrind's reaches), and a deleted token's value is a
        # retired one, whose attempt is bookkeeping of its own.
        for label, tok in [("expired token", self.E), ("not yet valid token", self.Pn),
                           ("deleted token", self.D)]:
            cases.append(case("pat_verify token: " + label, call("pat_verify", tok),
                              Is(None, changes=True)))
            cases.append(case("pat_verify token at a time in T's window: " + label,
                              call("pat_verify", tok, self.at), Is(None)))
        for label, v in TIME_VALUES:
            exp = time_rule(
                v, "pat_verify", "at", lambda: Is(self.tid, changes=True),
                lambda u: Is(self.tid if self.t_from <= u < self.t_to else None))
            cases.append(case("pat_verify at: " + label, call("pat_verify", self.T, v), exp))
        for label, at, want in [
            ("at valid_from", self.t_from, self.tid),
            ("at valid_to (half-open window)", self.t_to, None),
            ("at one second before valid_from", self.t_from - 1, None),
            ("at valid_to - 1 as REAL .999", self.t_to - 0.001, self.tid),
        ]:
            cases.append(case("pat_verify at: " + label, call("pat_verify", self.T, at),
                              Is(want)))
        wrong = Err("wrong number of arguments to function pat_verify()")
        cases.append(case("pat_verify with 0 arguments", call("pat_verify"), wrong))
        cases.append(case("pat_verify with 4 arguments",
                          call("pat_verify", self.T, None, None, None), wrong))
        self.run_cases(cases)

    def right_values(self):
        TEXT = "right must be a text"

        def unknown(name):
            return "unknown right '%s'" % shown(name)

        return [
            ("NULL", None, TEXT),
            ("NaN (binds as NULL)", NAN, TEXT),
            ("INTEGER", 42, TEXT),
            ("REAL", 1.5, TEXT),
            ("BLOB of a right", b"DATA_FETCH", TEXT),
            ("empty BLOB", b"", TEXT),
            ("empty string", "", unknown("")),
            ("blank around a right", " DATA_FETCH", unknown(" DATA_FETCH")),
            ("lower case", "data_fetch", unknown("data_fetch")),
            ("misspelt", "DATA_FECTH", unknown("DATA_FECTH")),
            ("64 characters", "A" * 64, unknown("A" * 64)),
            ("65 characters", "A" * 65, unknown("A" * 65)),
            ("1 MiB string", MIB, unknown(MIB)),
            ("string at the length limit", AT_LIMIT, unknown(AT_LIMIT)),
            ("string over the length limit", OVER_LIMIT, None),
        ] + [(label, bad_utf8(b"DATA_" + raw), unknown(b"DATA_" + raw))
             for label, raw in BAD_UTF8] + [
            ("NUL after a right", "DATA_FETCH\x00", unknown("DATA_FETCH\x00")),
            ("NUL between rights", "DATA_FETCH\x00USER_DELETE",
             unknown("DATA_FETCH\x00USER_DELETE")),
            ("newline after a right", "DATA_FETCH\n", unknown("DATA_FETCH\n")),
            ("ANSI escape", "\x1b[31mDATA_FETCH", unknown("\x1b[31mDATA_FETCH")),
            ("C1 control U+0085", "DATA_FETCH\u0085", unknown("DATA_FETCH\u0085")),
            ("'*'", "*", unknown("*")),
            ("'DATA_*'", "DATA_*", unknown("DATA_*")),
            ("'_*'", "_*", unknown("_*")),
            ("'FOO_*'", "FOO_*", unknown("FOO_*")),
            # rights on resources (INTERFACE.md, Rights on resources)
            ("a resource with a space", "DATA_FETCH@proj ect",
             "resource 'proj ect' of DATA_FETCH holds a character that is not allowed"),
            ("a NUL in a resource", "DATA_FETCH@a\x00b",
             "resource 'a?b' of DATA_FETCH holds a character that is not allowed"),
            ("an empty resource", "DATA_FETCH@", "resource '' of DATA_FETCH is empty"),
            ("a resource wildcard", "DATA_FETCH@project:*",
             "resource 'project:*' of DATA_FETCH is a wildcard: a check asks about one "
             "resource"),
            ("'*' as the resource", "DATA_FETCH@*",
             "resource '*' of DATA_FETCH is a wildcard: a check asks about one resource"),
            ("a resource of 129 bytes", "DATA_FETCH@" + "a" * 129,
             "resource of DATA_FETCH is longer than 128 bytes"),
            ("a wildcard right on a resource", "DATA_*@x", unknown("DATA_*")),
            ("an unknown right on a resource", "DATA_FECTH@x", unknown("DATA_FECTH")),
            ("two '@'", "DATA_FETCH@a@b",
             "resource 'a@b' of DATA_FETCH holds a character that is not allowed"),
            ("a list with an unknown right", "DATA_FETCH, DATA_FECTH", unknown("DATA_FECTH")),
            ("a list with a bad resource", '["DATA_FETCH", "DATA_FETCH@a b"]',
             "resource 'a b' of DATA_FETCH holds a character that is not allowed"),
            ("a list with an empty entry", "DATA_FETCH,,DATA_CREATE",
             "rights has an empty name"),
            ("a JSON array that is not one", '["DATA_FETCH"', 
             "rights is not a valid JSON array of strings"),
            ("SQL injection", SQL_INJECTION, unknown(SQL_INJECTION)),
            ("SQL injection after a right", "DATA_FETCH' OR '1'='1",
             unknown("DATA_FETCH' OR '1'='1")),
            ("double quote", '"', unknown('"')),
            ("backslash", "\\", unknown("\\")),
        ]

    def test_pat_has_right(self):
        self.checks_fixture()
        cases = []
        H = "pat_has_right"
        for label, v, valid in self.token_values():
            if v is OVER_LIMIT:
                exp = exp_at = Err(TOO_BIG)
            else:
                exp = Is(1, changes=True) if valid else Is(0)
                exp_at = Is(1) if valid else Is(0)
            cases.append(case("pat_has_right token: " + label,
                              call(H, v, "DATA_FETCH"), exp))
            cases.append(case("pat_has_right token at a time in its window: " + label,
                              call(H, v, "DATA_FETCH", self.at), exp_at))
        for label, tok in [("expired token", self.E), ("not yet valid token", self.Pn),
                           ("deleted token", self.D)]:
            cases.append(case("pat_has_right token: " + label,
                              call(H, tok, "DATA_FETCH"), Is(0, changes=True)))
        junk = "junk"
        for label, v, want in self.right_values():
            exp = Err(TOO_BIG) if v is OVER_LIMIT else Err("pat_has_right: " + want)
            cases.append(case("pat_has_right right (valid token): " + label,
                              call(H, self.T, v), exp))
            cases.append(case("pat_has_right right (malformed token): " + label,
                              call(H, junk, v), exp))
            cases.append(case("pat_has_right right (valid token, explicit at): " + label,
                              call(H, self.T, v, self.at), exp))
        # lists and resources: T holds DATA_FETCH, unscoped
        for label, right, want in [
            ("a list of rights, one not held", "DATA_FETCH,DATA_CREATE", 0),
            ("a JSON array of one right held", '["DATA_FETCH"]', 1),
            ("a right held, on a resource", "DATA_FETCH@project:42", 1),
            ("a list: the right held, on a resource and not", "DATA_FETCH@a, DATA_FETCH", 1),
            ("a right not held, on a resource", "DATA_CREATE@project:42", 0),
        ]:
            cases.append(case("pat_has_right right (valid token): " + label,
                              call(H, self.T, right), Is(want, changes=bool(want))))
            cases.append(case("pat_has_right right (valid token, explicit at): " + label,
                              call(H, self.T, right, self.at), Is(want)))
            cases.append(case("pat_has_right right (malformed token): " + label,
                              call(H, junk, right), Is(0)))
        # rights the role does not grant
        for label, tok, right, want in [
            ("right the token does not hold", self.T, "USER_DELETE", 0),
            ("right a VIEWER's token does not hold", self.V, "DATA_CREATE", 0),
            ("right held but no longer granted by the owner's role (VIEWER)",
             self.Dm, "DATA_CREATE", 0),
            ("right held and still granted after the demotion", self.Dm, "DATA_FETCH", 1),
        ]:
            cases.append(case("pat_has_right role: " + label,
                              call(H, tok, right, self.at), Is(want)))
            cases.append(case("pat_has_right role, without at: " + label,
                              call(H, tok, right), Is(want, changes=bool(want))))
        for label, v in TIME_VALUES:
            exp = time_rule(
                v, H, "at", lambda: Is(1, changes=True),
                lambda u: Is(1 if self.t_from <= u < self.t_to else 0))
            cases.append(case("pat_has_right at: " + label,
                              call(H, self.T, "DATA_FETCH", v), exp))
        wrong = Err("wrong number of arguments to function pat_has_right()")
        cases.append(case("pat_has_right with 1 argument", call(H, self.T), wrong))
        cases.append(case("pat_has_right with 5 arguments",
                          call(H, self.T, "DATA_FETCH", None, None, None), wrong))
        self.run_cases(cases)

    # ============================================================ pat_rotate

    def test_pat_rotate(self):
        R, rid = self.make("u1", "rot", "DATA_FETCH")
        # a token made ahead of time, to try valid_to equal to its valid_from
        _, pid = self.make("u1", "ahead", "DATA_FETCH", 4102444800, 4102444800 + 3600)
        _, did = self.make("u1", "gone", "DATA_FETCH")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (did,))
        r_from, r_to = self.window(rid)
        now = self.now()
        ID = Err("pat_rotate: id must be an integer")

        def rotated(vt=None, tid=rid):
            def check(tc, token):
                got = tc.one("SELECT pat_verify(?, ?)", (token, tc.window(tid)[0]))
                if got != tid:
                    return "rotated token verifies to %r, not %r" % (got, tid)
                f, t = tc.window(tid)
                if vt is not None and t != vt:
                    return "valid_to %r, expected %r" % (t, vt)
                if vt is None and (f, t) != (r_from, r_to):
                    return "window changed to %r" % ((f, t),)
                return None
            return Made(check)

        cases = []
        for label, v in [
            ("NULL", None), ("NaN (binds as NULL)", NAN), ("TEXT 'abc'", "abc"),
            ("empty string", ""), ("one space", " "), ("TEXT '1 OR 1=1'", "1 OR 1=1"),
            ("SQL injection", "1; DROP TABLE pat_store_tokens"),
            ("1 MiB string", MIB), ("string at the length limit", AT_LIMIT),
            ("string over the length limit", OVER_LIMIT),
            ("invalid UTF-8", bad_utf8(b"1\xff")), ("NUL", "\x00"),
            ("digit then NUL", "%d\x00" % rid), ("control character", "\x01"),
            ("REAL 1.5", 1.5), ("REAL 1e308", 1e308),
            ("REAL inf", INF), ("BLOB x'01'", b"\x01"), ("BLOB of digits", b"1"),
            ("empty BLOB", b""),
        ]:
            cases.append(case("pat_rotate id: " + label, call("pat_rotate", v),
                              Err(TOO_BIG) if v is OVER_LIMIT else ID))
        for label, v in [("0", 0), ("-1", -1), ("2**62", 2 ** 62), ("-2**63", -2 ** 63),
                         ("2**63-1", 2 ** 63 - 1), ("a deleted token's id", did),
                         ("an id never given", rid + 1000)]:
            cases.append(case("pat_rotate id: " + label, call("pat_rotate", v),
                              Err("pat_rotate: no token with id %d" % v)))
        for label, v in TIME_VALUES:
            def on_ok(u):
                start = max(r_from, now)
                if u <= start + 5:
                    return Err("pat_rotate: valid_to must be later than valid_from")
                if u - start > MAX_LIFETIME + 5:
                    return ErrLike("pat_rotate: lifetime of ",
                                   " seconds exceeds max_lifetime (%d)" % MAX_LIFETIME)
                return rotated(vt=u)
            exp = time_rule(v, "pat_rotate", "valid_to", lambda: rotated(), on_ok)
            cases.append(case("pat_rotate valid_to: " + label,
                              call("pat_rotate", rid, v), exp, lambda tc: tc.conn.execute(
                                  "UPDATE pat_tokens SET valid_from = ?, valid_to = ? "
                                  "WHERE id = ?", (r_from, r_to, rid))))
        later = Err("pat_rotate: valid_to must be later than valid_from")
        cases += [
            case("pat_rotate valid_to equal to valid_from (token made ahead of time)",
                 call("pat_rotate", pid, 4102444800), later),
            case("pat_rotate valid_to equal to valid_from, as TEXT",
                 call("pat_rotate", pid, "2100-01-01 00:00:00"), later),
            case("pat_rotate valid_to before valid_from (token made ahead of time)",
                 call("pat_rotate", pid, 4102444800 - 1), later),
            case("pat_rotate valid_to one second over max_lifetime (ahead of time)",
                 call("pat_rotate", pid, 4102444800 + MAX_LIFETIME + 1),
                 Err("pat_rotate: lifetime of %d seconds exceeds max_lifetime (%d)"
                     % (MAX_LIFETIME + 1, MAX_LIFETIME))),
            case("pat_rotate valid_to of a deleted token", call("pat_rotate", did, 4102444800),
                 Err("pat_rotate: no token with id %d" % did)),
        ]
        wrong = Err("wrong number of arguments to function pat_rotate()")
        cases.append(case("pat_rotate with 0 arguments", call("pat_rotate"), wrong))
        cases.append(case("pat_rotate with 4 arguments",
                          call("pat_rotate", rid, None, None, None), wrong))
        grace = Err("pat_rotate: grace must be an integer of seconds from 0 to 2592000")
        for label, v in (("-1", -1), ("2592001", 2592001), ("1.5", 1.5), ("text", "x"),
                         ("a blob", b"60"), ("2**63-1", 2**63 - 1), ("-2**63", -2**63)):
            cases.append(case("pat_rotate grace " + label, call("pat_rotate", rid, None, v),
                              grace))
        self.run_cases(cases)
