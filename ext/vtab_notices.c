/*
** vtab_notices.c: pat_notices, what an application should tell an owner.
**
**   SELECT token_id, owner, name, kind, due_at FROM pat_notices;
**   -- 7|alice|ci|expiring|2026-12-12 09:00:00
**   DELETE FROM pat_notices WHERE token_id = 7 AND kind = 'expiring';  -- told
**
** pat sends nothing: an application reads this table from a timer, tells
** each owner, and deletes the rows it told (INTERFACE.md, Client context).
** A row is a token whose valid_to falls within notice_before of now
** (`expiring` before it, `expired` after), or that becomes or became idle
** within it (`idle`, with max_idle on). A DELETE acknowledges the row's
** (token, kind, due_at), with a `notice` event; a new due_at (a changed
** window, a new use) shows again. The rows are computed (store.h,
** PAT_SQL_NOTICES); only the acknowledgements are stored.
*/
#include "tables.h"

static const pat_column columns[] = {
    {"token_id", "INTEGER", 0},
    {"owner", "TEXT", 0},
    {"name", "TEXT", 0},
    {"kind", "TEXT", 0},
    {"due_at", "TEXT", 0},
};

static int notices_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                          sqlite3_int64 *rowid, pat_err *e) {
  (void)which;
  (void)rowid;
  if (pat_write_kind(argc, argv) != PAT_WRITE_DELETE)
    return pat_fail(e, "only DELETE changes it (it acknowledges notices)");
  if (pat_store_ensure(c, NULL, e) != 0) return -1;
  return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_NOTICE_ACK, PAT_ARGS(PAT_VALUE(argv[0])), e);
}

const pat_table pat_table_notices = {
    .name = "pat_notices",
    PAT_COLUMNS(columns),
    .select = PAT_SQL_NOTICES,
    /* A store from before version 6 has no notices. */
    .select_v5 = "SELECT NULL AS _rowid, NULL AS token_id, NULL AS owner, NULL AS name,"
                 " NULL AS kind, NULL AS due_at WHERE 0",
    .order = "ORDER BY due_at, token_id",
    .bookkept = 1,
    .update = notices_update,
};
