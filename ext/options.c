/*
** options.c: what a token says about its clients (INTERFACE.md, Client
** context): pat_create's options object, and the same two values as an
** UPDATE of pat_tokens sets them.
**
**   SELECT pat_create('alice', 'ci', 'DATA_FETCH', NULL, NULL,
**                     '{"description": "nightly build",
**                       "allowed_ips": ["10.1.0.0/16", "2001:db8::/32"]}');
**   UPDATE pat_tokens SET allowed_ips = '["192.0.2.7"]' WHERE id = 1;
**
** JSON is read with SQLite's own functions (json_type, json_each) on the
** store that answers reads. An allow-list is parsed once, here, into the
** two forms the store keeps: allowed_ips, canonical text as pat_tokens
** shows it, and allowed_blocks, packed as the check reads it (address.c).
*/
#include "functions.h"

#include <stdio.h>
#include <string.h>

void pat_options_free(pat_options *o) {
  sqlite3_free(o->description);
  sqlite3_free(o->ips_json);
  sqlite3_free(o->blocks);
  memset(o, 0, sizeof *o);
}

int pat_description_read(sqlite3_value *v, pat_options *o, pat_err *e) {
  sqlite3_free(o->description);
  o->description = NULL;
  o->has_description = 1;
  if (sqlite3_value_type(v) == SQLITE_NULL) return 0;
  if (sqlite3_value_type(v) != SQLITE_TEXT)
    return pat_fail(e, "description must be a text");
  const char *s = (const char *)sqlite3_value_text(v);
  int n = sqlite3_value_bytes(v);
  if (s == NULL) return pat_fail(e, "out of memory");
  if (n > PAT_DESCRIPTION_MAX)
    return pat_fail(e, "description is longer than %d bytes", PAT_DESCRIPTION_MAX);
  if (memchr(s, 0, (size_t)n) != NULL) return pat_fail(e, "description holds a NUL byte");
  /* Valid UTF-8 without control characters, as a name (pat_text_check),
  ** but lines and tabs are a description's own: checked as spaces. */
  char copy[PAT_DESCRIPTION_MAX + 1];
  memcpy(copy, s, (size_t)n);
  for (int i = 0; i < n; i++)
    if (copy[i] == '\n' || copy[i] == '\r' || copy[i] == '\t') copy[i] = ' ';
  if (n > 0 && pat_text_check("description", (const unsigned char *)copy, n,
                              PAT_DESCRIPTION_MAX, e) != 0)
    return -1;
  if ((o->description = sqlite3_mprintf("%.*s", n, s)) == NULL)
    return pat_fail(e, "out of memory");
  return 0;
}

/* Whether JSON text holds what SQLite would cut a string at: a NUL byte,
** or the escape \u0000 (SQLite 3.40's json_each ends a string there, so
** "a\u0000b" would be read as "a"). */
static int holds_nul(const char *s, size_t n) {
  if (memchr(s, 0, n) != NULL) return 1;
  for (size_t i = 0; i + 1 < n; i++) {
    if (s[i] != '\\') continue;
    if (s[i + 1] == 'u' && i + 6 <= n && memcmp(s + i + 2, "0000", 4) == 0) return 1;
    i++; /* the escaped character, a backslash included */
  }
  return 0;
}

/* The next row of a statement pat_store_query began: 1, 0 at its end, or
** -1 with e. */
static int next_row(pat_conn *c, int which, sqlite3_stmt *st, pat_err *e) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) return 1;
  if (rc == SQLITE_DONE) return 0;
  pat_fail(e, "%s", pat_db_reason(pat_store_db(c, which), rc));
  return -1;
}

/* The JSON type of v on `which` (malformed JSON is an error). 0, or -1. */
static int json_type_of(pat_conn *c, int which, sqlite3_value *v, char *type, size_t cap,
                        const char *what, pat_err *e) {
  sqlite3_stmt *st;
  pat_err why;
  int r = pat_store_query(c, which, PAT_STMT_JSON_TYPE, PAT_ARGS(PAT_VALUE(v)), &st, &why);
  if (r < 0) return pat_fail(e, "%s is not JSON", what);
  const char *t = r > 0 ? (const char *)sqlite3_column_text(st, 0) : NULL;
  snprintf(type, cap, "%s", t ? t : "");
  if (r > 0) pat_store_done(st);
  return 0;
}

int pat_allowed_ips_read(pat_conn *c, int which, sqlite3_value *v, pat_options *o,
                         pat_err *e) {
  char type[16];
  sqlite3_free(o->ips_json);
  sqlite3_free(o->blocks);
  o->ips_json = NULL;
  o->blocks = NULL;
  o->nblocks = 0;
  o->has_ips = 1;
  if (sqlite3_value_type(v) == SQLITE_NULL) return 0; /* no list: every client */
  if (sqlite3_value_type(v) != SQLITE_TEXT ||
      json_type_of(c, which, v, type, sizeof type, "allowed_ips", e) != 0 ||
      strcmp(type, "array") != 0)
    return pat_fail(e, "allowed_ips must be a JSON array of 1 to %d addresses or blocks",
                    PAT_BLOCKS_MAX);
  if (holds_nul((const char *)sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v)))
    return pat_fail(e, "allowed_ips holds a NUL character");
  if ((o->blocks = sqlite3_malloc(PAT_BLOCKS_MAX * PAT_BLOCK_BYTES)) == NULL)
    return pat_fail(e, "out of memory");
  sqlite3_str *json = sqlite3_str_new(NULL);
  sqlite3_stmt *st;
  int r = pat_store_query(c, which, PAT_STMT_JSON_ITEMS, PAT_ARGS(PAT_VALUE(v)), &st, e);
  int ok = r >= 0;
  for (; ok && r > 0; r = next_row(c, which, st, e)) {
    const char *t = (const char *)sqlite3_column_text(st, 0);
    const char *s = (const char *)sqlite3_column_text(st, 1);
    pat_block b;
    char shown[PAT_ADDR_TEXT];
    if (o->nblocks == PAT_BLOCKS_MAX) {
      ok = pat_fail(e, "allowed_ips holds more than %d entries", PAT_BLOCKS_MAX) == 0;
    } else if (t == NULL || strcmp(t, "text") != 0 || s == NULL) {
      ok = pat_fail(e, "allowed_ips entries must be texts") == 0;
    } else if (pat_block_parse(s, (size_t)sqlite3_column_bytes(st, 1), "allowed_ips entry",
                               &b, e) != 0) {
      ok = 0;
    } else {
      pat_block_pack(&b, o->blocks + (size_t)o->nblocks * PAT_BLOCK_BYTES);
      pat_block_show(&b, shown);
      sqlite3_str_appendf(json, "%s\"%s\"", o->nblocks ? "," : "[", shown);
      o->nblocks++;
    }
  }
  if (r < 0) ok = 0;
  if (st != NULL) pat_store_done(st);
  char *text = sqlite3_str_finish(json);
  if (ok && o->nblocks == 0)
    ok = pat_fail(e, "allowed_ips must hold at least one address or block") == 0;
  if (ok && text == NULL) ok = pat_fail(e, "out of memory") == 0;
  if (ok && (o->ips_json = sqlite3_mprintf("%s]", text)) == NULL)
    ok = pat_fail(e, "out of memory") == 0;
  sqlite3_free(text);
  return ok ? 0 : -1;
}

int pat_options_read(pat_conn *c, int which, sqlite3_value *v, pat_options *o, pat_err *e) {
  char type[16];
  memset(o, 0, sizeof *o);
  if (sqlite3_value_type(v) == SQLITE_NULL) return 0;
  if (sqlite3_value_type(v) != SQLITE_TEXT ||
      json_type_of(c, which, v, type, sizeof type, "options", e) != 0 ||
      strcmp(type, "object") != 0)
    return pat_fail(e, "options must be a JSON object (keys: description, allowed_ips)");
  if (holds_nul((const char *)sqlite3_value_text(v), (size_t)sqlite3_value_bytes(v)))
    return pat_fail(e, "options hold a NUL character");
  sqlite3_stmt *st;
  int r = pat_store_query(c, which, PAT_STMT_JSON_KEYED_ITEMS, PAT_ARGS(PAT_VALUE(v)), &st, e);
  int ok = r >= 0;
  for (; ok && r > 0; r = next_row(c, which, st, e)) {
    const char *key = (const char *)sqlite3_column_text(st, 0);
    size_t kn = (size_t)sqlite3_column_bytes(st, 0);
    sqlite3_value *val = sqlite3_column_value(st, 2);
    const char *t = (const char *)sqlite3_column_text(st, 1);
    if (key != NULL && strcmp(key, "description") == 0 && kn == strlen("description")) {
      if (o->has_description) ok = pat_fail(e, "option 'description' is given twice") == 0;
      else if (t != NULL && strcmp(t, "text") != 0 && strcmp(t, "null") != 0)
        ok = pat_fail(e, "description must be a text") == 0;
      else ok = pat_description_read(val, o, e) == 0;
    } else if (key != NULL && strcmp(key, "allowed_ips") == 0 &&
               kn == strlen("allowed_ips")) {
      /* json_each gives an array as its JSON text, and a string as its
      ** text: only an array (or null) is a list. */
      if (o->has_ips) ok = pat_fail(e, "option 'allowed_ips' is given twice") == 0;
      else if (t != NULL && strcmp(t, "array") != 0 && strcmp(t, "null") != 0)
        ok = pat_fail(e, "allowed_ips must be a JSON array of 1 to %d addresses or blocks",
                      PAT_BLOCKS_MAX) == 0;
      else ok = pat_allowed_ips_read(c, which, val, o, e) == 0;
    } else {
      ok = pat_fail_quoted(e, "unknown option (keys: description, allowed_ips):",
                           key ? key : "", key ? kn : 0, 40) == 0;
    }
  }
  if (r < 0) ok = 0;
  if (st != NULL) pat_store_done(st);
  if (!ok) pat_options_free(o);
  return ok ? 0 : -1;
}

int pat_client_arg(sqlite3_value *v, pat_addr *out, pat_err *e) {
  int type = sqlite3_value_type(v);
  if (type == SQLITE_NULL) return 0;
  if (type != SQLITE_TEXT) return pat_fail(e, "client must be an IP address as text, or NULL");
  const char *s = (const char *)sqlite3_value_text(v);
  if (s == NULL) return pat_fail(e, "out of memory");
  if (pat_addr_parse(s, (size_t)sqlite3_value_bytes(v), "client", out, e) != 0) return -1;
  return 1;
}
