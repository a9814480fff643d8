/*
** layout.c: what a token's first use costs to record, by store layout
** (issue 19). Not pat itself: plain SQLite, on tables shaped as pat's store,
** so that the write can be weighed against the check it follows.
**
** For each layout it makes N rows shaped as pat_store_tokens, then times, in
** transactions of K uses each (pat's batch: PAT_BOOK_ITEMS), K lookups by
** digest (what a check reads) and the write that records those K uses:
**
**   row+index  today's store: UPDATE of the row's last_used_at, which is
**              also in the covering digest index (two random pages a use)
**   row        the same with last_used_at out of the index (the check would
**              then no longer see it)
**   side       last_used_at in a table of its own, (id, at), an UPSERT
**   log        an append-only table of uses (rowid order: the last page)
**   keyed+fold the uses in a table keyed by (token_id, at), WITHOUT ROWID;
**              once it holds more uses than the database has pages, each
**              batch folds the uses of the next range of token ids (about
**              twice the batch) into the rows, in the same transaction
**              (pat's store from schema version 5)
**   log+index+fold  the same with an append-only table of uses and an
**              index on its token_id
**   log+fullfold  an append-only table without index; once it holds more
**              uses than the database has pages, the batch folds all of
**              them into the rows, in token order, and empties it
**
** Each figure is (lookup + write) / lookup for the same uses in the same
** run: what a first use costs against a check that writes nothing. The
** database is a WAL file with synchronous = NORMAL and no checkpoint during
** the timing (as pat's second connection writes); CHECKPOINT=1 lets SQLite
** checkpoint every 1000 pages, as an application's own connection would.
**
** Environment: LAYOUT_N (1000000), LAYOUT_K (1000), LAYOUT_USES (20000),
** LAYOUT_DIR (bench/out), CHECKPOINT (0), LAYOUT_ONLY (a comma list of layout
** names; "fold" names the three that fold), LAYOUT_FOLD_AT (100: the
** bound on uses before a fold, in percent of the database's pages).
*/
#include <sqlite3.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { ROW_AND_INDEX, ROW, SIDE, LOG, KEYED_FOLD, LOG_INDEX_FOLD, LOG_FULL_FOLD, LAYOUTS };

static const char *const names[LAYOUTS] = {"row+index",  "row",           "side",
                                           "log",        "keyed+fold",    "log+index+fold",
                                           "log+fullfold"};

static const char *const index_sql[LAYOUTS] = {
    "CREATE INDEX t_digest ON t(digest, valid_from, valid_to, last_used_at, rights_hash)",
    "CREATE INDEX t_digest ON t(digest, valid_from, valid_to, rights_hash)",
    "CREATE INDEX t_digest ON t(digest, valid_from, valid_to, rights_hash)",
    "CREATE INDEX t_digest ON t(digest, valid_from, valid_to, rights_hash)",
    "CREATE INDEX t_digest ON t(digest, valid_from, valid_to, rights_hash)",
    "CREATE INDEX t_digest ON t(digest, valid_from, valid_to, rights_hash)",
    "CREATE INDEX t_digest ON t(digest, valid_from, valid_to, rights_hash)",
};

/* The table of uses of each layout that has one (else NULL). */
static const char *const uses_sql[LAYOUTS] = {
    NULL, NULL, NULL,
    "CREATE TABLE uses(token_id INTEGER NOT NULL, valid_from INTEGER NOT NULL,"
    " at INTEGER NOT NULL)",
    "CREATE TABLE uses(token_id INTEGER NOT NULL, at INTEGER NOT NULL,"
    " valid_from INTEGER NOT NULL, PRIMARY KEY (token_id, at)) WITHOUT ROWID",
    "CREATE TABLE uses(token_id INTEGER NOT NULL, valid_from INTEGER NOT NULL,"
    " at INTEGER NOT NULL); CREATE INDEX uses_token ON uses(token_id)",
    "CREATE TABLE uses(token_id INTEGER NOT NULL, valid_from INTEGER NOT NULL,"
    " at INTEGER NOT NULL)",
};

static const char *const write_sql[LAYOUTS] = {
    "UPDATE t SET last_used_at = ?2 WHERE id = ?1 AND valid_from = 1000"
    " AND (last_used_at IS NULL OR ?2 - last_used_at >= 60)",
    "UPDATE t SET last_used_at = ?2 WHERE id = ?1 AND valid_from = 1000"
    " AND (last_used_at IS NULL OR ?2 - last_used_at >= 60)",
    "INSERT INTO side(id, at) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE"
    " SET at = excluded.at WHERE excluded.at - at >= 60",
    "INSERT INTO uses(token_id, valid_from, at) VALUES (?1, 1000, ?2)",
    "INSERT OR REPLACE INTO uses(token_id, at, valid_from) VALUES (?1, ?2, 1000)",
    "INSERT INTO uses(token_id, valid_from, at) VALUES (?1, 1000, ?2)",
    "INSERT INTO uses(token_id, valid_from, at) VALUES (?1, 1000, ?2)",
};

/* Folding: the uses of token ids [?1, ?2) into the rows, then out. */
static const char fold_rows_sql[] =
    "UPDATE t SET last_used_at = u.at FROM (SELECT token_id, valid_from, max(at) AS at"
    " FROM uses WHERE token_id >= ?1 AND token_id < ?2 GROUP BY token_id, valid_from) AS u"
    " WHERE t.id = u.token_id AND t.valid_from = u.valid_from"
    " AND (t.last_used_at IS NULL OR t.last_used_at < u.at)";
static const char fold_delete_sql[] = "DELETE FROM uses WHERE token_id >= ?1 AND token_id < ?2";

static void die(sqlite3 *db, const char *what);

/* Folds after a batch of k uses, as the layout does (0: it does not). */
static int64_t fold_from;
static long fold_at = 100; /* LAYOUT_FOLD_AT: the bound, in % of the pages */
static void fold(sqlite3 *db, int layout, int k) {
  if (layout < KEYED_FOLD) return;
  sqlite3_int64 count = 0, pages = 0;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT count(*), (SELECT * FROM pragma_page_count)"
                             " FROM uses", -1, &st, NULL) != SQLITE_OK)
    die(db, "count");
  if (sqlite3_step(st) == SQLITE_ROW) {
    count = sqlite3_column_int64(st, 0);
    pages = sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  pages = pages * fold_at / 100;
  if (count <= (pages > 10000 ? pages : 10000)) return;
  int64_t to = INT64_MAX;
  if (layout == LOG_FULL_FOLD) {
    fold_from = 0;
  } else {
    if (sqlite3_prepare_v2(db, "SELECT token_id FROM uses WHERE token_id >= ?1"
                               " ORDER BY token_id LIMIT 1 OFFSET ?2", -1, &st, NULL) != SQLITE_OK)
      die(db, "fold end");
    sqlite3_bind_int64(st, 1, fold_from);
    sqlite3_bind_int64(st, 2, 2 * k);
    if (sqlite3_step(st) == SQLITE_ROW) to = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (to <= fold_from) to = fold_from + 1;
  }
  const char *const sql[2] = {fold_rows_sql, fold_delete_sql};
  for (int i = 0; i < 2; i++) {
    if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK) die(db, sql[i]);
    sqlite3_bind_int64(st, 1, fold_from);
    sqlite3_bind_int64(st, 2, to);
    if (sqlite3_step(st) != SQLITE_DONE) die(db, sql[i]);
    sqlite3_finalize(st);
  }
  fold_from = to == INT64_MAX ? 0 : to;
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(sqlite3 *db, const char *what) {
  fprintf(stderr, "layout: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die(db, sql);
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die(db, sql);
  return st;
}

static void step_done(sqlite3 *db, sqlite3_stmt *st) {
  if (sqlite3_step(st) != SQLITE_DONE) die(db, sqlite3_sql(st));
  sqlite3_reset(st);
}

static long env_long(const char *name, long dflt) {
  const char *v = getenv(name);
  return v && *v ? atol(v) : dflt;
}

typedef struct result {
  double lookup_ns, write_ns, pages_per_use;
} result;

static result run(int layout, long n, int k, int uses, const char *dir, int checkpoint) {
  char path[512], wal[520];
  snprintf(path, sizeof path, "%s/layout-%d.db", dir, layout);
  snprintf(wal, sizeof wal, "%s-wal", path);
  unlink(path);
  unlink(wal);
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
  exec(db, "PRAGMA journal_mode = WAL");
  exec(db, "PRAGMA synchronous = NORMAL");
  exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, digest BLOB NOT NULL, owner TEXT NOT NULL,"
           " name TEXT NOT NULL, valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,"
           " rights TEXT NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER,"
           " create_event INTEGER DEFAULT 1, rights_hash INTEGER)");
  exec(db, index_sql[layout]);
  exec(db, "CREATE TABLE side(id INTEGER PRIMARY KEY, at INTEGER NOT NULL)");
  if (uses_sql[layout]) exec(db, uses_sql[layout]);
  fold_from = 0;
  exec(db, "BEGIN");
  sqlite3_stmt *ins = prepare(
      db, "INSERT INTO t VALUES (?1, randomblob(32), 'owner-' || (?1 % 997), 'token ' || ?1,"
          " 1000, 4000000000, '[\"DATA_CREATE\",\"DATA_FETCH\",\"PROJECT_FETCH\"]', 1000,"
          " NULL, 1, 1234567)");
  for (long i = 1; i <= n; i++) {
    sqlite3_bind_int64(ins, 1, i);
    step_done(db, ins);
  }
  sqlite3_finalize(ins);
  /* The side table starts full (every token used once, long ago). */
  if (layout == SIDE) exec(db, "INSERT INTO side SELECT id, 1 FROM t");
  exec(db, "COMMIT");
  exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  if (!checkpoint) exec(db, "PRAGMA wal_autocheckpoint = 0");

  /* Distinct tokens in a random order: every use is a first use. */
  int64_t *ids = malloc((size_t)uses * sizeof *ids);
  unsigned char(*dg)[32] = malloc((size_t)uses * sizeof *dg);
  if (ids == NULL || dg == NULL) die(NULL, "out of memory");
  sqlite3_stmt *pick = prepare(db, "SELECT id, digest FROM t WHERE id >= ?1 ORDER BY id LIMIT 1");
  srand(19);
  for (int i = 0; i < uses; i++) {
    int64_t want = 1 + (int64_t)(((uint64_t)rand() * 2654435761u + (uint64_t)i) % (uint64_t)n);
    sqlite3_bind_int64(pick, 1, want);
    if (sqlite3_step(pick) != SQLITE_ROW) die(db, "pick");
    ids[i] = sqlite3_column_int64(pick, 0);
    memcpy(dg[i], sqlite3_column_blob(pick, 1), 32);
    sqlite3_reset(pick);
  }
  sqlite3_finalize(pick);

  sqlite3_stmt *look = prepare(db, "SELECT id, valid_from, valid_to, rights_hash FROM t"
                                   " INDEXED BY t_digest WHERE digest = ?1");
  sqlite3_stmt *wr = prepare(db, write_sql[layout]);
  sqlite3_stmt *begin = prepare(db, "BEGIN IMMEDIATE");
  sqlite3_stmt *commit = prepare(db, "COMMIT");
  int64_t t_look = 0, t_write = 0, at = 100000;
  int done = 0;
  int frames0 = 0, frames1 = 0, ckpt = 0;
  sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames0, &ckpt);
  for (int start = 0; start + k <= uses; start += k) {
    int64_t t0 = now_ns();
    for (int i = start; i < start + k; i++) {
      sqlite3_bind_blob(look, 1, dg[i], 32, SQLITE_STATIC);
      if (sqlite3_step(look) != SQLITE_ROW) die(db, "lookup");
      sqlite3_reset(look);
    }
    int64_t t1 = now_ns();
    step_done(db, begin);
    for (int i = start; i < start + k; i++) {
      sqlite3_bind_int64(wr, 1, ids[i]);
      sqlite3_bind_int64(wr, 2, at);
      step_done(db, wr);
    }
    fold(db, layout, k);
    step_done(db, commit);
    t_look += t1 - t0;
    t_write += now_ns() - t1;
    done += k;
  }
  /* Frames written to the WAL by the timed commits (no checkpoint ran). */
  if (!checkpoint)
    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames1, &ckpt);
  sqlite3_finalize(look);
  sqlite3_finalize(wr);
  sqlite3_finalize(begin);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  unlink(path);
  unlink(wal);
  free(ids);
  free(dg);
  result r = {(double)t_look / done, (double)t_write / done,
              checkpoint ? -1 : (double)(frames1 - frames0) / done};
  return r;
}

/* Whether the comma list names the layout, or says "fold" and it folds. */
static int chosen(const char *list, const char *name) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *item = strtok(buf, ","); item; item = strtok(NULL, ","))
    if (strcmp(item, name) == 0 || (strcmp(item, "fold") == 0 && strstr(name, "fold")))
      return 1;
  return 0;
}

int main(void) {
  long n = env_long("LAYOUT_N", 1000000);
  int k = (int)env_long("LAYOUT_K", 1000);
  int uses = (int)env_long("LAYOUT_USES", 20000);
  int checkpoint = (int)env_long("CHECKPOINT", 0);
  fold_at = env_long("LAYOUT_FOLD_AT", 100);
  const char *dir = getenv("LAYOUT_DIR");
  if (dir == NULL || !*dir) dir = "bench/out";
  if (n < uses || k < 1 || uses < k) {
    fprintf(stderr, "layout: need LAYOUT_N >= LAYOUT_USES >= LAYOUT_K >= 1\n");
    return 1;
  }
  printf("# layout.c: SQLite %s, N = %ld, %d first uses in transactions of %d, WAL,"
         " synchronous NORMAL, %s\n\n",
         sqlite3_libversion(), n, uses, k,
         checkpoint ? "autocheckpoint every 1000 pages" : "no checkpoint while timed");
  printf("| layout | lookup ns/use | write ns/use | WAL pages/use | (lookup + write) / lookup |\n");
  printf("| --- | ---: | ---: | ---: | ---: |\n");
  const char *only = getenv("LAYOUT_ONLY");
  for (int l = 0; l < LAYOUTS; l++) {
    if (only && *only && !chosen(only, names[l])) continue;
    result r = run(l, n, k, uses, dir, checkpoint);
    char pages[32] = "-";
    if (r.pages_per_use >= 0) snprintf(pages, sizeof pages, "%.2f", r.pages_per_use);
    printf("| %s | %.0f | %.0f | %s | %.2f |\n", names[l], r.lookup_ns, r.write_ns, pages,
           (r.lookup_ns + r.write_ns) / r.lookup_ns);
    fflush(stdout);
  }
  return 0;
}
