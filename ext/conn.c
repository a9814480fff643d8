/*
** conn.c: pat's state on one application connection (pat_conn), and what
** it keeps for as long as the connection lives: the server-side key, the
** statements cached on main, and the hidden table those hang on.
**
** One pat_conn is the user data of every function and table pat registers
** on a connection. It is counted: each registration holds a reference, and
** each connected table one of its own (SQLite drops a module's user data
** before it disconnects the module's last table).
**
** Statements that run on every call are prepared once per connection and
** reset after each use. SQLite refuses to close a connection while any of
** its statements live, and it checks that before it frees function user
** data; but first it disconnects every virtual table no statement still
** uses. So the statements cached on main are prepared only while pat's own
** eponymous table pat_anchor is connected, and its xDisconnect finalizes
** them. Why not one of the public tables: a statement that uses a table
** holds it connected, and a trigger on one of pat's store tables that reads
** pat_tokens is compiled into pat's own cached INSERT. That statement then
** held pat_tokens, pat_tokens held the statements, and the connection was
** never freed (issue 21). No statement but the anchoring one may use
** pat_anchor: its xBestIndex refuses every other, so a trigger that names
** it fails to compile instead.
**
** The layers above keep state read from main too (the cached policy): the
** entry point gives a pat_upper whose event() this file calls when that
** state must go.
**
** Never: write, log or return the key; it is wiped when it changes and when
** the connection goes.
*/
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pat_conn *pat_conn_new(sqlite3 *db, const pat_upper *upper) {
  pat_conn *c = sqlite3_malloc(sizeof *c);
  if (c == NULL) return NULL;
  memset(c, 0, sizeof *c);
  c->db = db;
  c->upper = upper;
  c->refs = 1;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_VFS_POINTER, &c->vfs) != SQLITE_OK)
    c->vfs = NULL;
  return c;
}

static void finalize_all(pat_conn *c, int which) {
  for (int i = 0; i < PAT_STMT_COUNT; i++) {
    sqlite3_finalize(c->stmt[which][i]);
    c->stmt[which][i] = NULL;
  }
}

sqlite3_file *pat_conn_main_file(pat_conn *c) {
  sqlite3_file *f = NULL;
  if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK)
    return NULL;
  return f;
}

int pat_conn_aux_open(pat_conn *c, pat_err *e) {
  if (c->aux != NULL) return 0;
  const char *file = sqlite3_db_filename(c->db, "main");
  int rc = sqlite3_open_v2(file, &c->aux, SQLITE_OPEN_READWRITE, pat_vfs_name(c));
  if (rc == SQLITE_OK) return 0;
  pat_fail(e, "can not open a second connection: %s", pat_db_reason(c->aux, rc));
  sqlite3_close(c->aux);
  c->aux = NULL;
  return -1;
}

void pat_conn_aux_close(pat_conn *c) {
  finalize_all(c, PAT_DB_AUX);
  if (c->aux != NULL) sqlite3_close(c->aux);
  c->aux = NULL;
}

void pat_conn_release(pat_conn *c) {
  c->upper->event(c, PAT_UPPER_RELEASE);
  pat_conn_aux_close(c);
  finalize_all(c, PAT_DB_MAIN);
  sqlite3_finalize(c->sentinel);
  c->sentinel = NULL;
  c->schema_state = PAT_SCHEMA_UNKNOWN;
  c->store_version = 0;
}

int pat_conn_reopened(pat_conn *c) {
  c->upper->event(c, PAT_UPPER_DISCARD);
  pat_conn_release(c);
  c->next_id = 0;
  if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_VFS_POINTER, &c->vfs) != SQLITE_OK)
    c->vfs = NULL;
  return c->upper->event(c, PAT_UPPER_REOPENED);
}

void pat_conn_unref(void *p) {
  pat_conn *c = p;
  if (c == NULL || --c->refs > 0) return;
  pat_conn_release(c);
  finalize_all(c, PAT_DB_DEFAULTS);
  c->upper->event(c, PAT_UPPER_FREE);
  if (c->defaults != NULL) sqlite3_close(c->defaults);
  pat_wipe(c->key, sizeof c->key);
  sqlite3_free(c);
}

/* ------------------------------------------------------------ the key */

int pat_conn_digest(pat_conn *c, unsigned char out[PAT_DIGEST_LEN], const char *tok,
                    size_t n) {
  return pat_digest_keyed(out, tok, n, c->keylen ? c->key : NULL, c->keylen);
}

int pat_key_matches(pat_conn *c, const char *store_fp, pat_err *e) {
  int store_keyed = store_fp != NULL && store_fp[0] != '\0';
  if (!store_keyed && c->keylen == 0) return 0;
  if (store_keyed && c->keylen > 0 && strcmp(store_fp, c->key_fp) == 0) return 0;
  if (!store_keyed)
    pat_fail(e, "this store was made without a key, but the connection has "
             "one (fingerprint %s): unset it with pat_key(NULL), or move the store to "
             "it with pat_rekey()", c->key_fp);
  else if (c->keylen == 0)
    pat_fail(e, "this store needs the key it was made with (fingerprint %.*s):"
             " give it with pat_key() or the PAT_KEY environment variable",
             PAT_FINGERPRINT_HEX, store_fp);
  else
    pat_fail(e, "the key (fingerprint %s) is not the store's (fingerprint %.*s)",
             c->key_fp, PAT_FINGERPRINT_HEX, store_fp);
  return -1;
}

int pat_conn_set_key(pat_conn *c, const unsigned char *key, size_t keylen) {
  pat_wipe(c->key, sizeof c->key);
  c->keylen = 0;
  c->key_fp[0] = '\0';
  if (keylen > 0) {
    if (pat_key_fingerprint(c->key_fp, key, keylen) != 0) return -1;
    memcpy(c->key, key, keylen);
    c->keylen = keylen;
  }
  /* Everything checked against the old key is checked again. */
  c->store_version = 0;
  c->upper->event(c, PAT_UPPER_FORGET);
  return 0;
}

int pat_key_from_env(pat_conn *c) {
  const char *hex = getenv("PAT_KEY");
  unsigned char key[PAT_KEY_MAX];
  size_t len = 0;
  if (hex == NULL || hex[0] == '\0') return 0;
  int rc = pat_hex_key(key, sizeof key, &len, hex) == 0 ? pat_conn_set_key(c, key, len) : -1;
  pat_wipe(key, sizeof key);
  return rc;
}

/* ------------------------------------------------ failures and the file */

void pat_note_failure(pat_conn *c, int rc) {
  int primary = rc & 0xff;
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR || primary == SQLITE_NOMEM)
    c->fail_code = rc;
}

void pat_store_failed(pat_conn *c, int rc) {
  int primary = rc & 0xff;
  c->store_missing = primary == SQLITE_SCHEMA ||
                     (primary == SQLITE_ERROR && strstr(sqlite3_errmsg(c->db), "no such table"));
  pat_note_failure(c, rc);
}

int pat_data_version(pat_conn *c, unsigned int *dv) {
  *dv = 0;
  return sqlite3_file_control(c->db, "main", SQLITE_FCNTL_DATA_VERSION, dv) == SQLITE_OK
             ? 0
             : -1;
}

/* main's VFS is fixed for the connection's life: found once (pat_conn_new). */
const char *pat_vfs_name(pat_conn *c) {
  sqlite3_vfs *vfs = c->vfs;
  if (vfs == NULL &&
      (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) != SQLITE_OK ||
       vfs == NULL))
    return "?";
  return vfs->zName;
}

int pat_vfs_is_os(pat_conn *c) { return strncmp(pat_vfs_name(c), "unix", 4) == 0; }

int pat_vfs_is_memory(pat_conn *c) {
  const char *file = sqlite3_db_filename(c->db, "main");
  return file == NULL || file[0] == '\0' || strcmp(pat_vfs_name(c), "memdb") == 0;
}

int pat_nested_write_runs(pat_conn *c) {
  /* Asked of the statements themselves: no allocation, no change. */
  for (sqlite3_stmt *s = sqlite3_next_stmt(c->db, NULL); s != NULL;
       s = sqlite3_next_stmt(c->db, s))
    if (sqlite3_stmt_busy(s) && !sqlite3_stmt_readonly(s)) return 1;
  return 0;
}

int pat_nested_autocommit_write(pat_conn *c) {
  /* With no writing statement running, our write would commit on its own,
  ** in the middle of the caller's reading one. */
  return sqlite3_get_autocommit(c->db) && !pat_nested_write_runs(c);
}

/* ------------------------------------------------------- the anchor */

typedef struct anchor_vtab {
  sqlite3_vtab base; /* first, as SQLite expects */
  pat_conn *conn;
} anchor_vtab;

static int anchor_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                          sqlite3_vtab **out, char **pzErr) {
  (void)argc;
  (void)argv;
  (void)pzErr;
  pat_conn *c = aux;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(x)");
  if (rc == SQLITE_OK) rc = sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  if (rc != SQLITE_OK) return rc;
  anchor_vtab *v = sqlite3_malloc(sizeof *v);
  if (v == NULL) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->conn = c;
  c->refs++; /* see the top of this file */
  c->anchored++;
  *out = &v->base;
  return SQLITE_OK;
}

/* 1 while pat is at work on the connection: one of its writes (c->writing
** covers every one, the bookkeeping in memory included) or one of its
** cached statements runs. */
static int pat_runs(pat_conn *c) {
  if (c->writing > 0) return 1;
  for (int i = 0; i < PAT_STMT_COUNT; i++)
    if (c->stmt[PAT_DB_MAIN][i] != NULL && sqlite3_stmt_busy(c->stmt[PAT_DB_MAIN][i])) return 1;
  return 0;
}

static int anchor_disconnect(sqlite3_vtab *vt) {
  anchor_vtab *v = (anchor_vtab *)vt;
  pat_conn *c = v->conn;
  /* sqlite3_close() called from a callback (an application's function in a
  ** trigger that pat's write fired) disconnects every table, then answers
  ** SQLITE_BUSY and leaves the connection open: while pat is at work, what
  ** it uses must not be freed under it. The statements stay cached, and pat
  ** anchors them again at its next use (pat_conn_anchor). */
  if (--c->anchored == 0 && !pat_runs(c)) pat_conn_release(c);
  sqlite3_free(v);
  pat_conn_unref(c);
  return SQLITE_OK;
}

static int anchor_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  anchor_vtab *v = (anchor_vtab *)vt;
  if (v->conn->anchoring) {
    info->estimatedCost = 1;
    return SQLITE_OK;
  }
  sqlite3_free(vt->zErrMsg);
  vt->zErrMsg = sqlite3_mprintf("%s is pat's own and can not be used", PAT_ANCHOR_NAME);
  return SQLITE_ERROR;
}

/* Never reached: the only statement that uses the table is never stepped. */
static int anchor_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  (void)out;
  return SQLITE_ERROR;
}

static int anchor_close(sqlite3_vtab_cursor *cur) {
  (void)cur;
  return SQLITE_OK;
}

static const sqlite3_module anchor_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous-only */
    .xConnect = anchor_connect,
    .xBestIndex = anchor_best_index,
    .xDisconnect = anchor_disconnect,
    .xDestroy = anchor_disconnect,
    .xOpen = anchor_open,
    .xClose = anchor_close,
};

int pat_anchor_register(sqlite3 *db, pat_conn *c) {
  c->refs++; /* dropped by SQLite with the module, or at once on failure */
  return sqlite3_create_module_v2(db, PAT_ANCHOR_NAME, &anchor_module, c, pat_conn_unref);
}

int pat_conn_anchor(pat_conn *c) {
  if (c->anchored > 0) return 0;
  sqlite3_stmt *st = NULL;
  c->anchoring = 1;
  int rc = sqlite3_prepare_v2(c->db, "SELECT 1 FROM main." PAT_ANCHOR_NAME, -1, &st, NULL);
  c->anchoring = 0;
  sqlite3_finalize(st);
  return rc == SQLITE_OK && c->anchored > 0 ? 0 : -1;
}

int pat_conn_prepare_main(pat_conn *c, const char *sql, sqlite3_stmt **st, pat_err *e) {
  *st = NULL;
  if (pat_conn_anchor(c) != 0)
    return pat_fail(e, "can not connect " PAT_ANCHOR_NAME ": %s", sqlite3_errmsg(c->db));
  int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
  if (rc != SQLITE_OK) {
    pat_fail(e, "%s", sqlite3_errmsg(c->db));
    sqlite3_finalize(*st);
    *st = NULL;
    return -1;
  }
  return 0;
}
