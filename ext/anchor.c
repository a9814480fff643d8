/*
** anchor.c: the hidden table whose disconnect releases pat's statements.
**
** SQLite refuses to close a connection while any statement prepared on it
** lives, and it checks that before it frees function user data; but first
** it disconnects every virtual table that no statement still uses. pat
** keeps statements prepared on `main` between calls (store.c), so it ties
** them to one eponymous table of its own, pat_anchor, connected before the
** first of them is prepared and disconnected by sqlite3_close(): its
** xDisconnect finalizes them all.
**
** Why not one of the public tables: a statement that uses a table holds it
** connected. A trigger on one of pat's store tables that reads pat_tokens
** is compiled into pat's own cached INSERT; that statement then held
** pat_tokens, pat_tokens held the statements, and the connection was never
** freed (issue 21). No statement but the anchoring one may use pat_anchor:
** its xBestIndex refuses every other, so a trigger that names it fails to
** compile instead.
*/
#include "pat_internal.h"

#include <string.h>

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
  c->refs++; /* as a public table's (vtab.c) */
  c->anchored++;
  *out = &v->base;
  return SQLITE_OK;
}

static int anchor_disconnect(sqlite3_vtab *vt) {
  anchor_vtab *v = (anchor_vtab *)vt;
  pat_conn *c = v->conn;
  if (--c->anchored == 0) pat_store_release(c);
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

int pat_anchor(pat_conn *c) {
  if (c->anchored > 0) return 0;
  sqlite3_stmt *st = NULL;
  c->anchoring = 1;
  int rc = sqlite3_prepare_v2(c->db, "SELECT 1 FROM main." PAT_ANCHOR_NAME, -1, &st, NULL);
  c->anchoring = 0;
  sqlite3_finalize(st);
  return rc == SQLITE_OK && c->anchored > 0 ? 0 : -1;
}
