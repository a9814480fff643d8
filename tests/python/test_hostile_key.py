"""Hostile input to pat_key and pat_rekey (issue 5, item 3).

The key argument of both: numbers, BLOBs shorter than 32 or longer than 64
bytes (up to SQLite's length limit and over it), TEXT where a BLOB is wanted
(even 32 characters or 64 hex digits), and the wrong number of arguments;
then the documented answers: NULL unsets the key, a key of 32 to 64 bytes
answers its fingerprint (pat_rekey's re-keys the store: it is put back to no
key). Afterwards the store still works without a key.

The machinery (values, expectations, HostileInputTest) is in
tests/python/hostile.py.
"""
from tests.python import hostile
from tests.python.hostile import (AT_LIMIT, INF, MIB, NAN, OVER_LIMIT, SQL_INJECTION,
                                  TOO_BIG, Err, Fingerprint, Is, bad_utf8, call, case)


class HostileKeyTest(hostile.HostileInputTest):
    def test_pat_key_and_rekey(self):
        self.create("u1", "a", "DATA_FETCH")
        cases = []

        for fn in ("pat_key", "pat_rekey"):
            bad = Err("%s: the key must be a BLOB of 32 to 64 bytes, or NULL for none" % fn)
            for label, v in [
                ("INTEGER", 42), ("REAL", 1.5), ("REAL inf", INF),
                ("BLOB of 31 bytes", b"k" * 31), ("BLOB of 65 bytes", b"k" * 65),
                ("empty BLOB", b""), ("1 MiB BLOB", MIB.encode()),
                ("BLOB at the length limit", AT_LIMIT.encode()),
                ("TEXT of 32 characters", "k" * 32), ("TEXT of 64 hex digits", "ab" * 32),
                ("empty string", ""), ("1 MiB string", MIB),
                ("invalid UTF-8 of 32 bytes", bad_utf8(b"\xff" * 32)),
                ("TEXT of 32 NUL bytes", "\x00" * 32), ("SQL injection", SQL_INJECTION),
            ]:
                cases.append(case("%s: %s" % (fn, label), call(fn, v), bad))
            for label, v in [("BLOB over the length limit", OVER_LIMIT.encode()),
                             ("string over the length limit", OVER_LIMIT)]:
                cases.append(case("%s: %s" % (fn, label), call(fn, v), Err(TOO_BIG)))
            wrong = Err("wrong number of arguments to function %s()" % fn)
            cases.append(case("%s with 0 arguments" % fn, call(fn), wrong))
            cases.append(case("%s with 2 arguments" % fn, call(fn, None, None), wrong))
        # documented answers: NULL unsets (answers NULL); a good key answers
        # its fingerprint and writes nothing to the file (pat_key)
        cases += [
            case("pat_key: NULL", call("pat_key", None), Is(None)),
            case("pat_key: NaN (binds as NULL)", call("pat_key", NAN), Is(None)),
        ]
        for label, v in [("BLOB of 32 bytes", b"k" * 32), ("BLOB of 64 bytes", b"\x00" * 64)]:
            cases.append(case("pat_key: " + label, call("pat_key", v), Fingerprint(),
                              lambda tc: tc.conn.execute("SELECT pat_key(NULL)")))
        cases.append(case("pat_rekey: BLOB of 32 bytes, then back to no key",
                          call("pat_rekey", b"r" * 32), Fingerprint(changes=True),
                          lambda tc: tc.conn.execute("SELECT pat_rekey(NULL)")))
        self.run_cases(cases)
        # and the store still works without a key
        tok = self.create("u1", "after", "DATA_FETCH")
        self.assertIsInstance(self.verify(tok), int)
