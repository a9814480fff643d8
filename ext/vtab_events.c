/*
** vtab_events.c: pat_events, the audit trail.
**
**   SELECT at, event, detail FROM pat_events WHERE token_id = 3 ORDER BY id;
**   -- 2026-11-27 12:00:00|create|{"rights":["DATA_FETCH"],...}
**
** Events outlive their token: token_id and token_name stay after a delete.
** A token's create event lives in its row until the token first changes.
** No event holds a token or its digest. Nobody changes the trail through
** pat: it has no write handler.
*/
#include "tables.h"

static const pat_column columns[] = {
    {"id", "INTEGER", PAT_COL_KEY},
    {"at", "TEXT", 0},
    {"event", "TEXT", 0},
    {"token_id", "INTEGER", PAT_COL_INDEXED},
    {"token_name", "TEXT", 0},
    {"owner", "TEXT", 0},
    /* A detail quotes names and rights as they were given. */
    {"detail", "TEXT", PAT_COL_MASKED},
};

/* A token whose create event is still in its row (sql/schema.sql) shows it
** from there, under the token's id. */
#define EVENT_COLS \
  "SELECT id AS _rowid, id, datetime(at, 'unixepoch') AS at, event, token_id," \
  " token_name, owner, detail FROM main.pat_store_events"
#define CREATE_COLS \
  "SELECT id, id, datetime(created_at, 'unixepoch'), 'create', id, name, owner," \
  " '{\"rights\":' || rights ||" \
  " ',\"valid_from\":\"' || datetime(valid_from, 'unixepoch') ||" \
  " '\",\"valid_to\":\"' || datetime(valid_to, 'unixepoch') || '\"}'" \
  " FROM main.pat_store_tokens WHERE create_event"

const pat_table pat_table_events = {
    .name = "pat_events",
    PAT_COLUMNS(columns),
    .select = EVENT_COLS " UNION ALL " CREATE_COLS,
    .order = "ORDER BY id",
    .key_unique = 1,
    .bookkept = 1,
    .rowid_shown = 1,
    .seek = 1,
    /* The next row of each, then the first of the two: two short seeks. */
    .seek_select = "SELECT * FROM (SELECT * FROM (" EVENT_COLS
                   " WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT 1)"
                   " UNION ALL SELECT * FROM (" CREATE_COLS
                   " AND id > ?1 AND id <= ?2 ORDER BY id LIMIT 1))"
                   " ORDER BY _rowid LIMIT 1",
    .end_select = "SELECT max(coalesce((SELECT max(id) FROM main.pat_store_events), 0),"
                  " coalesce((SELECT max(id) FROM main.pat_store_tokens), 0))",
    .err_readonly = "the audit trail is read-only",
};
