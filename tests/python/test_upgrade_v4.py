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


class UpgradeFromV4Test(PatTestCase):
    build = UpgradeFromV3Test.build_v3
    raw_one = UpgradeFromV3Test.raw_one

    def build_v4(self):
        token = self.build(fixture=V4_SQL)
        self.assertEqual(self.raw_one("SELECT value FROM pat_store_meta"
                                      " WHERE key = 'schema_version'"), 4)
        return token

    def index_columns(self, name="pat_store_tokens_by_digest"):
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
        self.assertEqual(self.index_columns(), ["digest", "valid_from", "valid_to", "rights_hash"])
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

    def test_version_5_adds_the_uses_table_its_trigger_and_the_narrower_index_only(self):
        with open(V4_SQL) as f:
            v4 = statements(f.read())
        with open(helpers.ROOT + "/sql/schema.sql") as f:
            now = statements(f.read())
        v4 = {s for s in v4 if "'schema_version'" not in s and "pat_store_settings(key, value)"
              not in s}
        self.assertEqual(sorted(now - v4), sorted([
            "CREATE TABLE IF NOT EXISTS main.pat_store_uses( token_id INTEGER NOT NULL,"
            " at INTEGER NOT NULL, valid_from INTEGER NOT NULL, PRIMARY KEY (token_id, at) )"
            " WITHOUT ROWID;",
            "INSERT OR IGNORE INTO main.pat_store_meta(key, value) VALUES ('fold_from', 0);",
            "INSERT OR IGNORE INTO main.pat_store_meta(key, value) VALUES ('uses_count', 0);",
            "CREATE TRIGGER IF NOT EXISTS main.pat_store_tokens_uses_kept AFTER UPDATE OF"
            " valid_from ON pat_store_tokens WHEN OLD.valid_from IS NOT NEW.valid_from"
            " BEGIN UPDATE pat_store_tokens SET last_used_at = (SELECT max(at) FROM"
            " pat_store_uses WHERE token_id = OLD.id AND valid_from = OLD.valid_from)"
            " WHERE id = NEW.id AND EXISTS (SELECT 1 FROM pat_store_uses WHERE token_id ="
            " OLD.id AND valid_from = OLD.valid_from AND (NEW.last_used_at IS NULL OR at >"
            " NEW.last_used_at)); DELETE FROM pat_store_uses WHERE token_id = OLD.id AND"
            " valid_from = OLD.valid_from; END;",
            "CREATE INDEX IF NOT EXISTS main.pat_store_tokens_by_digest ON"
            " pat_store_tokens(digest, valid_from, valid_to, rights_hash);",
        ]))
        self.assertEqual(sorted(v4 - now), [
            "CREATE INDEX IF NOT EXISTS main.pat_store_tokens_digest ON"
            " pat_store_tokens(digest, valid_from, valid_to, last_used_at, rights_hash);",
        ])
