/*
** vtab.c: the one virtual table module behind every public table.
**
**   SELECT id, name, status FROM pat_tokens WHERE owner = 'alice';
**   SELECT * FROM pat_rights WHERE category = 'Data Operations';
**
** Each public table (vtab_*.c) is a pat_table: its columns and a query over
** the store whose first column is the row's rowid and the rest the public
** columns in order. This file runs that query for SELECT, on main when the
** store exists and on the private defaults otherwise. Tables are
** eponymous-only (no CREATE VIRTUAL TABLE) and DIRECTONLY.
*/
#include "tables.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct pat_vtab {
  sqlite3_vtab base; /* first, as SQLite expects */
  pat_conn *conn;
  const pat_table *table;
} pat_vtab;

typedef struct pat_cursor {
  sqlite3_vtab_cursor base; /* first, as SQLite expects */
  sqlite3_stmt *stmt;       /* on main or on the defaults database */
  int eof;
  int seek;                 /* each row sought after the last rowid seen */
  sqlite3_int64 seek_end;   /* the last rowid when the scan began */
} pat_cursor;

/* A module's user data: the connection's state and the table it serves. */
typedef struct pat_module_aux {
  pat_conn *conn;
  const pat_table *table;
} pat_module_aux;

/* The one place a table's error becomes SQLite's: "table: message" in
** zErrMsg, anything that could be a token masked. */
static void vtab_fail(sqlite3_vtab *vt, const pat_err *e) {
  pat_vtab *v = (pat_vtab *)vt;
  sqlite3_free(vt->zErrMsg);
  vt->zErrMsg = sqlite3_mprintf("%s: %s", v->table->name, e->msg);
  /* A value quoted back may hold a token. */
  if (vt->zErrMsg != NULL) pat_mask_secrets(vt->zErrMsg);
}

/* The same, for SQLite's message or one made here. */
static void vtab_fail_text(sqlite3_vtab *vt, const char *msg) {
  pat_err e;
  pat_fail(&e, "%s", msg);
  vtab_fail(vt, &e);
}

static int vtab_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **out, char **pzErr) {
  const pat_table *t = ((pat_module_aux *)aux)->table;
  pat_conn *c = ((pat_module_aux *)aux)->conn;
  (void)argc;
  (void)argv;
  (void)pzErr;
  sqlite3_str *ddl = sqlite3_str_new(db);
  sqlite3_str_appendall(ddl, "CREATE TABLE x(");
  for (int i = 0; i < t->ncolumns; i++)
    sqlite3_str_appendf(ddl, "%s%s %s", i ? ", " : "", t->columns[i].name, t->columns[i].type);
  sqlite3_str_appendall(ddl, ")");
  char *sql = sqlite3_str_finish(ddl);
  int rc = sql ? sqlite3_declare_vtab(db, sql) : SQLITE_NOMEM;
  sqlite3_free(sql);
  /* A view or trigger planted in an untrusted database file must not reach
  ** the tokens. */
  if (rc == SQLITE_OK) rc = sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  if (rc != SQLITE_OK) return rc;
  pat_vtab *v = sqlite3_malloc(sizeof *v);
  if (v == NULL) return SQLITE_NOMEM;
  memset(v, 0, sizeof *v);
  v->conn = c;
  v->table = t;
  /* The table holds its own reference: when pat is loaded again on the
  ** connection, SQLite drops the old module (and its reference) before it
  ** disconnects the old module's tables. */
  c->refs++;
  *out = &v->base;
  return SQLITE_OK;
}

static int vtab_disconnect(sqlite3_vtab *vt) {
  pat_vtab *v = (pat_vtab *)vt;
  pat_conn *c = v->conn;
  sqlite3_free(v);
  pat_conn_unref(c);
  return SQLITE_OK;
}

/* idxNum 1: an `=` constraint on the table's key column, passed as argv[0]
** of xFilter and looked up directly. idxNum 2: the same on its second,
** indexed column (pat_events' token_id). idxNum 0: every row. Only a
** constraint that compares as the store does (BINARY) is taken: one with
** another collation (owner = 'Alice' COLLATE NOCASE) is left to SQLite,
** which then filters every row as it would any table's. */
/* The column with `flag` (PAT_COL_KEY, PAT_COL_INDEXED), or -1. */
static int column_with(const pat_table *t, unsigned flag) {
  for (int i = 0; i < t->ncolumns; i++)
    if (t->columns[i].flags & flag) return i;
  return -1;
}

static int vtab_best_index(sqlite3_vtab *vt, sqlite3_index_info *info) {
  const pat_table *t = ((pat_vtab *)vt)->table;
  int best = -1, kind = 0;
  info->idxNum = 0;
  info->estimatedCost = 100000;
  info->estimatedRows = 100000;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[i];
    if (!k->usable || k->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    const char *coll = sqlite3_vtab_collation(info, i);
    if (coll != NULL && sqlite3_stricmp(coll, "BINARY") != 0) continue;
    if (k->iColumn >= 0 && k->iColumn == column_with(t, PAT_COL_KEY)) {
      best = i;
      kind = 1;
      break;
    }
    if (k->iColumn >= 0 && k->iColumn == column_with(t, PAT_COL_INDEXED) && kind == 0) {
      best = i;
      kind = 2;
    }
  }
  if (best < 0) return SQLITE_OK;
  info->aConstraintUsage[best].argvIndex = 1;
  info->aConstraintUsage[best].omit = 1;
  info->idxNum = kind;
  info->estimatedCost = kind == 1 ? 10 : 50;
  info->estimatedRows = kind == 1 && t->key_unique ? 1 : 20;
  if (kind == 1 && t->key_unique) info->idxFlags = SQLITE_INDEX_SCAN_UNIQUE;
  return SQLITE_OK;
}

static int cursor_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **out) {
  (void)vt;
  pat_cursor *cur = sqlite3_malloc(sizeof *cur);
  if (cur == NULL) return SQLITE_NOMEM;
  memset(cur, 0, sizeof *cur);
  cur->eof = 1;
  *out = &cur->base;
  return SQLITE_OK;
}

static int cursor_close(sqlite3_vtab_cursor *vc) {
  pat_cursor *cur = (pat_cursor *)vc;
  sqlite3_finalize(cur->stmt);
  sqlite3_free(cur);
  return SQLITE_OK;
}

static int cursor_next(sqlite3_vtab_cursor *vc) {
  pat_cursor *cur = (pat_cursor *)vc;
  if (cur->seek) {
    /* A statement run from the scan may change what it scans (SELECT
    ** pat_rotate(id) FROM pat_tokens rewrites each row, and the first change
    ** of a token moves its create event into pat_store_events); a scan that
    ** kept its place in a B-tree could then meet a row twice or miss one.
    ** Seeking past the last rowid seen never does. */
    sqlite3_int64 last = sqlite3_stmt_busy(cur->stmt) ? sqlite3_column_int64(cur->stmt, 0)
                                                      : INT64_MIN;
    sqlite3_reset(cur->stmt);
    int brc = sqlite3_bind_int64(cur->stmt, 1, last);
    if (brc == SQLITE_OK) brc = sqlite3_bind_int64(cur->stmt, 2, cur->seek_end);
    if (brc != SQLITE_OK) {
      cur->eof = 1;
      return brc;
    }
  }
  int rc = sqlite3_step(cur->stmt);
  if (rc == SQLITE_ROW) return SQLITE_OK;
  cur->eof = 1;
  if (rc == SQLITE_DONE) return SQLITE_OK;
  vtab_fail_text(vc->pVtab, pat_db_reason(sqlite3_db_handle(cur->stmt), rc));
  return rc;
}

/* The table's select on the store that answers reads (`which`): the
** private defaults are made by this pat, main may be older. */
static const char *table_select(const pat_vtab *v, int which) {
  const pat_table *t = v->table;
  int version = which == PAT_DB_MAIN ? v->conn->store_version : PAT_SCHEMA_VERSION;
  return version < PAT_SCHEMA_USES && t->select_before_uses != NULL ? t->select_before_uses
         : version < PAT_SCHEMA_CLIENT && t->select_v5 != NULL      ? t->select_v5
                                                                    : t->select;
}

static int scan_end(sqlite3 *db, const pat_table *t, const char *select,
                    sqlite3_int64 *end) {
  sqlite3_stmt *st = NULL;
  char *sql = t->end_select ? sqlite3_mprintf("%s", t->end_select)
                            : sqlite3_mprintf("SELECT max(_rowid) FROM (%s)", select);
  int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &st, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    *end = sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

static int cursor_filter(sqlite3_vtab_cursor *vc, int idxNum, const char *idxStr,
                         int argc, sqlite3_value **argv) {
  pat_cursor *cur = (pat_cursor *)vc;
  pat_vtab *v = (pat_vtab *)vc->pVtab;
  const pat_table *t = v->table;
  pat_err e = {0};
  (void)idxStr;
  sqlite3_finalize(cur->stmt);
  cur->stmt = NULL;
  cur->eof = 1;
  int which = pat_guard(v->conn, 0, &e) == 0
                  ? pat_store_validate(v->conn, &e)
                  : -1;
  if (which < 0) {
    vtab_fail(vc->pVtab, &e);
    return SQLITE_ERROR;
  }
  /* The scan of a write (UPDATE, DELETE): a store this pat reads as it is
  ** gets its upgrade first, so the write finds what this pat shows (a
  ** setting's row added since). */
  if (which == PAT_DB_MAIN && v->conn->store_version < PAT_SCHEMA_VERSION &&
      pat_nested_write_runs(v->conn) && pat_store_ensure(v->conn, NULL, &e) != 0) {
    vtab_fail(vc->pVtab, &e);
    return SQLITE_ERROR;
  }
  if (which == PAT_DB_MAIN) pat_book_before_read(v->conn, t->bookkept);
  sqlite3 *db = pat_store_db(v->conn, which);
  int lookup = (idxNum == 1 || idxNum == 2) && argc == 1;
  cur->seek = !lookup && t->seek;
  const char *select = table_select(v, which);
  char *sql = lookup ? sqlite3_mprintf("SELECT * FROM (%s) WHERE %s = ?1 %s", select,
                                       t->columns[column_with(t, idxNum == 1
                                                                     ? PAT_COL_KEY
                                                                     : PAT_COL_INDEXED)]
                                           .name,
                                       t->order)
              : cur->seek && t->seek_select ? sqlite3_mprintf("%s", t->seek_select)
              : cur->seek
                  ? sqlite3_mprintf("SELECT * FROM (%s) WHERE _rowid > ?1 AND _rowid <= ?2"
                                    " ORDER BY _rowid LIMIT 1", select)
                  : sqlite3_mprintf("SELECT * FROM (%s) %s", select, t->order);
  int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &cur->stmt, NULL) : SQLITE_NOMEM;
  sqlite3_free(sql);
  if (rc == SQLITE_OK && lookup) rc = sqlite3_bind_value(cur->stmt, 1, argv[0]);
  /* Rows made while the scan runs (SELECT pat_create(...) FROM pat_tokens)
  ** are not met by it, as they would be without end. */
  if (rc == SQLITE_OK && cur->seek) rc = scan_end(db, t, select, &cur->seek_end);
  if (rc != SQLITE_OK) {
    vtab_fail_text(vc->pVtab, pat_db_reason(db, rc));
    return rc;
  }
  cur->eof = 0;
  return cursor_next(vc);
}

static int cursor_eof(sqlite3_vtab_cursor *vc) { return ((pat_cursor *)vc)->eof; }

static int cursor_column(sqlite3_vtab_cursor *vc, sqlite3_context *ctx, int i) {
  pat_cursor *cur = (pat_cursor *)vc;
  /* In an UPDATE, leaving a column the statement does not set without a
  ** value lets xUpdate tell which columns really change. */
  if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;
  const pat_table *t = ((pat_vtab *)vc->pVtab)->table;
  if ((t->columns[i].flags & PAT_COL_MASKED) &&
      sqlite3_column_type(cur->stmt, i + 1) == SQLITE_TEXT) {
    char *s = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(cur->stmt, i + 1));
    if (s == NULL) return SQLITE_NOMEM;
    pat_mask_secrets(s);
    sqlite3_result_text(ctx, s, -1, sqlite3_free);
    return SQLITE_OK;
  }
  sqlite3_result_value(ctx, sqlite3_column_value(cur->stmt, i + 1));
  return SQLITE_OK;
}

static int cursor_rowid(sqlite3_vtab_cursor *vc, sqlite_int64 *rowid) {
  *rowid = sqlite3_column_int64(((pat_cursor *)vc)->stmt, 0);
  return SQLITE_OK;
}

int pat_write_kind(int argc, sqlite3_value **argv) {
  if (argc == 1) return PAT_WRITE_DELETE;
  return sqlite3_value_type(argv[0]) == SQLITE_NULL ? PAT_WRITE_INSERT : PAT_WRITE_UPDATE;
}

int pat_write_sets(sqlite3_value **argv, int i) {
  return !sqlite3_value_nochange(argv[2 + i]);
}

/* "column 'x' can not be changed (only a, b)" into err: -1. */
static int not_writable(const pat_table *t, int i, pat_err *e) {
  char only[PAT_ERRMAX] = "";
  size_t n = 0;
  for (int k = 0; k < t->ncolumns; k++)
    if (t->columns[k].flags & PAT_COL_WRITABLE)
      n += (size_t)snprintf(only + n, n < sizeof only ? sizeof only - n : 0, "%s%s",
                            n ? ", " : "", t->columns[k].name);
  pat_fail(e, "column '%s' can not be changed (only %s)", t->columns[i].name, only);
  return -1;
}

int pat_write_only(const pat_table *t, sqlite3_value **argv, pat_err *e) {
  /* A changed rowid is a changed key column too (pat_tokens' id). */
  int key = column_with(t, PAT_COL_KEY);
  if (key >= 0 && !(t->columns[key].flags & PAT_COL_WRITABLE) &&
      sqlite3_value_type(argv[1]) != SQLITE_NULL &&
      sqlite3_value_int64(argv[0]) != sqlite3_value_int64(argv[1]))
    return not_writable(t, key, e);
  for (int i = 0; i < t->ncolumns; i++)
    if (!(t->columns[i].flags & PAT_COL_WRITABLE) && pat_write_sets(argv, i))
      return not_writable(t, i, e);
  return 0;
}

/* Writes go to the store, which they create when it does not exist yet;
** the changing statement's own transaction makes them atomic, events
** included (written by the store's triggers). */
static int vtab_update(sqlite3_vtab *vt, int argc, sqlite3_value **argv,
                       sqlite_int64 *rowid) {
  pat_vtab *v = (pat_vtab *)vt;
  const pat_table *t = v->table;
  pat_err e = {0};
  if (t->update == NULL) {
    vtab_fail_text(vt, t->err_readonly);
    return SQLITE_ERROR;
  }
  /* A row's rowid names it; no table lets it change (pat_tokens shows it as
  ** id, and says so in its own words). */
  if (pat_write_kind(argc, argv) == PAT_WRITE_UPDATE && !t->rowid_shown &&
      sqlite3_value_int64(argv[0]) != sqlite3_value_int64(argv[1])) {
    vtab_fail_text(vt, "rowid can not be changed");
    return SQLITE_ERROR;
  }
  int which = pat_guard(v->conn, 0, &e) == 0
                  ? pat_store_validate(v->conn, &e)
                  : -1;
  v->conn->fail_code = SQLITE_OK;
  if (which >= 0) {
    /* A trigger or constraint fired by this write must not call pat. */
    v->conn->writing++;
    int rc = t->update(v->conn, which, argc, argv, rowid, &e);
    v->conn->writing--;
    if (rc == 0) return SQLITE_OK;
  }
  vtab_fail(vt, &e);
  /* Each handler writes the store with one statement, but making the store
  ** takes several, and the application's statement opens no statement
  ** journal that could undo them. SQLite rolls back the whole transaction
  ** for a full disk, an I/O error or no memory: so say which it was, and
  ** nothing is left half-made. */
  return v->conn->fail_code != SQLITE_OK ? v->conn->fail_code : SQLITE_ERROR;
}

static const sqlite3_module pat_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous-only: CREATE VIRTUAL TABLE is refused */
    .xConnect = vtab_connect,
    .xBestIndex = vtab_best_index,
    .xDisconnect = vtab_disconnect,
    .xDestroy = vtab_disconnect,
    .xOpen = cursor_open,
    .xClose = cursor_close,
    .xFilter = cursor_filter,
    .xNext = cursor_next,
    .xEof = cursor_eof,
    .xColumn = cursor_column,
    .xRowid = cursor_rowid,
    .xUpdate = vtab_update,
};

static void module_aux_free(void *p) {
  pat_module_aux *aux = p;
  pat_conn_unref(aux->conn);
  sqlite3_free(aux);
}

int pat_vtab_register(sqlite3 *db, pat_conn *c, const pat_table *t) {
  pat_module_aux *aux = sqlite3_malloc(sizeof *aux);
  if (aux == NULL) return SQLITE_NOMEM;
  aux->conn = c;
  aux->table = t;
  c->refs++; /* dropped by SQLite with the module, or at once on failure */
  return sqlite3_create_module_v2(db, t->name, &pat_module, aux, module_aux_free);
}
