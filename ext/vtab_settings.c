/*
** vtab_settings.c: pat_settings, pat's settings for this database.
**
**   SELECT value FROM pat_settings WHERE key = 'default_lifetime';
**   -- 2592000
**   UPDATE pat_settings SET value = 'all' WHERE key = 'audit';
**   UPDATE pat_settings SET value = 7 * 86400 WHERE key = 'default_lifetime';
**
** The keys are fixed; each UPDATE of a value is checked for its key.
*/
#include "tables.h"

#include <stdio.h>
#include <string.h>

enum { COL_KEY, COL_VALUE };

static const pat_column columns[] = {
    [COL_KEY] = {"key", "TEXT", PAT_COL_KEY},
    [COL_VALUE] = {"value", "", PAT_COL_WRITABLE},
};

/* Checks `v` for setting `id` (settings.c says what each takes), then
** against the settings it is bounded by and, for a role, the roles that
** exist. What to store goes in *val. */
static int check_value(pat_conn *c, int which, pat_setting_id id, sqlite3_value *v,
                       pat_setting_value *val, pat_err *e) {
  const pat_setting_def *d = pat_setting_def_of(id);
  if (pat_setting_check(id, v, val, e) != 0) return -1;
  const char *other_key = d->at_most ? d->at_most : d->at_least;
  if (other_key != NULL && !val->is_null) {
    int64_t other = 0;
    int other_null = 1;
    if (pat_setting_int(c, which, other_key, &other, &other_null, e) != 0) return -1;
    if (!other_null && d->at_most && val->num > other) {
      pat_fail(e, "%s may not exceed %s (%lld)", d->key, other_key,
               (long long)other);
      return -1;
    }
    if (!other_null && d->at_least && val->num < other) {
      pat_fail(e, "%s may not be less than %s (%lld)", d->key, other_key,
               (long long)other);
      return -1;
    }
  }
  if (d->kind == PAT_SETTING_ROLE) {
    int exists = pat_role_exists(c, which, v, e);
    if (exists < 0) return -1;
    if (!exists) {
      char shown[PAT_RIGHT_MAX + 1];
      const char *r = (const char *)sqlite3_value_text(v);
      pat_right_show(shown, sizeof shown, r ? r : "", r ? (size_t)sqlite3_value_bytes(v) : 0);
      pat_fail(e, "unknown role '%s'", shown);
      return -1;
    }
  }
  return pat_setting_bound(id, val, e);
}

static int settings_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                           sqlite3_int64 *rowid, pat_err *e) {
  (void)rowid;
  int kind = pat_write_kind(argc, argv);
  if (kind != PAT_WRITE_UPDATE) {
    pat_fail(e, "%s is not supported: the settings are fixed; UPDATE their values",
             kind == PAT_WRITE_INSERT ? "INSERT" : "DELETE");
    return -1;
  }
  if (pat_write_only(&pat_table_settings, argv, e) != 0)
    return -1;
  char key[64] = "";
  sqlite3_stmt *st;
  int r = pat_store_query(c, which, PAT_STMT_SETTING_KEY, PAT_ARGS(PAT_VALUE(argv[0])), &st,
                          e);
  if (r < 0) return -1;
  const char *k = r > 0 ? (const char *)sqlite3_column_text(st, 0) : NULL;
  if (k != NULL) snprintf(key, sizeof key, "%s", k);
  if (r > 0) pat_store_done(st);
  if (r == 0) {
    pat_fail(e, "no such setting");
    return -1;
  }
  if (k == NULL) {
    /* Not read (no memory): an error, never the empty key. */
    pat_fail(e, "%s", sqlite3_errstr(SQLITE_NOMEM));
    pat_note_failure(c, SQLITE_NOMEM);
    return -1;
  }
  pat_setting_value val;
  sqlite3_value *v = argv[2 + COL_VALUE];
  pat_setting_id id = pat_setting_find(key);
  if (id == PAT_SET_NONE) {
    pat_fail(e, "unknown setting '%s'", key);
    return -1;
  }
  if (check_value(c, which, id, v, &val, e) != 0) return -1;
  if (pat_store_ensure(c, NULL, e) != 0) return -1;
  /* A cap counts each owner's tokens at every pat_create: through an index
  ** from then on (store.c, PAT_STMT_OWNER_INDEX). */
  if (id == PAT_SET_MAX_TOKENS_PER_OWNER && !val.is_null &&
      pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_OWNER_INDEX, NULL, 0, e) != 0)
    return -1;
  return pat_store_exec(c, PAT_DB_MAIN, PAT_STMT_SETTING_UPDATE,
                        PAT_ARGS(PAT_TEXT(key), val.is_num ? PAT_INT(val.num) : PAT_VALUE(v)),
                        e);
}

const pat_table pat_table_settings = {
    .name = "pat_settings",
    PAT_COLUMNS(columns),
    .select = "SELECT rowid AS _rowid, key, value FROM main.pat_store_settings",
    .order = "ORDER BY key",
    .key_unique = 1,
    .update = settings_update,
};
