/*
** vtab_tokens.c: pat_tokens, one row per token.
**
**   SELECT id, name, valid_to, status FROM pat_tokens WHERE owner = 'alice';
**   -- 1|ci pipeline|2026-12-27 12:00:00|active
**   UPDATE pat_tokens SET name = 'ci (old)', valid_to = '2026-12-01' WHERE id = 1;
**   UPDATE pat_tokens SET rights = 'DATA_FETCH' WHERE id = 1;
**   DELETE FROM pat_tokens WHERE id = 1;   -- cut off at once
**
** Times show as UTC text; status is computed as of now. No column shows the
** token or its digest. `WHERE id = ?` is a direct lookup on the id index.
** An UPDATE runs pat_create's checks on what it sets, and only on that; the
** store's triggers write the update and delete events in the same statement.
*/
#include "tables.h"

#include <stdio.h>

enum {
  COL_ID, COL_OWNER, COL_NAME, COL_VALID_FROM, COL_VALID_TO, COL_RIGHTS,
  COL_STATUS, COL_CREATED_AT, COL_LAST_USED_AT
};

static const pat_column columns[] = {
    [COL_ID] = {"id", "INTEGER", PAT_COL_KEY},
    [COL_OWNER] = {"owner", "TEXT", 0},
    [COL_NAME] = {"name", "TEXT", PAT_COL_WRITABLE},
    [COL_VALID_FROM] = {"valid_from", "TEXT", PAT_COL_WRITABLE},
    [COL_VALID_TO] = {"valid_to", "TEXT", PAT_COL_WRITABLE},
    [COL_RIGHTS] = {"rights", "TEXT", PAT_COL_WRITABLE},
    [COL_STATUS] = {"status", "TEXT", 0},
    [COL_CREATED_AT] = {"created_at", "TEXT", 0},
    [COL_LAST_USED_AT] = {"last_used_at", "TEXT", 0},
};

static int tokens_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                         sqlite3_int64 *rowid, pat_err *e) {
  (void)rowid;
  int kind = pat_write_kind(argc, argv);
  if (kind == PAT_WRITE_INSERT) {
    pat_fail(e, "INSERT is not supported: make tokens with "
             "pat_create(owner, name, rights [, valid_from [, valid_to]])");
    return -1;
  }
  sqlite3_int64 id = sqlite3_value_int64(argv[0]);
  if (kind == PAT_WRITE_DELETE) {
    return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_TOKEN_DELETE, PAT_ARGS(PAT_VALUE(argv[0])),
                          e);
  }
  if (pat_write_only(&pat_table_tokens, argv, e) != 0)
    return -1;
  pat_token_row row;
  int found = which == PAT_DB_MAIN ? pat_token_get(c, id, &row, e) : 0;
  if (found < 0) return -1;
  if (found == 0) return pat_fail(e, "no such token");
  sqlite3_value **col = argv + 2;
  int set_name = pat_write_sets(argv, COL_NAME), set_rights = pat_write_sets(argv, COL_RIGHTS);
  int set_from = pat_write_sets(argv, COL_VALID_FROM), set_to = pat_write_sets(argv, COL_VALID_TO);
  int64_t from = row.valid_from, to = row.valid_to;
  char *rights = NULL;
  int64_t rights_hash = 0;
  if (set_name && pat_name_arg(col[COL_NAME], e) != 0) return -1;
  /* NULL means the default, as in pat_create: now, and valid_from plus
  ** default_lifetime. */
  int rc = set_from ? pat_store_time_arg(c, col[COL_VALID_FROM], "valid_from", &from, e)
                    : 0;
  if (rc < 0) return -1;
  if (set_from && rc == 1) from = pat_now(c->db);
  rc = set_to ? pat_store_time_arg(c, col[COL_VALID_TO], "valid_to", &to, e) : 0;
  if (rc < 0) return -1;
  const pat_policy *p = NULL;
  if ((set_from || set_to || set_rights) && (p = pat_policy_get(c, which, e)) == NULL)
    return -1;
  if (set_to && rc == 1) to = pat_default_valid_to(p, from);
  if ((set_from || set_to) && pat_window_check(p, from, to, e) != 0) return -1;
  if (set_rights &&
      pat_rights_for(c, which, p, row.owner, col[COL_RIGHTS], &rights, &rights_hash, e) != 0)
    return -1;
  rc = pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_TOKEN_UPDATE,
                      PAT_ARGS(PAT_INT(id), PAT_INT(set_name), PAT_VALUE(col[COL_NAME]),
                               PAT_INT(set_from), PAT_INT(from), PAT_INT(set_to), PAT_INT(to),
                               PAT_INT(set_rights), PAT_TEXT(rights), PAT_INT(rights_hash)),
                      e);
  sqlite3_free(rights);
  return rc;
}

/* The rows, given the token's last use (of the row t). */
#define TOKENS_SELECT(last_used)                                    \
  "SELECT id AS _rowid, id, owner, name,"                           \
  " datetime(valid_from, 'unixepoch') AS valid_from,"               \
  " datetime(valid_to, 'unixepoch') AS valid_to, rights,"           \
  " CASE WHEN unixepoch('now') < valid_from THEN 'pending'"         \
  "      WHEN unixepoch('now') >= valid_to THEN 'expired'"          \
  "      ELSE 'active' END AS status,"                              \
  " datetime(created_at, 'unixepoch') AS created_at,"               \
  " datetime(" last_used ", 'unixepoch') AS last_used_at"           \
  " FROM main.pat_store_tokens AS t"

const pat_table pat_table_tokens = {
    .name = "pat_tokens",
    PAT_COLUMNS(columns),
    /* The latest of what was folded into the row and the uses recorded
    ** since for the token as it is (sql/schema.sql, pat_store_uses); a time
    ** stored as anything but a number stays as it is. */
    .select = TOKENS_SELECT(
        "coalesce((SELECT max(u.at) FROM main.pat_store_uses AS u"
        " WHERE u.token_id = t.id AND u.valid_from = t.valid_from"
        " AND (t.last_used_at IS NULL OR u.at > t.last_used_at)), t.last_used_at)"),
    .select_before_uses = TOKENS_SELECT("last_used_at"),
    .order = "ORDER BY id",
    .key_unique = 1,
    .bookkept = 1,
    .rowid_shown = 1,
    .seek = 1,
    .update = tokens_update,
};
