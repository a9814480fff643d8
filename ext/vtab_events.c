/*
** vtab_events.c: pat_events, the audit trail.
**
**   SELECT at, event, detail FROM pat_events WHERE token_id = 3 ORDER BY id;
**   -- 2026-11-27 12:00:00|create|{"rights":["DATA_FETCH"],...}
**
** Events outlive their token: token_id and token_name stay after a delete.
** No event holds a token or its digest. Nobody changes the trail through
** pat: it has no write handler.
*/
#include "pat_internal.h"

const pat_table pat_table_events = {
    .name = "pat_events",
    .columns = "id INTEGER, at TEXT, event TEXT, token_id INTEGER, token_name TEXT,"
               " owner TEXT, detail TEXT",
    .select = "SELECT id AS _rowid, id, datetime(at, 'unixepoch') AS at, event,"
              " token_id, token_name, owner, detail FROM main.pat_store_events",
    .order = "ORDER BY id",
    .key_column = 0,
    .key_name = "id",
    .key_unique = 1,
    .alt_key_column = 3,
    .alt_key_name = "token_id",
    .seek = 1,
    .err_readonly = "the audit trail is read-only",
};
