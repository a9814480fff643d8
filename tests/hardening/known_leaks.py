"""Drops from one ASan/LSan log the leak reports of other people's bugs.

    python3 tests/hardening/known_leaks.py LOG

Prints what is left of LOG and exits 0 when nothing is left, 1 otherwise.
Used by tests/hardening/run_suite.sh instead of LSan suppressions: a
suppression matches a leak when ANY frame of its stack matches, so one naming
python or libsqlite3 would also hide a leak of pat's reached through them.
Here a leak is dropped only when its whole stack fits a signature below
(each names the frames it needs, adjacent, in order) and no frame of pat is
anywhere in it.
Any report other than a leak (an ASan or UBSan error) is always kept.
"""
import re
import sys

SQLITE = r"/libsqlite3\.so[.0-9]*\+"
PYSQLITE = r"/_sqlite3\.cpython-[^/]*\.so\+"

# A frame of pat: the extension's file or one of its sources.
PAT_FRAME = re.compile(r"/dist/pat\.so\b|/ext/[a-z_]+\.c:| in (sqlite3_)?pat_")


def cpython_154109(fr):
    """CPython 3.11's sqlite3.Connection.load_extension() never frees the
    error message of a failed load (python/cpython#154109). The message is
    allocated by sqlite3_load_extension itself: every frame between the
    allocator (#0) and sqlite3_load_extension is in libsqlite3, and its
    caller is the _sqlite3 module."""
    for i, l in enumerate(fr):
        if " in sqlite3_load_extension " in l:
            return (i >= 1 and all(re.search(SQLITE, x) for x in fr[1:i])
                    and i + 1 < len(fr) and re.search(PYSQLITE, fr[i + 1]))
    return False


KNOWN = [cpython_154109]


def frames(block):
    return [l for l in block if re.match(r"\s+#\d+ ", l)]


def known(block):
    fr = frames(block)
    if not fr or any(PAT_FRAME.search(l) for l in fr):
        return None
    for sig in KNOWN:
        if sig(fr):
            return " ".join(sig.__doc__.split()[:12]) + " ..."
    return None


def main(path):
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    text = "\n".join(lines)
    if "ERROR: LeakSanitizer" not in text or re.search(
            r"ERROR: AddressSanitizer|runtime error:|ERROR: UndefinedBehavior", text):
        sys.stdout.write(text)
        return 1 if text.strip() else 0
    # A leak report: a header, then blocks "Direct/Indirect leak of ..."
    # separated by blank lines, then SUMMARY.
    blocks, cur = [], None
    for l in lines:
        if re.match(r"(Direct|Indirect) leak of ", l):
            cur = [l]
            blocks.append(cur)
        elif cur is not None and l.strip() and not l.startswith("SUMMARY"):
            cur.append(l)
        else:
            cur = None
    left = []
    for b in blocks:
        why = known(b)
        if why:
            print("known leak, not pat's: %s (%s)" % (b[0], why))
        else:
            left.append(b)
    for b in left:
        print("\n".join(b) + "\n")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
