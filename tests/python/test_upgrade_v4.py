"""A store of schema version 4 (tests/fixtures/schema_v4.sql) under the
current version. Version 5 records uses in pat_store_uses and takes
last_used_at out of the digest index. This pat reads a v4 store as it is:
its checks record a use in the row, as version 4 did, and pat_tokens shows
the row's; the first write of a pat table upgrades it, keeping every
last_used_at. Each test builds a v4 store WITHOUT pat, then opens it with pat.
"""
import re

from tests.python import helpers
from tests.python.helpers import PatTestCase
from tests.python.test_upgrade_v3 import V4_SQL, UpgradeFromV3Test

V5_SQL = helpers.ROOT + "/tests/fixtures/schema_v5.sql"


def statements(sql):
    """The statements of a script, comments dropped and spaces folded."""
    text = "\n".join(l for l in sql.splitlines() if not l.strip().startswith("--"))
    # a trigger's body holds semicolons: split at those that end a line
    # outside BEGIN ... END
    out, cur, depth = [], [], 0
    for line in text.splitlines():
        cur.append(line)
        depth += len(re.findall(r"\bBEGIN\b", line)) - len(re.findall(r"\bEND;", line))
        if line.rstrip().endswith(";") and depth == 0:
            out.append(" ".join(" ".join(cur).split()))
            cur = []
    return set(out)


def schema_objects(path):
    """The tables, indexes and triggers a schema script makes, by name."""
    with open(path) as f:
        out = {}
        for st in statements(f.read()):
            m = re.match(r"CREATE (?:UNIQUE )?(?:TABLE|INDEX|TRIGGER) IF NOT EXISTS"
                         r" main\.(\w+)", st)
            if m:
                out[m.group(1)] = st
        return out


class UpgradeFromV4Test(PatTestCase):
    build = UpgradeFromV3Test.build_v3
    raw_one = UpgradeFromV3Test.raw_one

    def build_v4(self):
        token = self.build(fixture=V4_SQL)
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_meta"
                                      " WHERE key = 'schema_version'"), 4)
        return token

    def index_columns(self, name="pat_store_tokens_lookup"):
        raw = helpers.raw_connect(self.path)
        try:
            return [r[2] for r in raw.execute(
                "SELECT * FROM pragma_index_info(?)", (name,))]
        finally:
            raw.close()

    def has_uses_table(self):
        return self.raw_one("SELECT count(*) FROM sqlite_schema"
                            " WHERE name = 'pat_store_uses'") == 1

    def test_checks_record_in_the_row_and_reads_show_it_without_an_upgrade(self):
        token = self.build_v4()
        ro = self.connect(path="file:%s?mode=ro" % self.path)
        self.assertEqual(self.verify(token, conn=ro), 1)
        self.assertIsNone(self.one("SELECT last_used_at FROM pat_tokens", conn=ro))
        self.assertEqual(self.verify(token), 1)
        self.conn.close()  # writes what it held
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_meta"
                                      " WHERE key = 'schema_version'"), 4)
        self.assertFalse(self.has_uses_table())
        used = self.raw_one("SELECT last_used_at FROM pat_store_tokens WHERE id = 1")
        self.assertIsInstance(used, int)
        self.assertEqual(self.one("SELECT unixepoch(last_used_at) FROM pat_tokens", conn=ro),
                         used)

    def test_the_first_write_upgrades_it_and_keeps_last_used_at(self):
        token = self.build_v4()
        raw = helpers.raw_connect(self.path)
        raw.execute("UPDATE pat_store_tokens SET last_used_at = unixepoch('now') - 500")
        raw.close()
        kept = self.raw_one("SELECT last_used_at FROM pat_store_tokens")
        self.assertIn("last_used_at", self.index_columns("pat_store_tokens_digest"))
        self.conn.execute("INSERT INTO pat_owners(owner, role) VALUES ('bob', 'VIEWER')")
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_meta"
                                      " WHERE key = 'schema_version'"), helpers.SCHEMA_VERSION)
        self.assertTrue(self.has_uses_table())
        self.assertEqual(self.index_columns(),
                         ["digest", "valid_from", "valid_to", "prev_until", "rights_hash",
                          "allowed_blocks"])
        # the older index stays while the INSERT's own statement reads; the
        # first bookkeeping write drops it, on its own connection
        self.assertIn("last_used_at", self.index_columns("pat_store_tokens_digest"))
        self.assertEqual(self.raw_one("SELECT last_used_at FROM pat_store_tokens"), kept)
        self.assertEqual(self.one("SELECT unixepoch(last_used_at) FROM pat_tokens"), kept)
        self.set_setting("bookkeeping_delay", 0)
        self.assertEqual(self.verify(token), 1)
        now = self.now()
        self.assertEqual(self.raw_one("SELECT count(*) FROM pat_store_uses"), 1)
        self.assertEqual(self.index_columns("pat_store_tokens_digest"), [])
        self.assertLessEqual(abs(self.one("SELECT unixepoch(last_used_at) FROM pat_tokens")
                                 - now), 2)
        self.assertEqual(self.raw_one("PRAGMA integrity_check"), "ok")

    def test_version_5_adds_these_objects_and_changes_these_only(self):
        # version 5's schema.sql as it was (tests/fixtures/schema_v5.sql);
        # what 6 makes: test_upgrade_v5
        v4 = schema_objects(V4_SQL)
        now = schema_objects(V5_SQL)
        self.assertEqual(sorted(set(now) - set(v4)), sorted([
            "pat_store_uses", "pat_store_tokens_uses_kept", "pat_store_tokens_by_digest",
            "pat_store_retired", "pat_store_tokens_retire_rotated",
            "pat_store_tokens_prev_digest", "pat_store_retired_digest", "pat_store_retired_at"]))
        self.assertEqual(sorted(set(v4) - set(now)), ["pat_store_tokens_digest"])
        # changed in place: the token table's three new columns (added by the
        # upgrade) and the delete trigger (dropped and made anew)
        self.assertEqual(sorted(k for k in set(v4) & set(now) if v4[k] != now[k]),
                         ["pat_store_tokens", "pat_store_tokens_deleted"])
