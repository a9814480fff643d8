/*
** lifecycle.c: pat_create, the one call that hands out a token.
**
**   SELECT pat_create('alice', 'ci pipeline', 'DATA_FETCH, DATA_CREATE');
**   -- pat_4Qx...  (shown once: only its digest is stored)
**   SELECT pat_create(42, 'nightly export', '["DATA_*"]', '2026-12-01', '2027-01-01');
**
** Every argument is checked against the store that answers reads (the
** defaults when no store exists yet) before anything is written, so a
** refused call leaves the database as it was, and a first call that is
** refused creates no store.
**
** Never: write or log the plaintext. It lives in one sqlite3_malloc'd buffer
** handed to SQLite as the result, wiped by its destructor.
*/
#include "pat_internal.h"

#include <stdio.h>
#include <string.h>

#define PAT_NAME_MAX 255
#define PAT_OWNER_MAX 255

typedef struct create_args {
  char owner[PAT_OWNER_MAX + 1];
  const char *name;
  int name_len;
  pat_strlist items;
  int64_t from, to;
  int have_from, have_to;
} create_args;

static int read_owner(sqlite3_value *v, create_args *a, char *err, size_t errlen) {
  int t = sqlite3_value_type(v);
  if (t != SQLITE_TEXT && t != SQLITE_INTEGER) {
    snprintf(err, errlen, "owner must be a non-empty text or an integer");
    return -1;
  }
  /* Stored and compared as text, so 42 and '42' are one owner. */
  const unsigned char *s = sqlite3_value_text(v);
  int n = sqlite3_value_bytes(v);
  if (s == NULL || n == 0) {
    snprintf(err, errlen, "owner must be a non-empty text or an integer");
    return -1;
  }
  if (pat_text_check("owner", s, n, PAT_OWNER_MAX, err, errlen) != 0) return -1;
  memcpy(a->owner, s, (size_t)n);
  a->owner[n] = '\0';
  return 0;
}

static int read_args(pat_conn *c, int argc, sqlite3_value **argv, create_args *a,
                     char *err, size_t errlen) {
  if (read_owner(argv[0], a, err, errlen) != 0) return -1;
  if (sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
    snprintf(err, errlen, "name must be a non-empty text");
    return -1;
  }
  a->name = (const char *)sqlite3_value_text(argv[1]);
  a->name_len = sqlite3_value_bytes(argv[1]);
  if (pat_text_check("name", (const unsigned char *)a->name, a->name_len, PAT_NAME_MAX,
                     err, errlen) != 0)
    return -1;
  if (sqlite3_value_type(argv[2]) != SQLITE_TEXT) {
    snprintf(err, errlen, "rights must be a text: a JSON array or a comma-separated list");
    return -1;
  }
  const char *r = (const char *)sqlite3_value_text(argv[2]);
  if (r == NULL ||
      pat_rights_parse(r, (size_t)sqlite3_value_bytes(argv[2]), &a->items, err, errlen) != 0)
    return -1;
  int rc;
  if (argc > 3) {
    rc = pat_time_arg(c->db, argv[3], "valid_from", &a->from, err, errlen);
    if (rc < 0) return -1;
    a->have_from = rc == 0;
  }
  if (argc > 4) {
    rc = pat_time_arg(c->db, argv[4], "valid_to", &a->to, err, errlen);
    if (rc < 0) return -1;
    a->have_to = rc == 0;
  }
  return 0;
}

/* Fills in the defaults and checks the window against the settings. */
static int check_window(pat_conn *c, int which, create_args *a, char *err,
                        size_t errlen) {
  int64_t def = 0, max = 0;
  int def_null = 1, max_null = 1;
  if (pat_setting_int(c, which, "default_lifetime", &def, &def_null) != 0 ||
      pat_setting_int(c, which, "max_lifetime", &max, &max_null) != 0) {
    snprintf(err, errlen, "%s", c->errmsg);
    return -1;
  }
  if (!a->have_from) a->from = pat_now(c->db);
  if (!a->have_to) {
    if (def_null || def <= 0) def = 2592000;
    a->to = a->from + def;
    if (a->to > PAT_TIME_MAX) a->to = PAT_TIME_MAX;
  }
  if (a->to <= a->from) {
    snprintf(err, errlen, "valid_to must be later than valid_from");
    return -1;
  }
  if (!max_null && a->to - a->from > max) {
    snprintf(err, errlen, "lifetime of %lld seconds exceeds max_lifetime (%lld)",
             (long long)(a->to - a->from), (long long)max);
    return -1;
  }
  return 0;
}

/* The owner's role and the rights it expands to. */
static int resolve_rights(pat_conn *c, int which, create_args *a, char **rights,
                          char *err, size_t errlen) {
  sqlite3 *db = pat_store_db(c, which);
  char role[PAT_OWNER_MAX + 1] = "";
  sqlite3_stmt *st = pat_store_stmt(c, which, PAT_STMT_OWNER_ROLE);
  if (st == NULL) goto no_stmt;
  int rc = sqlite3_bind_text(st, 1, a->owner, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
    snprintf(role, sizeof role, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_reset(st);
  if (rc != SQLITE_ROW) goto db_error;

  pat_catalog_entry *cat = NULL;
  pat_strlist names = {0};
  int n = 0, cap = 0, out = -1;
  st = pat_store_stmt(c, which, PAT_STMT_CATALOG);
  if (st == NULL) goto no_stmt;
  rc = sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) break;
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      pat_catalog_entry *grown = sqlite3_realloc64(cat, (sqlite3_uint64)cap * sizeof *cat);
      if (grown == NULL) { rc = SQLITE_NOMEM; break; }
      cat = grown;
    }
    if (name == NULL || pat_strlist_add(&names, name, strlen(name)) != 0) {
      rc = SQLITE_NOMEM;
      break;
    }
    cat[n].grantable = sqlite3_column_int(st, 1);
    n++;
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) {
    for (int i = 0; i < n; i++) cat[i].name = names.v[i];
    out = pat_rights_expand(&a->items, cat, n, role, rights, err, errlen);
  } else {
    snprintf(err, errlen, "can not read the catalog: %s", sqlite3_errmsg(db));
  }
  sqlite3_free(cat);
  pat_strlist_free(&names);
  return out;
db_error:
  snprintf(err, errlen, "can not read the owner's role: %s", sqlite3_errmsg(db));
  return -1;
no_stmt:
  snprintf(err, errlen, "%s", c->errmsg);
  return -1;
}

static int insert_token(pat_conn *c, const unsigned char *digest, const create_args *a,
                        const char *rights, char *err, size_t errlen) {
  sqlite3_stmt *st = pat_store_stmt(c, PAT_DB_MAIN, PAT_STMT_INSERT_TOKEN);
  if (st == NULL) {
    snprintf(err, errlen, "%s", c->errmsg);
    return -1;
  }
  int rc = sqlite3_bind_blob(st, 1, digest, PAT_DIGEST_LEN, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 2, a->owner, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 3, a->name, a->name_len, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 4, a->from);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 5, a->to);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 6, rights, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 7, pat_now(c->db));
  if (rc == SQLITE_OK) rc = sqlite3_step(st);
  if (rc != SQLITE_DONE)
    snprintf(err, errlen, "can not store the token: %s", sqlite3_errmsg(c->db));
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

void pat_fn_create(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  char err[PAT_ERRMAX] = "";
  char prefix[PAT_PREFIX_MAX + 2] = "pat_";
  unsigned char digest[PAT_DIGEST_LEN];
  char *rights = NULL, *token = NULL;
  create_args a;
  int ok = 0;
  memset(&a, 0, sizeof a);

  if (read_args(c, argc, argv, &a, err, sizeof err) != 0) goto done;
  int which = pat_store_validate(c, err, sizeof err);
  if (which < 0) goto done;
  if (check_window(c, which, &a, err, sizeof err) != 0) goto done;
  if (resolve_rights(c, which, &a, &rights, err, sizeof err) != 0) goto done;
  int prc = pat_setting(c, which, "prefix", prefix, sizeof prefix);
  if (prc < 0) {
    snprintf(err, sizeof err, "%s", c->errmsg);
    goto done;
  }
  if (prc == 0 && pat_prefix_check(prefix, strlen(prefix)) != 0) {
    snprintf(err, sizeof err, "the setting prefix is not usable");
    goto done;
  }
  if (prc == 1) prefix[0] = '\0';

  token = sqlite3_malloc(PAT_TOKEN_MAX + 1);
  if (token == NULL) {
    snprintf(err, sizeof err, "out of memory");
    goto done;
  }
  int len = pat_token_make(token, prefix, strlen(prefix));
  if (len < 0 || pat_digest(digest, token, (size_t)len) != 0) {
    snprintf(err, sizeof err, "can not make a token");
    goto done;
  }
  int began = pat_store_begin(c);
  int wrote = pat_store_ensure(c, err, sizeof err) == 0 &&
              insert_token(c, digest, &a, rights, err, sizeof err) == 0;
  if (pat_store_end(c, began, wrote, err, sizeof err) != 0) goto done;
  sqlite3_result_text(ctx, token, len, pat_wipe_free);
  token = NULL; /* SQLite owns it now, and wipes it through pat_wipe_free */
  ok = 1;
done:
  if (!ok) pat_error(ctx, "pat_create", "%s", err);
  pat_wipe(digest, sizeof digest);
  pat_wipe_free(token);
  sqlite3_free(rights);
  pat_strlist_free(&a.items);
}
