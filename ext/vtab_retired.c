/*
** vtab_retired.c: pat_retired, the values that stopped working.
**
**   SELECT token_id, why, retired_at, seen, last_seen_at FROM pat_retired
**    WHERE owner = 'alice' AND seen > 0;
**   -- 7|rotated|2026-12-01 10:00:00|3|2026-12-04 22:13:05
**   DELETE FROM pat_retired WHERE retired_at < '2026-06-01';   -- forget them
**
** A row is a value's digest (never shown) with the token it was, why it
** stopped (deleted, revoked, rotated) and when, and how often a check
** without `at` presented it since (sql/schema.sql, pat_store_retired). A
** value still in its rotation grace, and one older than the setting
** retired_keep, is not shown. DELETE is the only write.
*/
#include "tables.h"

static const pat_column columns[] = {
    {"token_id", "INTEGER", 0},
    {"owner", "TEXT", 0},
    {"name", "TEXT", 0},
    {"why", "TEXT", 0},
    {"retired_at", "TEXT", 0},
    {"seen", "INTEGER", 0},
    {"last_seen_at", "TEXT", 0},
};

static int retired_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                          sqlite3_int64 *rowid, pat_err *e) {
  (void)which;
  (void)rowid;
  if (pat_write_kind(argc, argv) != PAT_WRITE_DELETE)
    return pat_fail(e, "only DELETE changes it (it forgets retired values)");
  if (pat_store_ensure(c, NULL, e) != 0) return -1;
  return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_RETIRED_DELETE, PAT_ARGS(PAT_VALUE(argv[0])),
                        e);
}

const pat_table pat_table_retired = {
    .name = "pat_retired",
    PAT_COLUMNS(columns),
    .select = "SELECT id AS _rowid, token_id, owner, name, why,"
              " datetime(retired_at, 'unixepoch') AS retired_at, seen,"
              " datetime(last_seen_at, 'unixepoch') AS last_seen_at"
              " FROM main.pat_store_retired"
              " WHERE retired_at <= unixepoch('now') AND retired_at >= unixepoch('now') -"
              " (SELECT value FROM main.pat_store_settings WHERE key = 'retired_keep')",
    /* A store from before version 5 retired nothing. */
    .select_before_uses = "SELECT NULL AS _rowid, NULL AS token_id, NULL AS owner,"
                          " NULL AS name, NULL AS why, NULL AS retired_at, NULL AS seen,"
                          " NULL AS last_seen_at WHERE 0",
    .order = "ORDER BY _rowid",
    .bookkept = 1,
    .update = retired_update,
};
