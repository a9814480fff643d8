/*
** bookkeeping.c: what a check writes on the side: a token's last_used_at,
** and under `audit = all` the use and deny events.
**
** All of it is best-effort. A check must never fail, wait, or turn the
** caller's read into a write because of it, so:
**   - it is written only when the application's connection is in autocommit
**     and not read-only (nor PRAGMA query_only), and never for a check with
**     an explicit `at`;
**   - it is never written while the application's own write statement runs
**     (INSERT INTO t SELECT pat_verify(...)): that statement holds the write
**     transaction, and a write beside it could only wait or interfere;
**   - on a database file it goes through a second, private connection with
**     no busy handler: when the write lock can not be had at once, the write
**     is skipped (a later check writes last_used_at). The application's busy
**     handler can not be read back, so pat could not lift it for one write
**     on the application's own connection. That connection is opened for the
**     write and closed after it: kept open on a WAL file it would hold the
**     file's shared lock between calls, and the application could not leave
**     WAL or lock the file exclusively;
**   - a second connection is only opened where it shares the application's
**     locks: main's VFS is the default "unix" one and the file was not opened
**     with nolock=1. Anywhere else (unix-none, unix-excl, whose WAL index
**     lives in one connection's memory, dqlite's replicating VFS, whose writes
**     must go through the application's connection) nothing is written: two
**     connections that do not see each other's locks corrupt a file;
**   - in memory there is no one to wait for, and the application's
**     connection writes it.
** The settings it needs (audit, last_used_interval) come with the entry,
** from the policy the check read (policy.c).
*/
#include "policy.h"

#include <stdio.h>
#include <string.h>

enum { BOOK_TOUCH, BOOK_EVENT, BOOK_COUNT };

static const char *const book_sql[BOOK_COUNT] = {
    [BOOK_TOUCH] = "UPDATE main.pat_store_tokens SET last_used_at = ?2"
                   " WHERE id = ?1 AND (last_used_at IS NULL OR ?2 - last_used_at >= ?3)",
    /* Ids are shared with tokens (sql/schema.sql). */
    [BOOK_EVENT] = "INSERT INTO main.pat_store_events(id, at, event, token_id, token_name,"
                   " owner, detail) SELECT max(id,"
                   " coalesce((SELECT max(id) FROM main.pat_store_tokens), 0),"
                   " coalesce((SELECT max(id) FROM main.pat_store_events), 0),"
                   " coalesce((SELECT value FROM main.pat_store_meta WHERE key = 'id_floor'),"
                   " 0)) + 1, ?2, ?3, id, name, owner, ?4"
                   " FROM main.pat_store_tokens WHERE id = ?1",
};

struct pat_book {
  sqlite3 *aux;                   /* private writer, open during a write */
  int aux_failed;                 /* could not be opened: do not retry */
  sqlite3_stmt *stmt[2][BOOK_COUNT]; /* [0] on main, [1] on aux */
};

static void aux_close(pat_book *b) {
  for (int i = 0; i < BOOK_COUNT; i++) {
    sqlite3_finalize(b->stmt[1][i]);
    b->stmt[1][i] = NULL;
  }
  if (b->aux != NULL) sqlite3_close(b->aux);
  b->aux = NULL;
}

void pat_book_release(pat_conn *c) {
  pat_book *b = c->book;
  if (b == NULL) return;
  for (int i = 0; i < BOOK_COUNT; i++) sqlite3_finalize(b->stmt[0][i]);
  aux_close(b);
  sqlite3_free(b);
  c->book = NULL;
}

static pat_book *book_get(pat_conn *c) {
  if (c->book == NULL) {
    c->book = sqlite3_malloc(sizeof *c->book);
    if (c->book != NULL) memset(c->book, 0, sizeof *c->book);
  }
  return c->book;
}

/* The connection that writes: 1 the private one, 0 the application's (in
** memory), -1 none (read-only, or the private one can not be opened). */
static int query_only(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  int on = 1; /* when in doubt, do not write */
  if (sqlite3_prepare_v2(db, "PRAGMA query_only", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    on = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return on;
}

static int writer(pat_conn *c, pat_book *b) {
  /* The application's word that this connection does not write stands for
  ** the private one too. */
  if (sqlite3_db_readonly(c->db, "main") != 0 || query_only(c->db)) return -1;
  if (pat_vfs_is_memory(c)) return 0;
  const char *file = sqlite3_db_filename(c->db, "main");
  if (b->aux != NULL) return 1;
  if (b->aux_failed) return -1;
  /* A second connection only where it takes the same locks (top of file). */
  if (strcmp(pat_vfs_name(c), "unix") != 0 || sqlite3_uri_boolean(file, "nolock", 0) ||
      sqlite3_uri_boolean(file, "immutable", 0)) {
    b->aux_failed = 1;
    return -1;
  }
  if (sqlite3_open_v2(file, &b->aux, SQLITE_OPEN_READWRITE, pat_vfs_name(c)) != SQLITE_OK) {
    sqlite3_close(b->aux);
    b->aux = NULL;
    b->aux_failed = 1;
    return -1;
  }
  /* What it writes is best-effort: in WAL mode, no fsync per commit (the
  ** database stays consistent; a power cut may lose the last few). */
  sqlite3_exec(b->aux, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  return 1;
}

static sqlite3_stmt *book_stmt(pat_book *b, sqlite3 *db, int w, int id) {
  if (b->stmt[w][id] == NULL &&
      sqlite3_prepare_v3(db, book_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &b->stmt[w][id],
                         NULL) != SQLITE_OK) {
    sqlite3_finalize(b->stmt[w][id]);
    b->stmt[w][id] = NULL;
  }
  return b->stmt[w][id];
}

static int run(sqlite3_stmt *st) {
  int rc = st != NULL ? sqlite3_step(st) : SQLITE_ERROR;
  if (st != NULL) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
  return rc == SQLITE_DONE ? 0 : -1;
}

void pat_book_write(pat_conn *c, const pat_book_entry *e) {
  pat_book *b = book_get(c);
  if (b == NULL || !sqlite3_get_autocommit(c->db) ||
      sqlite3_txn_state(c->db, "main") == SQLITE_TXN_WRITE)
    return;
  int w = writer(c, b);
  if (w < 0) return;
  sqlite3 *db = w ? b->aux : c->db;
  if (w && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
    aux_close(b);
    return;
  }
  int ok = 1;
  /* On the application's connection, its TEMP triggers fire: not into pat. */
  c->writing++;
  /* A bind that fails writes nothing this time (never a row that says
  ** less than it should, such as an event without its detail). */
  if (e->touch) {
    sqlite3_stmt *st = book_stmt(b, db, w, BOOK_TOUCH);
    int rc = st != NULL ? sqlite3_bind_int64(st, 1, e->id) : SQLITE_ERROR;
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, e->now);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 3, e->interval);
    ok = rc == SQLITE_OK && run(st) == 0;
    if (rc != SQLITE_OK && st != NULL) sqlite3_clear_bindings(st);
  }
  if (ok && e->event != NULL) {
    sqlite3_stmt *st = book_stmt(b, db, w, BOOK_EVENT);
    int rc = st != NULL ? sqlite3_bind_int64(st, 1, e->id) : SQLITE_ERROR;
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(st, 2, e->now);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 3, e->event, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK && e->detail != NULL)
      rc = sqlite3_bind_text(st, 4, e->detail, -1, SQLITE_TRANSIENT);
    ok = rc == SQLITE_OK && run(st) == 0;
    if (rc != SQLITE_OK && st != NULL) sqlite3_clear_bindings(st);
  }
  c->writing--;
  if (w && (!ok || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK))
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  if (w) aux_close(b);
}
