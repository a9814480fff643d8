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

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { COL_KEY, COL_VALUE };

/* An INTEGER, a REAL with an integral value, or a TEXT that reads as one
** (SET value = '120'), into *out. */
static int integer_value(sqlite3_value *v, int64_t *out) {
  if (sqlite3_value_numeric_type(v) == SQLITE_INTEGER) {
    *out = sqlite3_value_int64(v);
    return 1;
  }
  if (sqlite3_value_numeric_type(v) == SQLITE_FLOAT) {
    double d = sqlite3_value_double(v);
    if (isfinite(d) && d == floor(d) && fabs(d) < 9e15) {
      *out = (int64_t)d;
      return 1;
    }
  }
  return 0;
}

/* A duration no longer than the span of times pat takes, so that no time
** plus a duration overflows. */
static int within_span(const char *key, int64_t num, char *err, size_t errlen) {
  if (num <= PAT_SECONDS_MAX) return 0;
  snprintf(err, errlen, "%s may not exceed %lld seconds (the years 0000 to 9999)", key,
           (long long)PAT_SECONDS_MAX);
  return -1;
}

/* Checks `v` for `key`; the value to store goes in *store (the same value,
** or the integer it stands for). */
static int check_value(pat_conn *c, int which, const char *key, sqlite3_value *v,
                       int64_t *num, int *is_num, char *err, size_t errlen) {
  int64_t other = 0;
  int other_null = 1;
  *is_num = 0;
  /* Types first (asking for the text turns a BLOB into TEXT); lengths
  ** from SQLite, so a NUL inside a value is not a shorter value. */
  const char *text =
      sqlite3_value_type(v) == SQLITE_TEXT ? (const char *)sqlite3_value_text(v) : NULL;
  size_t len = text ? (size_t)sqlite3_value_bytes(v) : 0;
  if (strcmp(key, "prefix") == 0) {
    const char *p = text;
    if (p == NULL ||
        pat_prefix_check(p, (size_t)sqlite3_value_bytes(v)) != 0) {
      snprintf(err, errlen, "prefix must be at most %d characters of A-Z, a-z, 0-9 and _",
               PAT_PREFIX_MAX);
      return -1;
    }
    return 0;
  }
  if (strcmp(key, "default_lifetime") == 0) {
    if (!integer_value(v, num) || *num <= 0) {
      snprintf(err, errlen, "default_lifetime must be a positive integer of seconds");
      return -1;
    }
    *is_num = 1;
    if (pat_setting_int(c, which, "max_lifetime", &other, &other_null) != 0) goto db;
    if (!other_null && *num > other) {
      snprintf(err, errlen, "default_lifetime may not exceed max_lifetime (%lld)",
               (long long)other);
      return -1;
    }
    return within_span("default_lifetime", *num, err, errlen);
  }
  if (strcmp(key, "max_lifetime") == 0) {
    if (sqlite3_value_type(v) == SQLITE_NULL) return 0;
    if (!integer_value(v, num) || *num <= 0) {
      snprintf(err, errlen, "max_lifetime must be a positive integer of seconds or NULL");
      return -1;
    }
    *is_num = 1;
    if (pat_setting_int(c, which, "default_lifetime", &other, &other_null) != 0) goto db;
    if (!other_null && *num < other) {
      snprintf(err, errlen, "max_lifetime may not be less than default_lifetime (%lld)",
               (long long)other);
      return -1;
    }
    return within_span("max_lifetime", *num, err, errlen);
  }
  if (strcmp(key, "default_role") == 0) {
    if (text == NULL) {
      snprintf(err, errlen, "default_role must be a text");
      return -1;
    }
    int exists = pat_role_exists(c, which, v);
    if (exists < 0) goto db;
    if (!exists) {
      char shown[PAT_RIGHT_MAX + 1];
      const char *r = (const char *)sqlite3_value_text(v);
      pat_right_show(shown, sizeof shown, r ? r : "", r ? (size_t)sqlite3_value_bytes(v) : 0);
      snprintf(err, errlen, "unknown role '%s'", shown);
      return -1;
    }
    return 0;
  }
  if (strcmp(key, "audit") == 0) {
    const char *a = text;
    if (a == NULL || len != strlen(a) ||
        (strcmp(a, "off") != 0 && strcmp(a, "changes") != 0 && strcmp(a, "all") != 0)) {
      snprintf(err, errlen, "audit must be 'off', 'changes' or 'all'");
      return -1;
    }
    return 0;
  }
  if (strcmp(key, "last_used_interval") == 0) {
    if (!integer_value(v, num) || *num < 0) {
      snprintf(err, errlen, "last_used_interval must be a non-negative integer of seconds");
      return -1;
    }
    *is_num = 1;
    return within_span("last_used_interval", *num, err, errlen);
  }
  snprintf(err, errlen, "unknown setting '%s'", key);
  return -1;
db:
  snprintf(err, errlen, "%s", c->errmsg);
  return -1;
}

static int settings_update(pat_conn *c, int which, int argc, sqlite3_value **argv,
                           sqlite3_int64 *rowid, char *err, size_t errlen) {
  (void)rowid;
  int kind = pat_write_kind(argc, argv);
  if (kind != PAT_WRITE_UPDATE) {
    snprintf(err, errlen, "%s is not supported: the settings are fixed; UPDATE their values",
             kind == PAT_WRITE_INSERT ? "INSERT" : "DELETE");
    return -1;
  }
  if (pat_write_only(&pat_table_settings, argv, 1u << COL_VALUE, "value", err, errlen) != 0)
    return -1;
  char key[64] = "";
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(pat_store_db(c, which),
                              "SELECT key FROM main.pat_store_settings WHERE rowid = ?1", -1,
                              &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_value(st, 1, argv[0]);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  const char *k = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
  if (k != NULL) snprintf(key, sizeof key, "%s", k);
  else {
    /* Not read (no memory, I/O): an error, never the empty key. */
    if (rc == SQLITE_ROW) rc = SQLITE_NOMEM;
    snprintf(err, errlen, "%s",
             rc == SQLITE_NOMEM ? sqlite3_errstr(rc) : sqlite3_errmsg(pat_store_db(c, which)));
    pat_note_failure(c, rc);
  }
  sqlite3_finalize(st);
  if (k == NULL) return -1;
  int64_t num = 0;
  int is_num = 0;
  sqlite3_value *v = argv[2 + COL_VALUE];
  if (check_value(c, which, key, v, &num, &is_num, err, errlen) != 0) return -1;
  if (pat_store_ensure(c, NULL, err, errlen) != 0) return -1;
  st = NULL;
  rc = sqlite3_prepare_v2(c->db, "UPDATE main.pat_store_settings SET value = ?2 WHERE rowid = ?1",
                          -1, &st, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_value(st, 1, argv[0]);
  if (rc == SQLITE_OK) rc = is_num ? sqlite3_bind_int64(st, 2, num) : sqlite3_bind_value(st, 2, v);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc != SQLITE_DONE) {
    pat_note_failure(c, rc);
    snprintf(err, errlen, "%s", sqlite3_errmsg(c->db));
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

const pat_table pat_table_settings = {
    .name = "pat_settings",
    .columns = "key TEXT, value",
    .select = "SELECT rowid AS _rowid, key, value FROM main.pat_store_settings",
    .order = "ORDER BY key",
    .key_column = COL_KEY,
    .key_name = "key",
    .key_unique = 1,
    .update = settings_update,
};
