"""Every SQL example in README.md runs, and shows what the README says.

The ```sql blocks of README.md run in order, on one connection to a fresh
database with pat loaded, like one session in the sqlite3 shell. The comment
lines right after a statement are its output, one row per line with columns
joined by '|' and NULL shown as NULL; `-- error: MESSAGE` means the statement
fails with that message. In an expected line, `...` stands for anything, a
time `YYYY-MM-DD HH:MM:SS` for any time, and a token for any token. A block
right after the line `<!-- not run: REASON -->` is skipped (it needs the
application's own values). Shell dot-commands (.load, .mode) are skipped:
pat is loaded already and rows are compared, not their layout.

The ```python blocks run too, each in a fresh directory where ./dist/pat is
the built extension.
"""
import os
import re
import sqlite3
import subprocess
import tempfile
import unittest

from tests.python import helpers

README = os.path.join(helpers.ROOT, "README.md")
TIME = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
TOKEN = r"[A-Za-z0-9_]*[0-9A-Za-z]{38}"  # any prefix


def blocks(lang):
    """(line number, text) of every ```lang block that is to run."""
    with open(README, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```" + lang:
            skip = i > 0 and lines[i - 1].startswith("<!-- not run:")
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            if not skip:
                out.append((i + 2, "\n".join(lines[i + 1:j])))
            i = j
        i += 1
    return out


def statements(text, first_line):
    """(line, sql, expected lines) for each statement of a block."""
    out, buf, start = [], "", None
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        line = lines[k]
        if not buf and (line.startswith(".") or not line.strip() or line.startswith("--")):
            k += 1
            continue
        if not buf:
            start = first_line + k
        buf += line + "\n"
        k += 1
        if sqlite3.complete_statement(buf):
            expected = []
            while k < len(lines) and lines[k].startswith("--"):
                expected.append(lines[k][2:].strip())
                k += 1
            out.append((start, buf.strip(), expected))
            buf = ""
    return out


def pattern(expected):
    """A regex for an expected output: `...` any text, a time any time, a
    token any token; the rest as written."""
    rx = ""
    for part in re.split(r"(\.\.\.|%s|pat_[0-9A-Za-z]{38})" % TIME, expected):
        if part == "...":
            rx += ".*"
        elif re.fullmatch(TIME, part):
            rx += TIME
        elif re.fullmatch(r"pat_[0-9A-Za-z]{38}", part):
            rx += TOKEN
        else:
            rx += re.escape(part)
    return re.compile(rx + r"\Z", re.S)


def show(row):
    return "|".join("NULL" if v is None else str(v) for v in row)


class ReadmeSqlTest(unittest.TestCase):
    maxDiff = None

    def test_every_sql_example_runs_and_shows_what_the_readme_says(self):
        tmp = tempfile.mkdtemp(prefix="pat-readme-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", tmp]))
        conn = helpers.connect(os.path.join(tmp, "readme.db"))
        self.addCleanup(conn.close)
        conn.execute("PRAGMA journal_mode = WAL")  # as the README recommends
        ran = 0
        for first, text in blocks("sql"):
            for line, sql, expected in statements(text, first):
                ran += 1
                where = "README.md line %d: %s" % (line, sql.split("\n")[0])
                errors = [e for e in expected if e.startswith("error: ")]
                if errors:
                    with self.assertRaises(sqlite3.Error, msg=where) as cm:
                        conn.execute(sql).fetchall()
                    self.assertRegex(str(cm.exception), pattern(errors[0][7:]), where)
                    continue
                try:
                    rows = conn.execute(sql).fetchall()
                except sqlite3.Error as e:
                    self.fail("%s\n  failed: %s" % (where, e))
                if not expected:
                    continue
                # Rows one a line; a value may itself hold lines (pat_debug).
                got = "\n".join(show(r) for r in rows)
                self.assertRegex(got, pattern("\n".join(expected)),
                                 "%s\n  expected %r" % (where, expected))
        self.assertGreater(ran, 20, "the README lost its examples")


class ReadmePythonTest(unittest.TestCase):

    def test_every_python_example_runs(self):
        found = blocks("python")
        self.assertTrue(found, "the README has no Python example")
        for first, code in found:
            with self.subTest(line=first):
                tmp = tempfile.mkdtemp(prefix="pat-readme-py-")
                self.addCleanup(lambda d=tmp: subprocess.run(["rm", "-rf", d]))
                os.symlink(os.path.join(helpers.ROOT, "dist"), os.path.join(tmp, "dist"))
                out = subprocess.run(["/usr/bin/python3", "-c", code], cwd=tmp,
                                     capture_output=True, text=True, timeout=60)
                self.assertEqual(out.returncode, 0,
                                 "README.md line %d:\n%s" % (first, out.stderr))
