"""Hostile writes to pat_settings (issue 5, item 3).

Every key's value (prefix, default_lifetime, max_lifetime, default_role,
audit, last_used_interval) is set to every wrong type and bad value, and to
the good ones (put back after each); the durations past the span of times pat
takes, default_lifetime over max_lifetime and max_lifetime under
default_lifetime; UPDATE of the key column, INSERT and DELETE, all refused.

The machinery (values, expectations, HostileInputTest) is in
tests/python/hostile.py.
"""
from tests.python import hostile
from tests.python.helpers import DEFAULT_LIFETIME, MAX_LIFETIME
from tests.python.hostile import (AT_LIMIT, AUDIT, INF, MIB, NAN, OVER_LIMIT,
                                  SETTINGS_DELETE, SETTINGS_INSERT, SQL_INJECTION,
                                  TOO_BIG, Done, Err, ErrLike, Sql, bad_utf8, case,
                                  is_nan, short, shown, stmt)

PREFIX = "pat_settings: prefix must be at most 32 characters of A-Z, a-z, 0-9 and _"
LIFETIME = "pat_settings: default_lifetime must be a positive integer of seconds"
MAXLIFE = "pat_settings: max_lifetime must be a positive integer of seconds or NULL"
INTERVAL = "pat_settings: last_used_interval must be a non-negative integer of seconds"
# The span of times pat takes (0000-01-01 to 9999-12-31): the longest duration.
SECONDS_MAX = 253402300799 + 62167219200
SPAN = "pat_settings: %%s may not exceed %d seconds (the years 0000 to 9999)" % SECONDS_MAX


class HostileSettingsTest(hostile.HostileInputTest):
    def test_pat_settings_writes(self):
        self.create("u1", "a", "DATA_FETCH")
        cases = []
        upd = "UPDATE pat_settings SET value = {} WHERE key = '%s'"

        def is_(key, value):
            def check(tc):
                got = tc.one("SELECT value FROM pat_settings WHERE key = ?", (key,))
                if got != value and str(got) != str(value):
                    return "%s is %r, expected %r" % (key, short(got), short(value))
                return None
            return check

        def back(key, value):
            return lambda tc: tc.conn.execute(
                "UPDATE pat_settings SET value = ? WHERE key = ?", (value, key))

        bad_text = [("1 MiB string", MIB), ("string at the length limit", AT_LIMIT),
                    ("invalid UTF-8", bad_utf8(b"1\xff")),
                    ("SQL injection", SQL_INJECTION), ("double quote", '"'),
                    ("backslash", "\\")]
        table = {
            "prefix": ("pat_", PREFIX, [
                ("NULL", None), ("NaN (binds as NULL)", NAN), ("INTEGER", 42),
                ("REAL", 1.5), ("BLOB", b"pat_"), ("33 characters", "A" * 33),
                ("embedded NUL", "pat\x00"), ("newline", "pat\n"), ("hyphen", "pat-"),
                ("space", "pat "), ("non-ASCII letter", "p\u00e4t_"),
            ] + bad_text, [("empty string", ""), ("32 characters", "A" * 32),
                           ("ordinary", "x_")]),
            "default_lifetime": ("2592000", LIFETIME, [
                ("NULL", None), ("NaN (binds as NULL)", NAN), ("TEXT 'abc'", "abc"),
                ("empty string", ""), ("one space", " "), ("BLOB", b"\x01"),
                ("BLOB of digits", b"120"), ("0", 0), ("-1", -1), ("REAL 0.0", 0.0),
                ("REAL 1.5", 1.5), ("REAL -1.0", -1.0), ("REAL 1e308", 1e308),
                ("REAL inf", INF), ("REAL -inf", -INF), ("TEXT '120' then NUL", "120\x00"),
                ("TEXT '0x10'", "0x10"), ("TEXT '-5'", "-5"),
            ] + bad_text, [("INTEGER 120", 120), ("TEXT '120'", "120"),
                           ("REAL 3600.0", 3600.0), ("equal to max_lifetime", MAX_LIFETIME)]),
            "max_lifetime": ("31622400", MAXLIFE, [
                ("0", 0), ("-1", -1), ("REAL 1.5", 1.5), ("TEXT 'abc'", "abc"),
                ("empty string", ""), ("BLOB", b"\x01"), ("REAL 1e308", 1e308),
                ("REAL inf", INF), ("REAL -inf", -INF), ("TEXT '-5'", "-5"),
            ] + bad_text, [("NULL (no limit)", None), ("NaN (binds as NULL: no limit)", NAN),
                           ("the span of years 0000 to 9999", SECONDS_MAX),
                           ("equal to default_lifetime", DEFAULT_LIFETIME)]),
            "default_role": ("ROOT", None, [], [("VIEWER", "VIEWER"), ("ROOT", "ROOT")]),
            "audit": ("changes", AUDIT, [
                ("NULL", None), ("NaN (binds as NULL)", NAN), ("INTEGER 1", 1),
                ("INTEGER 0", 0), ("REAL", 1.5), ("BLOB of 'all'", b"all"),
                ("empty string", ""), ("upper case", "ALL"), ("mixed case", "All"),
                ("blank before", " all"), ("blank after", "all "),
                ("'all' then NUL", "all\x00"), ("'all' then NUL and more", "all\x00junk"),
                ("'changes' then NUL", "changes\x00"), ("'off' then NUL", "off\x00"),
                ("prefix of 'off'", "of"), ("'alll'", "alll"),
            ] + bad_text, [("off", "off"), ("all", "all"), ("changes", "changes")]),
            "last_used_interval": ("60", INTERVAL, [
                ("NULL", None), ("NaN (binds as NULL)", NAN), ("-1", -1), ("REAL -1.0", -1.0),
                ("REAL 1.5", 1.5), ("TEXT 'abc'", "abc"), ("empty string", ""),
                ("BLOB", b"\x01"), ("REAL 1e308", 1e308), ("REAL inf", INF),
            ] + bad_text, [("0", 0), ("TEXT '120'", "120"),
                           ("the span of years 0000 to 9999", SECONDS_MAX)]),
        }
        # A duration past the span of times pat takes could overflow a sum.
        for key in ("max_lifetime", "last_used_interval"):
            for label, v in [("one over the span", SECONDS_MAX + 1), ("2**62", 2 ** 62),
                             ("2**63-1", 2 ** 63 - 1)]:
                cases.append(case("pat_settings %s: %s" % (key, label), stmt(upd % key, v),
                                  Err(SPAN % key)))
        for key, (default, msg, bad, good) in table.items():
            for label, v in bad:
                exp = Err(msg)
                cases.append(case("pat_settings %s: %s" % (key, label),
                                  stmt(upd % key, v), exp))
            for label, v in good:
                stored = None if is_nan(v) else v
                if isinstance(v, float) and not is_nan(v):
                    stored = int(v)
                cases.append(case("pat_settings %s: %s" % (key, label), stmt(upd % key, v),
                                  Done(is_(key, stored)), back(key, default)))
            cases.append(case("pat_settings %s: string over the length limit" % key,
                              stmt(upd % key, OVER_LIMIT), Err(TOO_BIG)))
        over = "pat_settings: default_lifetime may not exceed max_lifetime (%d)" % MAX_LIFETIME
        under = ("pat_settings: max_lifetime may not be less than default_lifetime (%d)"
                 % DEFAULT_LIFETIME)
        for label, v, exp in [
            ("default_lifetime 2**62", 2 ** 62, Err(over)),
            ("default_lifetime 2**63-1", 2 ** 63 - 1, Err(over)),
            ("default_lifetime one over max_lifetime", MAX_LIFETIME + 1, Err(over)),
            ("default_lifetime one over max_lifetime, REAL", MAX_LIFETIME + 1.0, Err(over)),
            ("default_lifetime REAL 1e15", 1e15, Err(over)),
            ("default_lifetime TEXT 2**63", str(2 ** 63), ErrLike("pat_settings: "
                                                                  "default_lifetime ")),
        ]:
            cases.append(case("pat_settings " + label,
                              stmt(upd % "default_lifetime", v), exp))
        for label, v in [("1", 1), ("one under default_lifetime", DEFAULT_LIFETIME - 1)]:
            cases.append(case("pat_settings max_lifetime " + label,
                              stmt(upd % "max_lifetime", v), Err(under)))

        def unknown_role(name):
            return Err("pat_settings: unknown role '%s'" % shown(name))

        role_not_text = Err("pat_settings: default_role must be a text")
        for label, v, exp in [
            ("NULL", None, role_not_text), ("NaN (binds as NULL)", NAN, role_not_text),
            ("INTEGER", 42, role_not_text), ("REAL", 1.5, role_not_text),
            ("BLOB of ROOT", b"ROOT", role_not_text),
            ("empty string", "", unknown_role("")), ("lower case", "root", unknown_role("root")),
            ("unknown", "NOPE", unknown_role("NOPE")),
            ("blank before", " ROOT", unknown_role(" ROOT")),
            ("ROOT then NUL", "ROOT\x00", unknown_role("ROOT\x00")),
            ("ROOT then newline", "ROOT\n", unknown_role("ROOT\n")),
            ("1 MiB string", MIB, unknown_role(MIB)),
            ("string at the length limit", AT_LIMIT, unknown_role(AT_LIMIT)),
            ("invalid UTF-8", bad_utf8(b"ROOT\xff"), unknown_role(b"ROOT\xff")),
            ("SQL injection", SQL_INJECTION, unknown_role(SQL_INJECTION)),
        ]:
            cases.append(case("pat_settings default_role: " + label,
                              stmt(upd % "default_role", v), exp))
        fixed = Err("pat_settings: column 'key' can not be changed (only value)")
        for label, v in [("new key", "x"), ("NULL", None), ("its own value", Sql("key")),
                         ("1 MiB string", MIB), ("another key", "prefix")]:
            cases.append(case("pat_settings UPDATE key: " + label,
                              stmt("UPDATE pat_settings SET key = {} WHERE key = 'audit'", v),
                              fixed))
        for label, k, v in [("a known key", "prefix", "x_"), ("a new key", "new", "x"),
                            ("NULLs", None, None), ("1 MiB", MIB, MIB),
                            ("SQL injection", SQL_INJECTION, SQL_INJECTION)]:
            cases.append(case("pat_settings INSERT: " + label,
                              stmt("INSERT INTO pat_settings(key, value) VALUES ({}, {})", k, v),
                              Err(SETTINGS_INSERT)))
        for label, where in [("every row", "1"), ("one key", "key = 'audit'")]:
            cases.append(case("pat_settings DELETE: " + label,
                              stmt("DELETE FROM pat_settings WHERE " + where),
                              Err(SETTINGS_DELETE)))
        cases += [
            case("pat_settings UPDATE of every key refused on one",
                 stmt("UPDATE pat_settings SET value = 'all'"), ErrLike("pat_settings: ")),
            case("pat_settings UPDATE of every key to 120, refused on audit",
                 stmt("UPDATE pat_settings SET value = 120"), ErrLike("pat_settings: ")),
        ]
        self.run_cases(cases)
