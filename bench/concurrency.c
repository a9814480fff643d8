/*
** concurrency.c: pat's checks from several processes at once, against the
** floor doing the same, while one more process writes tokens.
**
**   make bench-concurrency                                   # about 80 s here
**   BENCH_CONC_SECONDS=1 BENCH_CONC_REPS=1 make bench-concurrency   # a quick one
**
** A pre-forked API server checks tokens from several processes on one WAL
** database while an admin page makes, rotates and deletes tokens. This
** forks, for each count of checkers (1, 2 and 4), that many checker
** processes and one writer process on one WAL file:
**   checker  one connection, one prepared statement, autocommit, no busy
**            handler; for BENCH_CONC_SECONDS it checks tokens drawn at random
**            from BENCH_CONC_TOKENS valid tokens, timing every check;
**   writer   one connection, busy_timeout 5000 ms; every BENCH_CONC_WRITE_MS
**            one op in its own transaction, in turn: create, rotate, delete
**            (of its own tokens: the checkers' tokens stay valid).
** pat:    SELECT pat_verify(?1); SELECT pat_create(...), SELECT pat_rotate(?1),
**         DELETE FROM pat_tokens WHERE id = ?1.
** floor:  bench.c's floor exactly (BLAKE2b of the token, SELECT id,
**         valid_from, valid_to FROM floor_tokens WHERE digest = ?1, the time
**         check); INSERT of the same row with a random digest, UPDATE of the
**         digest, DELETE by id, on an equal table in its own WAL file.
** pat runs with its default settings (last_used_interval 60 s, audit
** 'changes'): the first check of a token in a minute writes its last_used_at
** through pat's private second connection. So each count runs in two modes,
** each phase on BENCH_CONC_TOKENS tokens no earlier phase checked (the floor's
** phase checks the same ones as pat's):
**   warm  every token checked once, untimed, just before the phase: no timed
**         check writes, as for tokens in use within the last minute (the
**         steady state of a busy server);
**   cold  no token checked before: the first check of each in the phase
**         writes last_used_at (every token's first request in a minute).
** The floor is bench.c's and writes nothing in either mode.
**
** Each (mode, count, side) runs BENCH_CONC_REPS times; pat and the floor
** alternate, and which goes first alternates too. Reported per count:
** checks per second per process and CPU time per check (median over reps of
** the mean over processes), the latency of every check (median, p99, worst,
** and how many took over 1 ms) from a histogram of all checks of all reps,
** the checkers' voluntary context switches (a check that only reads never
** makes one: a sleep, a disk write or a blocking lock does), SQLITE_BUSY
** answers, and the writer's ops. A checker has no busy handler while timed,
** so a lock it would wait on shows up as BUSY, counted as a failure (while it
** sets up it has one: the first connection to open the file rebuilds the WAL
** index, and the others' first read is BUSY meanwhile).
**
** Exits 1 on a wrong answer, an error or a crashed process, 2 when it can not
** run; a missed target is printed as MISS and is not an error.
**
** Environment: BENCH_CONC_PROCS (comma list, 1,2,4), BENCH_CONC_SECONDS (per
** phase, 2), BENCH_CONC_REPS (3), BENCH_CONC_TOKENS (distinct tokens checked
** per phase, 1000), BENCH_CONC_N (tokens in the store, 100000),
** BENCH_CONC_WRITE_MS (the writer's period, 5), BENCH_CONC_MODES (warm,cold),
** BENCH_DIR (bench/out), BENCH_EXT (dist/pat).
**
** The plaintexts it makes are benchmark fixtures; it writes them nowhere.
*/
#include <sqlite3.h>
#include <sodium.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_PROG "concurrency"
#include "bench_util.h"

#define TOK_CAP 64
#define MAX_COUNTS 8
#define MAX_PROCS 64
#define WRITER_TOKENS 100 /* the writer's own live tokens at the start of a phase */
#define RING 256          /* room for them: a failed delete leaves one more */

/* Latency histogram: exact below 64 ns, then 64 buckets per power of two
** (1.6% wide), up to 2^40 ns. */
#define HIST_SUB 64
#define HIST_BUCKETS (HIST_SUB + 35 * HIST_SUB)

/* As in bench.c. */
static const char rights_arg[] = "DATA_FETCH, DATA_CREATE, PROJECT_FETCH";
static const char rights_json[] = "[\"DATA_CREATE\",\"DATA_FETCH\",\"PROJECT_FETCH\"]";
static const char floor_lookup_sql[] =
    "SELECT id, valid_from, valid_to FROM floor_tokens WHERE digest = ?1";
static const char floor_rotate_sql[] = "UPDATE floor_tokens SET digest = ?2 WHERE id = ?1";
static const char floor_delete_sql[] = "DELETE FROM floor_tokens WHERE id = ?1";
static const char pat_create_sql[] = "SELECT pat_create(?1, ?2, ?3, ?4, ?5)";
static const char pat_rotate_sql[] = "SELECT pat_rotate(?1)";
static const char pat_delete_sql[] = "DELETE FROM pat_tokens WHERE id = ?1";
static const char pat_verify_sql[] = "SELECT pat_verify(?1)";

/* ------------------------------------------------------------ utilities */

/* CPU time used, and how often the process gave up the CPU on its own (to
** wait: a sleep, a disk write, a lock) and was made to (preempted). */
typedef struct usage {
  int64_t cpu_ns, waits, preempted;
} usage;

static usage usage_now(void) {
  struct rusage ru;
  usage u = {0, 0, 0};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return u;
  u.cpu_ns = ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
             ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
  u.waits = ru.ru_nvcsw;
  u.preempted = ru.ru_nivcsw;
  return u;
}

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

/* A small fast generator per process (which token to check next); seeded
** from libsodium. */
static uint64_t rng_state;
static uint32_t rng_below(uint32_t n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(((rng_state >> 32) * (uint64_t)n) >> 32);
}

/* ------------------------------------------------------------ histogram */

static int hist_index(int64_t v) {
  if (v < HIST_SUB) return v < 0 ? 0 : (int)v;
  int e = 63 - __builtin_clzll((unsigned long long)v); /* >= 6 */
  int i = HIST_SUB + (e - 6) * HIST_SUB + (int)((v >> (e - 6)) & (HIST_SUB - 1));
  return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

/* The smallest value of bucket i. */
static double hist_value(int i) {
  if (i < HIST_SUB) return i;
  int e = (i - HIST_SUB) / HIST_SUB + 6, sub = (i - HIST_SUB) % HIST_SUB;
  return (double)((int64_t)(HIST_SUB + sub) << (e - 6));
}

/* ------------------------------------------------------------ shared */

/* What one child reports, in memory shared with the parent. */
typedef struct result {
  int64_t checks, elapsed_ns, cpu_ns, waits, preempted, max_ns, over_1ms;
  int64_t busy, errors, wrong;
  int64_t ops, op_busy, op_max_ns; /* the writer */
  int64_t ring[RING]; /* the writer's live tokens at its end, oldest first */
  int ring_live;
  char error[160];
  uint64_t hist[HIST_BUCKETS];
} result;

typedef struct shared {
  volatile int64_t deadline; /* CLOCK_MONOTONIC ns at which every child stops */
  result r[MAX_PROCS + 1];   /* the checkers, then the writer */
} shared;

static shared *sh;
static unsigned char *seen; /* shared too: which sample tokens a phase checked */

/* ------------------------------------------------------------ the tokens */

static char (*pool)[TOK_CAP];
static int *pool_len;
static int pool_n;
static int64_t writer_ids[2][RING]; /* [pat, floor]: the writer's own, oldest first */
static int64_t phase_ns;            /* BENCH_CONC_SECONDS */

/* n valid tokens through pat_create, the same rows in the floor table; then
** WRITER_TOKENS more that only the writer touches. */
static void populate(int n, int64_t now) {
  sqlite3 *p = open_db(pat_path), *f = open_db(floor_path);
  exec(p, "PRAGMA journal_mode = WAL");
  exec(f, "PRAGMA journal_mode = WAL");
  load_pat(p);
  exec(p, "PRAGMA cache_size = -524288");
  exec(f, "PRAGMA cache_size = -524288");
  exec(f, floor_schema);
  sqlite3_stmt *pc = prepare(p, pat_create_sql);
  sqlite3_stmt *fi = prepare(f, floor_insert_sql);
  pool = calloc((size_t)n, TOK_CAP);
  pool_len = calloc((size_t)n, sizeof *pool_len);
  if (pool == NULL || pool_len == NULL) die("out of memory");
  int64_t t0 = now_ns();
  exec(p, "BEGIN");
  exec(f, "BEGIN");
  for (int i = 0; i < n + WRITER_TOKENS; i++) {
    if (i > 0 && i % 50000 == 0) {
      exec(p, "COMMIT; BEGIN");
      exec(f, "COMMIT; BEGIN");
    }
    char owner[32], name[32], tok[TOK_CAP];
    snprintf(owner, sizeof owner, "user%d", i % 1000);
    snprintf(name, sizeof name, "token %d", i);
    sqlite3_bind_text(pc, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(pc, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(pc, 3, rights_arg, -1, SQLITE_STATIC);
    sqlite3_bind_int64(pc, 4, now - 3600);
    sqlite3_bind_int64(pc, 5, now + 30 * 86400);
    if (sqlite3_step(pc) != SQLITE_ROW || sqlite3_column_type(pc, 0) != SQLITE_TEXT)
      die("pat_create: %s", sqlite3_errmsg(p));
    int len = sqlite3_column_bytes(pc, 0);
    if (len >= TOK_CAP) die("token too long");
    memcpy(tok, sqlite3_column_text(pc, 0), (size_t)len + 1);
    sqlite3_reset(pc);
    unsigned char d[32];
    crypto_generichash(d, sizeof d, (const unsigned char *)tok, (size_t)len, NULL, 0);
    sqlite3_bind_blob(fi, 1, d, sizeof d, SQLITE_STATIC);
    sqlite3_bind_text(fi, 2, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(fi, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(fi, 4, now - 3600);
    sqlite3_bind_int64(fi, 5, now + 30 * 86400);
    sqlite3_bind_text(fi, 6, rights_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(fi, 7, now);
    if (sqlite3_step(fi) != SQLITE_DONE) die("floor insert: %s", sqlite3_errmsg(f));
    sqlite3_reset(fi);
    if (i < n) {
      memcpy(pool[i], tok, (size_t)len + 1);
      pool_len[i] = len;
    } else {
      /* pat's id: the rowid its INSERT made (ids are not the floor's once
      ** the writer has run, so each side keeps its own). */
      writer_ids[0][i - n] = sqlite3_last_insert_rowid(p);
      writer_ids[1][i - n] = sqlite3_last_insert_rowid(f);
    }
  }
  exec(p, "COMMIT");
  exec(f, "COMMIT");
  sqlite3_finalize(pc);
  sqlite3_finalize(fi);
  /* The writer's ids as pat answers them. */
  sqlite3_stmt *v = prepare(p, "SELECT count(*) FROM pat_tokens WHERE id = ?1");
  for (int i = 0; i < WRITER_TOKENS; i++) {
    sqlite3_bind_int64(v, 1, writer_ids[0][i]);
    if (sqlite3_step(v) != SQLITE_ROW || sqlite3_column_int(v, 0) != 1)
      die("the writer's token %lld is not in pat_tokens", (long long)writer_ids[0][i]);
    sqlite3_reset(v);
  }
  sqlite3_finalize(v);
  exec(p, "PRAGMA wal_checkpoint(TRUNCATE)");
  exec(f, "PRAGMA wal_checkpoint(TRUNCATE)");
  close_db(p);
  close_db(f);
  pool_n = n;
  progress("  populated %d tokens (and %d for the writer) in %.1f s", n, WRITER_TOKENS,
           (double)(now_ns() - t0) / 1e9);
}

/* ------------------------------------------------------------ children */

enum { SIDE_PAT, SIDE_FLOOR };

typedef struct phase {
  int side, procs;
  const int *sample; /* pool indexes of the tokens checked */
  int nsample;
  int warm_tok;      /* a pool token outside every sample, for the warm-up */
  int write_ms;
} phase;

/* Waits for the parent's go (EOF on the pipe), then reads the deadline. */
static int64_t wait_go(int go_fd) {
  char c;
  while (read(go_fd, &c, 1) < 0 && errno == EINTR) {
  }
  close(go_fd);
  return sh->deadline;
}

static void ready(int ready_fd) {
  char c = 'r';
  if (write(ready_fd, &c, 1) != 1) die("write ready: %s", strerror(errno));
  close(ready_fd);
}

/* One pat check: 1 when the answer is an id, 0 when not, -1 BUSY, -2 error. */
static int check_pat(sqlite3_stmt *st, const char *tok, int len) {
  sqlite3_bind_text(st, 1, tok, len, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  int got = rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER;
  sqlite3_reset(st);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return -1;
  if (rc != SQLITE_ROW) return -2;
  return got;
}

/* The floor's check, as bench.c's loop_floor_verify. */
static int check_floor(sqlite3_stmt *st, const char *tok, int len) {
  unsigned char d[32];
  int64_t id = 0;
  crypto_generichash(d, sizeof d, (const unsigned char *)tok, (size_t)len, NULL, 0);
  sqlite3_bind_blob(st, 1, d, sizeof d, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    int64_t from = sqlite3_column_int64(st, 1), to = sqlite3_column_int64(st, 2);
    int64_t now = (int64_t)time(NULL);
    if (now >= from && now < to) id = sqlite3_column_int64(st, 0);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return -1;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return -2;
  return id != 0;
}

__attribute__((noinline)) static void loop_checks(const phase *ph, sqlite3 *db,
                                                  sqlite3_stmt *st, int64_t deadline,
                                                  result *r) {
  usage u0 = usage_now();
  int64_t t0 = now_ns(), prev = t0, t = t0;
  while (t < deadline) {
    uint32_t k = rng_below((uint32_t)ph->nsample);
    int i = ph->sample[k];
    int got = ph->side == SIDE_PAT ? check_pat(st, pool[i], pool_len[i])
                                   : check_floor(st, pool[i], pool_len[i]);
    seen[k] = 1;
    t = now_ns();
    int64_t lat = t - prev;
    prev = t;
    r->checks++;
    r->hist[hist_index(lat)]++;
    if (lat > r->max_ns) r->max_ns = lat;
    r->over_1ms += lat > 1000000;
    if (got == -1) {
      r->busy++;
    } else if (got == -2) {
      if (r->errors++ == 0) snprintf(r->error, sizeof r->error, "%s", sqlite3_errmsg(db));
    } else {
      r->wrong += got != 1;
    }
  }
  r->elapsed_ns = t - t0;
  usage u1 = usage_now();
  r->cpu_ns = u1.cpu_ns - u0.cpu_ns;
  r->waits = u1.waits - u0.waits;
  r->preempted = u1.preempted - u0.preempted;
}

static void run_checker(const phase *ph, result *r, int go_fd, int ready_fd) {
  const char *path = ph->side == SIDE_PAT ? pat_path : floor_path;
  sqlite3 *db = open_db(path);
  /* Setting up may wait (see the top of the file); the timed checks never. */
  sqlite3_busy_timeout(db, 5000);
  if (ph->side == SIDE_PAT) load_pat(db);
  sqlite3_stmt *st = prepare(db, ph->side == SIDE_PAT ? pat_verify_sql : floor_lookup_sql);
  /* Warm-up on a token outside the sample: pat's first call sets up its
  ** state (and writes that token's last_used_at, once, untimed). */
  for (int w = 0; w < 3; w++) {
    int got = ph->side == SIDE_PAT
                  ? check_pat(st, pool[ph->warm_tok], pool_len[ph->warm_tok])
                  : check_floor(st, pool[ph->warm_tok], pool_len[ph->warm_tok]);
    if (got < 0) die("warm-up check: %s", sqlite3_errmsg(db));
  }
  sqlite3_busy_timeout(db, 0);
  ready(ready_fd);
  int64_t deadline = wait_go(go_fd);
  loop_checks(ph, db, st, deadline, r);
  sqlite3_finalize(st);
  close_db(db);
}

/* The writer: create, rotate, delete in turn, one op every write_ms, each in
** its own transaction; it deletes its oldest token and rotates a random one. */
static void run_writer(const phase *ph, result *r, int go_fd, int ready_fd) {
  int is_pat = ph->side == SIDE_PAT;
  sqlite3 *db = open_db(is_pat ? pat_path : floor_path);
  sqlite3_busy_timeout(db, 5000);
  if (is_pat) load_pat(db);
  sqlite3_stmt *cr = prepare(db, is_pat ? pat_create_sql : floor_insert_sql);
  sqlite3_stmt *ro = prepare(db, is_pat ? pat_rotate_sql : floor_rotate_sql);
  sqlite3_stmt *de = prepare(db, is_pat ? pat_delete_sql : floor_delete_sql);
  int64_t ids[RING];
  memcpy(ids, writer_ids[is_pat ? 0 : 1], sizeof ids);
  int head = 0, live = WRITER_TOKENS; /* ring: ids[head .. head+live) */
  int64_t now = (int64_t)time(NULL);
  long seq = 0;
  ready(ready_fd);
  int64_t deadline = wait_go(go_fd), period = (int64_t)ph->write_ms * 1000000;
  int64_t next = now_ns();
  for (int64_t op = 0;; op++) {
    int64_t t = now_ns();
    if (t >= deadline) break;
    if (t < next) {
      struct timespec ts = {(time_t)(next / 1000000000), (long)(next % 1000000000)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
      }
      if (next >= deadline) break;
    }
    next += period;
    if (next < now_ns()) next = now_ns(); /* behind: no burst to catch up */
    /* 0 create, 1 rotate, 2 delete */
    int kind = (int)((op + 2) % 3);
    sqlite3_stmt *st = kind == 0 ? cr : kind == 1 ? ro : de;
    int64_t id = 0;
    if (kind == 0) {
      char owner[32], name[32];
      unsigned char d[32];
      if (live == RING) continue;
      snprintf(owner, sizeof owner, "user%ld", seq % 1000);
      snprintf(name, sizeof name, "writer %ld", seq++);
      if (is_pat) {
        sqlite3_bind_text(st, 1, owner, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, rights_arg, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now - 3600);
        sqlite3_bind_int64(st, 5, now + 30 * 86400);
      } else {
        randombytes_buf(d, sizeof d);
        sqlite3_bind_blob(st, 1, d, sizeof d, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, owner, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, now - 3600);
        sqlite3_bind_int64(st, 5, now + 30 * 86400);
        sqlite3_bind_text(st, 6, rights_json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, (int64_t)time(NULL));
      }
    } else {
      if (live == 0) continue;
      int at = kind == 1 ? (head + (int)rng_below((uint32_t)live)) % RING : head;
      id = ids[at];
      sqlite3_bind_int64(st, 1, id);
      if (kind == 1 && !is_pat) {
        unsigned char d[32];
        randombytes_buf(d, sizeof d);
        sqlite3_bind_blob(st, 2, d, sizeof d, SQLITE_TRANSIENT);
      }
    }
    int64_t t0 = now_ns();
    int rc = sqlite3_step(st);
    int ok = is_pat && kind != 2 ? rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT
                                 : rc == SQLITE_DONE;
    sqlite3_reset(st);
    int64_t took = now_ns() - t0;
    if (took > r->op_max_ns) r->op_max_ns = took;
    if ((rc & 0xff) == SQLITE_BUSY) {
      r->op_busy++;
      continue;
    }
    if (!ok || (kind != 0 && sqlite3_changes(db) < 1)) {
      if (r->errors++ == 0)
        snprintf(r->error, sizeof r->error, "writer op %d on id %lld: %s", kind,
                 (long long)id, sqlite3_errmsg(db));
      continue;
    }
    r->ops++;
    if (kind == 0) {
      ids[(head + live++) % RING] = sqlite3_last_insert_rowid(db);
    } else if (kind == 2) {
      head = (head + 1) % RING;
      live--;
    }
  }
  sqlite3_finalize(cr);
  sqlite3_finalize(ro);
  sqlite3_finalize(de);
  close_db(db);
  /* The parent's copy is stale now: hand the live tokens back. */
  for (int k = 0; k < live; k++) r->ring[k] = ids[(head + k) % RING];
  r->ring_live = live;
}

/* ------------------------------------------------------------ the phases */

typedef struct cell {
  /* Per rep: the mean over processes of checks/s and of CPU ns per check. */
  double rate[64], cpu[64];
  int nreps;
  int64_t checks, busy, errors, wrong, over_1ms, max_ns, waits, preempted, cpu_ns;
  int64_t ops, op_busy, op_max_ns, writer_errors;
  int64_t touched; /* pat: sample tokens whose last_used_at was written */
  int64_t checked; /* sample tokens checked at least once */
  uint64_t hist[HIST_BUCKETS];
} cell;

static int failed_children;

/* pat: how many of the sample's tokens have a last_used_at now (explicit
** `at`, so the question writes nothing). */
static int64_t count_touched(const phase *ph) {
  sqlite3 *db = open_db(pat_path);
  load_pat(db);
  sqlite3_stmt *v = prepare(db, "SELECT pat_verify(?1, ?2)");
  sqlite3_stmt *lu =
      prepare(db, "SELECT last_used_at IS NOT NULL FROM pat_tokens WHERE id = ?1");
  int64_t n = 0, now = (int64_t)time(NULL);
  for (int k = 0; k < ph->nsample; k++) {
    int i = ph->sample[k];
    sqlite3_bind_text(v, 1, pool[i], pool_len[i], SQLITE_STATIC);
    sqlite3_bind_int64(v, 2, now);
    if (sqlite3_step(v) != SQLITE_ROW || sqlite3_column_type(v, 0) != SQLITE_INTEGER)
      die("sample token %d no longer verifies", i);
    sqlite3_bind_int64(lu, 1, sqlite3_column_int64(v, 0));
    sqlite3_reset(v);
    if (sqlite3_step(lu) != SQLITE_ROW) die("pat_tokens: %s", sqlite3_errmsg(db));
    n += sqlite3_column_int(lu, 0);
    sqlite3_reset(lu);
  }
  sqlite3_finalize(v);
  sqlite3_finalize(lu);
  close_db(db);
  return n;
}

/* Checks every sample token once, untimed (mode warm). */
static void warm_sample(const phase *ph) {
  sqlite3 *db = open_db(ph->side == SIDE_PAT ? pat_path : floor_path);
  if (ph->side == SIDE_PAT) load_pat(db);
  sqlite3_stmt *st = prepare(db, ph->side == SIDE_PAT ? pat_verify_sql : floor_lookup_sql);
  for (int k = 0; k < ph->nsample; k++) {
    int i = ph->sample[k];
    int got = ph->side == SIDE_PAT ? check_pat(st, pool[i], pool_len[i])
                                   : check_floor(st, pool[i], pool_len[i]);
    if (got != 1) die("warm-up: token %d answered %d", i, got);
  }
  sqlite3_finalize(st);
  close_db(db);
}

static void run_phase(const phase *ph, cell *c, int warm) {
  const char *path = ph->side == SIDE_PAT ? pat_path : floor_path;
  sqlite3 *db = open_db(path);
  exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  close_db(db);
  if (warm) warm_sample(ph);
  memset(sh->r, 0, sizeof sh->r);
  memset(seen, 0, (size_t)ph->nsample);
  int go[2], rd[2];
  if (pipe(go) != 0 || pipe(rd) != 0) die("pipe: %s", strerror(errno));
  fflush(NULL);
  pid_t pids[MAX_PROCS + 1];
  int nchild = ph->procs + 1;
  for (int k = 0; k < nchild; k++) {
    pid_t pid = fork();
    if (pid < 0) die("fork: %s", strerror(errno));
    if (pid == 0) {
      close(go[1]);
      close(rd[0]);
      randombytes_buf(&rng_state, sizeof rng_state);
      rng_state |= 1;
      if (k < ph->procs)
        run_checker(ph, &sh->r[k], go[0], rd[1]);
      else
        run_writer(ph, &sh->r[MAX_PROCS], go[0], rd[1]);
      _exit(0);
    }
    pids[k] = pid;
  }
  close(go[0]);
  close(rd[1]);
  int got = 0;
  char b;
  while (got < nchild) {
    ssize_t n = read(rd[0], &b, 1);
    if (n == 1) got++;
    else if (n == 0 || errno != EINTR) break;
  }
  close(rd[0]);
  if (got < nchild) progress("  only %d of %d children got ready", got, nchild);
  sh->deadline = now_ns() + phase_ns;
  __sync_synchronize();
  close(go[1]); /* go */
  for (int k = 0; k < nchild; k++) {
    int status;
    while (waitpid(pids[k], &status, 0) < 0)
      if (errno != EINTR) die("waitpid: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      failed_children++;
      progress("  %s %d ended with %s %d", k < ph->procs ? "checker" : "writer", k,
               WIFEXITED(status) ? "status" : "signal",
               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    }
  }
  if (got < nchild) die("a child could not get ready");

  double rate = 0, cpu = 0;
  int64_t checks = 0;
  for (int k = 0; k < ph->procs; k++) {
    const result *r = &sh->r[k];
    if (r->errors) progress("  checker %d: %lld errors, first: %s", k, (long long)r->errors,
                            r->error);
    rate += r->elapsed_ns > 0 ? (double)r->checks * 1e9 / (double)r->elapsed_ns : 0;
    cpu += r->checks > 0 ? (double)r->cpu_ns / (double)r->checks : 0;
    checks += r->checks;
    c->checks += r->checks;
    c->busy += r->busy;
    c->errors += r->errors;
    c->wrong += r->wrong;
    c->over_1ms += r->over_1ms;
    c->waits += r->waits;
    c->cpu_ns += r->cpu_ns;
    c->preempted += r->preempted;
    if (r->max_ns > c->max_ns) c->max_ns = r->max_ns;
    for (int i = 0; i < HIST_BUCKETS; i++) c->hist[i] += r->hist[i];
  }
  c->rate[c->nreps] = rate / ph->procs;
  c->cpu[c->nreps] = cpu / ph->procs;
  c->nreps++;
  const result *w = &sh->r[MAX_PROCS];
  if (w->errors) progress("  writer: %lld errors, first: %s", (long long)w->errors, w->error);
  c->ops += w->ops;
  c->op_busy += w->op_busy;
  c->writer_errors += w->errors;
  if (w->op_max_ns > c->op_max_ns) c->op_max_ns = w->op_max_ns;
  /* The writer's tokens, for the next phase on this side: the newest
  ** WRITER_TOKENS of those it left, topped up when it left fewer. */
  int side = ph->side == SIDE_PAT ? 0 : 1;
  int live = w->ring_live < WRITER_TOKENS ? w->ring_live : WRITER_TOKENS;
  if (failed_children) live = 0; /* the writer may not have handed them back */
  for (int k = 0; k < live; k++) writer_ids[side][k] = w->ring[w->ring_live - live + k];
  if (live < WRITER_TOKENS) {
    sqlite3 *d = open_db(path);
    if (ph->side == SIDE_PAT) load_pat(d);
    sqlite3_stmt *cr = prepare(d, ph->side == SIDE_PAT ? pat_create_sql : floor_insert_sql);
    int64_t now = (int64_t)time(NULL);
    for (int k = live; k < WRITER_TOKENS; k++) {
      unsigned char dg[32];
      sqlite3_bind_int64(cr, 4, now - 3600);
      sqlite3_bind_int64(cr, 5, now + 30 * 86400);
      if (ph->side == SIDE_PAT) {
        sqlite3_bind_text(cr, 1, "writer", -1, SQLITE_STATIC);
        sqlite3_bind_text(cr, 2, "top up", -1, SQLITE_STATIC);
        sqlite3_bind_text(cr, 3, rights_arg, -1, SQLITE_STATIC);
      } else {
        randombytes_buf(dg, sizeof dg);
        sqlite3_bind_blob(cr, 1, dg, sizeof dg, SQLITE_STATIC);
        sqlite3_bind_text(cr, 2, "writer", -1, SQLITE_STATIC);
        sqlite3_bind_text(cr, 3, "top up", -1, SQLITE_STATIC);
        sqlite3_bind_text(cr, 6, rights_json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(cr, 7, now);
      }
      int rc = sqlite3_step(cr);
      if (rc != (ph->side == SIDE_PAT ? SQLITE_ROW : SQLITE_DONE))
        die("top up: %s", sqlite3_errmsg(d));
      sqlite3_reset(cr);
      writer_ids[side][k] = sqlite3_last_insert_rowid(d);
    }
    sqlite3_finalize(cr);
    close_db(d);
  }
  if (ph->side == SIDE_PAT) c->touched += count_touched(ph);
  for (int k = 0; k < ph->nsample; k++) c->checked += seen[k];
  int64_t waits = 0;
  for (int k = 0; k < ph->procs; k++) waits += sh->r[k].waits;
  progress("  %-5s %d checker(s): %8.0f checks/s per process, %5.2f us CPU/check, %lld"
           " checks, %lld waits; writer %lld ops",
           ph->side == SIDE_PAT ? "pat" : "floor", ph->procs, rate / ph->procs,
           cpu / ph->procs / 1000, (long long)checks, (long long)waits, (long long)w->ops);
}

/* ------------------------------------------------------------ report */

static double median(const double *v0, int n) {
  double v[64];
  memcpy(v, v0, sizeof(double) * (size_t)n);
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  if (n == 0) return 0;
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double lowest(const double *v, int n) {
  double m = n > 0 ? v[0] : 0;
  for (int i = 1; i < n; i++) m = v[i] < m ? v[i] : m;
  return m;
}

static double highest(const double *v, int n) {
  double m = n > 0 ? v[0] : 0;
  for (int i = 1; i < n; i++) m = v[i] > m ? v[i] : m;
  return m;
}

static double quantile(const cell *c, double q) {
  uint64_t total = 0, acc = 0;
  for (int i = 0; i < HIST_BUCKETS; i++) total += c->hist[i];
  if (total == 0) return 0;
  uint64_t want = (uint64_t)(q * (double)(total - 1)) + 1;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    acc += c->hist[i];
    if (acc >= want) return hist_value(i);
  }
  return (double)c->max_ns;
}

static void fmt_ns(char *out, size_t n, double ns) {
  if (ns < 10000)
    snprintf(out, n, "%.1f us", ns / 1000);
  else if (ns < 1000000)
    snprintf(out, n, "%.0f us", ns / 1000);
  else
    snprintf(out, n, "%.1f ms", ns / 1e6);
}

static int misses;

static void verdict(const char *figure, const char *mode, int procs, double value,
                    double limit, int digits) {
  int ok = value <= limit;
  misses += !ok;
  printf("| %s | %s | %d | %.*f | at most %.*f | %s |\n", figure, mode, procs, digits, value,
         digits, limit, ok ? "PASS" : "MISS");
}

int main(void) {
  const char *s = getenv("BENCH_DIR");
  if (s && *s) snprintf(dir, sizeof dir, "%s", s);
  s = getenv("BENCH_EXT");
  if (s && *s) ext_path = s;
  int seconds_s = (int)env_long("BENCH_CONC_SECONDS", 2, 1, 3600);
  int reps = (int)env_long("BENCH_CONC_REPS", 3, 1, 64);
  int ntok = (int)env_long("BENCH_CONC_TOKENS", 1000, 1, 10000000);
  int n = (int)env_long("BENCH_CONC_N", 100000, 10, 100000000);
  int write_ms = (int)env_long("BENCH_CONC_WRITE_MS", 5, 1, 10000);
  static const char *const mode_name[2] = {"warm", "cold"};
  int modes[2], nmodes = 0;
  const char *ml = getenv("BENCH_CONC_MODES");
  if (ml == NULL || *ml == '\0') ml = "warm,cold";
  for (const char *p = ml; *p;) {
    size_t len = strcspn(p, ",");
    int m = len == 4 && memcmp(p, "warm", 4) == 0 ? 0
            : len == 4 && memcmp(p, "cold", 4) == 0 ? 1 : -1;
    if (m < 0 || nmodes == 2 || (nmodes == 1 && modes[0] == m))
      die("BENCH_CONC_MODES must be a comma list of warm and cold");
    modes[nmodes++] = m;
    p += len + (p[len] == ',');
  }
  int counts[MAX_COUNTS], ncounts = 0;
  const char *list = getenv("BENCH_CONC_PROCS");
  if (list == NULL || *list == '\0') list = "1,2,4";
  for (const char *p = list; *p;) {
    char *end = NULL;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > MAX_PROCS || ncounts == MAX_COUNTS)
      die("BENCH_CONC_PROCS must be a comma list of at most %d counts in [1, %d]",
          MAX_COUNTS, MAX_PROCS);
    counts[ncounts++] = (int)v;
    if (*end != ',' && *end != '\0') die("BENCH_CONC_PROCS: unexpected '%c'", *end);
    p = *end == ',' ? end + 1 : end;
  }
  /* Each pat phase checks tokens never checked before; one more for the
  ** checkers' warm-up. */
  int64_t need = (int64_t)nmodes * ncounts * reps * ntok + 1;
  if (need > n)
    die("BENCH_CONC_N (%d) must be at least modes x counts x reps x tokens + 1 = %lld", n,
        (long long)need);

  if (sodium_init() < 0) die("sodium_init failed");
  if (sqlite3_threadsafe() == 0) die("SQLite built without thread safety");
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) die("mkdir %s: %s", dir, strerror(errno));
  snprintf(pat_path, sizeof pat_path, "%s/conc_pat.db", dir);
  snprintf(floor_path, sizeof floor_path, "%s/conc_floor.db", dir);
  remove_db(pat_path);
  remove_db(floor_path);
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) die("mmap: %s", strerror(errno));
  seen = mmap(NULL, (size_t)ntok, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (seen == MAP_FAILED) die("mmap: %s", strerror(errno));
  phase_ns = (int64_t)seconds_s * 1000000000LL;
  randombytes_buf(&rng_state, sizeof rng_state);
  rng_state |= 1;

  int64_t t0 = now_ns();
  progress("pat bench-concurrency: SQLite %s, libsodium %s, %s; %d s per phase x %d reps,"
           " %d distinct tokens per phase, writer every %d ms, modes %s",
           sqlite3_libversion(), sodium_version_string(), ext_path, seconds_s, reps, ntok,
           write_ms, ml);
  populate(n, (int64_t)time(NULL));

  /* Settings as pat made them: the defaults, printed so the table says so. */
  sqlite3 *db = open_db(pat_path);
  load_pat(db);
  int64_t interval =
      query_int(db, "SELECT value FROM pat_settings WHERE key = 'last_used_interval'");
  sqlite3_stmt *au = prepare(db, "SELECT value FROM pat_settings WHERE key = 'audit'");
  char audit[32] = "?";
  if (sqlite3_step(au) == SQLITE_ROW)
    snprintf(audit, sizeof audit, "%s", (const char *)sqlite3_column_text(au, 0));
  sqlite3_finalize(au);
  close_db(db);

  /* A random order of the pool; phase j's sample is the j-th slice. */
  int *order = malloc(sizeof(int) * (size_t)n);
  if (order == NULL) die("out of memory");
  for (int i = 0; i < n; i++) order[i] = i;
  for (int i = n - 1; i > 0; i--) {
    int j = (int)randombytes_uniform((uint32_t)i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  int warm_tok = order[n - 1];

  static cell cells[2][MAX_COUNTS][2]; /* [mode][count][side] */
  memset(cells, 0, sizeof cells);
  int slice = 0;
  for (int mi = 0; mi < nmodes; mi++) {
    int m = modes[mi];
    progress("%s: %s", mode_name[m],
             m == 0 ? "each token checked once just before the phase (no timed check writes)"
                    : "tokens never checked before (the first check of each writes)");
    for (int ci = 0; ci < ncounts; ci++)
      for (int rep = 0; rep < reps; rep++, slice++) {
        phase ph = {SIDE_PAT, counts[ci], order + (size_t)slice * ntok, ntok, warm_tok,
                    write_ms};
        /* pat and the floor check the same tokens; which goes first alternates. */
        int first = (rep + ci) & 1;
        for (int k = 0; k < 2; k++) {
          ph.side = k ^ first ? SIDE_FLOOR : SIDE_PAT;
          run_phase(&ph, &cells[m][ci][ph.side], m == 0);
        }
      }
  }

  int64_t planned = (int64_t)reps * (phase_ns / 1000000 / write_ms);
  printf("# pat bench-concurrency: SQLite %s, libsodium %s; %d s per phase x %d reps,"
         " %d distinct tokens per phase, %d tokens in the store, one writer op every %d ms;"
         " pat's settings as made: last_used_interval %lld, audit %s\n",
         sqlite3_libversion(), sodium_version_string(), seconds_s, reps, ntok, n, write_ms,
         (long long)interval, audit);
  printf("\nwarm: every token checked once, untimed, just before the phase (no timed check"
         " writes last_used_at). cold: no token checked before the phase (the first check of"
         " each writes it). The floor writes nothing. Checks/s per process and CPU per check:"
         " median over reps of the mean over the processes, [lowest..highest rep]; latencies"
         " over every check of every rep. Waits: the checkers' voluntary context switches"
         " (a sleep, a disk write, a blocking lock; a check that only reads never makes one)."
         " Writer ops: done, of %lld planned.\n",
         (long long)planned);
  printf("\n| mode | checkers | side | checks/s per process | CPU per check | median | p99 |"
         " worst | checks > 1 ms | waits | SQLITE_BUSY | writer ops | writer worst op |"
         " note |\n");
  printf("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
         " ---: | --- |\n");
  int64_t wrong = 0, errors = 0;
  for (int mi = 0; mi < nmodes; mi++)
    for (int ci = 0; ci < ncounts; ci++)
      for (int side = 0; side < 2; side++) {
        int m = modes[mi];
        const cell *c = &cells[m][ci][side];
        char med[32], p99[32], worst[32], wworst[32], note[160] = "";
        fmt_ns(med, sizeof med, quantile(c, 0.5));
        fmt_ns(p99, sizeof p99, quantile(c, 0.99));
        fmt_ns(worst, sizeof worst, (double)c->max_ns);
        fmt_ns(wworst, sizeof wworst, (double)c->op_max_ns);
        if (side == SIDE_PAT && m == 1) {
          snprintf(note, sizeof note,
                   "%lld of %lld tokens checked, last_used_at written for %lld",
                   (long long)c->checked, (long long)reps * ntok, (long long)c->touched);
          /* What the writes cost: the CPU beyond what as many warm checks
          ** took, per token written (tries turned away by a lock included). */
          const cell *w = &cells[0][ci][SIDE_PAT];
          if (w->checks > 0 && c->touched > 0) {
            double extra = (double)c->cpu_ns -
                           (double)w->cpu_ns / (double)w->checks * (double)c->checks;
            if (extra > 0)
              snprintf(note + strlen(note), sizeof note - strlen(note),
                       ", about %.0f us of CPU each", extra / (double)c->touched / 1000);
            else
              snprintf(note + strlen(note), sizeof note - strlen(note),
                       ", their CPU lost in the noise");
          }
        }
        if (c->wrong || c->errors || c->writer_errors)
          snprintf(note + strlen(note), sizeof note - strlen(note),
                   "%sWRONG %lld, ERRORS %lld, writer errors %lld", *note ? "; " : "",
                   (long long)c->wrong, (long long)c->errors, (long long)c->writer_errors);
        if (c->op_busy)
          snprintf(note + strlen(note), sizeof note - strlen(note), "%swriter BUSY %lld",
                   *note ? "; " : "", (long long)c->op_busy);
        printf("| %s | %d | %s | %.0f [%.0f..%.0f] | %.2f us | %s | %s | %s | %lld | %lld |"
               " %lld | %lld | %s | %s |\n",
               mode_name[m], counts[ci], side == SIDE_PAT ? "pat" : "floor",
               median(c->rate, c->nreps), lowest(c->rate, c->nreps),
               highest(c->rate, c->nreps), median(c->cpu, c->nreps) / 1000, med, p99, worst,
               (long long)c->over_1ms, (long long)c->waits, (long long)c->busy,
               (long long)c->ops, wworst, note);
        wrong += c->wrong;
        errors += c->errors + c->writer_errors;
      }

  printf("\n## Targets (issue \"Speed where it still costs\")\n\n"
         "pat's cost per check against the floor's: the floor's checks/s per process"
         " divided by pat's (above 1: pat is slower).\n\n");
  printf("| figure | mode | checkers | value | target | verdict |\n"
         "| --- | --- | ---: | ---: | --- | --- |\n");
  for (int mi = 0; mi < nmodes; mi++)
    for (int ci = 0; ci < ncounts; ci++) {
      const cell *p = &cells[modes[mi]][ci][SIDE_PAT], *f = &cells[modes[mi]][ci][SIDE_FLOOR];
      double pr = median(p->rate, p->nreps), fr = median(f->rate, f->nreps);
      verdict("floor checks/s / pat checks/s", mode_name[modes[mi]], counts[ci],
              pr > 0 ? fr / pr : 99, 1.2, 2);
    }
  /* Less noisy than the rates on a shared machine (a process's CPU share
  ** moves them, not its CPU per check), so shown beside them. */
  for (int mi = 0; mi < nmodes; mi++)
    for (int ci = 0; ci < ncounts; ci++) {
      const cell *p = &cells[modes[mi]][ci][SIDE_PAT], *f = &cells[modes[mi]][ci][SIDE_FLOOR];
      double pc = median(p->cpu, p->nreps), fc = median(f->cpu, f->nreps);
      printf("| CPU per check, pat / floor | %s | %d | %.2f | (shown, not a target) | |\n",
             mode_name[modes[mi]], counts[ci], fc > 0 ? pc / fc : 99);
    }
  for (int mi = 0; mi < nmodes; mi++)
    for (int ci = 0; ci < ncounts; ci++)
      verdict("pat checks answered SQLITE_BUSY", mode_name[modes[mi]], counts[ci],
              (double)cells[modes[mi]][ci][SIDE_PAT].busy, 0, 0);
  printf("\nworst check, pat vs floor (%d processes on %ld CPUs: a check the scheduler"
         " preempted shows here too):\n\n",
         counts[ncounts - 1] + 1, sysconf(_SC_NPROCESSORS_ONLN));
  for (int mi = 0; mi < nmodes; mi++) {
    printf("- %s:", mode_name[modes[mi]]);
    for (int ci = 0; ci < ncounts; ci++) {
      char a[32], b[32];
      fmt_ns(a, sizeof a, (double)cells[modes[mi]][ci][SIDE_PAT].max_ns);
      fmt_ns(b, sizeof b, (double)cells[modes[mi]][ci][SIDE_FLOOR].max_ns);
      printf("%s %d checker%s: %s vs %s", ci ? ";" : "", counts[ci], counts[ci] > 1 ? "s" : "",
             a, b);
    }
    printf("\n");
  }
  printf("\ntotal %.0f s; %d target(s) missed\n", (double)(now_ns() - t0) / 1e9, misses);
  if (wrong || errors || failed_children)
    printf("ERRORS: %lld wrong answers, %lld errors, %d processes failed\n", (long long)wrong,
           (long long)errors, failed_children);
  free(order);
  free(pool);
  free(pool_len);
  remove_db(pat_path);
  remove_db(floor_path);
  return wrong || errors || failed_children ? 1 : 0;
}
