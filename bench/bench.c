/*
** bench.c: how close pat's checks come to the physical floor, at scale.
**
**   make bench                           # the default run (see bench/README.md)
**   BENCH_N=10000 BENCH_REPS=3 make bench   # a quick one
**
** It loads dist/pat.so with sqlite3_load_extension(), as an application
** does, and times, at each N (default 10,000, 100,000 and 1,000,000 tokens),
** on a WAL file database and in memory, each call in its own transaction
** (autocommit) and inside an open read transaction:
**   SELECT pat_verify(?)        a hit, an unknown token, a bad checksum, an
**                               expired token (and a hit with an explicit
**                               `at`, and a hit that writes last_used_at);
**   SELECT pat_has_right(?, ?)  a right held, one not held;
**   SELECT pat_create(...)      1000 tokens in one transaction;
**   the store's bytes per token.
** Against each it times the floor in the same run: hand-written C doing the
** same work with no extension (BLAKE2b of the token text, one prepared point
** lookup on a plain table with a UNIQUE index on the digest, the time check;
** for has_right also a strstr on the rights text; for create a plain INSERT
** of the same row). pat and its floor alternate rep by rep, so both see the
** same machine. Each figure is the median of BENCH_REPS timed repetitions of
** BENCH_K calls, after one warm-up repetition; min and max are shown.
**
** The plaintexts it makes are benchmark fixtures; it writes them nowhere.
**
** Environment: BENCH_N (comma list), BENCH_REPS (11), BENCH_K (calls per
** repetition, 3000), BENCH_SAMPLES (distinct tokens looked up, 1000),
** BENCH_FULL=1 (10,000 distinct tokens, 15 reps of 20,000 calls),
** BENCH_CREATE_K (tokens per create transaction, 1000), BENCH_WRITE_K (calls
** per repetition of the "after an app write" rows, 100), BENCH_DIR
** (bench/out), BENCH_EXT (dist/pat), BENCH_ONLY (comma list of operation
** keys, see ops[]), BENCH_MODES (comma list of wal_auto, wal_txn, mem_auto,
** mem_txn).
*/
#include <sqlite3.h>
#include <sodium.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PROG "bench"
#include "bench_util.h"

#define TOK_CAP 64 /* room for one token: prefix + 38 characters */
#define MAX_LEVELS 8
#define MAX_REPS 64
#define MAX_ROWS 1024

/* The rights every bench token holds, as pat_create takes them and as pat
** stores them (the floor table stores the stored form). */
static const char rights_arg[] = "DATA_FETCH, DATA_CREATE, PROJECT_FETCH";
static const char rights_json[] = "[\"DATA_CREATE\",\"DATA_FETCH\",\"PROJECT_FETCH\"]";
static const char right_held[] = "DATA_FETCH";
static const char right_not_held[] = "USER_DELETE";
/* Rights on resources (issue 15): a check of one right on one resource,
** against tokens holding 1 scoped entry and 50 of them (project:1 to
** project:50, which sort around it in byte order). */
static const char right_scoped[] = "DATA_FETCH@project:42";
#define SCOPED_MANY 50

static const char floor_lookup_sql[] =
    "SELECT id, valid_from, valid_to FROM floor_tokens WHERE digest = ?1";
static const char floor_lookup_rights_sql[] =
    "SELECT id, valid_from, valid_to, rights FROM floor_tokens WHERE digest = ?1";
/* The application's own table, written between checks in the "after an
** app write" rows. */
static const char app_schema[] =
    "CREATE TABLE IF NOT EXISTS bench_app(id INTEGER PRIMARY KEY, v)";
static const char app_write_sql[] = "INSERT INTO bench_app(v) VALUES (?1)";
static const char pat_create_sql[] = "SELECT pat_create(?1, ?2, ?3, ?4, ?5, ?6)";

/* ------------------------------------------------------------ utilities */

/* ------------------------------------------------------------ the tokens */

/* Every token the bench made (the plaintexts, in the order of their ids). */
static char (*pool)[TOK_CAP];
static int pool_n, pool_cap;
static unsigned char *pool_used; /* 1 once a check may have written last_used_at */

static int expired_index(int i) { return i % 10 == 9; }
/* Two tokens in 100 hold rights on resources only (issue 15), spread over
** the table as the others are, so that pat and the floor see them with the
** same locality: kind 1 holds right_scoped, kind 2 SCOPED_MANY entries. */
/* One in 1000 has an allow-list of ALLOW_BLOCKS blocks, the client's in
** the last one (issue 17): kind 3. Few, as in a store where lists are for
** the tokens that need one, so that the store's bytes per token measure
** the common token. */
static int pool_kind(int i) {
  return i % 100 == 3 ? 1 : i % 100 == 4 ? 2 : i % 1000 == 5 ? 3 : 0;
}
#define ALLOW_BLOCKS 10
#define CLIENT "192.0.2.7"
/* pat_create's options for kind 3: nine blocks the client is not in, then
** its own, so that a check reads every block. */
static const char allow_options[] =
    "{\"allowed_ips\": [\"10.1.0.0/16\", \"10.2.0.0/16\", \"10.3.0.0/16\", \"10.4.0.0/16\","
    " \"2001:db8:1::/48\", \"2001:db8:2::/48\", \"2001:db8:3::/48\", \"172.16.0.0/12\","
    " \"198.51.100.0/24\", \"192.0.2.0/24\"]}";

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The rights of the tokens with scoped entries (see pool_kind): as
** pat_create takes them and as pat stores them (sorted in byte order),
** for 1 entry (right_scoped) and SCOPED_MANY (project:1 to project:50). */
static char scoped_arg[2][SCOPED_MANY * 32], scoped_json[2][SCOPED_MANY * 32];

static void make_scoped_lists(void) {
  for (int kind = 0; kind < 2; kind++) {
    int entries = kind ? SCOPED_MANY : 1;
    char names[SCOPED_MANY][32];
    const char *sorted[SCOPED_MANY];
    for (int i = 0; i < entries; i++) {
      if (entries == 1) snprintf(names[i], sizeof names[i], "%s", right_scoped);
      else snprintf(names[i], sizeof names[i], "DATA_FETCH@project:%d", i + 1);
      sorted[i] = names[i];
    }
    qsort(sorted, (size_t)entries, sizeof sorted[0], str_cmp);
    size_t a = 0, j = 0;
    scoped_json[kind][j++] = '[';
    for (int i = 0; i < entries; i++) {
      a += (size_t)snprintf(scoped_arg[kind] + a, sizeof scoped_arg[kind] - a, "%s%s",
                            i ? "," : "", names[i]);
      j += (size_t)snprintf(scoped_json[kind] + j, sizeof scoped_json[kind] - j, "%s\"%s\"",
                            i ? "," : "", sorted[i]);
    }
    snprintf(scoped_json[kind] + j, sizeof scoped_json[kind] - j, "]");
  }
}


typedef struct tokset {
  char (*tok)[TOK_CAP];
  int *len;
  int n;
  int expect; /* what a check answers for each: 1 (an id, or held) or 0 */
} tokset;

static void tokset_alloc(tokset *s, int n, int expect) {
  if (n <= 0) n = 1; /* never empty: a loop over it takes i % n */
  s->tok = calloc((size_t)n, TOK_CAP);
  s->len = calloc((size_t)n, sizeof *s->len);
  if (s->tok == NULL || s->len == NULL) die("out of memory");
  s->n = n;
  s->expect = expect;
}

static void tokset_free(tokset *s) {
  free(s->tok);
  free(s->len);
  memset(s, 0, sizeof *s);
}

static void tokset_put(tokset *s, int i, const char *tok) {
  size_t n = strlen(tok);
  if (n >= TOK_CAP) die("token too long");
  memcpy(s->tok[i], tok, n + 1);
  s->len[i] = (int)n;
}

/* ------------------------------------------------------- the databases */

typedef struct store {
  const char *name;   /* "wal" or "mem" */
  sqlite3 *pat;       /* connection with pat loaded, holding pat's store */
  sqlite3 *floor;     /* plain connection holding floor_tokens */
} store;

static char dir[512] = "bench/out";
static char pat_path[600], floor_path[600];

static void remove_db(const char *path) {
  static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
  char p[700];
  for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
    snprintf(p, sizeof p, "%s%s", path, suffix[i]);
    if (unlink(p) != 0 && errno != ENOENT) die("unlink %s: %s", p, strerror(errno));
  }
}

/* Adds tokens until the store holds `target`, each one in pat (through
** pat_create) and in the floor table (the same row, by hand), and keeps
** their plaintexts. One in ten is expired. Commits every 50,000. */
static void populate(int64_t *rows, int64_t target, int64_t now) {
  sqlite3 *p = open_db(pat_path), *f = open_db(floor_path);
  load_pat(p);
  /* A big cache only while populating, so that 1M inserts at random keys
  ** are quick; the measurements use fresh connections with the defaults. */
  exec(p, "PRAGMA cache_size = -524288");
  exec(f, "PRAGMA cache_size = -524288");
  exec(f, floor_schema);
  exec(p, app_schema);
  exec(f, app_schema);
  sqlite3_stmt *pc = prepare(p, pat_create_sql);
  sqlite3_stmt *fi = prepare(f, floor_insert_sql);
  int64_t t0 = now_ns(), start = *rows;
  while (*rows < target) {
    exec(p, "BEGIN");
    exec(f, "BEGIN");
    for (int batch = 0; batch < 50000 && *rows < target; batch++, (*rows)++) {
      if (pool_n == pool_cap) {
        pool_cap = pool_cap ? pool_cap * 2 : 16384;
        pool = realloc(pool, (size_t)pool_cap * TOK_CAP);
        pool_used = realloc(pool_used, (size_t)pool_cap);
        if (pool == NULL || pool_used == NULL) die("out of memory");
      }
      int i = pool_n;
      char owner[32], name[32];
      snprintf(owner, sizeof owner, "user%d", i % 1000);
      snprintf(name, sizeof name, "token %d", i);
      int64_t from = expired_index(i) ? now - 40 * 86400 : now - 3600;
      int64_t to = expired_index(i) ? now - 10 * 86400 : now + 30 * 86400;
      sqlite3_bind_text(pc, 1, owner, -1, SQLITE_STATIC);
      sqlite3_bind_text(pc, 2, name, -1, SQLITE_STATIC);
      int kind = pool_kind(i);
      int scoped = kind == 1 || kind == 2;
      sqlite3_bind_text(pc, 3, scoped ? scoped_arg[kind - 1] : rights_arg, -1, SQLITE_STATIC);
      if (kind == 3) sqlite3_bind_text(pc, 6, allow_options, -1, SQLITE_STATIC);
      else sqlite3_bind_null(pc, 6);
      sqlite3_bind_int64(pc, 4, from);
      sqlite3_bind_int64(pc, 5, to);
      if (sqlite3_step(pc) != SQLITE_ROW || sqlite3_column_type(pc, 0) != SQLITE_TEXT)
        die("pat_create: %s", sqlite3_errmsg(p));
      int n = sqlite3_column_bytes(pc, 0);
      if (n >= TOK_CAP) die("token too long");
      memcpy(pool[i], sqlite3_column_text(pc, 0), (size_t)n + 1);
      sqlite3_reset(pc);
      pool_used[i] = 0;
      pool_n++;

      unsigned char d[32];
      crypto_generichash(d, sizeof d, (const unsigned char *)pool[i], (size_t)n, NULL, 0);
      sqlite3_bind_blob(fi, 1, d, sizeof d, SQLITE_STATIC);
      sqlite3_bind_text(fi, 2, owner, -1, SQLITE_STATIC);
      sqlite3_bind_text(fi, 3, name, -1, SQLITE_STATIC);
      sqlite3_bind_int64(fi, 4, from);
      sqlite3_bind_int64(fi, 5, to);
      sqlite3_bind_text(fi, 6, scoped ? scoped_json[kind - 1] : rights_json, -1, SQLITE_STATIC);
      sqlite3_bind_int64(fi, 7, now);
      if (sqlite3_step(fi) != SQLITE_DONE) die("floor insert: %s", sqlite3_errmsg(f));
      sqlite3_reset(fi);
    }
    exec(p, "COMMIT");
    exec(f, "COMMIT");
  }
  sqlite3_finalize(pc);
  sqlite3_finalize(fi);
  exec(p, "PRAGMA wal_checkpoint(TRUNCATE)");
  exec(f, "PRAGMA wal_checkpoint(TRUNCATE)");
  close_db(p);
  close_db(f);
  progress("  populated %lld -> %lld tokens in %.1f s", (long long)start, (long long)*rows,
           (double)(now_ns() - t0) / 1e9);
}

/* Tokens with a valid checksum that no store holds: made by pat_create in a
** transaction that is rolled back. */
static void make_unknown(tokset *s, int n) {
  sqlite3 *p = open_db(pat_path);
  load_pat(p);
  sqlite3_stmt *pc = prepare(p, pat_create_sql);
  tokset_alloc(s, n, 0);
  exec(p, "BEGIN");
  for (int i = 0; i < n; i++) {
    sqlite3_bind_text(pc, 1, "nobody", -1, SQLITE_STATIC);
    sqlite3_bind_text(pc, 2, "unknown", -1, SQLITE_STATIC);
    sqlite3_bind_text(pc, 3, rights_arg, -1, SQLITE_STATIC);
    if (sqlite3_step(pc) != SQLITE_ROW) die("pat_create: %s", sqlite3_errmsg(p));
    tokset_put(s, i, (const char *)sqlite3_column_text(pc, 0));
    sqlite3_reset(pc);
  }
  exec(p, "ROLLBACK");
  sqlite3_finalize(pc);
  close_db(p);
}

/* A random sample of pool tokens: valid and never checked (fresh = 1), or
** expired. */
static void pick(tokset *s, int n, int want_expired, int fresh) {
  int cands = 0;
  for (int i = 0; i < pool_n; i++)
    if (expired_index(i) == want_expired && pool_kind(i) == 0 && (!fresh || !pool_used[i]))
      cands++;
  if (cands < n) n = cands;
  if (n == 0) die("no token to sample: BENCH_N too small");
  tokset_alloc(s, n, !want_expired);
  for (int k = 0; k < n; k++) {
    int i;
    do {
      i = (int)randombytes_uniform((uint32_t)pool_n);
    } while (expired_index(i) != want_expired || pool_kind(i) != 0 || (fresh && pool_used[i]));
    pool_used[i] = 1;
    tokset_put(s, k, pool[i]);
  }
}

/* Up to n tokens of a scoped kind (pool_kind), in a random order. */
static void pick_kind(tokset *s, int n, int kind) {
  int *idx = malloc((size_t)pool_n * sizeof *idx + 1), cands = 0;
  if (idx == NULL) die("out of memory");
  for (int i = 0; i < pool_n; i++)
    if (pool_kind(i) == kind) idx[cands++] = i;
  if (cands == 0) die("no token of kind %d to sample: BENCH_N too small", kind);
  for (int i = cands - 1; i > 0; i--) {
    int j = (int)randombytes_uniform((uint32_t)i + 1), t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  if (cands < n) n = cands;
  tokset_alloc(s, n, 1);
  for (int k = 0; k < n; k++) tokset_put(s, k, pool[idx[k]]);
  free(idx);
}

/* The same tokens with their last character (part of the checksum) changed. */
static void bad_checksums(tokset *s, const tokset *from) {
  tokset_alloc(s, from->n, 0);
  for (int i = 0; i < from->n; i++) {
    tokset_put(s, i, from->tok[i]);
    char *last = &s->tok[i][s->len[i] - 1];
    *last = *last == '0' ? '1' : '0';
  }
}

/* Copies a database into a new in-memory one (the backup API copies pages,
** which is much quicker than inserting again). */
static sqlite3 *copy_to_memory(const char *path, int with_pat) {
  sqlite3 *src = open_db(path), *dst = open_db(":memory:");
  sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
  if (b == NULL) die("backup: %s", sqlite3_errmsg(dst));
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) die("backup: %s", sqlite3_errstr(rc));
  close_db(src);
  if (with_pat) load_pat(dst);
  return dst;
}

/* ----------------------------------------------------------- the calls */

/* The timed loops. Each is its own function, never inlined, so a profiler
** can be told to look only inside them (callgrind --toggle-collect=loop_*).
** They return how many answers differed from the expected one. */

__attribute__((noinline)) static long loop_pat_verify(sqlite3_stmt *st, const tokset *s,
                                                      int start, int k) {
  long wrong = 0;
  for (int c = 0; c < k; c++) {
    int i = (start + c) % s->n;
    sqlite3_bind_text(st, 1, s->tok[i], s->len[i], SQLITE_STATIC);
    int got = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER;
    sqlite3_reset(st);
    wrong += got != s->expect;
  }
  return wrong;
}

/* The same with an explicit `at` (an audit question: no bookkeeping). */
__attribute__((noinline)) static long loop_pat_verify_at(sqlite3_stmt *st, const tokset *s,
                                                         int start, int k) {
  long wrong = 0;
  for (int c = 0; c < k; c++) {
    int i = (start + c) % s->n;
    sqlite3_bind_text(st, 1, s->tok[i], s->len[i], SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
    int got = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER;
    sqlite3_reset(st);
    wrong += got != s->expect;
  }
  return wrong;
}

__attribute__((noinline)) static long loop_pat_has_right(sqlite3_stmt *st, const tokset *s,
                                                         const char *right, int start,
                                                         int k) {
  long wrong = 0;
  int rn = (int)strlen(right);
  for (int c = 0; c < k; c++) {
    int i = (start + c) % s->n;
    sqlite3_bind_text(st, 1, s->tok[i], s->len[i], SQLITE_STATIC);
    sqlite3_bind_text(st, 2, right, rn, SQLITE_STATIC);
    int got = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    sqlite3_reset(st);
    wrong += got != s->expect;
  }
  return wrong;
}

/* What any call through SQL costs: a statement that only hands back its
** parameter. A reference for the bad-checksum row. */
__attribute__((noinline)) static long loop_select_param(sqlite3_stmt *st, const tokset *s,
                                                        int start, int k) {
  long wrong = 0;
  for (int c = 0; c < k; c++) {
    int i = (start + c) % s->n;
    sqlite3_bind_text(st, 1, s->tok[i], s->len[i], SQLITE_STATIC);
    wrong += sqlite3_step(st) != SQLITE_ROW;
    sqlite3_reset(st);
  }
  return wrong;
}

/* The floor of pat_verify: digest, one point lookup, the time check. */
__attribute__((noinline)) static long loop_floor_verify(sqlite3_stmt *st, const tokset *s,
                                                        int start, int k) {
  long wrong = 0;
  for (int c = 0; c < k; c++) {
    int i = (start + c) % s->n;
    unsigned char d[32];
    int64_t id = 0;
    crypto_generichash(d, sizeof d, (const unsigned char *)s->tok[i], (size_t)s->len[i],
                       NULL, 0);
    sqlite3_bind_blob(st, 1, d, sizeof d, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
      int64_t from = sqlite3_column_int64(st, 1), to = sqlite3_column_int64(st, 2);
      int64_t now = (int64_t)time(NULL);
      if (now >= from && now < to) id = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    wrong += (id != 0) != s->expect;
  }
  return wrong;
}

/* The floor of pat_has_right: the same, and the right in the rights text. */
__attribute__((noinline)) static long loop_floor_has_right(sqlite3_stmt *st, const tokset *s,
                                                           const char *right, int start,
                                                           int k) {
  long wrong = 0;
  size_t rn = strlen(right);
  for (int c = 0; c < k; c++) {
    int i = (start + c) % s->n;
    unsigned char d[32];
    char needle[72];
    int held = 0;
    crypto_generichash(d, sizeof d, (const unsigned char *)s->tok[i], (size_t)s->len[i],
                       NULL, 0);
    needle[0] = '"';
    memcpy(needle + 1, right, rn);
    needle[rn + 1] = '"';
    needle[rn + 2] = '\0';
    sqlite3_bind_blob(st, 1, d, sizeof d, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
      int64_t from = sqlite3_column_int64(st, 1), to = sqlite3_column_int64(st, 2);
      int64_t now = (int64_t)time(NULL);
      const char *rights = (const char *)sqlite3_column_text(st, 3);
      held = now >= from && now < to && rights != NULL && strstr(rights, needle) != NULL;
    }
    sqlite3_reset(st);
    wrong += held != s->expect;
  }
  return wrong;
}

static int64_t bench_now;
static long create_seq;

static void row_text(char *owner, size_t on, char *name, size_t nn) {
  long i = create_seq++;
  snprintf(owner, on, "user%ld", i % 1000);
  snprintf(name, nn, "created %ld", i);
}

/* k tokens through pat_create in one transaction, commit included. */
__attribute__((noinline)) static long loop_pat_create(sqlite3 *db, sqlite3_stmt *st, int k) {
  long wrong = 0;
  exec(db, "BEGIN");
  for (int c = 0; c < k; c++) {
    char owner[32], name[32];
    row_text(owner, sizeof owner, name, sizeof name);
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rights_arg, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, bench_now - 3600);
    sqlite3_bind_int64(st, 5, bench_now + 30 * 86400);
    wrong += sqlite3_step(st) != SQLITE_ROW;
    sqlite3_reset(st);
  }
  exec(db, "COMMIT");
  return wrong;
}

/* The floor of pat_create: the same row, a random digest, by hand. */
__attribute__((noinline)) static long loop_floor_insert(sqlite3 *db, sqlite3_stmt *st, int k) {
  long wrong = 0;
  exec(db, "BEGIN");
  for (int c = 0; c < k; c++) {
    char owner[32], name[32];
    unsigned char d[32];
    row_text(owner, sizeof owner, name, sizeof name);
    randombytes_buf(d, sizeof d);
    sqlite3_bind_blob(st, 1, d, sizeof d, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, bench_now - 3600);
    sqlite3_bind_int64(st, 5, bench_now + 30 * 86400);
    sqlite3_bind_text(st, 6, rights_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, (int64_t)time(NULL));
    wrong += sqlite3_step(st) != SQLITE_DONE;
    sqlite3_reset(st);
  }
  exec(db, "COMMIT");
  return wrong;
}

/* One side of a measurement: which loop, on what. */
enum {
  J_SELECT_PARAM, J_VERIFY, J_VERIFY_WRITTEN, J_VERIFY_AT, J_HAS_RIGHT,
  J_FLOOR_VERIFY, J_FLOOR_HAS_RIGHT, J_CREATE, J_FLOOR_INSERT
};

typedef struct job {
  int kind;
  sqlite3 *db;
  sqlite3_stmt *st;
  const tokset *set;
  const char *right;
  sqlite3_stmt *write; /* an application write before each call, or NULL */
} job;

static long run_job(const job *j, int start, int k) {
  switch (j->kind) {
    case J_SELECT_PARAM: return loop_select_param(j->st, j->set, start, k);
    case J_VERIFY: return loop_pat_verify(j->st, j->set, start, k);
    case J_VERIFY_WRITTEN: {
      /* The checks hold their bookkeeping (bookkeeping_delay): a read of
      ** pat_tokens writes it, inside the timing, so the figure is what a
      ** first use costs amortized, its write included. */
      long wrong = loop_pat_verify(j->st, j->set, start, k);
      sqlite3_stmt *w = prepare(j->db, "SELECT count(*) FROM pat_tokens WHERE id = -1");
      wrong += sqlite3_step(w) != SQLITE_ROW;
      sqlite3_finalize(w);
      return wrong;
    }
    case J_VERIFY_AT: return loop_pat_verify_at(j->st, j->set, start, k);
    case J_HAS_RIGHT: return loop_pat_has_right(j->st, j->set, j->right, start, k);
    case J_FLOOR_VERIFY: return loop_floor_verify(j->st, j->set, start, k);
    case J_FLOOR_HAS_RIGHT: return loop_floor_has_right(j->st, j->set, j->right, start, k);
    case J_CREATE: return loop_pat_create(j->db, j->st, k);
    case J_FLOOR_INSERT: return loop_floor_insert(j->db, j->st, k);
  }
  return k;
}

/* An application that writes its own data between checks: an INSERT into
** its own table on the same connection before each call, not timed; only
** the calls are timed, one by one, and *ns gets their sum. */
__attribute__((noinline)) static long loop_after_write(const job *j, int start, int k,
                                                       int64_t *ns) {
  job one = *j;
  long wrong = 0;
  int64_t sum = 0;
  one.write = NULL;
  for (int c = 0; c < k; c++) {
    sqlite3_bind_int64(j->write, 1, c);
    wrong += sqlite3_step(j->write) != SQLITE_DONE;
    sqlite3_reset(j->write);
    int64_t t0 = now_ns();
    wrong += run_job(&one, (start + c) % j->set->n, 1);
    sum += now_ns() - t0;
  }
  *ns = sum;
  return wrong;
}

/* ------------------------------------------------------------ results */

typedef struct stat3 {
  double med, min, max;
} stat3;

static stat3 summarize(double *v, int n) {
  stat3 s = {0, 0, 0};
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  if (n == 0) return s;
  s.min = v[0];
  s.max = v[n - 1];
  s.med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return s;
}

typedef struct row {
  char op[48];
  int64_t n;
  char store[8], mode[12];
  stat3 pat, floor;
  int bytes; /* a size, not a time */
  long wrong;
  char note[64];
} row;

static row rows[MAX_ROWS];
static int nrows;
static long total_wrong;

static row *add_row(const char *op, int64_t n, const char *st, const char *mode) {
  if (nrows == MAX_ROWS) die("too many rows");
  row *r = &rows[nrows++];
  memset(r, 0, sizeof *r);
  snprintf(r->op, sizeof r->op, "%s", op);
  r->n = n;
  snprintf(r->store, sizeof r->store, "%s", st);
  snprintf(r->mode, sizeof r->mode, "%s", mode);
  return r;
}

static double ratio(const row *r) { return r->floor.med > 0 ? r->pat.med / r->floor.med : 0; }

static void print_row_progress(const row *r) {
  if (r->bytes)
    progress("  %-28s %8lld %-3s %-8s %9.1f B      floor %9.1f B  x%.2f", r->op,
             (long long)r->n, r->store, r->mode, r->pat.med, r->floor.med, ratio(r));
  else
    progress("  %-28s %8lld %-3s %-8s %9.0f ns [%.0f..%.0f]  floor %9.0f ns  x%.2f%s%s",
             r->op, (long long)r->n, r->store, r->mode, r->pat.med, r->pat.min, r->pat.max,
             r->floor.med, ratio(r), r->wrong ? "  WRONG ANSWERS" : "", r->note);
}

static int reps = 11, calls = 3000, create_k = 1000, samples_n = 1000, write_k = 100;

/* pat and its floor, alternating rep by rep (and which goes first), after
** one warm-up rep each. `txn`: each rep inside BEGIN ... COMMIT (not timed).
** `once`: every call of every rep uses a token not used before (start
** advances by k and does not wrap). */
static void measure(row *r, const job *pat, const job *fl, int txn, int k, int once) {
  double pv[MAX_REPS], fv[MAX_REPS];
  for (int rep = -1; rep < reps; rep++) {
    for (int side = 0; side < 2; side++) {
      const job *j = (side ^ (rep & 1)) ? fl : pat;
      int start = once ? (rep + 1) * k : ((rep + 1) * k) % (j->set ? j->set->n : 1);
      if (txn) exec(j->db, "BEGIN");
      int64_t t0 = now_ns(), t1, own = 0;
      long wrong = j->write ? loop_after_write(j, start, k, &own) : run_job(j, start, k);
      t1 = j->write ? t0 + own : now_ns();
      if (txn) exec(j->db, "COMMIT");
      r->wrong += wrong;
      if (rep >= 0) (j == pat ? pv : fv)[rep] = (double)(t1 - t0) / k;
    }
  }
  r->pat = summarize(pv, reps);
  r->floor = summarize(fv, reps);
  total_wrong += r->wrong;
  print_row_progress(r);
}

/* ------------------------------------------------------------ the run */

typedef struct samples {
  tokset hit, expired, unknown, badck;
  tokset scoped1, scoped50; /* tokens with rights on resources (pool_kind) */
  tokset listed;            /* tokens with an allow-list (pool_kind 3) */
  tokset fresh;             /* never checked: bench_first_use_folded's */
} samples;

static const char *only;

/* Operation keys for BENCH_ONLY. */
static int want(const char *key) { return listed(only, key); }

/* Checks each scoped token once and writes what that held, so that the
** timed checks write nothing (as bench_first_use does for the others). */
static void warm_scoped(sqlite3 *p, const samples *sm) {
  sqlite3_stmt *v = prepare(p, "SELECT pat_verify(?1, NULL, '" CLIENT "')");
  for (int k = 0; k < 3; k++) {
    const tokset *set = k == 2 ? &sm->listed : k ? &sm->scoped50 : &sm->scoped1;
    for (int i = 0; i < set->n; i++) {
      sqlite3_bind_text(v, 1, set->tok[i], set->len[i], SQLITE_STATIC);
      total_wrong += sqlite3_step(v) != SQLITE_ROW || sqlite3_column_type(v, 0) != SQLITE_INTEGER;
      sqlite3_reset(v);
    }
  }
  sqlite3_finalize(v);
  query_int(p, "SELECT count(*) FROM pat_tokens WHERE id = -1");
}

static void bench_checks(store *s, const char *mode, int txn, int64_t n, samples *sm) {
  sqlite3_stmt *v = prepare(s->pat, "SELECT pat_verify(?1)");
  sqlite3_stmt *va = prepare(s->pat, "SELECT pat_verify(?1, ?2)");
  sqlite3_stmt *h = prepare(s->pat, "SELECT pat_has_right(?1, ?2)");
  sqlite3_stmt *fv = prepare(s->floor, floor_lookup_sql);
  sqlite3_stmt *fh = prepare(s->floor, floor_lookup_rights_sql);
  sqlite3_stmt *sp = prepare(s->pat, "SELECT ?1");
  /* A check from a client (issue 17): its address in the statement, so
  ** that the loop binds the token alone, as verify's does. */
  sqlite3_stmt *vc = prepare(s->pat, "SELECT pat_verify(?1, NULL, '" CLIENT "')");
  job floor_hit = {J_FLOOR_VERIFY, s->floor, fv, &sm->hit, NULL, NULL};
  struct {
    const char *key, *op;
    job pat, floor;
  } cases[] = {
      {"verify_hit", "verify hit", {J_VERIFY, s->pat, v, &sm->hit, NULL, NULL}, floor_hit},
      {"verify_unknown", "verify unknown", {J_VERIFY, s->pat, v, &sm->unknown, NULL, NULL},
       {J_FLOOR_VERIFY, s->floor, fv, &sm->unknown, NULL, NULL}},
      /* The floor of a bad checksum is the verify floor: pat should do far
      ** less than a lookup. */
      {"verify_badck", "verify bad checksum", {J_VERIFY, s->pat, v, &sm->badck, NULL, NULL},
       floor_hit},
      {"select_param", "SELECT ?1 (no function)",
       {J_SELECT_PARAM, s->pat, sp, &sm->badck, NULL, NULL}, floor_hit},
      {"verify_expired", "verify expired", {J_VERIFY, s->pat, v, &sm->expired, NULL, NULL},
       {J_FLOOR_VERIFY, s->floor, fv, &sm->expired, NULL, NULL}},
      {"verify_at", "verify hit, explicit at", {J_VERIFY_AT, s->pat, va, &sm->hit, NULL, NULL},
       floor_hit},
      /* Against pat's own check without a client: what passing one costs. */
      {"verify_client", "verify hit, client, no list",
       {J_VERIFY, s->pat, vc, &sm->hit, NULL, NULL}, {J_VERIFY, s->pat, v, &sm->hit, NULL, NULL}},
      /* Against the floor of the same tokens: the list read and matched. */
      {"verify_client", "verify hit, client, 10-block list",
       {J_VERIFY, s->pat, vc, &sm->listed, NULL, NULL},
       {J_FLOOR_VERIFY, s->floor, fv, &sm->listed, NULL, NULL}},
      {"has_right_held", "has_right held", {J_HAS_RIGHT, s->pat, h, &sm->hit, right_held, NULL},
       {J_FLOOR_HAS_RIGHT, s->floor, fh, &sm->hit, right_held, NULL}},
      {"has_right_not_held", "has_right not held",
       {J_HAS_RIGHT, s->pat, h, &sm->hit, right_not_held, NULL},
       {J_FLOOR_HAS_RIGHT, s->floor, fh, &sm->hit, right_not_held, NULL}},
      /* The floor scans the rights text for the entry asked, exactly. */
      {"has_right_resource", "has_right on a resource, 1 entry",
       {J_HAS_RIGHT, s->pat, h, &sm->scoped1, right_scoped, NULL},
       {J_FLOOR_HAS_RIGHT, s->floor, fh, &sm->scoped1, right_scoped, NULL}},
      {"has_right_resource", "has_right on a resource, 50 entries",
       {J_HAS_RIGHT, s->pat, h, &sm->scoped50, right_scoped, NULL},
       {J_FLOOR_HAS_RIGHT, s->floor, fh, &sm->scoped50, right_scoped, NULL}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    if (!want(cases[i].key)) continue;
    /* has_right not held answers 0 for a hit token; the floor likewise. */
    tokset copy;
    const tokset *orig = cases[i].pat.set;
    int not_held = cases[i].pat.kind == J_HAS_RIGHT && cases[i].pat.right == right_not_held;
    if (not_held) {
      copy = *orig;
      copy.expect = 0;
      cases[i].pat.set = &copy;
      cases[i].floor.set = &copy;
    }
    row *r = add_row(cases[i].op, n, s->name, mode);
    measure(r, &cases[i].pat, &cases[i].floor, txn, calls, 0);
  }
  /* In autocommit only: the application's write between the calls commits
  ** on the same connection, which a cache keyed on the connection's changes
  ** sees. */
  if (!txn && want("after_app_write")) {
    sqlite3_stmt *pw = prepare(s->pat, app_write_sql), *fw = prepare(s->floor, app_write_sql);
    job pv = {J_VERIFY, s->pat, v, &sm->hit, NULL, pw};
    job fvj = {J_FLOOR_VERIFY, s->floor, fv, &sm->hit, NULL, fw};
    job ph = {J_HAS_RIGHT, s->pat, h, &sm->hit, right_held, pw};
    job fhj = {J_FLOOR_HAS_RIGHT, s->floor, fh, &sm->hit, right_held, fw};
    row *r = add_row("verify hit, after an app write", n, s->name, mode);
    measure(r, &pv, &fvj, 0, write_k, 0);
    r = add_row("has_right held, after an app write", n, s->name, mode);
    measure(r, &ph, &fhj, 0, write_k, 0);
    sqlite3_finalize(pw);
    sqlite3_finalize(fw);
  }
  sqlite3_finalize(v);
  sqlite3_finalize(va);
  sqlite3_finalize(h);
  sqlite3_finalize(fv);
  sqlite3_finalize(fh);
  sqlite3_finalize(sp);
  sqlite3_finalize(vc);
}

/* The first check of each token writes its last_used_at (the default
** bookkeeping); this times those checks, which also warms the sample. */
static void bench_first_use(store *s, int64_t n, samples *sm) {
  sqlite3_stmt *v = prepare(s->pat, "SELECT pat_verify(?1)");
  sqlite3_stmt *fv = prepare(s->floor, floor_lookup_sql);
  job pj = {J_VERIFY_WRITTEN, s->pat, v, &sm->hit, NULL, NULL};
  job fj = {J_FLOOR_VERIFY, s->floor, fv, &sm->hit, NULL, NULL};
  int k = sm->hit.n / (reps + 1);
  if (want("verify_first_use") && k > 0) {
    row *r = add_row("verify hit, writes last_used", n, s->name, "auto");
    snprintf(r->note, sizeof r->note, "  (first use of each token, written in the timing)");
    measure(r, &pj, &fj, 0, k, 1);
  }
  sqlite3_finalize(v);
  sqlite3_finalize(fv);
}

/* Every sample token checked once, so that no later check writes (not
** through loop_pat_verify, so that a profile of it sees timed calls only),
** and what that held written. */
static void remember_samples(store *s, samples *sm) {
  sqlite3_stmt *v = prepare(s->pat, "SELECT pat_verify(?1)");
  for (int i = 0; i < sm->hit.n; i++) {
    sqlite3_bind_text(v, 1, sm->hit.tok[i], sm->hit.len[i], SQLITE_STATIC);
    total_wrong += sqlite3_step(v) != SQLITE_ROW || sqlite3_column_type(v, 0) != SQLITE_INTEGER;
    sqlite3_reset(v);
  }
  sqlite3_finalize(v);
  query_int(s->pat, "SELECT count(*) FROM pat_tokens WHERE id = -1"); /* writes what is held */
}

/* Issue 19's target for first uses: a run in which every check is a
** different token's first use, long enough that pat folds pat_store_uses
** into the rows as it goes (sql/schema.sql). An untimed pass first records
** uses until the table stops growing (a fold ran: the state of a store in
** use), then reps of `k` first uses each are timed, each rep's flush
** included (J_VERIFY_WRITTEN), against the floor's lookups of the same
** tokens: sm->fresh, never checked in either store. */
static void bench_first_use_folded(store *s, int64_t n, const tokset *fresh) {
  if (!want("verify_first_use") || fresh->n < 2 * (reps + 1)) return;
  tokset set = *fresh;
  sqlite3_stmt *v = prepare(s->pat, "SELECT pat_verify(?1)");
  int warm = 0, folded = 0;
  int64_t most = 0;
  for (;;) {
    int chunk = 1000;
    if (warm + chunk > set.n / 2) break; /* the rest is for the timing */
    total_wrong += loop_pat_verify(v, &set, warm, chunk);
    warm += chunk;
    query_int(s->pat, "SELECT count(*) FROM pat_tokens WHERE id = -1"); /* writes what is held */
    int64_t logged = query_int(s->pat, "SELECT count(*) FROM pat_store_uses");
    if (logged < most) {
      folded = 1;
      break;
    }
    most = logged;
  }
  tokset timed = set;
  timed.tok += warm;
  timed.len += warm;
  timed.n -= warm;
  int k = timed.n / (reps + 1);
  if (k > 10000) k = 10000;
  sqlite3_stmt *fv = prepare(s->floor, floor_lookup_sql);
  job pj = {J_VERIFY_WRITTEN, s->pat, v, &timed, NULL, NULL};
  job fj = {J_FLOOR_VERIFY, s->floor, fv, &timed, NULL, NULL};
  row *r = add_row("first use, folds included", n, s->name, "auto");
  snprintf(r->note, sizeof r->note, "  (%d uses before; %s)", warm,
           folded ? "folding" : "no fold yet");
  measure(r, &pj, &fj, 0, k, 1);
  sqlite3_finalize(v);
  sqlite3_finalize(fv);
}

static void bench_create(store *s, int64_t n) {
  sqlite3_stmt *pc = prepare(s->pat, pat_create_sql);
  sqlite3_stmt *fi = prepare(s->floor, floor_insert_sql);
  job pj = {J_CREATE, s->pat, pc, NULL, NULL, NULL};
  job fj = {J_FLOOR_INSERT, s->floor, fi, NULL, NULL, NULL};
  for (int off = 0; off < 2; off++) {
    /* With audit off pat writes no `create` event: the difference is what
    ** the audit trail costs. */
    if (!want(off ? "create_audit_off" : "create")) continue;
    if (off) exec(s->pat, "UPDATE pat_settings SET value = 'off' WHERE key = 'audit'");
    row *r = add_row(off ? "create, 1 txn, audit off" : "create, 1 txn", n, s->name,
                     "1 txn");
    measure(r, &pj, &fj, 0, create_k, 0);
    snprintf(r->note, sizeof r->note, "%.0f vs %.0f tokens/s", 1e9 / r->pat.med,
             1e9 / r->floor.med);
    if (off) exec(s->pat, "UPDATE pat_settings SET value = 'changes' WHERE key = 'audit'");
  }
  sqlite3_finalize(pc);
  sqlite3_finalize(fi);
}

/* Bytes of a table and its indexes, from dbstat. */
static int64_t table_bytes(sqlite3 *db, const char *table) {
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN"
           " (SELECT name FROM sqlite_schema WHERE tbl_name = '%s')",
           table);
  return query_int(db, sql);
}

static void bench_size(store *s, int64_t n) {
  int64_t pt = query_int(s->pat, "SELECT count(*) FROM pat_store_tokens");
  int64_t ft = query_int(s->floor, "SELECT count(*) FROM floor_tokens");
  row *r = add_row("store bytes/token", n, s->name, "-");
  r->bytes = 1;
  r->pat.med = (double)table_bytes(s->pat, "pat_store_tokens") / (double)pt;
  r->floor.med = (double)table_bytes(s->floor, "floor_tokens") / (double)ft;
  snprintf(r->note, sizeof r->note, "  tokens table and its indexes (dbstat)");
  print_row_progress(r);
  r = add_row("file bytes/token", n, s->name, "-");
  r->bytes = 1;
  r->pat.med = (double)(query_int(s->pat, "PRAGMA page_count") *
                        query_int(s->pat, "PRAGMA page_size")) / (double)pt;
  r->floor.med = (double)(query_int(s->floor, "PRAGMA page_count") *
                          query_int(s->floor, "PRAGMA page_size")) / (double)ft;
  snprintf(r->note, sizeof r->note, "  whole database, pat's events included");
  print_row_progress(r);
}

/* The retired store's bytes per retired value (issue 16), in a file of its
** own: up to 100,000 tokens made, then deleted (each value kept as
** pat_store_retired keeps it: digest, token id, owner, name, why, when, its
** attempts), against the least a store could keep to know a value and when
** it stopped: its digest, token id and time, WITHOUT ROWID. */
static void bench_retired_size(int64_t n) {
  char path[640];
  int64_t k = n < 100000 ? n : 100000;
  snprintf(path, sizeof path, "%s/retired.db", dir);
  remove_db(path);
  sqlite3 *db = open_db(path);
  load_pat(db);
  exec(db, "PRAGMA journal_mode = WAL");
  exec(db, "BEGIN");
  sqlite3_stmt *st = prepare(db, "SELECT pat_create('user' || (?1 % 1000), 'token ' || ?1,"
                                 " 'DATA_FETCH')");
  for (int64_t i = 0; i < k; i++) {
    sqlite3_bind_int64(st, 1, i);
    if (sqlite3_step(st) != SQLITE_ROW) die("pat_create: %s", sqlite3_errmsg(db));
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  exec(db, "COMMIT");
  exec(db, "DELETE FROM pat_tokens");
  exec(db, "CREATE TABLE floor_retired(digest BLOB PRIMARY KEY, token_id INTEGER NOT NULL,"
           " retired_at INTEGER NOT NULL) WITHOUT ROWID");
  exec(db, "INSERT INTO floor_retired SELECT digest, token_id, retired_at FROM pat_store_retired");
  int64_t kept = query_int(db, "SELECT count(*) FROM pat_store_retired");
  if (kept != k) die("retired values: %lld, expected %lld", (long long)kept, (long long)k);
  row *r = add_row("retired bytes/value", n, "wal", "-");
  r->bytes = 1;
  r->pat.med = (double)table_bytes(db, "pat_store_retired") / (double)kept;
  r->floor.med = (double)table_bytes(db, "floor_retired") / (double)kept;
  snprintf(r->note, sizeof r->note, "  %lld deleted tokens' values (dbstat)", (long long)kept);
  print_row_progress(r);
  close_db(db);
  remove_db(path);
}

static void open_wal(store *s) {
  s->name = "wal";
  s->pat = open_db(pat_path);
  load_pat(s->pat);
  s->floor = open_db(floor_path);
}

static void close_store(store *s) {
  close_db(s->pat);
  close_db(s->floor);
  s->pat = s->floor = NULL;
}

static const char *modes;

static void run_level(int64_t n, int64_t *have, samples *sm, int first) {
  progress("N = %lld", (long long)n);
  populate(have, n, bench_now);
  if (first) {
    sqlite3 *p = open_db(pat_path);
    load_pat(p);
    /* Checks write last_used_at at most once per interval: with a long one
    ** and every sample token checked once before timing, the timed checks
    ** write nothing (see bench/README.md). */
    exec(p, "UPDATE pat_settings SET value = 1000000000 WHERE key = 'last_used_interval'");
    close_db(p);
    make_unknown(&sm->unknown, samples_n);
  }
  int ns = samples_n;
  tokset_free(&sm->hit);
  tokset_free(&sm->expired);
  tokset_free(&sm->badck);
  pick(&sm->hit, ns, 0, 1);
  pick(&sm->expired, ns, 1, 0);
  bad_checksums(&sm->badck, &sm->hit);
  tokset_free(&sm->scoped1);
  tokset_free(&sm->scoped50);
  pick_kind(&sm->scoped1, ns, 1);
  pick_kind(&sm->scoped50, ns, 2);
  tokset_free(&sm->listed);
  pick_kind(&sm->listed, ns, 3);
  tokset_free(&sm->fresh);
  if (want("verify_first_use")) {
    int avail = 0;
    for (int i = 0; i < pool_n; i++)
      avail += !expired_index(i) && pool_kind(i) == 0 && !pool_used[i];
    if (avail > 0) pick(&sm->fresh, avail < 400000 ? avail : 400000, 0, 1);
  }

  int want_wal = listed(modes, "wal_auto") || listed(modes, "wal_txn");
  int want_mem = listed(modes, "mem_auto") || listed(modes, "mem_txn");
  store mem = {"mem", NULL, NULL};
  if (want_mem) {
    /* Copied before any sample token is checked, so both stores see the
    ** first use of each. */
    mem.pat = copy_to_memory(pat_path, 1);
    mem.floor = copy_to_memory(floor_path, 0);
  }
  store wal;
  open_wal(&wal);
  for (int m = 0; m < 2; m++) {
    store *s = m == 0 ? &wal : &mem;
    if (m == 0 ? !want_wal : !want_mem) continue;
    /* The first uses of the sample, 83 a write, as this row was measured
    ** before pat_store_uses (schema 5): in a store whose uses are below the
    ** bound that folds them; then the steady state of a store in use, folds
    ** included. That run may make the sample's uses forgotten (a connection
    ** remembers PAT_BOOK_REMEMBER), so they are recorded once more after it. */
    bench_first_use(s, n, sm);
    bench_first_use_folded(s, n, &sm->fresh);
    remember_samples(s, sm);
    if (want("has_right_resource") || want("verify_client")) warm_scoped(s->pat, sm);
    if (m == 0) {
      /* The warm-up's writes left WAL frames; start both from a checkpoint. */
      exec(s->pat, "PRAGMA wal_checkpoint(TRUNCATE)");
      exec(s->floor, "PRAGMA wal_checkpoint(TRUNCATE)");
    }
    for (int txn = 0; txn < 2; txn++) {
      char key[16];
      snprintf(key, sizeof key, "%s_%s", s->name, txn ? "txn" : "auto");
      if (!listed(modes, key)) continue;
      bench_checks(s, txn ? "readtxn" : "auto", txn, n, sm);
    }
  }
  if (want_wal && want("size")) bench_size(&wal, n);
  if (want_wal && want("retired_size")) bench_retired_size(n);
  if (want_wal) bench_create(&wal, n);
  if (want_mem) bench_create(&mem, n);
  /* The tokens the create bench added to the file stay, and count. */
  *have = query_int(wal.pat, "SELECT count(*) FROM pat_store_tokens");
  close_store(&wal);
  if (want_mem) close_store(&mem);
}

/* ------------------------------------------------------------ report */

static const row *find(const char *op, int64_t n, const char *st, const char *mode) {
  for (int i = 0; i < nrows; i++)
    if (strcmp(rows[i].op, op) == 0 && rows[i].n == n && strcmp(rows[i].store, st) == 0 &&
        strcmp(rows[i].mode, mode) == 0)
      return &rows[i];
  return NULL;
}

static void print_table(void) {
  printf("\n| operation | N | store | mode | pat median | min | max | floor median | ratio |"
         " note |\n");
  printf("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
  for (int i = 0; i < nrows; i++) {
    const row *r = &rows[i];
    const char *note = r->note;
    while (*note == ' ') note++;
    if (r->bytes)
      printf("| %s | %lld | %s | %s | %.1f B | | | %.1f B | %.2f | %s |\n", r->op,
             (long long)r->n, r->store, r->mode, r->pat.med, r->floor.med, ratio(r), note);
    else
      printf("| %s | %lld | %s | %s | %.0f ns | %.0f | %.0f | %.0f ns | %.2f | %s%s |\n",
             r->op, (long long)r->n, r->store, r->mode, r->pat.med, r->pat.min, r->pat.max,
             r->floor.med, ratio(r), r->wrong ? "WRONG ANSWERS " : "", note);
  }
}

static int misses;

static void verdict(const char *figure, const char *where, double value, double limit,
                    const char *unit) {
  int ok = value <= limit;
  misses += !ok;
  printf("| %s | %s | %.2f%s | at most %.2f%s | %s |\n", figure, where, value, unit, limit,
         unit, ok ? "PASS" : "MISS");
}

static void print_targets(const int64_t *levels, int nlevels) {
  int64_t big = levels[nlevels - 1], small = levels[0];
  static const char *const st[] = {"wal", "wal", "mem", "mem"};
  static const char *const md[] = {"auto", "readtxn", "auto", "readtxn"};
  char where[96];
  printf("\n## Targets (issue 4) at N = %lld%s\n\n", (long long)big,
         big == 1000000 ? "" : " (not 1M: BENCH_N has no 1000000)");
  printf("| figure | where | value | target | verdict |\n| --- | --- | ---: | --- | --- |\n");
  for (int m = 0; m < 4; m++) {
    snprintf(where, sizeof where, "%s %s", st[m], md[m]);
    const row *r = find("verify hit", big, st[m], md[m]);
    if (r) verdict("pat_verify hit / floor", where, ratio(r), 1.1, "");
  }
  for (int m = 0; m < 4; m++) {
    snprintf(where, sizeof where, "%s %s", st[m], md[m]);
    const row *r = find("has_right held", big, st[m], md[m]);
    if (r) verdict("pat_has_right held / floor", where, ratio(r), 1.3, "");
  }
  /* Issue 15: a check on a resource, 1 or 50 scoped entries held. */
  for (int e = 0; e < 2; e++)
    for (int m = 0; m < 4; m++) {
      snprintf(where, sizeof where, "%s %s, %s", st[m], md[m], e ? "50 entries" : "1 entry");
      const row *r = find(e ? "has_right on a resource, 50 entries"
                            : "has_right on a resource, 1 entry", big, st[m], md[m]);
      if (r) verdict("pat_has_right on a resource / floor", where, ratio(r), 1.3, "");
    }
  /* The target names no N, and the floor is cheapest at the smallest. */
  for (int l = 0; l < nlevels; l++)
    for (int m = 0; m < 4; m++) {
      snprintf(where, sizeof where, "%s %s, N = %lld", st[m], md[m], (long long)levels[l]);
      const row *r = find("verify bad checksum", levels[l], st[m], md[m]);
      if (r) verdict("bad checksum / verify floor", where, ratio(r), 0.2, "");
    }
  /* Issue 19: a check that is each token's first use holds its bookkeeping
  ** and writes it in batches: amortized, at most 1.5x the verify floor. */
  for (int m = 0; m < 4; m += 2) {
    const row *r = find("first use, folds included", big, st[m], "auto");
    if (r) verdict("pat_verify first use, folds included / verify floor", st[m], ratio(r), 1.5,
                   "");
  }
  for (int m = 0; m < 4; m += 2) {
    const row *r = find("create, 1 txn", big, st[m], "1 txn");
    if (r) verdict("pat_create / floor insert", st[m], ratio(r), 1.5, "");
  }
  if (small != big)
    for (int m = 0; m < 4; m++) {
      const row *a = find("verify hit", big, st[m], md[m]);
      const row *b = find("verify hit", small, st[m], md[m]);
      snprintf(where, sizeof where, "%s %s, %lld vs %lld", st[m], md[m], (long long)big,
               (long long)small);
      if (a && b && b->pat.med > 0) verdict("pat_verify hit, large / small N", where,
                                            a->pat.med / b->pat.med, 3.0, "x");
    }
  const row *r = find("store bytes/token", big, "wal", "-");
  if (r) verdict("store bytes per token / floor table", "tokens table + indexes", ratio(r),
                 1.3, "");
  printf("\n(The Python target is checked by bench/compare.py.)\n");
}

int main(void) {
  const char *s = getenv("BENCH_DIR");
  if (s && *s) snprintf(dir, sizeof dir, "%s", s);
  s = getenv("BENCH_EXT");
  if (s && *s) ext_path = s;
  only = getenv("BENCH_ONLY");
  modes = getenv("BENCH_MODES");
  /* BENCH_FULL=1: ten times the distinct tokens (colder caches), more and
  ** longer repetitions. */
  int full = env_long("BENCH_FULL", 0, 0, 1) == 1;
  samples_n = (int)env_long("BENCH_SAMPLES", full ? 10000 : 1000, 8, 100000);
  reps = (int)env_long("BENCH_REPS", full ? 15 : 11, 1, MAX_REPS);
  calls = (int)env_long("BENCH_K", full ? 20000 : 3000, 1, 100000000);
  create_k = (int)env_long("BENCH_CREATE_K", 1000, 1, 1000000);
  write_k = (int)env_long("BENCH_WRITE_K", 100, 1, 1000000);

  int64_t levels[MAX_LEVELS];
  int nlevels = 0;
  const char *list = getenv("BENCH_N");
  if (list == NULL || *list == '\0') list = "10000,100000,1000000";
  for (const char *p = list; *p;) {
    char *end = NULL;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 100 || nlevels == MAX_LEVELS ||
        (nlevels > 0 && v <= levels[nlevels - 1]))
      die("BENCH_N must be an increasing comma list of at most %d numbers >= 100", MAX_LEVELS);
    levels[nlevels++] = v;
    p = *end == ',' ? end + 1 : end;
    if (*end != ',' && *end != '\0') die("BENCH_N: unexpected '%c'", *end);
  }

  if (sodium_init() < 0) die("sodium_init failed");
  make_scoped_lists();
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) die("mkdir %s: %s", dir, strerror(errno));
  snprintf(pat_path, sizeof pat_path, "%s/bench_pat.db", dir);
  snprintf(floor_path, sizeof floor_path, "%s/bench_floor.db", dir);
  remove_db(pat_path);
  remove_db(floor_path);
  sqlite3 *db = open_db(pat_path);
  exec(db, "PRAGMA journal_mode = WAL");
  close_db(db);
  db = open_db(floor_path);
  exec(db, "PRAGMA journal_mode = WAL");
  close_db(db);

  bench_now = (int64_t)time(NULL);
  int64_t t0 = now_ns(), have = 0;
  samples sm;
  memset(&sm, 0, sizeof sm);
  progress("pat bench: SQLite %s, libsodium %s, reps %d x %d calls, %s", sqlite3_libversion(),
           sodium_version_string(), reps, calls, ext_path);
  for (int i = 0; i < nlevels; i++) run_level(levels[i], &have, &sm, i == 0);

  printf("# pat bench: SQLite %s, libsodium %s; median of %d reps x %d calls over %d "
         "distinct tokens (create: %d tokens per txn), after a warm-up rep; ns per call\n",
         sqlite3_libversion(), sodium_version_string(), reps, calls, samples_n, create_k);
  print_table();
  print_targets(levels, nlevels);
  printf("\ntotal %.0f s; %d target(s) missed\n", (double)(now_ns() - t0) / 1e9, misses);
  if (total_wrong) printf("WRONG ANSWERS: %ld calls answered unlike expected\n", total_wrong);
  tokset_free(&sm.hit);
  tokset_free(&sm.expired);
  tokset_free(&sm.badck);
  tokset_free(&sm.unknown);
  tokset_free(&sm.scoped1);
  tokset_free(&sm.scoped50);
  tokset_free(&sm.listed);
  free(pool);
  free(pool_used);
  remove_db(pat_path);
  remove_db(floor_path);
  return total_wrong ? 1 : 0;
}
