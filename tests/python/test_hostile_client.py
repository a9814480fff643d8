"""Hostile input to the client context (INTERFACE.md, Client context).

pat_verify's and pat_has_right's `client` argument (client_values: every
SQLite type, empty, blank, huge, NUL bytes, invalid UTF-8, control
characters, ports, blocks, ranges, names, IPv4 with leading zeros or in
other notations, malformed IPv6, bad zones, a token's text) given with every
kind of token (valid, with an allow-list, expired, deleted, unknown,
malformed, NULL), with and without `at`: a malformed client is an error that
names the function and the problem, whatever the token; a valid one gets the
normal answer (a token with an allow-list passes only from a client inside
it). pat_create's `options` (options_values: every type, non-JSON, JSON of
each type, unknown, mis-cased and duplicate keys, descriptions of each type
and length, allow-lists) and the same values written through pat_tokens
(UPDATE of allowed_ips and description; ips_values: 0, 1, 100 and 101
entries, host bits, prefix lengths, nested arrays, numbers and other
non-text entries, malformed addresses).

No error may quote a token's random part (Masked): a token given as a
client, a key or an entry is shown as "(a token)". Every refused case must
leave the database as it was, byte for byte (the framework checks it).

Cases where pat does not (yet) do what the contract says are kept apart, in
the test methods at the end, marked as expected failures with the bug they
show; they were reported.

The machinery (values, expectations, HostileInputTest) is in
tests/python/hostile.py.
"""
import json
import re
import sqlite3
import unittest

from tests.python import helpers, hostile
from tests.python.helpers import make_token
from tests.python.hostile import (AT_LIMIT, INF, MIB, NAN, OVER_LIMIT, SQL_INJECTION, TOO_BIG,
                                  Done, Err, ErrLike, Expect, Is, Made, Sql, bad_utf8, call,
                                  case, short, stmt)

B62 = set(helpers.BASE62.encode())
TOKEN_RUN = re.compile(r"[0-9A-Za-z]{32,}")
IPS_TYPE = "allowed_ips must be a JSON array of 1 to 100 addresses or blocks"
OPT_TYPE = "options must be a JSON object (keys: description, allowed_ips)"
CLIENT_TYPE = "client must be an IP address as text, or NULL"
LIST = ["10.0.0.0/8", "2001:db8::/32"]   # the allow-list of the fixture's token L


def sqlite_answers(sql):
    """What this process's SQLite (no pat) answers to one query."""
    c = sqlite3.connect(":memory:")
    try:
        return c.execute(sql).fetchone()[0]
    finally:
        c.close()


# SQLite's JSON functions end a string at \u0000 (3.40; not 3.54)
JSON_CUTS_AT_NUL = sqlite_answers(
    "SELECT length(CAST(json_extract('[\"a\\u0000b\"]', '$[0]') AS BLOB))") == 1
# SQLite's JSON functions read JSON5 (3.42 and later)
JSON_READS_JSON5 = sqlite_answers("SELECT json_valid('{a:1}')") == 1


def expected_failure_if(cond):
    return unittest.expectedFailure if cond else (lambda f: f)


def quote(raw, limit):
    """An echoed value as pat quotes it (token.c, pat_quote): each run of 32
    or more base62 characters as "(a token)", every byte outside printable
    ASCII as '?', at most `limit` bytes; "..." when it did not cover it
    all."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    out, r, n = "", 0, len(raw)
    while r < n and len(out) < limit:
        run = 0
        while r + run < n and raw[r + run] in B62:
            run += 1
        if run >= 32:
            if len(out) + len("(a token)") > limit:
                break
            out, r = out + "(a token)", r + run
        elif run:
            k = min(run, limit - len(out))
            out, r = out + raw[r:r + k].decode("ascii"), r + k
        else:
            ch = raw[r]
            out, r = out + (chr(ch) if 0x20 <= ch < 0x7f else "?"), r + 1
    return "'%s%s'" % (out, "..." if r < n else "")


class Masked(Expect):
    """Another expectation, and no run that could be a token's random part
    (32 or more base62 characters) in an error message."""

    def __init__(self, inner):
        self.inner = inner
        self.changes = inner.changes

    def problem(self, tc, case_, outcome):
        p = self.inner.problem(tc, case_, outcome)
        if p:
            return p
        kind, got = outcome
        if kind == "error" and TOKEN_RUN.search(got):
            return "error message quotes what could be a token: %r" % short(got)
        return None

    def __repr__(self):
        return repr(self.inner)


def err(msg):
    return Masked(Err(msg))


def err_like(start, end=""):
    return Masked(ErrLike(start, end))


class HostileClientTest(hostile.HostileInputTest):

    # ============================================================ fixture

    def make_with(self, owner, name, rights, options=None, vf=None, vt=None):
        tok = self.one("SELECT pat_create(?, ?, ?, ?, ?, ?)",
                       (owner, name, rights, vf, vt, options))
        self.assertRegex(tok, helpers.TOKEN_RE)
        return tok, self.last_token()["id"]

    def checks_fixture(self):
        self.T, self.tid = self.make_with("u1", "plain", "DATA_FETCH")
        self.L, self.lid = self.make_with("u1", "listed", "DATA_FETCH",
                                          json.dumps({"allowed_ips": LIST}))
        self.E, _ = self.make_with("u1", "expired", "DATA_FETCH", None, "2001-01-01",
                                   "2001-02-01")
        self.D, did = self.make_with("u1", "deleted", "DATA_FETCH")
        self.conn.execute("DELETE FROM pat_tokens WHERE id = ?", (did,))
        self.at = max(self.window(self.tid)[0], self.window(self.lid)[0]) + 1

    def tokens(self):
        """(label, token, id from a client in LIST, id from one outside it
        or without a client)."""
        return [
            ("token without an allow-list", self.T, self.tid, self.tid),
            ("token with an allow-list", self.L, self.lid, None),
            ("expired token", self.E, None, None),
            ("deleted token", self.D, None, None),
            ("unknown token", make_token(), None, None),
            ("malformed token", "junk", None, None),
            ("NULL token", None, None, None),
        ]

    # ======================================================= client values

    def client_values(self):
        """(label, value, answer): answer is an error message without the
        'fn: ' prefix, or ('ok', in LIST) for a valid address (NULL: no
        client, which is not in any list)."""
        T = self.T
        R = T[4:36]   # a token's random part

        def bad(v):
            return "client is not an IP address: " + quote(v, 60)

        masked = "client is not an IP address: (a token)"
        values = [
            # valid: the normal answer
            ("NULL (unknown client)", None, ("ok", False)),
            ("NaN (binds as NULL)", NAN, ("ok", False)),
            ("IPv4 in the list", "10.0.0.1", ("ok", True)),
            ("IPv4, last of the block", "10.255.255.255", ("ok", True)),
            ("IPv4 outside", "11.0.0.1", ("ok", False)),
            ("IPv4 0.0.0.0", "0.0.0.0", ("ok", False)),
            ("IPv4 255.255.255.255", "255.255.255.255", ("ok", False)),
            ("IPv4 with a zero octet", "10.0.0.0", ("ok", True)),
            ("IPv6 in the list", "2001:db8::1", ("ok", True)),
            ("IPv6 in upper case", "2001:DB8::1", ("ok", True)),
            ("IPv6 in full, with leading zeros in its groups",
             "2001:0db8:0000:0000:0000:0000:0000:0001", ("ok", True)),
            ("IPv6 outside", "2001:db9::1", ("ok", False)),
            ("IPv6 ::", "::", ("ok", False)),
            ("IPv6 ::1", "::1", ("ok", False)),
            ("IPv6 of eight groups", "1:2:3:4:5:6:7:8", ("ok", False)),
            ("IPv6 with a dotted tail", "1:2:3:4:5:6:1.2.3.4", ("ok", False)),
            ("IPv4-mapped IPv6 in the list", "::ffff:10.0.0.1", ("ok", True)),
            ("IPv4-mapped IPv6 in upper case", "::FFFF:10.1.2.3", ("ok", True)),
            ("IPv4-mapped IPv6 in hex", "::ffff:a00:1", ("ok", True)),
            ("IPv4-mapped IPv6 outside", "::ffff:11.0.0.1", ("ok", False)),
            ("IPv4-compatible IPv6 (not mapped)", "::10.0.0.1", ("ok", False)),
            ("IPv6 with a zone", "fe80::1%eth0", ("ok", False)),
            ("IPv6 in the list with a zone", "2001:db8::1%eth0", ("ok", True)),
            ("IPv6 with a numeric zone", "2001:db8::1%1", ("ok", True)),
            ("IPv6 with a zone of dots, dashes, underscores", "2001:db8::1%a.b-c_d",
             ("ok", True)),
            ("IPv4-mapped with a zone", "::ffff:10.0.0.1%eth0", ("ok", True)),
            # wrong types
            ("INTEGER", 167772161, CLIENT_TYPE),
            ("INTEGER 0", 0, CLIENT_TYPE),
            ("INTEGER -1", -1, CLIENT_TYPE),
            ("INTEGER 2**63-1", 2 ** 63 - 1, CLIENT_TYPE),
            ("REAL", 10.0, CLIENT_TYPE),
            ("REAL inf", INF, CLIENT_TYPE),
            ("BLOB of an address", b"10.0.0.1", CLIENT_TYPE),
            ("BLOB of 4 bytes", b"\x0a\x00\x00\x01", CLIENT_TYPE),
            ("empty BLOB", b"", CLIENT_TYPE),
            # empty, blank, huge
            ("empty text", "", "client must not be empty"),
            ("one space", " ", bad(" ")),
            ("trailing space", "10.0.0.1 ", bad("10.0.0.1 ")),
            ("leading space", " 10.0.0.1", bad(" 10.0.0.1")),
            ("leading tab", "\t10.0.0.1", bad("\t10.0.0.1")),
            ("trailing newline", "10.0.0.1\n", bad("10.0.0.1\n")),
            ("trailing CRLF", "::1\r\n", bad("::1\r\n")),
            ("63 bytes", "1" * 31 + "." + "1" * 31, bad("1" * 31 + "." + "1" * 31)),
            ("64 bytes", "1." * 32, bad("1." * 32)),
            ("100,000 dots", "." * 100000, bad("." * 100000)),
            ("1 MiB string", MIB, bad(MIB)),
            ("string at the length limit", AT_LIMIT, bad(AT_LIMIT)),
            ("string over the length limit", OVER_LIMIT, None),
            # NUL bytes, invalid UTF-8, control characters
            ("NUL after an address", "10.0.0.1\x00", bad("10.0.0.1\x00")),
            ("NUL before an address", "\x0010.0.0.1", bad("\x0010.0.0.1")),
            ("NUL inside an address", "10.0\x00.0.1", bad("10.0\x00.0.1")),
            ("NUL then junk", "10.0.0.1\x00junk", bad("10.0.0.1\x00junk")),
            ("NUL inside an IPv6 zone", "fe80::1%eth\x000", bad("fe80::1%eth\x000")),
            ("NUL alone", "\x00", bad("\x00")),
            ("invalid UTF-8 alone", bad_utf8(b"\xff"), bad(b"\xff")),
            ("invalid UTF-8 after an address", bad_utf8(b"10.0.0.1\xff"), bad(b"10.0.0.1\xff")),
            ("invalid UTF-8: overlong '.'", bad_utf8(b"10\xc0\xae0.0.1"), bad(b"10\xc0\xae0.0.1")),
            ("invalid UTF-8 in a zone", bad_utf8(b"fe80::1%\xc3"), bad(b"fe80::1%\xc3")),
            ("fullwidth digits", "\uff11\uff10.0.0.1", bad("\uff11\uff10.0.0.1")),
            ("Arabic-Indic digits", "\u0661\u0660.0.0.1", bad("\u0661\u0660.0.0.1")),
            ("zero-width space", "10.0.0.1\u200b", bad("10.0.0.1\u200b")),
            ("ANSI escape", "\x1b[31m10.0.0.1", bad("\x1b[31m10.0.0.1")),
            ("control character", "10.0.0.1\x01", bad("10.0.0.1\x01")),
            # ports
            ("IPv4 with a port", "10.0.0.1:80", bad("10.0.0.1:80")),
            ("IPv4 with an empty port", "10.0.0.1:", bad("10.0.0.1:")),
            ("IPv4 with a port past 65535", "10.0.0.1:65536", bad("10.0.0.1:65536")),
            ("IPv6 in brackets with a port", "[::1]:80", bad("[::1]:80")),
            ("IPv6 in brackets with a port, in the list", "[2001:db8::1]:443",
             bad("[2001:db8::1]:443")),
            ("IPv6 in brackets", "[::1]", bad("[::1]")),
            ("IPv6 with a dotted port", "2001:db8::1.443", bad("2001:db8::1.443")),
            ("IPv6 with a '#' port", "2001:db8::1#443", bad("2001:db8::1#443")),
            ("a URL", "http://10.0.0.1/", bad("http://10.0.0.1/")),
            # blocks and ranges
            ("an IPv4 block", "10.0.0.0/8", bad("10.0.0.0/8")),
            ("an IPv4 /32", "10.0.0.1/32", bad("10.0.0.1/32")),
            ("an IPv4 address with an empty prefix", "10.0.0.1/", bad("10.0.0.1/")),
            ("an IPv6 block", "2001:db8::/32", bad("2001:db8::/32")),
            ("an IPv6 /128", "::1/128", bad("::1/128")),
            ("every address", "::/0", bad("::/0")),
            ("every IPv4 address", "0.0.0.0/0", bad("0.0.0.0/0")),
            ("a range", "10.0.0.1-10.0.0.9", bad("10.0.0.1-10.0.0.9")),
            ("a list", "10.0.0.1,10.0.0.2", bad("10.0.0.1,10.0.0.2")),
            ("a JSON array", '["10.0.0.1"]', bad('["10.0.0.1"]')),
            ("an X-Forwarded-For list", "10.0.0.1, 192.0.2.1", bad("10.0.0.1, 192.0.2.1")),
            # IPv4 in other notations; leading zeros
            ("leading zero in the first octet", "010.0.0.1", bad("010.0.0.1")),
            ("leading zero in the last octet", "10.0.0.01", bad("10.0.0.01")),
            ("leading zeros in every octet", "010.000.000.001", bad("010.000.000.001")),
            ("two leading zeros", "0010.0.0.1", bad("0010.0.0.1")),
            ("leading zero in a mapped IPv4", "::ffff:010.0.0.1", bad("::ffff:010.0.0.1")),
            ("IPv4 of two parts", "10.1", bad("10.1")),
            ("IPv4 of three parts", "1.2.3", bad("1.2.3")),
            ("IPv4 as one number", "167772161", bad("167772161")),
            ("IPv4 in hex", "0x0a.0.0.1", bad("0x0a.0.0.1")),
            ("IPv4 as one hex number", "0xa000001", bad("0xa000001")),
            ("IPv4 octet 256", "10.0.0.256", bad("10.0.0.256")),
            ("IPv4 octet 1000", "1000.0.0.1", bad("1000.0.0.1")),
            ("IPv4 negative octet", "10.0.0.-1", bad("10.0.0.-1")),
            ("IPv4 with a plus sign", "+10.0.0.1", bad("+10.0.0.1")),
            ("IPv4 with a trailing dot", "10.0.0.1.", bad("10.0.0.1.")),
            ("IPv4 with an empty octet", "10..0.1", bad("10..0.1")),
            ("IPv4 of five parts", "1.2.3.4.5", bad("1.2.3.4.5")),
            ("IPv4 with an exponent", "1e1.0.0.1", bad("1e1.0.0.1")),
            # IPv6 malformed
            ("':::'", ":::", bad(":::")),
            ("nine groups", "1:2:3:4:5:6:7:8:9", bad("1:2:3:4:5:6:7:8:9")),
            ("two '::'", "1::2::3", bad("1::2::3")),
            ("a group of five digits", "12345::1", bad("12345::1")),
            ("a non-hex digit", "g::1", bad("g::1")),
            ("a trailing ':'", "::1:", bad("::1:")),
            ("a leading ':'", ":1::", bad(":1::")),
            ("a dotted part in the middle", "1:2:1.2.3.4:3:4", bad("1:2:1.2.3.4:3:4")),
            # zones
            ("an empty zone", "fe80::1%", bad("fe80::1%")),
            ("a zone of '%'", "fe80::1%%", bad("fe80::1%%")),
            ("two zones", "fe80::1%eth0%eth1", bad("fe80::1%eth0%eth1")),
            ("a zone with a space", "fe80::1%eth 0", bad("fe80::1%eth 0")),
            ("a zone with a '/'", "fe80::1%eth/0", bad("fe80::1%eth/0")),
            ("a zone with a control character", "fe80::1%\x01", bad("fe80::1%\x01")),
            ("a zone with a non-ASCII letter", "fe80::1%\u00e9th0", bad("fe80::1%\u00e9th0")),
            ("a zone on IPv4", "10.0.0.1%eth0", bad("10.0.0.1%eth0")),
            ("a zone alone", "%eth0", bad("%eth0")),
            ("a zone before the address", "eth0%fe80::1", bad("eth0%fe80::1")),
            ("a zone on a block", "fe80::/10%eth0", bad("fe80::/10%eth0")),
            ("a zone too long for an address", "fe80::1%" + "e-" * 30,
             bad("fe80::1%" + "e-" * 30)),
            # names, injection, quoting
            ("a host name", "localhost", bad("localhost")),
            ("a domain name", "example.com", bad("example.com")),
            ("SQL injection", SQL_INJECTION, bad(SQL_INJECTION)),
            ("SQL injection after an address", "10.0.0.1' OR '1'='1",
             bad("10.0.0.1' OR '1'='1")),
            ("double quote", '"10.0.0.1"', bad('"10.0.0.1"')),
            ("printf directives", "%s%n%x", bad("%s%n%x")),
            # a token's text in the client's place: never quoted
            ("the token's text", T, masked),
            ("the token's text as a Bearer header", "Bearer " + T, masked),
            ("the token's text with blanks around", " " + T + "\r\n", masked),
            ("the listed token's text", self.L, masked),
            ("a token's text then junk", T + "x", bad(T + "x")),
            ("a token's random part", R, bad(R)),
            ("a token's random part after an address", "10.0.0.1" + R, bad("10.0.0.1" + R)),
            # (a zone is any name of [A-Za-z0-9._-]: valid, and never shown)
            ("a token's random part as a zone", "fe80::1%" + R, ("ok", False)),
            ("a token's random part as a zone, in the list", "2001:db8::1%" + R, ("ok", True)),
            ("a token's text after an address", "10.0.0.1 " + T, bad("10.0.0.1 " + T)),
        ]
        return values

    def client_cases(self, fn):
        """Every client value with every kind of token, with `at` (nothing
        written) and without (a valid token's use may be written)."""
        H = fn == "pat_has_right"
        cases = []
        for label, v, answer in self.client_values():
            for tlabel, tok, in_id, out_id in self.tokens():
                for with_at in (True, False):
                    args = [tok] + (["DATA_FETCH"] if H else []) + \
                           [self.at if with_at else None, v]
                    if v is OVER_LIMIT:
                        exp = Err(TOO_BIG)
                    elif isinstance(answer, str):
                        exp = err("%s: %s" % (fn, answer))
                    else:
                        want = in_id if answer[1] else out_id
                        if H:
                            want = 1 if want else 0
                        # a use without `at` is bookkeeping; a refusal of a
                        # token of the store (expired, deleted) too
                        exp = Is(want, changes=not with_at)
                    cases.append(case("%s client (%s%s): %s" % (
                        fn, tlabel, ", explicit at" if with_at else "", label),
                        call(fn, *args), exp))
            if not isinstance(answer, str) or v is OVER_LIMIT:
                continue
            # whatever the token: a BLOB, and with the other arguments bad too
            cases.append(case("%s client (BLOB token): %s" % (fn, label),
                              call(fn, *([self.T.encode()] + (["DATA_FETCH"] if H else [])
                                         + [None, v])), err("%s: %s" % (fn, answer))))
            cases.append(case("%s client (bad at too): %s" % (fn, label),
                              call(fn, *([self.T] + (["DATA_FETCH"] if H else [])
                                         + ["garbage", v])), err_like(fn + ": ")))
            if H:
                cases.append(case("%s client (unknown right too): %s" % (fn, label),
                                  call(fn, self.T, "NOPE", None, v), err_like(fn + ": ")))
                cases.append(case("%s client (a list of rights): %s" % (fn, label),
                                  call(fn, self.T, '["DATA_FETCH","DATA_CREATE"]', None, v),
                                  err("%s: %s" % (fn, answer))))
        return cases

    def test_pat_verify_client(self):
        self.checks_fixture()
        cases = self.client_cases("pat_verify")
        wrong = Err("wrong number of arguments to function pat_verify()")
        cases.append(case("pat_verify with 4 arguments",
                          call("pat_verify", self.T, None, "10.0.0.1", None), wrong))
        self.run_cases(cases)

    def test_pat_has_right_client(self):
        self.checks_fixture()
        cases = self.client_cases("pat_has_right")
        wrong = Err("wrong number of arguments to function pat_has_right()")
        cases.append(case("pat_has_right with 5 arguments",
                          call("pat_has_right", self.T, "DATA_FETCH", None, "10.0.0.1", None),
                          wrong))
        self.run_cases(cases)

    def test_checks_under_audit_all(self):
        """Under audit = all a refusal for the client writes a deny event
        whose detail holds the canonical address, never a token; a malformed
        client is an error and writes nothing at all."""
        self.checks_fixture()
        self.set_setting("audit", "all")
        self.set_setting("bookkeeping_delay", 0)

        def denied(detail):
            def check(tc):
                ev = tc.events(tc.lid)[-1]
                if (ev["event"], ev["detail"]) != ("deny", detail):
                    return "last event %r, expected a deny with %r" % (ev, detail)
                return None
            return check

        cases = []
        for label, client, detail in [
            ("no client", None, "client not allowed: unknown"),
            ("an address outside", "11.0.0.1", "client not allowed: 11.0.0.1"),
            ("IPv6 in upper case with a zone", "2001:DB9::1%eth0",
             "client not allowed: 2001:db9::1"),
            ("IPv4-mapped", "::ffff:11.0.0.1", "client not allowed: 11.0.0.1"),
            ("a token's random part as the zone", "fe80::1%" + self.T[4:36],
             "client not allowed: fe80::1"),
        ]:
            cases.append(case("audit all, deny: " + label,
                              call("pat_verify", self.L, None, client),
                              Done(denied(detail))))
        for label, v, answer in self.client_values():
            if isinstance(answer, str) and v is not OVER_LIMIT:
                cases.append(case("audit all, malformed client writes nothing: " + label,
                                  call("pat_verify", self.L, None, v),
                                  err("pat_verify: " + answer)))
        self.run_cases(cases)

    # ============================================ options and allowed_ips

    def ips_values(self):
        """(label, JSON text, answer): the stored list, canonical, or an
        error message without the 'fn: ' prefix."""
        T = self.T
        R = T[4:36]

        def entry(problem, raw):
            return "allowed_ips entry %s: %s" % (problem, quote(raw, 60))

        NOT = "is not an IP address or block"
        HOST = "has host bits set"
        P4, P6 = "has a bad prefix length (0 to 32)", "has a bad prefix length (0 to 128)"
        TEXTS = "allowed_ips entries must be texts"
        hundred = ["10.0.%d.0/24" % i for i in range(100)]
        return [
            ("one IPv4 address", '["10.0.0.1"]', ["10.0.0.1"]),
            ("blanks around", ' [ "10.0.0.1" ] ', ["10.0.0.1"]),
            ("IPv4 /32 shown bare", '["10.0.0.1/32"]', ["10.0.0.1"]),
            ("IPv6 /128 shown bare", '["::1/128"]', ["::1"]),
            ("IPv6 shown canonical", '["2001:DB8:0:0::/32"]', ["2001:db8::/32"]),
            ("IPv4-mapped block shown as IPv4", '["::ffff:10.0.0.0/104"]', ["10.0.0.0/8"]),
            ("IPv4-mapped address shown as IPv4", '["::ffff:1.2.3.4/128"]', ["1.2.3.4"]),
            ("every IPv4-mapped address", '["::ffff:0:0/96"]', ["0.0.0.0/0"]),
            ("a /96 that is not mapped", '["::/96"]', ["::/96"]),
            ("IPv4-compatible, shown as IPv6", '["::10.0.0.1"]', ["::10.0.0.1"]),
            ("every address, both families", '["0.0.0.0/0", "::/0"]', ["0.0.0.0/0", "::/0"]),
            ("100 entries", json.dumps(hundred), hundred),
            ("an entry twice [undocumented: kept]", '["10.0.0.1","10.0.0.1"]',
             ["10.0.0.1", "10.0.0.1"]),
            ("a block and one inside it [undocumented: kept]", '["10.0.0.0/8","10.1.0.0/16"]',
             ["10.0.0.0/8", "10.1.0.0/16"]),
            ("JSON escapes in an entry", '["10.0.0.\\u0031"]', ["10.0.0.1"]),
            # counts
            ("no entry", "[]", "allowed_ips must hold at least one address or block"),
            ("101 entries", json.dumps(hundred + ["10.1.0.0/16"]),
             "allowed_ips holds more than 100 entries"),
            ("1,000 entries", json.dumps(["10.0.0.1"] * 1000),
             "allowed_ips holds more than 100 entries"),
            ("100 good entries then a bad one", json.dumps(hundred + ["x"]),
             "allowed_ips holds more than 100 entries"),
            # host bits and prefix lengths
            ("host bits set (IPv4)", '["10.1.2.3/8"]', entry(HOST, "10.1.2.3/8")),
            ("host bits set (/0)", '["1.2.3.4/0"]', entry(HOST, "1.2.3.4/0")),
            ("host bits set (IPv6)", '["2001:db8::1/32"]', entry(HOST, "2001:db8::1/32")),
            ("host bits set (IPv4-mapped)", '["::ffff:0:0/95"]', entry(HOST, "::ffff:0:0/95")),
            ("host bits set in the second entry", '["10.0.0.0/8", "::1/64"]',
             entry(HOST, "::1/64")),
            ("prefix 33 on IPv4", '["10.0.0.0/33"]', entry(P4, "10.0.0.0/33")),
            ("prefix 129 on IPv6", '["::/129"]', entry(P6, "::/129")),
            ("prefix with a leading zero", '["10.0.0.0/08"]', entry(P4, "10.0.0.0/08")),
            ("prefix of four digits", '["::1/0128"]', entry(P6, "::1/0128")),
            ("negative prefix", '["10.0.0.0/-1"]', entry(P4, "10.0.0.0/-1")),
            ("prefix with a plus sign", '["10.0.0.0/+8"]', entry(P4, "10.0.0.0/+8")),
            ("empty prefix", '["10.0.0.0/"]', entry(P4, "10.0.0.0/")),
            ("two prefixes", '["10.0.0.0/8/8"]', entry(P4, "10.0.0.0/8/8")),
            ("space before the prefix length", '["10.0.0.0/ 8"]', entry(P4, "10.0.0.0/ 8")),
            ("space before the '/'", '["10.0.0.0 /8"]', entry(NOT, "10.0.0.0 /8")),
            ("a prefix alone", '["/8"]', entry(NOT, "/8")),
            ("a hex prefix", '["10.0.0.0/0x8"]', entry(P4, "10.0.0.0/0x8")),
            # entries that are not texts
            ("a nested array", '[["10.0.0.1"]]', TEXTS),
            ("an array of arrays of arrays", '[[["10.0.0.1"]]]', TEXTS),
            ("a number", "[167772161]", TEXTS),
            ("a REAL", "[10.0]", TEXTS),
            ("null", "[null]", TEXTS),
            ("true", "[true]", TEXTS),
            ("an object", '[{"ip": "10.0.0.1"}]', TEXTS),
            ("a text then a number", '["10.0.0.1", 1]', TEXTS),
            # malformed entries
            ("an empty entry", '[""]', "allowed_ips entry must not be empty"),
            ("an empty entry after a good one", '["10.0.0.1", ""]',
             "allowed_ips entry must not be empty"),
            ("a port", '["10.0.0.1:80"]', entry(NOT, "10.0.0.1:80")),
            ("IPv6 with a port", '["[::1]:80"]', entry(NOT, "[::1]:80")),
            ("a host name", '["localhost"]', entry(NOT, "localhost")),
            ("a range", '["10.0.0.1-10.0.0.9"]', entry(NOT, "10.0.0.1-10.0.0.9")),
            ("two addresses in one entry", '["10.0.0.1,10.0.0.2"]',
             entry(NOT, "10.0.0.1,10.0.0.2")),
            ("leading zeros", '["010.0.0.0/8"]', entry(NOT, "010.0.0.0/8")),
            ("IPv4 of three parts", '["10.0.0/24"]', entry(NOT, "10.0.0/24")),
            ("blank around an entry", '[" 10.0.0.1"]', entry(NOT, " 10.0.0.1")),
            ("a zone [undocumented: refused in a list]", '["fe80::1%eth0"]',
             entry(NOT, "fe80::1%eth0")),
            ("a zone on a block", '["fe80::/10%eth0"]', entry(P6, "fe80::/10%eth0")),
            ("invalid UTF-8 in an entry", bad_utf8(b'["10.0.0.1\xff"]'),
             entry(NOT, b"10.0.0.1\xff")),
            ("a control character (JSON escape)", '["10.0.0.1\\u0001"]',
             entry(NOT, "10.0.0.1\x01")),
            ("SQL injection", json.dumps([SQL_INJECTION]), entry(NOT, SQL_INJECTION)),
            # too long for an address: refused before it is parsed, with the
            # shorter wording [undocumented]
            ("an entry of 100 dots", json.dumps(["." * 100]),
             "allowed_ips entry is not an IP address: " + quote("." * 100, 60)),
            ("a 1 MiB entry", json.dumps([MIB]),
             "allowed_ips entry is not an IP address: " + quote(MIB, 60)),
            # a token's text inside: never quoted
            ("a token's text", json.dumps([T]), "allowed_ips entry %s: (a token)" % NOT),
            ("a token's text as a Bearer header", json.dumps(["Bearer " + T]),
             "allowed_ips entry %s: (a token)" % NOT),
            ("a token's random part", json.dumps([R]), entry(NOT, R)),
            ("a token's random part as a prefix length", json.dumps(["10.0.0.0/" + R]),
             entry(P4, "10.0.0.0/" + R)),
            ("a token's text after an address", json.dumps(["10.0.0.1 " + T]),
             entry(NOT, "10.0.0.1 " + T)),
            ("a token's random part as a zone", json.dumps(["fe80::1%" + R]),
             entry(NOT, "fe80::1%" + R)),
        ]

    def ips_top_values(self):
        """Values of allowed_ips that are no array (UPDATE pat_tokens)."""
        return [
            ("INTEGER", 1), ("REAL", 1.5), ("BLOB of a JSON array", b'["10.0.0.1"]'),
            ("empty BLOB", b""), ("empty text", ""), ("one space", " "), ("not JSON", "x"),
            ("a bare address", "10.0.0.1"), ("a JSON string", '"10.0.0.1"'),
            ("a JSON string holding an array", '"[\\"10.0.0.1\\"]"'),
            ("JSON null", "null"), ("JSON true", "true"), ("a JSON number", "1"),
            ("a JSON object", '{"allowed_ips": ["10.0.0.1"]}'), ("an empty object", "{}"),
            ("an unclosed array", '["10.0.0.1"'), ("a trailing comma", '["10.0.0.1",]'),
            ("single quotes", "['10.0.0.1']"), ("two arrays", '["10.0.0.1"]["::1"]'),
            ("100,000 levels of '['", "[" * 100000),
            ("100,000 levels, balanced", "[" * 100000 + "]" * 100000),
            ("a comma-separated list", "10.0.0.1, 10.0.0.2"),
            ("1 MiB of '['", "[" * (1 << 20)),
            ("string at the length limit", AT_LIMIT),
            ("a raw NUL inside a string", '["10.0.0.1\x00"]'),
            ("invalid UTF-8 alone", bad_utf8(b"\xff")),
            ("SQL injection", SQL_INJECTION),
            ("a token's text", self.T),
        ]

    def options_values(self):
        """(label, value, answer): answer is (description, allowed_ips list
        or None) for a new token, or an error message without 'fn: '."""
        T = self.T
        R = T[4:36]

        def unknown(key):
            return "unknown option (keys: description, allowed_ips): " + quote(key, 40)

        DESC = "description must be a text"
        LONG = "description is longer than 1000 bytes"
        v = [
            ("NULL", None, (None, None)),
            ("NaN (binds as NULL)", NAN, (None, None)),
            ("an empty object", "{}", (None, None)),
            ("an empty object with blanks", " \t{ }\n", (None, None)),
            ("both keys NULL", '{"description": null, "allowed_ips": null}', (None, None)),
            ("a description", '{"description": "nightly build"}', ("nightly build", None)),
            ("an empty description", '{"description": ""}', ("", None)),
            ("both keys", json.dumps({"description": "d", "allowed_ips": LIST}), ("d", LIST)),
            ("both keys, the other order", json.dumps({"allowed_ips": LIST, "description": "d"}),
             ("d", LIST)),
            ("a description of 1,000 bytes", json.dumps({"description": "d" * 1000}),
             ("d" * 1000, None)),
            ("a description of 1,000 bytes of 2-byte characters",
             json.dumps({"description": "\u00e9" * 500}, ensure_ascii=False),
             ("\u00e9" * 500, None)),
            ("a description of 1,000 bytes written as JSON escapes",
             json.dumps({"description": "\u00e9" * 500}), ("\u00e9" * 500, None)),
            ("a description with a newline escape", '{"description": "a\\nb"}', ("a\nb", None)),
            ("a description holding a token's text [undocumented: stored as given]",
             json.dumps({"description": "for " + T}), ("for " + T, None)),
            ("a description that looks like JSON", '{"description": "[1]"}', ("[1]", None)),
            # the types and forms of the whole value
            ("INTEGER", 1, OPT_TYPE),
            ("INTEGER 0", 0, OPT_TYPE),
            ("REAL", 1.5, OPT_TYPE),
            ("BLOB of a JSON object", b"{}", OPT_TYPE),
            ("empty BLOB", b"", OPT_TYPE),
            ("empty text", "", OPT_TYPE),
            ("one space", " ", OPT_TYPE),
            ("not JSON", "x", OPT_TYPE),
            ("an unclosed object", '{"description": "x"', OPT_TYPE),
            ("a lone '{'", "{", OPT_TYPE),
            ("a lone '}'", "}", OPT_TYPE),
            ("a JSON array", "[]", OPT_TYPE),
            ("a JSON array of an object", "[{}]", OPT_TYPE),
            ("JSON null", "null", OPT_TYPE),
            ("JSON true", "true", OPT_TYPE),
            ("JSON false", "false", OPT_TYPE),
            ("a JSON number", "1", OPT_TYPE),
            ("a JSON string", '"x"', OPT_TYPE),
            ("a JSON string holding an object", '"{}"', OPT_TYPE),
            ("two objects", '{"description": "a"} {"description": "b"}', OPT_TYPE),
            ("trailing junk", '{"description": "x"} x', OPT_TYPE),
            ("a raw control character in a string", '{"description": "a\x01b"}', OPT_TYPE),
            ("a bad escape", '{"description": "\\x41"}', OPT_TYPE),
            ("a raw NUL inside a string", '{"description": "a\x00b"}', OPT_TYPE),
            ("a raw NUL after the object", '{"description": "x"}\x00junk',
             "options hold a NUL character"),
            ("100,000 levels of '{'", '{"a":' * 100000, OPT_TYPE),
            ("50,000 nested objects", '{"a":' * 50000 + "1" + "}" * 50000, OPT_TYPE),
            ("1 MiB of '{'", "{" * (1 << 20), OPT_TYPE),
            ("string at the length limit", AT_LIMIT, OPT_TYPE),
            ("string over the length limit", OVER_LIMIT, None),
            ("invalid UTF-8 alone", bad_utf8(b"\xff"), OPT_TYPE),
            ("SQL injection", SQL_INJECTION, OPT_TYPE),
            ("a token's text", T, OPT_TYPE),
            # keys
            ("an unknown key", '{"foo": 1}', unknown("foo")),
            ("an unknown key after a good one", '{"description": "x", "foo": 1}',
             unknown("foo")),
            ("an unknown key before a good one", '{"foo": 1, "description": "x"}',
             unknown("foo")),
            ("an unknown key holding a token as its value", json.dumps(
                {"allowed_ips": ["10.0.0.1"], "foo": T}), unknown("foo")),
            ("a key in another case", '{"Description": "x"}', unknown("Description")),
            ("a key in upper case", '{"ALLOWED_IPS": ["10.0.0.1"]}', unknown("ALLOWED_IPS")),
            ("a key with a blank", '{"description ": "x"}', unknown("description ")),
            ("a key with a leading blank", '{" allowed_ips": []}', unknown(" allowed_ips")),
            ("a key's prefix", '{"desc": "x"}', unknown("desc")),
            ("a longer key", '{"descriptions": "x"}', unknown("descriptions")),
            ("an empty key", '{"": 1}', unknown("")),
            ("a key of 50 bytes", json.dumps({"-" * 50: 1}), unknown("-" * 50)),
            ("a key of 1 MiB", json.dumps({MIB: 1}), unknown(MIB)),
            ("a key with a control character", '{"a\\u0001b": 1}', unknown("a\x01b")),
            ("a key with an ANSI escape", '{"\\u001b[31mx": 1}', unknown("\x1b[31mx")),
            ("a key with invalid UTF-8", bad_utf8(b'{"k\xff": 1}'), unknown(b"k\xff")),
            ("a key with non-ASCII letters", json.dumps({"d\u00e9scription": 1}),
             unknown("d\u00e9scription")),
            ("the 'rights' key", '{"rights": "DATA_FETCH"}', unknown("rights")),
            ("the 'valid_to' key", '{"valid_to": "2030-01-01"}', unknown("valid_to")),
            ("a key that is SQL", json.dumps({SQL_INJECTION: 1}), unknown(SQL_INJECTION)),
            ("a key that is a token's text", json.dumps({T: 1}),
             "unknown option (keys: description, allowed_ips): (a token)"),
            ("a key that is a Bearer header", json.dumps({"Bearer " + T: 1}),
             "unknown option (keys: description, allowed_ips): (a token)"),
            ("a key holding a token's random part", json.dumps({"x" + R: 1}),
             unknown("x" + R)),
            ("a key holding a token's text", json.dumps({"token=" + T: 1}),
             unknown("token=" + T)),
            # duplicate keys
            ("description twice", '{"description": "a", "description": "b"}',
             "option 'description' is given twice"),
            ("description twice, NULL first", '{"description": null, "description": "b"}',
             "option 'description' is given twice"),
            ("allowed_ips twice", '{"allowed_ips": ["10.0.0.1"], "allowed_ips": ["::1"]}',
             "option 'allowed_ips' is given twice"),
            ("allowed_ips twice, NULL first", '{"allowed_ips": null, "allowed_ips": ["::1"]}',
             "option 'allowed_ips' is given twice"),
            ("both keys twice",
             '{"description": "a", "allowed_ips": null, "description": "b", "allowed_ips": null}',
             "option 'description' is given twice"),
            # descriptions
            ("a description of 1,001 bytes", json.dumps({"description": "d" * 1001}), LONG),
            ("a description of 1,001 bytes of 2-byte characters and one more",
             json.dumps({"description": "\u00e9" * 500 + "x"}, ensure_ascii=False), LONG),
            ("a description of 1 MiB", json.dumps({"description": MIB}), LONG),
            ("a description that is a number", '{"description": 1}', DESC),
            ("a description that is a REAL", '{"description": 1.5}', DESC),
            ("a description that is true", '{"description": true}', DESC),
            ("a description that is an array", '{"description": ["a"]}', DESC),
            ("a description that is an object", '{"description": {}}', DESC),
            # allow-lists that are not arrays
            ("allowed_ips as a bare address", '{"allowed_ips": "10.0.0.1"}', IPS_TYPE),
            ("allowed_ips as the text 'null'", '{"allowed_ips": "null"}', IPS_TYPE),
            ("allowed_ips as a number", '{"allowed_ips": 1}', IPS_TYPE),
            ("allowed_ips as true", '{"allowed_ips": true}', IPS_TYPE),
            ("allowed_ips as an object", '{"allowed_ips": {"a": "10.0.0.1"}}', IPS_TYPE),
            ("an error in allowed_ips and an unknown key after it",
             '{"allowed_ips": [], "foo": 1}',
             "allowed_ips must hold at least one address or block"),
        ]
        # every allow-list of ips_values, as the value of allowed_ips
        for label, text, answer in self.ips_values():
            if isinstance(text, Sql):
                inner = text.raw
                value = bad_utf8(b'{"allowed_ips": ' + inner + b"}")
            else:
                value = '{"allowed_ips": %s}' % text
            v.append(("allowed_ips: " + label, value,
                      (None, answer) if isinstance(answer, list) else answer))
        return v

    def new_token_with(self, description, ips):
        """A check for Made: the newest row shows this description and
        allow-list, and the token verifies from the list's first network
        (or without a client when it has none) and, with a list, not
        without a client."""
        def check(tc, token):
            row = tc.last_token()
            want = json.dumps(ips, separators=(",", ":")) if ips is not None else None
            if (row["description"], row["allowed_ips"]) != (description, want):
                return "description, allowed_ips = %r, %r; expected %r, %r" % (
                    short(row["description"]), row["allowed_ips"], short(description), want)
            client = ips[0].split("/")[0] if ips else None
            got = tc.one("SELECT pat_verify(?, ?, ?)", (token, row["vf"], client))
            if got != row["id"]:
                return "new token does not verify from %r (got %r)" % (client, got)
            if ips and tc.one("SELECT pat_verify(?, ?)", (token, row["vf"])) is not None:
                return "a token with an allow-list verifies without a client"
            return None
        return check

    def test_pat_create_options(self):
        self.checks_fixture()
        cases = []
        for label, v, answer in self.options_values():
            if v is OVER_LIMIT:
                exp = Err(TOO_BIG)
            elif isinstance(answer, str):
                exp = err("pat_create: " + answer)
            else:
                exp = Made(self.new_token_with(*answer))
            cases.append(case("pat_create options: " + label,
                              call("pat_create", "u1", "n", "DATA_FETCH", None, None, v), exp))
        # the options are read whatever else is wrong; either error names
        # the function, and nothing is written
        for label, args in [
            ("bad options and a NULL owner", (None, "n", "DATA_FETCH", None, None, "x")),
            ("bad options and an unknown right", ("u1", "n", "NOPE", None, None, "x")),
            ("bad options and a bad window", ("u1", "n", "DATA_FETCH", 10, 5, "x")),
            ("an unknown key and a bad valid_from", ("u1", "n", "DATA_FETCH", "garbage", None,
                                                     '{"foo": 1}')),
        ]:
            cases.append(case("pat_create options: " + label, call("pat_create", *args),
                              err_like("pat_create: ")))
        self.run_cases(cases)

    def test_pat_create_options_under_max_tokens_per_owner(self):
        """A bad option is refused before the cap is looked at, and a good
        one past the cap is refused by the cap: neither writes."""
        self.checks_fixture()
        self.set_setting("max_tokens_per_owner", 2)   # u1 holds plain and listed
        cap = ("pat_create: owner 'u1' holds 2 tokens that are not expired, as many as "
               "max_tokens_per_owner (2) allows")
        self.run_cases([
            case("capped: good options", call("pat_create", "u1", "n", "DATA_FETCH", None,
                                              None, json.dumps({"allowed_ips": LIST})),
                 err(cap)),
            case("capped: an unknown key", call("pat_create", "u1", "n", "DATA_FETCH", None,
                                                None, '{"foo": 1}'),
                 err_like("pat_create: ")),
            case("another owner: good options",
                 call("pat_create", "u2", "n", "DATA_FETCH", None, None,
                      json.dumps({"allowed_ips": LIST})), Made(self.new_token_with(None, LIST))),
        ])

    def test_pat_tokens_allowed_ips_and_description(self):
        self.checks_fixture()
        tid, token = self.tid, self.T
        P = "pat_tokens"

        def restore(tc):
            tc.conn.execute("UPDATE pat_tokens SET allowed_ips = NULL, description = NULL"
                            " WHERE id = ?", (tid,))

        def row_is(description, ips, from_client=True):
            def check(tc):
                row = tc.token_row(tid)
                want = json.dumps(ips, separators=(",", ":")) if ips is not None else None
                if (row["description"], row["allowed_ips"]) != (description, want):
                    return "description, allowed_ips = %r, %r; expected %r, %r" % (
                        short(row["description"]), row["allowed_ips"], short(description),
                        want)
                if from_client:
                    client = ips[0].split("/")[0] if ips else None
                    if tc.one("SELECT pat_verify(?, ?, ?)", (token, tc.at, client)) != tid:
                        return "the token does not verify from %r" % client
                    if ips and tc.one("SELECT pat_verify(?, ?)", (token, tc.at)) is not None:
                        return "a token with an allow-list verifies without a client"
                # the update event's detail never quotes a token
                ev = tc.events(tid)[-1]
                if ev["event"] == "update" and TOKEN_RUN.search(ev["detail"] or ""):
                    return "update event quotes what could be a token: %r" % ev["detail"]
                return None
            return check

        cases = []
        upd = "UPDATE pat_tokens SET allowed_ips = {} WHERE id = {}"
        for label, text, answer in self.ips_values():
            exp = (Done(row_is(None, answer)) if isinstance(answer, list)
                   else err("%s: %s" % (P, answer)))
            cases.append(case("pat_tokens UPDATE allowed_ips: " + label,
                              stmt(upd, text, tid), exp, restore))
        for label, v in self.ips_top_values():
            cases.append(case("pat_tokens UPDATE allowed_ips: " + label, stmt(upd, v, tid),
                              err("%s: %s" % (P, IPS_TYPE))))
        cases += [
            case("pat_tokens UPDATE allowed_ips: NULL (no list)", stmt(upd, None, tid),
                 Done(row_is(None, None))),
            case("pat_tokens UPDATE allowed_ips: string over the length limit",
                 stmt(upd, OVER_LIMIT, tid), Err(TOO_BIG)),
            case("pat_tokens UPDATE allowed_ips of every row, one bad",
                 stmt("UPDATE pat_tokens SET allowed_ips = CASE WHEN id = {} THEN '[]'"
                      " ELSE '[\"10.0.0.1\"]' END", self.lid),
                 err("pat_tokens: allowed_ips must hold at least one address or block")),
            case("pat_tokens UPDATE allowed_ips and a bad name",
                 stmt("UPDATE pat_tokens SET allowed_ips = '[\"10.0.0.1\"]', name = ''"
                      " WHERE id = {}", tid), err_like("pat_tokens: ")),
            case("pat_tokens UPDATE bad allowed_ips and a good description",
                 stmt("UPDATE pat_tokens SET allowed_ips = '[]', description = 'x'"
                      " WHERE id = {}", tid),
                 err("pat_tokens: allowed_ips must hold at least one address or block")),
            case("pat_tokens UPDATE a good allow-list and a bad description",
                 stmt("UPDATE pat_tokens SET allowed_ips = '[\"10.0.0.1\"]', description = 1"
                      " WHERE id = {}", tid), err("pat_tokens: description must be a text")),
            case("pat_tokens UPDATE allowed_ips = description (a JSON array)",
                 stmt("UPDATE pat_tokens SET description = '[\"::1\"]' WHERE id = {}", tid),
                 Done(row_is('["::1"]', None))),
            case("pat_tokens UPDATE allowed_ips from the column description",
                 stmt("UPDATE pat_tokens SET allowed_ips = description WHERE id = {}", tid),
                 Done(row_is('["::1"]', ["::1"])), restore),
        ]
        # description
        upd = "UPDATE pat_tokens SET description = {} WHERE id = {}"
        DESC = "pat_tokens: description must be a text"
        LONG = "pat_tokens: description is longer than 1000 bytes"
        for label, v, exp in [
            ("NULL", None, Done(row_is(None, None))),
            ("NaN (binds as NULL)", NAN, Done(row_is(None, None))),
            ("empty text", "", Done(row_is("", None))),
            ("1,000 bytes", "d" * 1000, Done(row_is("d" * 1000, None))),
            ("1,000 bytes of 2-byte characters", "\u00e9" * 500,
             Done(row_is("\u00e9" * 500, None))),
            ("a newline [undocumented: stored as given]", "a\nb", Done(row_is("a\nb", None))),
            ("a token's text [undocumented: stored as given, masked in the event]",
             "for " + self.T, Done(row_is("for " + self.T, None))),
            ("SQL injection", SQL_INJECTION, Done(row_is(SQL_INJECTION, None))),
            ("JSON text", '{"description": "x"}', Done(row_is('{"description": "x"}', None))),
            ("1,001 bytes", "d" * 1001, err(LONG)),
            ("1,001 bytes of 2-byte characters and one more", "\u00e9" * 500 + "x", err(LONG)),
            ("1 MiB", MIB, err(LONG)),
            ("string at the length limit", AT_LIMIT, err(LONG)),
            ("string over the length limit", OVER_LIMIT, Err(TOO_BIG)),
            ("a NUL inside", "a\x00b", err("pat_tokens: description holds a NUL byte")),
            ("a NUL at the end", "a\x00", err("pat_tokens: description holds a NUL byte")),
            ("a NUL in 1,001 bytes", "a\x00" + "d" * 999, err(LONG)),
            ("INTEGER", 1, err(DESC)),
            ("INTEGER 0", 0, err(DESC)),
            ("REAL", 1.5, err(DESC)),
            ("REAL inf", INF, err(DESC)),
            ("BLOB", b"text", err(DESC)),
            ("empty BLOB", b"", err(DESC)),
        ]:
            cases.append(case("pat_tokens UPDATE description: " + label, stmt(upd, v, tid),
                              exp, restore))
        self.run_cases(cases)

    # ============================ JSON the same on every SQLite version

    # allowed_ips given as a JSON string that holds an array is no array
    # (json_each gives the same text for both: options.c reads its type).
    def test_allowed_ips_as_a_string_holding_an_array_is_refused(self):
        self.checks_fixture()
        self.run_cases([
            case("options: allowed_ips as a string holding an array",
                 call("pat_create", "u1", "n", "DATA_FETCH", None, None,
                      '{"allowed_ips": "[\\"10.0.0.1\\"]"}'),
                 err("pat_create: " + IPS_TYPE)),
        ])

    def nul_escape_cases(self):
        T = self.T
        return [
            case("options: a description with \\u0000",
                 call("pat_create", "u1", "n", "DATA_FETCH", None, None,
                      '{"description": "a\\u0000b"}'),
                 err("pat_create: options hold a NUL character")),
            case("options: a key 'description\\u0000'",
                 call("pat_create", "u1", "n", "DATA_FETCH", None, None,
                      '{"description\\u0000x": "a"}'),
                 err("pat_create: options hold a NUL character")),
            case("options: an entry with \\u0000 then junk",
                 call("pat_create", "u1", "n", "DATA_FETCH", None, None,
                      '{"allowed_ips": ["10.0.0.1\\u0000junk"]}'),
                 err("pat_create: options hold a NUL character")),
            case("options: an escaped backslash before u0000 is no NUL",
                 call("pat_create", "u1", "n", "DATA_FETCH", None, None,
                      '{"description": "a\\\\u0000b"}'),
                 Made()),
            case("UPDATE: an entry with \\u0000 then junk",
                 stmt("UPDATE pat_tokens SET allowed_ips = {} WHERE id = {}",
                      '["10.9.9.9\\u0000junk"]', self.tid),
                 err("pat_tokens: allowed_ips holds a NUL character")),
            case("UPDATE: an entry with \\u0000 then a token",
                 stmt("UPDATE pat_tokens SET allowed_ips = {} WHERE id = {}",
                      '["10.9.9.9\\u0000' + T + '"]', self.tid),
                 err("pat_tokens: allowed_ips holds a NUL character")),
        ]

    # SQLite 3.40's JSON functions end a string at \u0000 (3.54's do not):
    # options.c refuses the escape on every version, as a NUL byte is.
    def test_json_nul_escapes_are_refused(self):
        self.checks_fixture()
        self.run_cases(self.nul_escape_cases())

    def json5_cases(self):
        return [
            case("options: JSON5 unquoted key and single quotes",
                 call("pat_create", "u1", "n", "DATA_FETCH", None, None, "{description: 'x'}"),
                 err("pat_create: " + OPT_TYPE)),
            case("options: JSON5 trailing commas",
                 call("pat_create", "u1", "n", "DATA_FETCH", None, None,
                      '{"allowed_ips": ["10.0.0.1",],}'),
                 err("pat_create: " + OPT_TYPE)),
            case("options: JSON5 comment",
                 call("pat_create", "u1", "n", "DATA_FETCH", None, None, "{/* c */}"),
                 err("pat_create: " + OPT_TYPE)),
            case("UPDATE: JSON5 single-quoted entry",
                 stmt("UPDATE pat_tokens SET allowed_ips = {} WHERE id = {}", "['10.0.0.1']",
                      self.tid), err("pat_tokens: " + IPS_TYPE)),
            case("UPDATE: JSON5 trailing comma",
                 stmt("UPDATE pat_tokens SET allowed_ips = {} WHERE id = {}", '["::1",]',
                      self.tid), err("pat_tokens: " + IPS_TYPE)),
        ]

    # options and allowed_ips are JSON (INTERFACE.md): SQLite 3.42 and later
    # also read JSON5, so options.c asks json_valid(), strict on every
    # version, first.
    def test_json5_is_refused(self):
        self.checks_fixture()
        self.run_cases(self.json5_cases())
