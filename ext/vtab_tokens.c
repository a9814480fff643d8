/*
** vtab_tokens.c: pat_tokens, one row per token.
**
**   SELECT id, name, valid_to, status FROM pat_tokens WHERE owner = 'alice';
**   -- 1|ci pipeline|2026-12-27 12:00:00|active
**   UPDATE pat_tokens SET name = 'ci (old)', valid_to = '2026-12-01' WHERE id = 1;
**   UPDATE pat_tokens SET rights = 'DATA_FETCH' WHERE id = 1;
**   UPDATE pat_tokens SET allowed_ips = '["10.1.0.0/16"]' WHERE id = 1;
**   DELETE FROM pat_tokens WHERE id = 1;   -- cut off at once
**
** Times show as UTC text; status is computed as of now (idle from the uses
** written; the checks also count those their connection holds). No column shows the
** token or its digest. `WHERE id = ?` is a direct lookup on the id index.
** An UPDATE runs pat_create's checks on what it sets, and only on that; the
** store's triggers write the update and delete events in the same statement.
*/
#include "tables.h"

#include <stdio.h>

enum {
  COL_ID, COL_OWNER, COL_NAME, COL_VALID_FROM, COL_VALID_TO, COL_RIGHTS,
  COL_STATUS, COL_CREATED_AT, COL_LAST_USED_AT, COL_DESCRIPTION, COL_ALLOWED_IPS,
  COL_LAST_USED_IPS
};

static const pat_column columns[] = {
    [COL_ID] = {"id", "INTEGER", PAT_COL_KEY},
    [COL_OWNER] = {"owner", "TEXT", PAT_COL_INDEXED},
    [COL_NAME] = {"name", "TEXT", PAT_COL_WRITABLE},
    [COL_VALID_FROM] = {"valid_from", "TEXT", PAT_COL_WRITABLE},
    [COL_VALID_TO] = {"valid_to", "TEXT", PAT_COL_WRITABLE},
    [COL_RIGHTS] = {"rights", "TEXT", PAT_COL_WRITABLE},
    [COL_STATUS] = {"status", "TEXT", 0},
    [COL_CREATED_AT] = {"created_at", "TEXT", 0},
    [COL_LAST_USED_AT] = {"last_used_at", "TEXT", 0},
    [COL_DESCRIPTION] = {"description", "TEXT", PAT_COL_WRITABLE},
    [COL_ALLOWED_IPS] = {"allowed_ips", "TEXT", PAT_COL_WRITABLE},
    [COL_LAST_USED_IPS] = {"last_used_ips", "TEXT", 0},
};

static int tokens_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                         sqlite3_int64 *rowid, pat_err *e) {
  (void)rowid;
  int kind = pat_write_kind(argc, argv);
  if (kind == PAT_WRITE_INSERT) {
    pat_fail(e, "INSERT is not supported: make tokens with "
             "pat_create(owner, name, rights [, valid_from [, valid_to [, options]]])");
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
  int set_desc = pat_write_sets(argv, COL_DESCRIPTION);
  int set_ips = pat_write_sets(argv, COL_ALLOWED_IPS);
  pat_options o = {0};
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
  if ((set_desc && pat_description_read(col[COL_DESCRIPTION], &o, e) != 0) ||
      (set_ips && pat_allowed_ips_read(c, which, col[COL_ALLOWED_IPS], &o, e) != 0)) {
    pat_options_free(&o);
    return -1;
  }
  if (set_rights &&
      pat_rights_for(c, which, p, row.owner, col[COL_RIGHTS], &rights, &rights_hash, e) != 0) {
    pat_options_free(&o);
    return -1;
  }
  rc = pat_store_exec(
      c, PAT_DB_MAIN, PAT_STMT_TOKEN_UPDATE,
      PAT_ARGS(PAT_INT(id), PAT_INT(set_name), PAT_VALUE(col[COL_NAME]), PAT_INT(set_from),
               PAT_INT(from), PAT_INT(set_to), PAT_INT(to), PAT_INT(set_rights),
               PAT_TEXT(rights), PAT_INT(rights_hash), PAT_INT(set_desc),
               PAT_TEXT(o.description), PAT_INT(set_ips), PAT_TEXT(o.ips_json),
               PAT_BLOB(o.blocks, o.nblocks * PAT_BLOCK_BYTES)),
      e);
  sqlite3_free(rights);
  pat_options_free(&o);
  return rc;
}

/* The rows, given the token's last use (of the row t), whether it is idle
** and the client context. */
#define TOKENS_SELECT(last_used, idle, client)                      \
  "SELECT id AS _rowid, id, owner, name,"                           \
  " datetime(valid_from, 'unixepoch') AS valid_from,"               \
  " datetime(valid_to, 'unixepoch') AS valid_to, rights,"           \
  " CASE WHEN unixepoch('now') < valid_from THEN 'pending'"         \
  "      WHEN unixepoch('now') >= valid_to THEN 'expired'"          \
  "      " idle " ELSE 'active' END AS status,"                     \
  " datetime(created_at, 'unixepoch') AS created_at,"               \
  " datetime(" last_used ", 'unixepoch') AS last_used_at, " client  \
  " FROM main.pat_store_tokens AS t"
/* Idle (INTERFACE.md, max_idle): max_idle on, and now at least that long
** after the latest of valid_from, the last rotation and the last use. */
#define TOKENS_IDLE                                                            \
  "WHEN unixepoch('now') - " PAT_SQL_IDLE_SINCE("t") " >= " PAT_SQL_MAX_IDLE " THEN 'idle'"
#define TOKENS_CLIENT                                                          \
  "description, allowed_ips, (SELECT json_group_array(address) FROM"          \
  " (SELECT a.address FROM main.pat_store_addresses AS a WHERE a.token_id = t.id" \
  " ORDER BY a.at DESC, a.rowid DESC LIMIT " PAT_STR(PAT_ADDRESSES_KEPT) ")) AS last_used_ips"
#define TOKENS_NO_CLIENT "NULL AS description, NULL AS allowed_ips, '[]' AS last_used_ips"

const pat_table pat_table_tokens = {
    .name = "pat_tokens",
    PAT_COLUMNS(columns),
    .select = TOKENS_SELECT(PAT_SQL_LAST_USED("t"), TOKENS_IDLE, TOKENS_CLIENT),
    .select_v5 = TOKENS_SELECT(PAT_SQL_LAST_USED("t"), "", TOKENS_NO_CLIENT),
    .select_before_uses = TOKENS_SELECT("last_used_at", "", TOKENS_NO_CLIENT),
    .order = "ORDER BY id",
    .key_unique = 1,
    .bookkept = 1,
    .rowid_shown = 1,
    .seek = 1,
    .update = tokens_update,
};
