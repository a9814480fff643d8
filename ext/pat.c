/*
** pat.c: the entry point. Registers pat's functions and tables on a
** connection, from one table each, with their flags.
**
**   .load ./dist/pat                         -- sqlite3 shell
**   conn.load_extension("./dist/pat")        # Python
**   sqlite3_auto_extension((void (*)(void))sqlite3_pat_init);  // static build
**
** Loading writes nothing to the database: the store is made by the first call
** that writes. Every function and table is DIRECTONLY: a view, trigger or
** default planted in a database file can not call them.
*/
#include "tables.h"
#include "pat.h"

#include <stdio.h>
#include <string.h>

static void fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, PAT_VERSION, -1, SQLITE_STATIC);
}

#ifndef PAT_BUILD_FLAGS
#define PAT_BUILD_FLAGS "unknown"
#endif
#ifdef SQLITE_CORE
#define PAT_LINKAGE "static (SQLITE_CORE)"
#else
#define PAT_LINKAGE "loadable"
#endif

/* What a bug report needs: versions as run, not as built against; and the
** settings whose row says pat_debug() shows them (default_role: the role
** of owners not listed in pat_owners, ROOT unless changed, which may grant
** everything). It runs even while pat refuses to work. */
static void fn_debug(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  pat_conn *c = sqlite3_user_data(ctx);
  (void)argc;
  (void)argv;
  sqlite3_str *out = sqlite3_str_new(NULL);
  sqlite3_str_appendf(out, "pat %s\nsqlite %s\nlibsodium %s\nlinkage %s\n"
                      "store schema %d\nkey %s\n",
                      PAT_VERSION, sqlite3_libversion(), pat_crypto_version(), PAT_LINKAGE,
                      PAT_SCHEMA_VERSION, c->keylen ? "set" : "none");
  for (int id = 0; id < PAT_SET_COUNT; id++) {
    const pat_setting_def *d = pat_setting_def_of(id);
    if (!d->shown) continue;
    char value[PAT_OWNER_MAX + 1] = "?";
    if (pat_store_peek_setting(c, d->key, value, sizeof value) == 1)
      snprintf(value, sizeof value, "NULL");
    pat_mask_secrets(value);
    int warn = d->shown_warn_if != NULL && strcmp(value, d->shown_warn_if) == 0;
    sqlite3_str_appendf(out, "%s %s%s%s%s\n", d->key, value, warn ? " (" : "",
                        warn ? d->shown_warn : "", warn ? ")" : "");
  }
  sqlite3_str_appendf(out, "bookkeeping held %d, dropped %lld\n", pat_book_held(c),
                      (long long)pat_book_dropped(c));
  sqlite3_str_appendf(out, "build %s", PAT_BUILD_FLAGS);
  int len = sqlite3_str_length(out);
  char *s = sqlite3_str_finish(out);
  if (s == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_text(ctx, s, len, sqlite3_free);
}

/* DETERMINISTIC only where the answer depends on the arguments alone. */
#define PAT_FN_FLAGS (SQLITE_UTF8 | SQLITE_DIRECTONLY)

static const struct {
  const char *name;
  int nargs;
  int flags;
  void (*fn)(sqlite3_context *, int, sqlite3_value **);
} functions[] = {
    {"pat_create", 3, PAT_FN_FLAGS, pat_fn_create},
    {"pat_create", 4, PAT_FN_FLAGS, pat_fn_create},
    {"pat_create", 5, PAT_FN_FLAGS, pat_fn_create},
    {"pat_create", 6, PAT_FN_FLAGS, pat_fn_create},
    {"pat_key", 1, PAT_FN_FLAGS, pat_fn_key},
    {"pat_rekey", 1, PAT_FN_FLAGS, pat_fn_rekey},
    {"pat_rotate", 1, PAT_FN_FLAGS, pat_fn_rotate},
    {"pat_rotate", 2, PAT_FN_FLAGS, pat_fn_rotate},
    {"pat_rotate", 3, PAT_FN_FLAGS, pat_fn_rotate},
    {"pat_revoke", 1, PAT_FN_FLAGS, pat_fn_revoke},
    {"pat_revoke", 2, PAT_FN_FLAGS, pat_fn_revoke},
    {"pat_verify", 1, PAT_FN_FLAGS, pat_fn_verify},
    {"pat_verify", 2, PAT_FN_FLAGS, pat_fn_verify},
    {"pat_verify", 3, PAT_FN_FLAGS, pat_fn_verify},
    {"pat_has_right", 2, PAT_FN_FLAGS, pat_fn_has_right},
    {"pat_has_right", 3, PAT_FN_FLAGS, pat_fn_has_right},
    {"pat_has_right", 4, PAT_FN_FLAGS, pat_fn_has_right},
    {"pat_version", 0, PAT_FN_FLAGS | SQLITE_DETERMINISTIC, fn_version},
    {"pat_debug", 0, PAT_FN_FLAGS, fn_debug},
};

/* pat's functions that no object stored in a database file may call: all
** but pat_version and pat_debug, which act on nothing. */
static const char *function_name(int i) {
  int k = -1;
  for (size_t j = 0; j < sizeof functions / sizeof functions[0]; j++) {
    if (functions[j].fn == fn_version || functions[j].fn == fn_debug) continue;
    if (j > 0 && strcmp(functions[j].name, functions[j - 1].name) == 0) continue;
    if (++k == i) return functions[j].name;
  }
  return NULL;
}

static const pat_table *const tables[] = {
    &pat_table_tokens, &pat_table_owners,   &pat_table_rights,
    &pat_table_roles,  &pat_table_settings, &pat_table_events, &pat_table_retired,
    &pat_table_notices};

static const char *table_name(int i) {
  return i >= 0 && (size_t)i < sizeof tables / sizeof tables[0] ? tables[i]->name : NULL;
}

/* Every table's module, and the anchor's (conn.c). Registering one again
** drops the old one's eponymous table. */
static int register_tables(sqlite3 *db, pat_conn *c) {
  int rc = SQLITE_OK;
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof tables / sizeof tables[0]; i++)
    rc = pat_vtab_register(db, c, tables[i]);
  return rc == SQLITE_OK ? pat_anchor_register(db, c) : rc;
}

/* What the store tells the layers above it (store.h). */
static int upper_event(pat_conn *c, int event) {
  switch (event) {
  case PAT_UPPER_RELEASE:
    pat_book_release(c);
    return 0;
  case PAT_UPPER_DISCARD:
    pat_book_discard(c);
    return 0;
  case PAT_UPPER_FORGET:
    pat_policy_forget(c);
    return 0;
  case PAT_UPPER_REOPENED:
    pat_policy_forget(c);
    return register_tables(c->db, c) == SQLITE_OK ? 0 : -1;
  case PAT_UPPER_FREE:
    pat_policy_free(c->policy);
    pat_policy_free(c->policy_defaults);
    c->policy = c->policy_defaults = NULL;
    return 0;
  default:
    return -1;
  }
}

static const pat_upper upper = {
    .event = upper_event, .function_name = function_name, .table_name = table_name};

/* Registers pat on db: SQLite's code, with e when it is not SQLITE_OK. */
/* The oldest SQLite pat works on: 3.40.0, the first that keeps a trigger
** from writing a virtual table registered DIRECTONLY (before it, a trigger
** planted in a database file could write pat_owners or pat_settings:
** tests/sql/08_directonly.sql); unixepoch() and JSON built in came with
** 3.38.0. An older one is refused when loading, with its version, rather
** than half-working. (sqlite3_db_name, 3.39, is used when there: guard.c.)
** tests/sqlite_versions/run.sh runs the suites on 3.40.0 and the newest. */
#define PAT_SQLITE_MIN 3040000
#define PAT_SQLITE_MIN_TEXT "3.40.0"

static int load(sqlite3 *db, pat_err *e) {
  if (sqlite3_libversion_number() < PAT_SQLITE_MIN) {
    pat_fail(e, "needs SQLite " PAT_SQLITE_MIN_TEXT " or later (which keeps triggers from"
             " writing its tables), and this is SQLite %s", sqlite3_libversion());
    return SQLITE_ERROR;
  }
  if (pat_crypto_init() != 0) {
    pat_fail(e, "libsodium could not be initialised");
    return SQLITE_ERROR;
  }
  pat_conn *c = pat_conn_new(db, &upper);
  if (c == NULL) {
    pat_fail(e, "%s", sqlite3_errstr(SQLITE_NOMEM));
    return SQLITE_NOMEM;
  }
  if (pat_key_from_env(c) != 0) {
    pat_conn_unref(c);
    pat_fail(e, "PAT_KEY must be %d to %d bytes in hex (%d to %d hex digits)", PAT_KEY_MIN,
             PAT_KEY_MAX, 2 * PAT_KEY_MIN, 2 * PAT_KEY_MAX);
    return SQLITE_ERROR;
  }
  int rc = SQLITE_OK;
  for (size_t i = 0; rc == SQLITE_OK && i < sizeof functions / sizeof functions[0]; i++) {
    /* Each registration holds a reference; SQLite drops it when the
    ** function goes (at close, or when the application replaces it), and
    ** also when registering fails. */
    c->refs++;
    rc = sqlite3_create_function_v2(db, functions[i].name, functions[i].nargs,
                                    functions[i].flags, c, functions[i].fn, NULL,
                                    NULL, pat_conn_unref);
  }
  if (rc == SQLITE_OK) rc = register_tables(db, c);
  pat_conn_unref(c); /* the reference taken by pat_conn_new */
  if (rc != SQLITE_OK) pat_fail(e, "can not register: %s", sqlite3_errstr(rc));
  return rc;
}

#ifdef _WIN32
__declspec(dllexport)
#else
__attribute__((visibility("default")))
#endif
int sqlite3_pat_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  pat_err e = {0};
  int rc = load(db, &e);
  /* The one place loading's error becomes SQLite's. */
  if (rc != SQLITE_OK && pzErrMsg != NULL) *pzErrMsg = sqlite3_mprintf("pat: %s", e.msg);
  return rc;
}
