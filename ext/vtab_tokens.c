/*
** vtab_tokens.c: pat_tokens, one row per token.
**
**   SELECT id, name, valid_to, status FROM pat_tokens WHERE owner = 'alice';
**   -- 1|ci pipeline|2026-12-27 12:00:00|active
**
** Times show as UTC text; status is computed as of now. No column shows the
** token or its digest. `WHERE id = ?` is a direct lookup on the id index.
*/
#include "pat_internal.h"

const pat_table pat_table_tokens = {
    .name = "pat_tokens",
    .columns = "id INTEGER, owner TEXT, name TEXT, valid_from TEXT, valid_to TEXT,"
               " rights TEXT, status TEXT, created_at TEXT, last_used_at TEXT",
    .select = "SELECT id AS _rowid, id, owner, name,"
              " datetime(valid_from, 'unixepoch') AS valid_from,"
              " datetime(valid_to, 'unixepoch') AS valid_to, rights,"
              " CASE WHEN unixepoch('now') < valid_from THEN 'pending'"
              "      WHEN unixepoch('now') >= valid_to THEN 'expired'"
              "      ELSE 'active' END AS status,"
              " datetime(created_at, 'unixepoch') AS created_at,"
              " datetime(last_used_at, 'unixepoch') AS last_used_at"
              " FROM main.pat_store_tokens",
    .order = "ORDER BY id",
    .key_column = 0,
    .key_name = "id",
    .key_unique = 1,
};
