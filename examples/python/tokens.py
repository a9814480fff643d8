#!/usr/bin/python3
"""Manage the tokens of the example API from the command line.

    tokens.py --db app.db create alice "ci pipeline" DATA_FETCH,DATA_CREATE [--valid-to 2027-01-01]
              [--description TEXT] [--allowed-ip 10.40.0.0/16 ...]
    tokens.py --db app.db list [alice]
    tokens.py --db app.db rotate 3 [--valid-to 2027-01-01]
    tokens.py --db app.db delete 3
    tokens.py --db app.db revoke leak-report.txt [--reason "found in a paste"]
    some-secret-scanner | tokens.py --db app.db revoke -
    tokens.py --db app.db rights

create and rotate print the token on stdout, once (it is stored only as a
digest), so `TOKEN=$(tokens.py ... create ...)` captures it. Errors from pat
are printed as they come, and the exit status is 1.

revoke reads a leak report as it arrives (a file, or - for standard input:
a scanner's output, a log, a paste) and revokes every token of this database
found in it by its value, with pat_revoke: no id needed. Anything else in the
report is ignored. Each revoked token stops working at once, and its value is
remembered as revoked (pat_retired), so a later try of it is a `deny` event.
"""
import argparse
import json
import re
import sqlite3
import sys
import urllib.parse

from server import DEFAULT_EXT, connect


def when(text):
    """A time for pat: unix seconds as an integer, anything else as text SQLite reads."""
    return int(text) if text.isdigit() else text


def shown_once(token):
    print(token)
    print("This token will not be shown again: copy it now.", file=sys.stderr)


def create(db, args):
    options = {}
    if args.description is not None:
        options["description"] = args.description
    if args.allowed_ips:
        options["allowed_ips"] = args.allowed_ips
    shown_once(db.execute("SELECT pat_create(?, ?, ?, ?, ?, ?)",
                          (args.owner, args.name, args.rights, args.valid_from, args.valid_to,
                           json.dumps(options) if options else None)).fetchone()[0])


def rotate(db, args):
    shown_once(db.execute("SELECT pat_rotate(?, ?)", (args.id, args.valid_to)).fetchone()[0])
    status, valid_to = db.execute("SELECT status, valid_to FROM pat_tokens WHERE id = ?",
                                  (args.id,)).fetchone()
    if status != "active":  # rotate keeps the window unless told otherwise
        print(f"Note: the token is {status} (valid to {valid_to}); --valid-to WHEN sets a new window.",
              file=sys.stderr)


def delete(db, args):
    if db.execute("DELETE FROM pat_tokens WHERE id = ?", (args.id,)).rowcount == 0:
        sys.exit(f"no token with id {args.id}")
    print(f"deleted token {args.id}: it stops working at once")


# A token is a run of [0-9A-Za-z_]: a prefix of at most 32 characters, 32
# random and 6 checksum ones. In a report it may be glued to what comes
# before it (`%20pat_...` in a URL, `key=pat_...` decoded, `Xpat_...`), so
# each run of 38 or more gives every tail of 38 to 70 characters as a
# candidate, after %XX escapes are decoded; pat_revoke counts the ones that
# are no token of this store as 0.
RUN = re.compile(r"[0-9A-Za-z_]{38,}")
TAIL_MIN, TAIL_MAX = 38, 70
REVOKE_MAX = 1000  # entries pat_revoke takes in one call


def candidates(text):
    found = {}
    for run in RUN.findall(urllib.parse.unquote(text)):
        for n in range(TAIL_MIN, min(len(run), TAIL_MAX) + 1):
            found[run[-n:]] = None
    return list(found)  # each once, in the report's order


def revoke(db, args):
    try:
        if args.report == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(args.report, "rb") as f:
                raw = f.read()
    except OSError as e:
        sys.exit(f"can not read {args.report}: {e.strerror}")
    # A report holds anything: bytes that are not UTF-8 are no token.
    found = candidates(raw.decode("utf-8", errors="replace"))
    revoked = 0
    # One transaction: all of the report's tokens are revoked, or none.
    db.execute("BEGIN IMMEDIATE")
    try:
        for i in range(0, max(len(found), 1), REVOKE_MAX):  # at least once: pat checks the reason
            chunk = json.dumps(found[i:i + REVOKE_MAX])
            row = db.execute("SELECT pat_revoke(?, ?)" if args.reason is not None else "SELECT pat_revoke(?)",
                             (chunk, args.reason) if args.reason is not None else (chunk,)).fetchone()
            revoked += row[0]
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    print(f"revoked {revoked} token{'' if revoked == 1 else 's'}"
          f" ({len(found)} candidate value{'' if len(found) == 1 else 's'} in the report)")
    if revoked == 0 and found:
        print("no value in the report is a live token of this database (already revoked, or"
              " another database's)", file=sys.stderr)


def table(headings, rows):
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in [headings] + rows) for i in range(len(headings))]
    for row in [headings] + rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


def list_tokens(db, args):
    sql = ("SELECT id, owner, name, valid_from, valid_to, rights, status, last_used_at"
           " FROM pat_tokens" + (" WHERE owner = ?" if args.owner else "") + " ORDER BY id")
    rows = [r[:5] + (", ".join(json.loads(r[5])),) + r[6:]
            for r in db.execute(sql, (args.owner,) if args.owner else ())]
    table(["id", "owner", "name", "valid from", "valid to", "rights", "status", "last used"], rows)


def rights(db, args):
    table(["category", "right", "description"],
          db.execute("SELECT category, name, description FROM pat_rights ORDER BY category, name"))


def main():
    p = argparse.ArgumentParser(description="Create, list, rotate, delete and revoke pat tokens.",
                                epilog="WHEN: a date or time SQLite reads ('2027-01-01',"
                                       " '2027-01-01 18:00:00') or unix seconds.")
    p.add_argument("--db", required=True, help="the SQLite database file")
    p.add_argument("--ext", default=DEFAULT_EXT, help="the pat extension (default: dist/pat)")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("create", help="make a token and print it, once")
    c.add_argument("owner")
    c.add_argument("name")
    c.add_argument("rights", help="DATA_FETCH,DATA_CREATE or DATA_* (see: rights)")
    c.add_argument("--valid-from", type=when, metavar="WHEN", help="default: now")
    c.add_argument("--valid-to", type=when, metavar="WHEN", help="default: 30 days later")
    c.add_argument("--description", help="what the token is for")
    c.add_argument("--allowed-ip", dest="allowed_ips", action="append", metavar="ADDRESS[/PREFIX]",
                   help="the token works only from these addresses (repeatable; default: any)")
    c.set_defaults(run=create)

    ls = sub.add_parser("list", help="the tokens, of one owner or all")
    ls.add_argument("owner", nargs="?")
    ls.set_defaults(run=list_tokens)

    r = sub.add_parser("rotate", help="give a token a new value; the old one stops working")
    r.add_argument("id", type=int)
    r.add_argument("--valid-to", type=when, metavar="WHEN", help="default: keep the window")
    r.set_defaults(run=rotate)

    d = sub.add_parser("delete", help="delete a token; it stops working at once")
    d.add_argument("id", type=int)
    d.set_defaults(run=delete)

    v = sub.add_parser("revoke", help="revoke every token found by value in a leak report")
    v.add_argument("report", help="a file, or - for standard input")
    v.add_argument("--reason", help="the revoke event's detail (default: revoked)")
    v.set_defaults(run=revoke)

    sub.add_parser("rights", help="the catalog of rights").set_defaults(run=rights)

    args = p.parse_args()
    try:
        db = connect(args.db, args.ext)
        args.run(db, args)
        db.close()
    except sqlite3.Error as e:
        sys.exit(str(e))


if __name__ == "__main__":
    main()
